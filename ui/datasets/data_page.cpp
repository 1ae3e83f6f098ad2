#include "ui/datasets/data_page.h"

#include "app/project_document.h"
#include "ui/datasets/augmentation_editor.h"
#include "ui/datasets/augmentation_preview.h"
#include "ui/datasets/class_histogram.h"
#include "ui/datasets/dataset_browser_model.h"
#include "ui/datasets/dataset_stats_panel.h"
#include "ui/datasets/sample_image.h"
#include "ui/datasets/text_corpus_view.h"

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <memory>

namespace nw::ui {

namespace {

// The parts of a DatasetRef that decide which samples are shown (normalisation aside).
bool sameData(const graph::DatasetRef& a, const graph::DatasetRef& b) {
    return a.kind == b.kind && a.name == b.name && a.path == b.path &&
           a.validationSplit == b.validationSplit && a.sequenceLength == b.sequenceLength;
}

QGroupBox* group(const QString& title, QWidget* content, QWidget* parent) {
    auto* box = new QGroupBox(title, parent);
    auto* layout = new QVBoxLayout(box);
    layout->addWidget(content);
    return box;
}

QScrollArea* scrolled(QWidget* content, QWidget* parent) {
    auto* scroll = new QScrollArea(parent);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    // It starts as wide as its content (DataPage's splitter sizes) but may be narrower, and
    // scrolls then, rather than widening the window: a 1024-pixel screen must fit.
    scroll->setMinimumWidth(240);
    return scroll;
}

} // namespace

DataPage::DataPage(app::ProjectDocument& document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_model(new DatasetBrowserModel(this)) {
    m_pages = new QStackedWidget(this);
    m_text = new TextCorpusView(m_pages);
    auto* splitter = new QSplitter(Qt::Horizontal, m_pages);
    m_imagePage = splitter;
    splitter->addWidget(buildBrowser());
    QWidget* side = buildSidePanel();
    QWidget* augmentation = buildAugmentationPanel();
    splitter->addWidget(side);
    splitter->addWidget(augmentation);
    // The browser takes what the window gives or takes; the panels keep their content's width
    // until the browser is at its minimum.
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 0);
    splitter->setStretchFactor(2, 0);
    auto contentWidth = [](QWidget* w) {
        auto* scroll = qobject_cast<QScrollArea*>(w);
        return (scroll && scroll->widget() ? scroll->widget()->sizeHint().width() : 300) + 20;
    };
    splitter->setSizes({600, contentWidth(side), contentWidth(augmentation)});
    m_pages->addWidget(splitter);
    m_pages->addWidget(m_text);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_pages);
    connect(&m_document, &app::ProjectDocument::changed, this, &DataPage::onDocumentChanged);
}

DataPage::~DataPage() = default;

QWidget* DataPage::buildBrowser() {
    auto* panel = new QWidget(this);
    m_splitFilter = new QComboBox(panel);
    m_classFilter = new QComboBox(panel);
    m_count = new QLabel(panel);
    m_status = new QLabel(tr("The dataset opens when this page is shown."), panel);
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_view = new QListView(panel);
    m_view->setViewMode(QListView::IconMode);
    m_view->setResizeMode(QListView::Adjust);
    m_view->setMovement(QListView::Static);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection); // previews several
    m_view->setUniformItemSizes(true); // no per-item size queries: 60,000 rows lay out at once
    m_view->setLayoutMode(QListView::Batched);
    m_view->setSpacing(2);
    m_view->setModel(m_model);
    auto* filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Split"), panel));
    filters->addWidget(m_splitFilter);
    filters->addWidget(new QLabel(tr("Class"), panel));
    filters->addWidget(m_classFilter);
    filters->addWidget(m_count, 1);
    auto* layout = new QVBoxLayout(panel);
    layout->addLayout(filters);
    layout->addWidget(m_status);
    layout->addWidget(m_view, 1);
    connect(m_splitFilter, &QComboBox::currentIndexChanged, this, &DataPage::applyFilters);
    connect(m_classFilter, &QComboBox::currentIndexChanged, this, &DataPage::applyFilters);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &DataPage::showSelection);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &DataPage::showSelection);
    return panel;
}

QWidget* DataPage::buildSidePanel() {
    auto* content = new QWidget;
    m_details = new QLabel(tr("No sample selected."), content);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_histogram = new ClassHistogram(content);
    m_stats = new DatasetStatsPanel(m_document, content);

    auto* layout = new QVBoxLayout(content);
    layout->addWidget(group(tr("Sample"), m_details, content));
    layout->addWidget(group(tr("Classes"), m_histogram, content));
    layout->addWidget(group(tr("Statistics (training split)"), m_stats, content));
    layout->addStretch(1);

    connect(m_histogram, &ClassHistogram::classClicked, this,
            [this](int label) { m_classFilter->setCurrentIndex(label + 1); });
    connect(m_stats, &DatasetStatsPanel::statsReady, this, &DataPage::statsReady);
    return scrolled(content, this);
}

QWidget* DataPage::buildAugmentationPanel() {
    auto* content = new QWidget;
    m_editor = new AugmentationEditor(m_document, content);
    m_preview = new AugmentationPreview(m_document, content);
    auto* layout = new QVBoxLayout(content);
    layout->addWidget(group(tr("Augmentation"), m_editor, content));
    layout->addWidget(group(tr("Preview"), m_preview, content));
    layout->addStretch(1);
    return scrolled(content, this);
}

void DataPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (!m_loadedRef || !sameData(*m_loadedRef, m_document.project().dataset)) {
        loadProjectDataset();
    }
}

void DataPage::onDocumentChanged() {
    if (m_loadedRef && !sameData(*m_loadedRef, m_document.project().dataset) && isVisible()) {
        loadProjectDataset();
    }
}

void DataPage::loadProjectDataset() {
    const graph::DatasetRef ref = m_document.project().dataset;
    m_loadedRef = ref;
    const int generation = ++m_generation;
    const QString file = m_document.filePath();
    const std::filesystem::path dir =
        (file.isEmpty() ? QDir::currentPath() : QFileInfo(file).absolutePath()).toStdString();
    m_status->setText(tr("Opening the dataset…"));
    m_status->show();
    auto result = std::make_shared<std::optional<Expected<datasets::DatasetSplits>>>();
    m_jobs.run(
        this, [result, ref, dir] { result->emplace(datasets::openDataset(ref, dir)); },
        [this, result, generation] {
            if (generation != m_generation) {
                return;
            }
            if (!**result) {
                showNoDataset(tr("Cannot open the dataset: %1")
                                  .arg(QString::fromStdString((*result)->error().message)));
                return;
            }
            setDatasets(std::move(***result));
        });
}

bool DataPage::showsText() const {
    return m_pages->currentWidget() == m_text;
}

void DataPage::setDatasets(datasets::DatasetSplits splits) {
    ++m_generation; // a dataset still being opened is not shown over this one
    if (splits.vocabulary) { // a text corpus: no thumbnails, classes or image statistics
        m_model->setSplits({});
        m_stats->setDataset(nullptr);
        m_preview->setSample(nullptr, 0);
        m_text->setCorpus(splits);
        m_pages->setCurrentWidget(m_text);
        m_status->setVisible(false);
        emit datasetReady();
        return;
    }
    m_text->clear();
    m_pages->setCurrentWidget(m_imagePage);
    std::vector<DatasetBrowserModel::Split> list;
    list.push_back({tr("train"), splits.train});
    if (splits.validation) {
        list.push_back({tr("validation"), splits.validation});
    }
    if (splits.test) {
        list.push_back({tr("test"), splits.test});
    }
    m_model->setSplits(std::move(list));
    {
        QSignalBlocker a(m_splitFilter);
        QSignalBlocker b(m_classFilter);
        m_splitFilter->clear();
        m_splitFilter->addItem(tr("All"));
        m_splitFilter->addItems(m_model->splitNames());
        m_classFilter->clear();
        m_classFilter->addItem(tr("All"));
        m_classFilter->addItems(m_model->classNames());
    }
    m_status->setVisible(!splits.warnings.empty());
    if (!splits.warnings.empty()) {
        m_status->setText(tr("%n file(s) skipped: %1", nullptr, int(splits.warnings.size()))
                              .arg(QString::fromStdString(splits.warnings.front())));
    }
    applyFilters();
    selectRow(0);
    emit datasetReady();

    m_stats->setDataset(splits.train);
}

void DataPage::showNoDataset(const QString& why) {
    ++m_generation; // drops statistics still being computed for the old data
    m_text->clear();
    m_pages->setCurrentWidget(m_imagePage); // its status line says why
    m_model->setSplits({});
    {
        QSignalBlocker a(m_splitFilter);
        QSignalBlocker b(m_classFilter);
        m_splitFilter->clear();
        m_classFilter->clear();
    }
    m_stats->setDataset(nullptr);
    m_histogram->setCounts({}, {});
    m_count->clear();
    m_status->setText(why);
    m_status->show();
    showSelection();
    emit datasetFailed(why);
}

QString DataPage::statusText() const {
    return m_status->isHidden() ? QString() : m_status->text();
}

void DataPage::selectRow(int row) {
    if (row >= 0 && row < m_model->rowCount()) {
        m_view->setCurrentIndex(m_model->index(row));
    }
    showSelection();
}

void DataPage::applyFilters() {
    m_model->setFilter(m_splitFilter->currentIndex() - 1, m_classFilter->currentIndex() - 1);
    m_histogram->setCounts(m_model->classNames(), m_model->classCounts());
    m_histogram->setHighlighted(m_model->classFilter());
    m_count->setText(tr("%L1 samples").arg(m_model->rowCount()));
    selectRow(0);
}

QString DataPage::detailsText() const {
    return m_details->text();
}

void DataPage::showSelection() {
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid()) {
        m_details->setText(tr("No sample selected."));
        m_preview->setSample(nullptr, 0);
        return;
    }
    const auto s = m_model->sampleAt(current.row());
    const auto ds = m_model->sharedDataset(s.split);
    std::vector<float> values(std::size_t(ds->sampleNumel()));
    ds->readSample(s.index, values);
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    const auto shape = ds->sampleShape();
    const int label = ds->label(s.index);
    m_details->setText(tr("Index: %1 (%2)\nLabel: %3 (%4)\nSize: %5\nChannels: %6\n"
                          "Value range: [%7, %8]")
                           .arg(s.index)
                           .arg(m_model->splitNames().value(s.split))
                           .arg(m_model->classNames().value(label))
                           .arg(label)
                           .arg(shapeText(shape))
                           .arg(shape.size() == 3 ? shape[0] : 1)
                           .arg(values.empty() ? 0.0 : double(*lo), 0, 'g', 4)
                           .arg(values.empty() ? 0.0 : double(*hi), 0, 'g', 4));
    // The preview shows the selected samples (the current one first), up to its limit.
    std::vector<AugmentationPreview::SampleRef> samples{{ds, s.index}};
    QModelIndexList selected = m_view->selectionModel()->selectedIndexes();
    std::sort(selected.begin(), selected.end(),
              [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    for (const QModelIndex& i : selected) {
        if (i.row() != current.row() &&
            samples.size() < std::size_t(AugmentationPreview::kMaxSamples)) {
            const auto other = m_model->sampleAt(i.row());
            samples.emplace_back(m_model->sharedDataset(other.split), other.index);
        }
    }
    m_preview->setSamples(std::move(samples));
}

} // namespace nw::ui
