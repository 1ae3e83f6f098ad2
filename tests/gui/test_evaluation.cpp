// The Train page's Evaluation tab, offscreen: after a short run on a tiny IDX dataset the
// test writes itself, Evaluate fills the confusion matrix (its total is the test split's
// size), the per-class table (K rows, values in [0, 1]) and the gallery of exactly the
// misclassified samples. The same run evaluated later by id from a fresh controller (and from
// the Experiments mode) gives the same predictions; errors name the run and the file; during
// a run, Evaluate takes the latest checkpoint and says which step it is from.
#include "app/project_document.h"
#include "app/training_controller.h"
#include "engine/tracking/store.h"
#include "engine/train/checkpoint_file.h"
#include "graph/op_registry.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/backends.h"
#include "tests/support/tiny_project.h"
#include "ui/experiments/experiments_page.h"
#include "ui/main_window.h"
#include "ui/training/evaluation_panel.h"
#include "ui/training/train_page.h"

#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

using namespace nw;

namespace {

// A 16-pixel MLP: 320 training samples, 64 test samples, 10 classes.
const QByteArray kProject = nw::testing::tinyProject(1);

constexpr int kTest = 64;
constexpr int kClasses = 10;
constexpr int kBatchesPerEpoch = 320 / 16;

qint64 confusionTotal(const QStandardItemModel* confusion) {
    qint64 total = 0;
    for (int t = 0; t < confusion->rowCount(); ++t) {
        for (int p = 0; p < confusion->columnCount(); ++p) {
            total += confusion->item(t, p)->data(Qt::DisplayRole).toLongLong();
        }
    }
    return total;
}

} // namespace

class TestEvaluation : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(!nw::testing::writeTinyWorkspace(m_dir.path(), 1, kTest).isEmpty());
    }

    void evaluateAfterRun() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_dir.filePath("tiny.nwproj")).ok());
        ui::MainWindow window(document, nw::testing::cpuOnlyRegistry());
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
                const QString text = classes->item(r, c)->text();
                const double v = text.toDouble();
                QVERIFY2(v >= 0 && v <= 1, qPrintable(text));
                // Three decimals, as a report prints them (not 0.912345).
                QVERIFY2(text.size() == 5 && text[1] == QLatin1Char('.'), qPrintable(text));
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
        QVERIFY(!e.fromCheckpoint);
        QCOMPARE(e.runId, controller->runId());
        m_runId = e.runId;
        m_sessionEvaluation = e;
    }

    // The run above, by id from a fresh controller: its snapshot and last checkpoint (the end
    // of its only epoch, so the model it ended with) give the same predictions.
    void evaluateStoredRun() {
        QVERIFY(m_runId > 0);
        app::TrainingController controller(m_registry, nw::testing::cpuOnlyRegistry());
        QSignalSpy evaluated(&controller, &app::TrainingController::evaluated);
        const quint64 request = controller.evaluateRun(m_runId);
        QVERIFY(request != 0);
        QVERIFY(controller.isEvaluating());
        QCOMPARE(controller.evaluateRun(m_runId), quint64(0)); // one at a time
        QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, 60000);
        const auto e = evaluated.first().first().value<app::Evaluation>();
        QCOMPARE(e.request, request);
        QCOMPARE(e.runId, m_runId);
        QVERIFY(e.fromCheckpoint);
        QCOMPARE(e.step, qint64(kBatchesPerEpoch));
        QVERIFY(
            e.source().contains(QStringLiteral("step %1 (after epoch 1)").arg(kBatchesPerEpoch)));
        QCOMPARE(e.report.total, kTest);
        std::int64_t total = 0;
        for (auto n : e.report.confusion) {
            total += n;
        }
        QCOMPARE(total, kTest);
        QCOMPARE(e.report.confusion, m_sessionEvaluation.report.confusion);
        QCOMPARE(e.predictions.predicted, m_sessionEvaluation.predictions.predicted);
        QCOMPARE(e.report.correct, m_sessionEvaluation.report.correct);
        QVERIFY(e.testSplit);

        // From the Experiments mode: the selected run, shown in its Evaluation tab.
        ui::ExperimentsPage page;
        page.setTrainingController(&controller);
        page.reload();
        page.selectRuns({m_runId});
        ui::EvaluationPanel* panel = page.evaluationPanel();
        QVERIFY(panel);
        QVERIFY(page.evaluateButton()->isEnabled());
        QVERIFY(panel->evaluateButton()->isEnabled());
        QTest::mouseClick(page.evaluateButton(), Qt::LeftButton);
        QCOMPARE(page.detailTabs()->currentWidget(), panel);
        QVERIFY(panel->pendingRequest() != 0);
        QTRY_COMPARE_WITH_TIMEOUT(panel->pendingRequest(), quint64(0), 60000);
        QCOMPARE(panel->confusionModel()->rowCount(), kClasses);
        QCOMPARE(confusionTotal(panel->confusionModel()), qint64(kTest));
        QVERIFY2(
            panel->summaryLabel()->text().contains(QStringLiteral("step %1").arg(kBatchesPerEpoch)),
            qPrintable(panel->summaryLabel()->text()));
    }

    // Clear errors, no crash: an unknown run, a run without a checkpoint, a run whose dataset
    // is gone. Each message names the run; the last one the missing folder too.
    void evaluateStoredRunErrors() {
        QVERIFY(m_runId > 0);
        const QString db = m_dir.filePath("experiments.db");
        auto store = tracking::ExperimentStore::open(db.toStdString());
        QVERIFY(store.ok());
        auto addRun = [&](const QString& projectPath) {
            tracking::RunRecord r;
            r.name = "copy";
            r.projectJson = kProject.toStdString();
            r.projectPath = projectPath.toStdString();
            auto id = (*store)->createRun(r);
            (void)(*store)->finishRun(id ? *id : 0, "completed");
            return id ? *id : 0;
        };
        const qint64 noCheckpoint = addRun(m_dir.filePath("tiny.nwproj"));
        QVERIFY(QDir().mkpath(m_dir.filePath("elsewhere")));
        const qint64 noDataset = addRun(m_dir.filePath("elsewhere/tiny.nwproj"));
        const auto runDir = tracking::runDirectory(db.toStdString(), noDataset);
        std::filesystem::create_directories(runDir);
        // Run 1's checkpoint, stamped as this run's own (a copied one is refused as run 1's).
        auto copy = (*store)->run(noDataset);
        QVERIFY(copy.ok());
        QVERIFY(engine::writeCheckpointWithOwner(
                    tracking::runDirectory(db.toStdString(), m_runId) / "checkpoint.nwckpt",
                    {copy->uuid, copy->id, copy->graphHash}, runDir / "checkpoint.nwckpt")
                    .ok());

        app::TrainingController controller(m_registry, nw::testing::cpuOnlyRegistry());
        auto failure = [&controller](qint64 runId) {
            QSignalSpy failed(&controller, &app::TrainingController::evaluationFailed);
            const quint64 request = controller.evaluateRun(runId);
            if (!request || !failed.wait(60000)) {
                return QStringLiteral("<no failure>");
            }
            return failed.first().at(0).toULongLong() == request ? failed.first().at(1).toString()
                                                                 : QStringLiteral("<other>");
        };
        const QString unknown = failure(9999);
        QVERIFY2(unknown.contains(QStringLiteral("9999")), qPrintable(unknown));
        const QString missing = failure(noCheckpoint);
        QVERIFY2(missing.contains(QStringLiteral("run %1").arg(noCheckpoint)) &&
                     missing.contains(QStringLiteral("no checkpoint")),
                 qPrintable(missing));
        const QString data = failure(noDataset);
        QVERIFY2(data.contains(QStringLiteral("run %1").arg(noDataset)) &&
                     data.contains(m_dir.filePath("elsewhere")),
                 qPrintable(data));
    }

    // During a run: Evaluate is disabled (saying why) until the run's first checkpoint, then
    // evaluates the latest checkpoint on its own thread while training goes on; held by pause
    // at a checkpointed point, the result is labelled with exactly that checkpoint's step.
    void evaluateDuringRun() {
        app::ProjectDocument document(m_registry);
        QVERIFY(document.load(m_dir.filePath("tiny.nwproj")).ok());
        auto project = document.project();
        project.training.epochs = 100000; // runs until stopped
        app::TrainingController controller(m_registry, nw::testing::cpuOnlyRegistry());
        ui::EvaluationPanel panel(controller);
        QSignalSpy checkpoints(&controller, &app::TrainingController::checkpointSaved);
        QSignalSpy evaluated(&controller, &app::TrainingController::evaluated);
        QVERIFY(controller.start(project, m_dir.filePath("tiny.nwproj")));
        QVERIFY(!panel.evaluateButton()->isEnabled());
        QVERIFY2(panel.evaluateButton()->toolTip().contains(QStringLiteral("no checkpoint")),
                 qPrintable(panel.evaluateButton()->toolTip()));
        QCOMPARE(controller.evaluate(), quint64(0));

        QTRY_VERIFY_WITH_TIMEOUT(checkpoints.count() >= 1, 60000);
        QVERIFY(panel.evaluateButton()->isEnabled());
        QTest::mouseClick(panel.evaluateButton(), Qt::LeftButton);
        QVERIFY(panel.pendingRequest() != 0);
        QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, 60000);
        QCOMPARE(controller.state(), app::TrainingController::State::Running); // undisturbed
        auto e = evaluated.takeFirst().first().value<app::Evaluation>();
        QVERIFY(e.fromCheckpoint);
        QCOMPARE(e.runId, controller.runId());
        QVERIFY(e.step > 0);
        QCOMPARE(e.step % kBatchesPerEpoch, qint64(0)); // an epoch-end checkpoint
        QCOMPARE(e.report.total, kTest);

        controller.pause();
        qint64 held = -1; // the trainer halts at a step boundary; late checkpoints arrive first
        while (held != controller.checkpointStep()) {
            held = controller.checkpointStep();
            QTest::qWait(300);
        }
        QVERIFY(held >= e.step);
        QTest::mouseClick(panel.evaluateButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(evaluated.count(), 1, 60000);
        e = evaluated.takeFirst().first().value<app::Evaluation>();
        QCOMPARE(e.step, held);
        QCOMPARE(controller.checkpointStep(), held); // paused: no checkpoint since
        QVERIFY2(panel.summaryLabel()->text().contains(QStringLiteral("step %1").arg(held)),
                 qPrintable(panel.summaryLabel()->text()));
        QCOMPARE(confusionTotal(panel.confusionModel()), qint64(kTest));

        QSignalSpy finished(&controller, &app::TrainingController::finished);
        controller.resume();
        controller.stopAndWait();
        QCOMPARE(finished.count(), 1);
        const auto r = finished.first().first().value<app::RunFinished>();
        QCOMPARE(r.status, QStringLiteral("stopped"));
        QVERIFY(r.steps >= held);
    }

private:
    QTemporaryDir m_dir;
    graph::OpRegistry m_registry = graph::makeCoreRegistry();
    qint64 m_runId = 0;
    app::Evaluation m_sessionEvaluation;
};

QTEST_MAIN(TestEvaluation)
#include "test_evaluation.moc"
