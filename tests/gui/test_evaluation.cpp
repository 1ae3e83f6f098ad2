// The Train page's Evaluation tab, offscreen: after a short run on a tiny IDX dataset the
// test writes itself, Evaluate fills the confusion matrix (its total is the test split's
// size), the per-class table (K rows, values in [0, 1]) and the gallery of exactly the
// misclassified samples.
#include "app/project_document.h"
#include "app/training_controller.h"
#include "graph/op_registry.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/tiny_project.h"
#include "ui/main_window.h"
#include "ui/training/evaluation_panel.h"
#include "ui/training/train_page.h"

#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QtTest>

using namespace nw;

namespace {

// A 16-pixel MLP: 320 training samples, 64 test samples, 10 classes.
const QByteArray kProject = nw::testing::tinyProject(1);

constexpr int kTest = 64;
constexpr int kClasses = 10;

} // namespace

class TestEvaluation : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        qputenv("NETWRIGHT_DB", m_dir.filePath("experiments.db").toUtf8());
        QVERIFY(datasets::testing::writeMnistFolder(m_dir.filePath("data"), 320, kTest, false));
        QFile f(m_dir.filePath("tiny.nwproj"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kProject);
    }

    void evaluateAfterRun() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_dir.filePath("tiny.nwproj")).ok());
        ui::MainWindow window(document);
        window.setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        window.show();
        QVERIFY(window.showMode(QStringLiteral("train")));
        auto* controller = window.trainingController();
        ui::TrainPage* page = window.trainPage();
        ui::EvaluationPanel* panel = page->evaluationPanel();
        QVERIFY(panel);
        QVERIFY(!panel->evaluateButton()->isEnabled()); // no trained model yet
        QVERIFY(!controller->evaluate());

        QSignalSpy finished(controller, &app::TrainingController::finished);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QVERIFY(!panel->evaluateButton()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QVERIFY(controller->hasModel());
        QVERIFY(panel->evaluateButton()->isEnabled());

        QSignalSpy evaluated(controller, &app::TrainingController::evaluated);
        QTest::mouseClick(panel->evaluateButton(), Qt::LeftButton);
        QVERIFY(!panel->evaluateButton()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, 60000);
        QVERIFY(panel->evaluateButton()->isEnabled());
        const auto e = evaluated.first().first().value<app::Evaluation>();
        QCOMPARE(qsizetype(e.predictions.labels.size()), kTest);
        QCOMPARE(e.report.total, kTest);
        QVERIFY(e.testSplit);
        for (int i = 0; i < kTest; ++i) { // the split's order: gallery index = sample index
            QCOMPARE(e.predictions.labels[std::size_t(i)], e.testSplit->label(i));
        }

        // The confusion matrix: K x K, its total the test split's size.
        auto* confusion = panel->confusionModel();
        QCOMPARE(confusion->rowCount(), kClasses);
        QCOMPARE(confusion->columnCount(), kClasses);
        qint64 total = 0, trace = 0;
        for (int t = 0; t < kClasses; ++t) {
            for (int p = 0; p < kClasses; ++p) {
                const qint64 n = confusion->item(t, p)->data(Qt::DisplayRole).toLongLong();
                total += n;
                trace += t == p ? n : 0;
            }
        }
        QCOMPARE(total, kTest);
        QCOMPARE(trace, e.report.correct);
        QCOMPARE(trace, qint64(std::llround(e.predictions.summary.accuracy * kTest)));

        // Per-class: K rows, precision / recall / F1 in [0, 1], supports summing to the split.
        auto* classes = panel->classModel();
        QCOMPARE(classes->rowCount(), kClasses);
        QCOMPARE(classes->columnCount(), 5);
        qint64 support = 0;
        for (int r = 0; r < kClasses; ++r) {
            for (int c = 1; c <= 3; ++c) {
                const double v = classes->item(r, c)->data(Qt::DisplayRole).toDouble();
                QVERIFY2(v >= 0 && v <= 1, qPrintable(QString::number(v)));
            }
            support += classes->item(r, 4)->data(Qt::DisplayRole).toLongLong();
        }
        QCOMPARE(support, kTest);

        // The gallery: exactly the misclassified samples, in order.
        auto* gallery = panel->galleryModel();
        QCOMPARE(qint64(gallery->rowCount()), total - trace);
        int row = 0;
        for (int i = 0; i < kTest; ++i) {
            if (e.predictions.labels[i] == e.predictions.predicted[i]) {
                continue;
            }
            const QStandardItem* item = gallery->item(row++);
            QCOMPARE(item->data(Qt::UserRole).toLongLong(), qint64(i));
            QVERIFY(item->text().startsWith(QStringLiteral("true: ")));
            QVERIFY(item->text().contains(QStringLiteral("predicted: ")));
            QVERIFY(item->text().endsWith(QStringLiteral("%)")));
            QVERIFY(!item->icon().isNull());
        }
        for (float c : e.predictions.confidence) {
            QVERIFY(c >= 0.1f - 1e-6f && c <= 1.0f); // the top of 10 classes
        }
        QVERIFY(panel->summaryLabel()->text().contains(QString::number(kTest)));
    }

private:
    QTemporaryDir m_dir;
    graph::OpRegistry m_registry = graph::makeCoreRegistry();
};

QTEST_MAIN(TestEvaluation)
#include "test_evaluation.moc"
