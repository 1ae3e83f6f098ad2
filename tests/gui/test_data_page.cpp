// The Data mode, offscreen: the browser model over 60,000 synthetic samples (lazy thumbnails,
// class and split filters), the augmentation editor (a refused value, an undoable edit, saved
// in the project), the preview (a seed gives the same variants, reseeding changes them), the
// statistics offered for normalisation, and the Data page in the main window. With
// NW_DATA_SCREENSHOT=PATH it also saves a picture of the page on Fashion-MNIST to PATH.
#include "app/project_document.h"
#include "datasets/catalog.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "tests/support/backends.h"
#include "ui/datasets/augmentation_editor.h"
#include "ui/datasets/augmentation_preview.h"
#include "ui/datasets/class_histogram.h"
#include "ui/datasets/data_page.h"
#include "ui/datasets/dataset_browser_model.h"
#include "ui/datasets/dataset_stats_panel.h"
#include "ui/datasets/normalization_dialog.h"
#include "ui/datasets/sample_image.h"
#include "ui/main_window.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>

using nw::app::ProjectDocument;
using nw::ui::DatasetBrowserModel;

namespace {

const QString kSample = QStringLiteral(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj");

// n grey 1 x size x size samples, label i % 10, value at (y, x) ((i + 7 x + 3 y) % 256) / 255
// (so sample i's first pixel is i % 256). Counts the samples read.
class SyntheticDataset : public nw::datasets::Dataset {
public:
    SyntheticDataset(std::int64_t n, int size = 28)
        : m_n(n)
        , m_size(size) {}
    std::string name() const override { return "synthetic"; }
    std::int64_t size() const override { return m_n; }
    nw::datasets::Dims sampleShape() const override { return {1, m_size, m_size}; }
    int numClasses() const override { return 10; }
    std::vector<std::string> classNames() const override {
        std::vector<std::string> names;
        for (int k = 0; k < 10; ++k) {
            names.push_back("class" + std::to_string(k));
        }
        return names;
    }
    int label(std::int64_t i) const override { return int(i % 10); }
    void readSample(std::int64_t i, std::span<float> out) const override {
        ++reads;
        for (int y = 0; y < m_size; ++y) {
            for (int x = 0; x < m_size; ++x) {
                out[std::size_t(y * m_size + x)] = float((i + 7 * x + 3 * y) % 256) / 255.0f;
            }
        }
    }
    mutable std::atomic<std::int64_t> reads{0};

private:
    std::int64_t m_n;
    int m_size;
};

const nw::graph::OpRegistry& registry() {
    static const auto r = nw::graph::makeCoreRegistry();
    return r;
}

double stepParam(const ProjectDocument& doc, std::size_t step, const char* name) {
    return std::get<double>(doc.project().augmentation.at(step).params.at(name));
}

} // namespace

class TestDataPage : public QObject {
    Q_OBJECT
private slots:
    void browserModelOver60000Samples();
    void augmentationEditorRefusesAndUndoes();
    void previewIsSeeded();
    void newStepsTakeTheConventionalProbability();
    void previewShowsTheSelectedSamples();
    void pageOffersNormalization();
    void normalizationDialogChecksAndStores();
    void mainWindowHostsDataPage();
    void unreadableDatasetIsReported();
    void colourSamplesAreDrawnInColour();
    void closesWhileComputing();
    void screenshot();
};

void TestDataPage::browserModelOver60000Samples() {
    auto train = std::make_shared<SyntheticDataset>(60000);
    auto test = std::make_shared<SyntheticDataset>(10000);
    DatasetBrowserModel model;
    model.setSplits({{QStringLiteral("train"), train}, {QStringLiteral("test"), test}});
    QCOMPARE(model.rowCount(), 70000);
    QCOMPARE(model.classNames().size(), 10);
    QCOMPARE(train->reads.load(), 0); // nothing rendered before it is asked for

    model.setFilter(0, -1);
    QCOMPARE(model.rowCount(), 60000);
    model.setFilter(0, 3);
    QCOMPARE(model.rowCount(), 6000);
    for (int row : {0, 1, 2999, 5999}) {
        QCOMPARE(model.data(model.index(row), DatasetBrowserModel::LabelRole).toInt(), 3);
    }
    QCOMPARE(model.data(model.index(1), DatasetBrowserModel::IndexRole).toLongLong(), 13);
    QCOMPARE(model.classCounts().at(3), 6000);
    model.setFilter(1, 3);
    QCOMPARE(model.rowCount(), 1000);
    model.setFilter(-1, 3);
    QCOMPARE(model.rowCount(), 7000);
    model.setFilter(0, -1);
    QCOMPARE(train->reads.load(), 0);

    // A scroll-like pattern: pages of 100 rows going down, overlapping, and one page back up.
    int fetched = 0;
    for (int page = 0; page < 10; ++page) {
        for (int row = page * 5000; row < page * 5000 + 100; ++row) {
            const auto img = model.data(model.index(row), Qt::DecorationRole).value<QImage>();
            QVERIFY(!img.isNull());
            QCOMPARE(img.width(), model.thumbnailSize());
            QCOMPARE(qGray(img.pixel(0, 0)), row % 256); // the right sample, drawn lazily
            ++fetched;
        }
    }
    QCOMPARE(fetched, 1000);
    QCOMPARE(model.thumbnailsRendered(), 1000);
    QCOMPARE(train->reads.load(), 1000);
    for (int row = 45000; row < 45100; ++row) { // scrolled back: served from the cache
        QVERIFY(!model.data(model.index(row), Qt::DecorationRole).value<QImage>().isNull());
    }
    QCOMPARE(train->reads.load(), 1000);

    // A real icon view over the model reads only what it paints.
    QListView view;
    view.setViewMode(QListView::IconMode);
    view.setUniformItemSizes(true);
    view.setModel(&model);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const auto before = model.thumbnailsRendered();
    for (int row = 0; row < 60000; row += 6000) {
        view.scrollTo(model.index(row));
        QCoreApplication::processEvents();
    }
    view.viewport()->repaint();
    QVERIFY(model.thumbnailsRendered() > before);
    QVERIFY(model.thumbnailsRendered() < before + 5000);
}

void TestDataPage::augmentationEditorRefusesAndUndoes() {
    ProjectDocument doc(registry());
    nw::ui::AugmentationEditor editor(doc);
    QVERIFY(editor.addStep(QStringLiteral("rotation")));
    QCOMPARE(doc.project().augmentation.size(), 1u);
    QCOMPARE(editor.currentStep(), 0);
    QCOMPARE(stepParam(doc, 0, "degrees"), 15.0);
    QVERIFY(!editor.addStep(QStringLiteral("no_such_op")));

    // Out of range: refused with a message naming the field, nothing stored or pushed.
    const int undoCount = doc.undoStack()->count();
    auto refused = editor.setParameter(0, QStringLiteral("degrees"), 400.0);
    QVERIFY(!refused);
    QVERIFY2(editor.errorText().contains(QStringLiteral("degrees")),
             qPrintable(editor.errorText()));
    QVERIFY(editor.errorText().contains(QStringLiteral("180")));
    QCOMPARE(stepParam(doc, 0, "degrees"), 15.0);
    QCOMPARE(doc.undoStack()->count(), undoCount);
    QVERIFY(!editor.setProbability(0, 1.5));

    // Through the widgets: a min above its max is refused and the stored value shown again.
    QVERIFY(editor.addStep(QStringLiteral("gaussian_blur")));
    auto* sigmaMin = qobject_cast<QDoubleSpinBox*>(editor.editor(QStringLiteral("sigma_min")));
    QVERIFY(sigmaMin);
    sigmaMin->setValue(5.0);
    QVERIFY(!editor.errorText().isEmpty());
    QCOMPARE(stepParam(doc, 1, "sigma_min"), 0.1);
    QCOMPARE(qobject_cast<QDoubleSpinBox*>(editor.editor(QStringLiteral("sigma_min")))->value(),
             0.1);

    // An accepted edit through a widget: stored, undoable, redoable, saved with the project.
    editor.setCurrentStep(0);
    auto* degrees = qobject_cast<QDoubleSpinBox*>(editor.editor(QStringLiteral("degrees")));
    QVERIFY(degrees);
    degrees->setValue(30.0);
    degrees->setValue(35.0); // merges with the previous change
    QVERIFY(editor.errorText().isEmpty());
    QCOMPARE(stepParam(doc, 0, "degrees"), 35.0);
    doc.undoStack()->undo();
    QCOMPARE(stepParam(doc, 0, "degrees"), 15.0);
    QCOMPARE(degrees->value(), 15.0);
    doc.undoStack()->redo();
    QCOMPARE(stepParam(doc, 0, "degrees"), 35.0);

    QVERIFY(editor.moveStep(0, 1));
    QCOMPARE(doc.project().augmentation.at(1).op, std::string("rotation"));
    doc.undoStack()->undo();
    QCOMPARE(doc.project().augmentation.at(0).op, std::string("rotation"));

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("aug.nwproj"));
    QVERIFY(doc.save(path));
    ProjectDocument reopened(registry());
    QVERIFY(reopened.load(path));
    QCOMPARE(reopened.project().augmentation, doc.project().augmentation);

    QVERIFY(editor.removeStep(0));
    QCOMPARE(doc.project().augmentation.size(), 1u);
    doc.undoStack()->undo();
    QCOMPARE(doc.project().augmentation.size(), 2u);
}

void TestDataPage::previewIsSeeded() {
    ProjectDocument doc(registry());
    nw::ui::AugmentationEditor editor(doc);
    QVERIFY(editor.addStep(QStringLiteral("horizontal_flip")));
    QVERIFY(editor.setProbability(0, 0.5));
    QVERIFY(editor.addStep(QStringLiteral("rotation")));
    QVERIFY(editor.addStep(QStringLiteral("gaussian_noise")));

    nw::ui::AugmentationPreview preview(doc);
    QCOMPARE(preview.seed(), doc.project().training.seed); // until a seed is chosen
    preview.setVariantCount(6);
    preview.setSample(std::make_shared<SyntheticDataset>(100), 17);
    preview.setSeed(7);
    const auto first = preview.images();
    QCOMPARE(first.size(), 7);
    QVERIFY(preview.messageText().isEmpty());
    preview.setSeed(7);
    QCOMPARE(preview.images(), first);
    QVERIFY(first[1] != first[0]); // augmented
    QVERIFY(first[1] != first[2]); // each variant its own draw

    preview.reseed();
    QVERIFY(preview.seed() != 7u);
    QVERIFY(preview.images() != first);
    QCOMPARE(preview.images().at(0), first.at(0)); // the original stays
    preview.setSeed(7);
    QCOMPARE(preview.images(), first);

    // Live: a parameter change redraws the variants.
    QVERIFY(editor.setParameter(2, QStringLiteral("std"), 0.3));
    QVERIFY(preview.images() != first);
    doc.undoStack()->undo();
    QCOMPARE(preview.images(), first);
}

// A new flip starts at probability 0.5; at 1 every variant is the same mirrored image, and
// the preview says so.
void TestDataPage::newStepsTakeTheConventionalProbability() {
    ProjectDocument doc(registry());
    nw::ui::AugmentationEditor editor(doc);
    QVERIFY(editor.addStep(QStringLiteral("horizontal_flip")));
    QCOMPARE(doc.project().augmentation.at(0).probability, 0.5);
    QVERIFY(editor.addStep(QStringLiteral("rotation")));
    QCOMPARE(doc.project().augmentation.at(1).probability, 1.0);
    QVERIFY(editor.removeStep(1));

    nw::ui::AugmentationPreview preview(doc);
    preview.setVariantCount(6);
    preview.setSample(std::make_shared<SyntheticDataset>(100), 17);
    preview.setSeed(7);
    QVERIFY2(preview.messageText().isEmpty(), qPrintable(preview.messageText()));
    QVERIFY(editor.setProbability(0, 1.0));
    QVERIFY2(preview.messageText().contains(QStringLiteral("Every variant is the same")),
             qPrintable(preview.messageText()));
    doc.undoStack()->undo(); // back to 0.5: the variants differ again
    QVERIFY(preview.messageText().isEmpty());
}

// Several selected samples: a row each, the original first; each row equals that sample
// previewed alone, and the count is capped.
void TestDataPage::previewShowsTheSelectedSamples() {
    ProjectDocument doc(registry());
    nw::ui::AugmentationEditor editor(doc);
    QVERIFY(editor.addStep(QStringLiteral("gaussian_noise")));
    auto data = std::make_shared<SyntheticDataset>(100);
    nw::ui::AugmentationPreview preview(doc);
    preview.setVariantCount(3);
    preview.setSeed(11);
    preview.setSamples({{data, 5}, {data, 42}});
    const auto both = preview.images();
    QCOMPARE(both.size(), 2 * 4);
    preview.setSample(data, 42);
    QCOMPARE(preview.images(), both.mid(4, 4));
    QVERIFY(both.mid(0, 4) != both.mid(4, 4));
    std::vector<nw::ui::AugmentationPreview::SampleRef> many;
    for (int i = 0; i < 10; ++i) {
        many.emplace_back(data, i);
    }
    preview.setSamples(many);
    QCOMPARE(preview.images().size(), nw::ui::AugmentationPreview::kMaxSamples * 4);
}

void TestDataPage::pageOffersNormalization() {
    ProjectDocument doc(registry());
    nw::ui::DataPage page(doc);
    QSignalSpy stats(&page, &nw::ui::DataPage::statsReady);
    nw::datasets::DatasetSplits splits;
    splits.train = std::make_shared<SyntheticDataset>(600);
    splits.test = std::make_shared<SyntheticDataset>(100);
    page.setDatasets(splits);
    QCOMPARE(page.model()->rowCount(), 700);
    QCOMPARE(page.splitFilter()->count(), 3); // All, train, test
    page.splitFilter()->setCurrentIndex(1);
    page.classFilter()->setCurrentIndex(5); // class4
    QCOMPARE(page.model()->rowCount(), 60);
    QCOMPARE(page.histogram()->counts().at(4), 60);
    QVERIFY2(page.detailsText().contains(QStringLiteral("Index: 4 ")),
             qPrintable(page.detailsText()));
    QVERIFY(page.detailsText().contains(QStringLiteral("class4")));
    QVERIFY(page.detailsText().contains(QStringLiteral("1 × 28 × 28")));

    QVERIFY(stats.wait(10000) || stats.count() == 1);
    QVERIFY(page.statsPanel()->stats().has_value());
    QCOMPARE(page.statsPanel()->stats()->mean.size(), 1u);
    QVERIFY(page.statsPanel()->normalizeButton()->isEnabled());
    page.statsPanel()->normalizeButton()->click();
    QCOMPARE(doc.project().dataset.mean, page.statsPanel()->stats()->mean);
    QCOMPARE(doc.project().dataset.std, page.statsPanel()->stats()->std);
    QVERIFY(!page.statsPanel()->normalizeButton()->isEnabled());
    doc.undoStack()->undo();
    QVERIFY(doc.project().dataset.mean.empty());
    QVERIFY(!doc.setNormalization({0.5}, {0.0})); // std must be > 0
}

// Set normalization…: a preset fills the fields, typed values are checked as they are typed
// (OK disabled, the reason named), OK stores them undoably, and clearing both removes it.
void TestDataPage::normalizationDialogChecksAndStores() {
    ProjectDocument doc(registry());
    nw::ui::DataPage page(doc);
    page.statsPanel()->editButton()->click();
    auto* dialog = page.statsPanel()->findChild<nw::ui::NormalizationDialog*>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->presets()->currentIndex(), 0); // None: the project has none
    QVERIFY(dialog->okButton()->isEnabled());

    dialog->presets()->setCurrentIndex(1);
    emit dialog->presets()->activated(1); // as a click on ImageNet does
    QCOMPARE(dialog->meanEdit()->text(), QStringLiteral("0.485, 0.456, 0.406"));
    QCOMPARE(dialog->std(), (std::vector<double>{0.229, 0.224, 0.225}));

    dialog->stdEdit()->setText(QStringLiteral("0.229, 0.224"));
    QVERIFY(!dialog->okButton()->isEnabled());
    QVERIFY2(dialog->problem().contains(QStringLiteral("Mean has 3 values but std 2 values")),
             qPrintable(dialog->problem()));
    QCOMPARE(dialog->presets()->currentIndex(), dialog->presets()->count() - 1); // Custom
    dialog->stdEdit()->setText(QStringLiteral("0.2 0 0.2"));
    QVERIFY2(dialog->problem().contains(QStringLiteral("Std value 2 is 0")),
             qPrintable(dialog->problem()));
    dialog->stdEdit()->setText(QStringLiteral("0.2, x, 0.2"));
    QVERIFY2(dialog->problem().contains(QStringLiteral("'x' is not a number")),
             qPrintable(dialog->problem()));
    dialog->stdEdit()->setText(QStringLiteral("0.229, 0.224, 0.225"));
    QVERIFY(dialog->okButton()->isEnabled());
    QCOMPARE(dialog->presets()->currentIndex(), 1); // ImageNet's values again
    dialog->okButton()->click();
    QCOMPARE(doc.project().dataset.mean, (std::vector<double>{0.485, 0.456, 0.406}));
    QCOMPARE(doc.project().dataset.std, (std::vector<double>{0.229, 0.224, 0.225}));
    QVERIFY(doc.isModified());

    page.statsPanel()->editButton()->click(); // the dialog before deleted itself on close
    QTRY_COMPARE(page.statsPanel()->findChildren<nw::ui::NormalizationDialog*>().size(), 1);
    dialog = page.statsPanel()->findChild<nw::ui::NormalizationDialog*>();
    QCOMPARE(dialog->meanEdit()->text(), QStringLiteral("0.485, 0.456, 0.406"));
    dialog->meanEdit()->clear();
    QVERIFY(!dialog->okButton()->isEnabled()); // a std without a mean
    dialog->stdEdit()->clear();
    QVERIFY(dialog->okButton()->isEnabled());
    dialog->okButton()->click();
    QVERIFY(doc.project().dataset.mean.empty());
    doc.undoStack()->undo();
    QCOMPARE(doc.project().dataset.mean.size(), 3u);
}

void TestDataPage::mainWindowHostsDataPage() {
    ProjectDocument doc(registry());
    nw::ui::MainWindow window(doc, nw::testing::cpuOnlyRegistry());
    auto* pages = window.findChild<QStackedWidget*>();
    QVERIFY(pages);
    QVERIFY(qobject_cast<nw::ui::DataPage*>(pages->widget(1)));
}

void TestDataPage::unreadableDatasetIsReported() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("missing.nwproj"));
    {
        ProjectDocument doc(registry());
        auto project = doc.project();
        project.dataset.kind = "idx";
        project.dataset.path = "no_such_folder";
        QVERIFY(nw::graph::writeProject(project, path.toStdString()));
    }
    ProjectDocument doc(registry());
    QVERIFY(doc.load(path));
    nw::ui::DataPage page(doc);
    nw::datasets::DatasetSplits splits;
    splits.train = std::make_shared<SyntheticDataset>(50);
    page.setDatasets(splits);
    QCOMPARE(page.model()->rowCount(), 50);
    QSignalSpy failed(&page, &nw::ui::DataPage::datasetFailed);
    page.loadProjectDataset();
    QVERIFY(failed.wait(10000) || failed.count() == 1);
    QVERIFY2(page.statusText().contains(QStringLiteral("no_such_folder")),
             qPrintable(page.statusText()));
    QCOMPARE(page.model()->rowCount(), 0); // the old data is not shown as the project's
    QVERIFY(!page.statsPanel()->normalizeButton()->isEnabled());
    QVERIFY(page.preview()->images().isEmpty());
}

void TestDataPage::colourSamplesAreDrawnInColour() {
    // [3, 1, 2]: R = (1, 0), G = (0, 0.5), B = (0, 1)
    const std::vector<float> rgb = {1.0f, 0.0f, 0.0f, 0.5f, 0.0f, 1.0f};
    const QImage img = nw::ui::sampleToImage(rgb, {3, 1, 2});
    QCOMPARE(img.size(), QSize(2, 1));
    QCOMPARE(img.pixel(0, 0), qRgb(255, 0, 0));
    QCOMPARE(img.pixel(1, 0), qRgb(0, 128, 255));
    const QImage grey = nw::ui::sampleToImage(std::vector<float>{0.0f, 1.0f, 2.0f}, {3});
    QCOMPARE(grey.size(), QSize(3, 1));
    QCOMPARE(qGray(grey.pixel(2, 0)), 255); // clamped
}

void TestDataPage::closesWhileComputing() {
    ProjectDocument doc(registry());
    auto train = std::make_shared<SyntheticDataset>(60000);
    {
        nw::ui::DataPage page(doc);
        nw::datasets::DatasetSplits splits;
        splits.train = train;
        page.setDatasets(splits);  // statistics start on a worker thread
        page.loadProjectDataset(); // and the project's dataset is being opened
    }                              // the page waits for both, then goes
    QCOMPARE(train.use_count(), 1);
}

void TestDataPage::screenshot() {
    const QString out = qEnvironmentVariable("NW_DATA_SCREENSHOT");
    if (out.isEmpty()) {
        QSKIP("set NW_DATA_SCREENSHOT=PATH to save a picture of the Data mode");
    }
    ProjectDocument doc(registry());
    QVERIFY(doc.load(kSample));
    nw::ui::DataPage page(doc);
    QSignalSpy ready(&page, &nw::ui::DataPage::datasetReady);
    QSignalSpy stats(&page, &nw::ui::DataPage::statsReady);
    page.resize(1440, 900);
    page.show(); // opens the project's dataset
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    if (!ready.wait(60000)) {
        QSKIP("the project's dataset (Fashion-MNIST) could not be opened here");
    }
    QVERIFY(stats.wait(60000) || stats.count() == 1);
    auto* editor = page.augmentationEditor();
    if (doc.project().augmentation.empty()) {
        QVERIFY(editor->addStep(QStringLiteral("horizontal_flip")));
        QVERIFY(editor->setProbability(0, 0.5));
        QVERIFY(editor->addStep(QStringLiteral("random_erasing")));
    }
    editor->setCurrentStep(int(doc.project().augmentation.size()) - 1);
    page.selectRow(7);
    QTest::qWait(200);
    QVERIFY(page.grab().save(out, "PNG"));
}

QTEST_MAIN(TestDataPage)
#include "test_data_page.moc"
