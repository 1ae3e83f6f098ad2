#include "ui/datasets/dataset_stats_panel.h"

#include "app/project_document.h"
#include "ui/datasets/normalization_dialog.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace nw::ui {

namespace {

QString numbers(const std::vector<double>& values) {
    QStringList parts;
    for (double v : values) {
        parts << QString::number(v, 'f', 4);
    }
    return parts.join(QStringLiteral(", "));
}

// Statistics equal to the stored normalisation, to the digits shown.
bool sameValues(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(),
                      [](double x, double y) { return std::abs(x - y) < 5e-5; });
}

} // namespace

DatasetStatsPanel::DatasetStatsPanel(app::ProjectDocument& document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_text(new QLabel(this))
    , m_normalize(new QPushButton(tr("Use for normalization"), this))
    , m_edit(new QPushButton(tr("Set normalization…"), this)) {
    m_text->setWordWrap(true);
    m_normalize->setToolTip(tr("Store this mean and std as the project's input normalisation "
                               "(x' = (x - mean) / std, x in [0, 1]); undoable."));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_text);
    m_edit->setObjectName(QStringLiteral("setNormalization"));
    m_edit->setToolTip(tr("Type the mean and std, or pick a preset (ImageNet's for torchvision's "
                          "pretrained models), or none; undoable."));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_normalize);
    buttons->addWidget(m_edit);
    buttons->addStretch();
    layout->addLayout(buttons);
    connect(m_edit, &QPushButton::clicked, this, [this] {
        const auto& ref = m_document.project().dataset;
        auto* dialog = new NormalizationDialog(ref.mean, ref.std, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, [this, dialog] {
            if (auto status = m_document.setNormalization(dialog->mean(), dialog->std()); !status) {
                m_text->setText(QString::fromStdString(status.error().message));
            }
        });
        dialog->open(); // not exec(): the window stays responsive and tests answer it
    });
    connect(m_normalize, &QPushButton::clicked, this, [this] {
        if (!m_stats) {
            return;
        }
        if (auto status = m_document.setNormalization(m_stats->mean, m_stats->std); !status) {
            m_text->setText(QString::fromStdString(status.error().message));
        }
    });
    connect(&m_document, &app::ProjectDocument::changed, this, &DatasetStatsPanel::refresh);
    refresh();
}

void DatasetStatsPanel::setDataset(std::shared_ptr<const datasets::Dataset> train) {
    const int generation = ++m_generation;
    m_stats.reset();
    m_hasDataset = train != nullptr;
    refresh();
    if (!train) {
        return;
    }
    auto stats = std::make_shared<datasets::DatasetStats>();
    m_jobs.run(
        this, [train, stats] { *stats = datasets::computeStats(*train); },
        [this, stats, generation] {
            if (generation != m_generation) {
                return;
            }
            m_stats = *stats;
            refresh();
            emit statsReady();
        });
}

void DatasetStatsPanel::refresh() {
    const auto& ref = m_document.project().dataset;
    const QString current =
        ref.mean.empty()
            ? tr("The project uses no normalisation.")
            : tr("Project normalisation: mean %1, std %2").arg(numbers(ref.mean), numbers(ref.std));
    if (!m_stats) {
        m_text->setText((m_hasDataset ? tr("Computing mean and std per channel…")
                                      : tr("Mean and std per channel: no dataset.")) +
                        QStringLiteral("\n") + current);
        m_normalize->setEnabled(false);
        return;
    }
    m_text->setText(tr("%L1 samples, values in [%2, %3]\nMean: %4\nStd: %5\n%6")
                        .arg(m_stats->samples)
                        .arg(m_stats->min)
                        .arg(m_stats->max)
                        .arg(numbers(m_stats->mean), numbers(m_stats->std), current));
    const bool same = sameValues(ref.mean, m_stats->mean) && sameValues(ref.std, m_stats->std);
    m_normalize->setEnabled(!m_stats->mean.empty() && !same);
}

} // namespace nw::ui
