#include "ui/datasets/augmentation_preview.h"

#include "app/project_document.h"
#include "datasets/augmentation.h"
#include "ui/datasets/sample_image.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QPushButton>
#include <QRandomGenerator>
#include <QVBoxLayout>
#include <algorithm>

namespace nw::ui {

namespace {

constexpr int kTileSize = 76; // pixels on the longer side
constexpr int kColumns = 5;   // tiles per row: the original and four variants

} // namespace

AugmentationPreview::AugmentationPreview(app::ProjectDocument& document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_seed(document.project().training.seed)
    , m_seedLabel(new QLabel(this))
    , m_reseed(new QPushButton(tr("Reseed"), this))
    , m_message(new QLabel(this))
    , m_tiles(new QWidget(this))
    , m_grid(new QGridLayout(m_tiles)) {
    m_message->setWordWrap(true);
    m_message->setForegroundRole(QPalette::PlaceholderText);
    m_grid->setContentsMargins(0, 0, 0, 0);
    m_grid->setSpacing(4);
    m_grid->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_tiles->setMinimumWidth(kColumns * (kTileSize + 4) + (kColumns - 1) * 4);
    auto* top = new QHBoxLayout;
    top->addWidget(m_seedLabel, 1);
    top->addWidget(m_reseed);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_tiles);
    layout->addWidget(m_message);
    layout->addStretch(1);
    m_reseed->setToolTip(tr("Draw a new seed: the same seed always gives the same variants."));
    connect(m_reseed, &QPushButton::clicked, this, &AugmentationPreview::reseed);
    // Graph edits change nothing here: redraw only when the pipeline or the seed changed.
    connect(&m_document, &app::ProjectDocument::changed, this, [this] {
        const auto& project = m_document.project();
        if (project.augmentation != m_renderedSteps ||
            (m_followProject && project.training.seed != m_seed)) {
            render();
        }
    });
    render();
}

void AugmentationPreview::setSample(std::shared_ptr<const datasets::Dataset> dataset,
                                    std::int64_t index) {
    std::vector<SampleRef> samples;
    if (dataset) {
        samples.emplace_back(std::move(dataset), index);
    }
    setSamples(std::move(samples));
}

void AugmentationPreview::setSamples(std::vector<SampleRef> samples) {
    if (samples.size() > std::size_t(kMaxSamples)) {
        samples.resize(std::size_t(kMaxSamples));
    }
    m_samples = std::move(samples);
    render();
}

void AugmentationPreview::setVariantCount(int count) {
    m_variants = std::clamp(count, 1, 64);
    render();
}

void AugmentationPreview::setSeed(std::uint64_t seed) {
    m_seed = seed;
    m_followProject = false;
    render();
}

void AugmentationPreview::reseed() {
    std::uint64_t seed = m_seed;
    while (seed == m_seed) {
        seed = QRandomGenerator::global()->generate() % 1000000u;
    }
    setSeed(seed);
}

QString AugmentationPreview::messageText() const {
    return m_message->isHidden() ? QString() : m_message->text();
}

void AugmentationPreview::render() {
    if (m_followProject) {
        m_seed = m_document.project().training.seed;
    }
    m_renderedSteps = m_document.project().augmentation;
    m_images.clear();
    while (QLayoutItem* item = m_grid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_seedLabel->setText(tr("Seed %1 · variant v = epoch v of a run").arg(m_seed));
    auto say = [this](const QString& text) {
        m_message->setText(text);
        m_message->setVisible(!text.isEmpty());
    };
    std::erase_if(m_samples, [](const SampleRef& r) {
        return !r.first || r.second < 0 || r.second >= r.first->size();
    });
    if (m_samples.empty()) {
        say(tr("Select a sample to preview its augmentation."));
        return;
    }
    auto pipeline = datasets::AugmentationPipeline::create(m_document.project().augmentation);
    if (!pipeline) {
        say(QString::fromStdString(pipeline.error().message));
        return;
    }
    // One sample alone wraps over rows of kColumns; several get a row each.
    const bool several = m_samples.size() > 1;
    const int perSample = m_variants + 1;
    for (std::size_t r = 0; r < m_samples.size(); ++r) {
        const auto& [dataset, index] = m_samples[r];
        const auto shape = dataset->sampleShape();
        if (Status s = pipeline->checkShape(shape, dataset->name()); !s) {
            say(QString::fromStdString(s.error().message));
            return;
        }
        std::vector<float> sample(std::size_t(dataset->sampleNumel()));
        for (int v = -1; v < m_variants; ++v) {
            dataset->readSample(index, sample);
            if (v >= 0) {
                pipeline->apply(sample, shape, m_seed, std::uint64_t(v), index);
            }
            m_images << sampleToImage(sample, shape);
        }
    }
    const int tileSize = several ? kTileSize * 2 / 3 : kTileSize;
    for (int k = 0; k < m_images.size(); ++k) {
        auto* tile = new QLabel(m_tiles);
        tile->setPixmap(QPixmap::fromImage(
            m_images[k].scaled(tileSize, tileSize, Qt::KeepAspectRatio, Qt::FastTransformation)));
        const int v = k % perSample;
        tile->setToolTip(v == 0 ? tr("Original") : tr("Variant %1 (epoch %1)").arg(v - 1));
        if (v == 0) {
            tile->setStyleSheet(QStringLiteral("border: 2px solid palette(highlight);"));
        }
        if (several) {
            m_grid->addWidget(tile, k / perSample, v);
        } else {
            m_grid->addWidget(tile, k / kColumns, k % kColumns);
        }
    }
    // A pipeline that gives every epoch the same image is almost always a mistake (a flip at
    // probability 1 mirrors every training image): say so.
    bool allSame = !pipeline->empty() && m_variants > 1;
    for (int k = 0; allSame && k < m_images.size(); ++k) {
        const int v = k % perSample;
        allSame = v <= 1 || m_images[k] == m_images[k - v + 1];
    }
    say(pipeline->empty() ? tr("No augmentation steps: the variants equal the original.")
        : allSame         ? tr("Every variant is the same: no step varies between epochs, so each "
                                       "training image is changed the same way every time. A step with "
                                       "probability 1 and nothing random in it (a flip) does that; give it a "
                                       "probability below 1.")
                          : QString());
}

} // namespace nw::ui
