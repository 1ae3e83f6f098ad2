// The Train mode, offscreen: a short run started from the UI on a tiny IDX dataset the test
// writes itself fills the charts and the progress bar and is recorded in the experiment store
// (NETWRIGHT_DB points into a temporary folder, never the user's database); pause and resume;
// stop; closing the window during a run; a store that cannot be opened offers training without
// tracking; undoable form edits; the precision setting; the device list; chart downsampling.
#include "app/backends.h"
#include "app/project_document.h"
#include "app/training_controller.h"
#include "engine/tracking/store.h"
#include "graph/op_registry.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/backends.h"
#include "tests/support/tiny_project.h"
#include "ui/design_page.h"
#include "ui/experiments/experiments_page.h"
#include "ui/main_window.h"
#include "ui/training/generation_panel.h"
#include "ui/training/metric_chart.h"
#include "ui/training/train_page.h"
#include "ui/training/training_form.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QValueAxis>
#include <QtTest>

using namespace nw;
using nw::ui::MetricChart;
using nw::ui::TrainPage;

namespace {

// A 16-pixel MLP over the fixture's MNIST-style folder: 320 samples, batch 16 = 20 steps an
// epoch.
const QByteArray kProject = nw::testing::tinyProject(2);

using State = app::TrainingController::State;

} // namespace

class TestTraining : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(!nw::testing::writeTinyWorkspace(m_dir.path(), 2).isEmpty());
    }

    void init() {
        m_document = std::make_unique<app::ProjectDocument>(m_registry);
        QVERIFY(m_document->load(m_dir.filePath("tiny.nwproj")).ok());
        m_window = std::make_unique<ui::MainWindow>(*m_document, nw::testing::cpuOnlyRegistry());
        m_window->setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        m_window->show();
    }

    void cleanup() {
        m_window->trainingController()->stopAndWait();
        m_window.reset();
        m_document.reset();
    }

    void shortRunFillsChartsAndIsRecorded() {
        TrainPage* page = m_window->trainPage();
        QVERIFY(m_window->showMode(QStringLiteral("train")));
        page->runNameEdit()->setText(QStringLiteral("  first try "));
        QSignalSpy finished(m_window->trainingController(), &app::TrainingController::finished);
        QVERIFY(page->startButton()->isEnabled());
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QVERIFY(!page->startButton()->isEnabled());
        QVERIFY(!page->form()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto result = finished.first().first().value<app::RunFinished>();
        QCOMPARE(result.status, QStringLiteral("completed"));
        QCOMPARE(result.steps, 40);
        QVERIFY(result.runId > 0);

        QCOMPARE(page->lossChart()->storedCount(TrainPage::TrainStep), 40);
        QCOMPARE(page->lossChart()->storedCount(TrainPage::TrainEpoch), 2);
        QCOMPARE(page->lossChart()->storedCount(TrainPage::Test), 2);
        QCOMPARE(page->accuracyChart()->storedCount(TrainPage::Test), 2);
        QCOMPARE(page->learningRateChart()->storedCount(0), 40);
        QCOMPARE(page->throughputChart()->storedCount(0), 40);
        QCOMPARE(page->lossChart()->displayedCount(TrainPage::TrainStep), 40);
        QCOMPARE(page->progressBar()->value(), page->progressBar()->maximum());
        QVERIFY(page->startButton()->isEnabled());
        QVERIFY(page->statusLabel()->text().contains(QStringLiteral("completed")));
        // An image classifier: accuracy and samples/s, and nothing to generate text from.
        QVERIFY(!page->showsLanguageModel());
        QCOMPARE(page->accuracyChart()->title(), QStringLiteral("Accuracy"));
        QCOMPARE(page->throughputChart()->curveName(0), QStringLiteral("samples/s"));
        QTRY_VERIFY(page->generationPanel()->generateButton()->toolTip().contains(
            QStringLiteral("not a language model")));
        QVERIFY(!page->generationPanel()->generateButton()->isEnabled());
        QVERIFY(!page->generationPanel()->generate());

        auto store =
            tracking::ExperimentStore::open(m_dir.filePath("experiments.db").toStdString());
        QVERIFY(store.ok());
        auto run = (*store)->run(result.runId);
        QVERIFY(run.ok());
        QCOMPARE(QString::fromStdString(run->status), QStringLiteral("completed"));
        QCOMPARE(QString::fromStdString(run->name), QStringLiteral("first try"));
        auto loss = (*store)->metrics(result.runId, "train/loss");
        QVERIFY(loss.ok());
        QCOMPARE(qsizetype(loss->size()), 40);
        auto params = (*store)->params(result.runId);
        QVERIFY(params.ok());
        bool hasLr = false;
        for (const auto& [k, v] : *params) {
            hasLr = hasLr || k == "training.optimizer.learning_rate";
        }
        QVERIFY(hasLr);
    }

    void pauseResumeAndStop() {
        TrainPage* page = m_window->trainPage();
        page->form()->epochsBox()->setValue(5000); // far longer than the test waits
        auto* controller = m_window->trainingController();
        QSignalSpy finished(controller, &app::TrainingController::finished);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->lossChart()->storedCount(TrainPage::TrainStep) > 5, 30000);

        QTest::mouseClick(page->pauseButton(), Qt::LeftButton);
        QCOMPARE(controller->state(), State::Paused);
        QVERIFY(page->resumeButton()->isEnabled());
        QVERIFY(!page->pauseButton()->isEnabled());
        // The step in flight (and an epoch's evaluation) lands, then nothing more.
        qsizetype paused = -1;
        for (int i = 0; i < 40 && page->lossChart()->storedCount(TrainPage::TrainStep) != paused;
             ++i) {
            paused = page->lossChart()->storedCount(TrainPage::TrainStep);
            QTest::qWait(300);
        }
        QTest::qWait(400);
        QCOMPARE(page->lossChart()->storedCount(TrainPage::TrainStep), paused);

        QTest::mouseClick(page->resumeButton(), Qt::LeftButton);
        QCOMPARE(controller->state(), State::Running);
        QTRY_VERIFY_WITH_TIMEOUT(page->lossChart()->storedCount(TrainPage::TrainStep) > paused,
                                 30000);

        QTest::mouseClick(page->stopButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        const auto result = finished.first().first().value<app::RunFinished>();
        QCOMPARE(result.status, QStringLiteral("stopped"));
        QCOMPARE(controller->state(), State::Idle);
        QVERIFY(page->startButton()->isEnabled());

        auto store =
            tracking::ExperimentStore::open(m_dir.filePath("experiments.db").toStdString());
        QVERIFY(store.ok());
        auto run = (*store)->run(result.runId);
        QVERIFY(run.ok());
        QCOMPARE(QString::fromStdString(run->status), QStringLiteral("stopped"));
        auto loss = (*store)->metrics(result.runId, "train/loss");
        QVERIFY(loss.ok());
        QCOMPARE(qint64(loss->size()), result.steps); // nothing recorded is lost
    }

    void stoppedRunResumesFromItsCheckpoint() {
        TrainPage* page = m_window->trainPage();
        page->form()->epochsBox()->setValue(5000);
        auto* controller = m_window->trainingController();
        QSignalSpy finished(controller, &app::TrainingController::finished);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(page->lossChart()->storedCount(TrainPage::TrainStep) > 5, 30000);
        controller->stop();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        const auto first = finished.takeFirst().first().value<app::RunFinished>();
        QCOMPARE(first.status, QStringLiteral("stopped"));

        // Experiments > Resume: the same run continues in the Train mode.
        ui::ExperimentsPage* experiments = m_window->experimentsPage();
        experiments->reload();
        experiments->selectRuns({first.runId});
        const auto buttons = experiments->findChildren<QPushButton*>();
        auto resume = std::find_if(buttons.begin(), buttons.end(), [](QPushButton* b) {
            return b->text() == QStringLiteral("Resume");
        });
        QVERIFY(resume != buttons.end());
        (*resume)->click();
        QVERIFY(controller->isActive());
        QCOMPARE(m_window->findChild<QStackedWidget*>()->currentWidget(),
                 static_cast<QWidget*>(page));
        QTRY_COMPARE_WITH_TIMEOUT(controller->runId(), first.runId, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(
            page->lossChart()->storedCount(TrainPage::TrainStep) > first.steps + 5, 30000);
        controller->stop();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        const auto second = finished.first().first().value<app::RunFinished>();
        QCOMPARE(second.status, QStringLiteral("stopped"));
        QCOMPARE(second.runId, first.runId);

        auto store =
            tracking::ExperimentStore::open(m_dir.filePath("experiments.db").toStdString());
        QVERIFY(store.ok());
        auto loss = (*store)->metrics(first.runId, "train/loss");
        QVERIFY(loss.ok());
        QVERIFY(qint64(loss->size()) > first.steps);
        for (std::size_t i = 0; i < loss->size(); ++i) { // steps 1..N, no gap, no repeat
            QCOMPARE((*loss)[i].step, std::int64_t(i + 1));
        }
        QCOMPARE(page->lossChart()->storedCount(TrainPage::TrainStep), qsizetype(loss->size()));
    }

    // After a resume: the ETA comes from this session's steps and time (not the global step
    // over the session's time); the samples/s chart shares the loss chart's step range; the
    // resumed samples/s start a new segment instead of joining the stored last point.
    void resumedRunKeepsEtaAndChartsHonest() {
        TrainPage* page = m_window->trainPage();
        page->form()->epochsBox()->setValue(5000);
        auto* controller = m_window->trainingController();
        QSignalSpy finished(controller, &app::TrainingController::finished);
        QSignalSpy started(controller, &app::TrainingController::runStarted);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        // Past a few epochs (20 steps each), so that per-epoch samples/s are recorded.
        QTRY_VERIFY_WITH_TIMEOUT(page->lossChart()->storedCount(TrainPage::TrainStep) > 120, 60000);
        controller->stop();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        const auto first = finished.takeFirst().first().value<app::RunFinished>();
        QCOMPARE(first.status, QStringLiteral("stopped"));

        engine::StepEvent last;
        QObject listening; // the connection ends with this scope, before `last` does
        connect(controller, &app::TrainingController::steps, &listening,
                [&last](const QList<engine::StepEvent>& events) { last = events.back(); });
        started.clear();
        QVERIFY(page->resumeRun(first.runId));
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 30000);
        const qint64 resumedAfter = started.first().at(3).toLongLong();
        QVERIFY(resumedAfter >= 100);
        // A few steps into the resumed session (the label shows the same batch's last event).
        QTRY_VERIFY_WITH_TIMEOUT(last.step > resumedAfter + 10, 30000);
        const QString text = page->progressLabel()->text();
        const engine::StepEvent e = last;
        const qint64 remaining = e.totalSteps - e.step;
        const double expected =
            e.elapsedSeconds / double(e.step - resumedAfter) * double(remaining);
        const qsizetype at = text.lastIndexOf(QStringLiteral("ETA "));
        QVERIFY2(at >= 0, qPrintable(text));
        const double shown = seconds(text.mid(at + 4));
        QVERIFY2(std::abs(shown - expected) <= 1.0 + 0.001 * expected,
                 qPrintable(QStringLiteral("%1: expected about %2 s").arg(text).arg(expected)));
        // The global step over this session's time (the old formula) says less: by the factor
        // step / (steps since the resume), which exceeds 1 + 1 s / expected here.
        const double oldFormula = e.elapsedSeconds / double(e.step) * double(remaining);
        QVERIFY2(
            std::abs(shown - oldFormula) > std::abs(shown - expected),
            qPrintable(QStringLiteral("%1: the old formula gives %2 s").arg(text).arg(oldFormula)));
        controller->stop();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);

        MetricChart* loss = page->lossChart();
        MetricChart* speed = page->throughputChart();
        loss->refresh();
        speed->refresh();
        QCOMPARE(speed->stepAxis()->min(), loss->stepAxis()->min());
        QCOMPARE(speed->stepAxis()->max(), loss->stepAxis()->max());
        QVERIFY(speed->stepAxis()->min() <= 1.0);

        // The stored per-epoch samples/s up to the checkpoint, then the resumed per-step ones:
        // two segments, none spanning the resume.
        QVERIFY(speed->segmentCount(0) >= 2);
        bool before = false, after = false;
        for (int i = 0; i < speed->segmentCount(0); ++i) {
            const QList<QPointF> points = speed->displayedSegment(0, i);
            if (points.isEmpty()) {
                continue;
            }
            const bool old = points.first().x() <= double(resumedAfter);
            for (const QPointF& p : points) {
                QVERIFY2((p.x() <= double(resumedAfter)) == old,
                         qPrintable(
                             QStringLiteral("segment %1 spans step %2").arg(i).arg(resumedAfter)));
            }
            (old ? before : after) = true;
        }
        QVERIFY(before && after);
    }

    void closingDuringARunAsksThenStops() {
        TrainPage* page = m_window->trainPage();
        page->form()->epochsBox()->setValue(5000);
        auto* controller = m_window->trainingController();
        QSignalSpy finished(controller, &app::TrainingController::finished);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(controller->runId() > 0, 30000);

        int asked = 0;
        m_window->setStopRunPrompt([&] {
            ++asked;
            return false;
        });
        QVERIFY(!m_window->close());
        QCOMPARE(asked, 1);
        QVERIFY(controller->isActive());

        m_window->setStopRunPrompt([&] {
            ++asked;
            return true;
        });
        QVERIFY(m_window->close());
        QCOMPARE(asked, 2);
        QVERIFY(!controller->isActive());
        QCOMPARE(finished.count(), 1);
        auto store =
            tracking::ExperimentStore::open(m_dir.filePath("experiments.db").toStdString());
        QVERIFY(store.ok());
        auto run = (*store)->run(finished.first().first().value<app::RunFinished>().runId);
        QVERIFY(run.ok());
        QCOMPARE(QString::fromStdString(run->status), QStringLiteral("stopped"));
    }

    void aRunThatCannotStartSaysWhy() {
        QByteArray text(kProject);
        text.replace("\"path\": \"data\"", "\"path\": \"no-such-folder\"");
        QFile f(m_dir.filePath("broken.nwproj"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(text);
        f.close();
        QVERIFY(m_document->load(f.fileName()).ok());
        TrainPage* page = m_window->trainPage();
        QSignalSpy finished(m_window->trainingController(), &app::TrainingController::finished);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        const auto result = finished.first().first().value<app::RunFinished>();
        QCOMPARE(result.status, QStringLiteral("failed"));
        QCOMPARE(result.runId, 0); // nothing recorded for a run that never started
        QVERIFY2(result.message.contains(QStringLiteral("no-such-folder")),
                 qPrintable(result.message));
        QVERIFY(page->statusLabel()->text().contains(QStringLiteral("no-such-folder")));
        QVERIFY(page->startButton()->isEnabled());
        QVERIFY(page->form()->isEnabled());
    }

    // A store that cannot be opened (here a file that is not a database; a read-only one is
    // the CLI's test) stops the run before it starts, with the error and "Train without
    // tracking", which trains the same run unrecorded: nothing written to either database.
    void aStoreThatCannotOpenOffersTrainingWithoutTracking() {
        const QString notADatabase = m_dir.filePath("not-a-database.db");
        QFile junk(notADatabase);
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(4096, 'x'));
        junk.close();
        auto* controller = m_window->trainingController();
        controller->setDatabasePath(notADatabase);
        auto runsIn = [](const QString& path) {
            auto store = tracking::ExperimentStore::open(path.toStdString());
            auto runs = store ? (*store)->runs()
                              : Expected<std::vector<tracking::RunRecord>>(Error::user(""));
            return runs ? qsizetype(runs->size()) : qsizetype(-1);
        };
        const qsizetype recorded = runsIn(m_dir.filePath("experiments.db"));

        TrainPage* page = m_window->trainPage();
        QVERIFY(m_window->showMode(QStringLiteral("train")));
        QSignalSpy finished(controller, &app::TrainingController::finished);
        QVERIFY(page->trainUntrackedButton()->isHidden());
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        auto result = finished.takeFirst().first().value<app::RunFinished>();
        QCOMPARE(result.status, QStringLiteral("failed"));
        QVERIFY(result.storeUnavailable);
        QVERIFY2(result.message.contains(notADatabase), qPrintable(result.message));
        QVERIFY(page->statusLabel()->text().contains(notADatabase));
        QVERIFY(page->trainUntrackedButton()->isVisible());

        QTest::mouseClick(page->trainUntrackedButton(), Qt::LeftButton);
        QVERIFY(page->trainUntrackedButton()->isHidden());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        result = finished.first().first().value<app::RunFinished>();
        QCOMPARE(result.status, QStringLiteral("completed"));
        QVERIFY(!result.tracked);
        QCOMPARE(result.runId, 0);
        QCOMPARE(result.steps, 40);
        QCOMPARE(page->lossChart()->storedCount(TrainPage::TrainStep), 40);
        QVERIFY2(page->statusLabel()->text().contains(QStringLiteral("not recorded")),
                 qPrintable(page->statusLabel()->text()));
        QVERIFY(controller->hasModel()); // its model stays for evaluation
        QVERIFY(junk.open(QIODevice::ReadOnly));
        QCOMPARE(junk.readAll(), QByteArray(4096, 'x'));
        QCOMPARE(runsIn(m_dir.filePath("experiments.db")), recorded);
    }

    void formEditsAreUndoable() {
        auto* form = m_window->trainPage()->form();
        QCOMPARE(m_document->project().training.optimizer.learningRate, 0.01);
        form->learningRateBox()->setValue(0.05);
        form->learningRateBox()->setValue(0.02); // merges with the previous edit
        QCOMPARE(m_document->project().training.optimizer.learningRate, 0.02);
        form->optimizerBox()->setCurrentIndex(form->optimizerBox()->findData("sgd"));
        QCOMPARE(m_document->project().training.optimizer.type, std::string("sgd"));
        QVERIFY(m_document->isModified());
        m_document->undoStack()->undo(); // the optimizer: its own step
        QCOMPARE(m_document->project().training.optimizer.type, std::string("adam"));
        QCOMPARE(m_document->project().training.optimizer.learningRate, 0.02);
        m_document->undoStack()->undo(); // both learning-rate edits: one merged step
        QCOMPARE(m_document->project().training.optimizer.learningRate, 0.01);
        QCOMPARE(form->learningRateBox()->value(), 0.01);
        QVERIFY(!m_document->isModified());
    }

    // training.precision: the box shows the project's, a change is one undo step, a precision
    // the CPU cannot honour is explained in the form before Train is pressed (in the backend's
    // own words), and the saved file keeps it.
    void precisionIsOneUndoStepAndExplained() {
        auto* form = m_window->trainPage()->form();
        QComboBox* box = form->precisionBox();
        QCOMPARE(box, form->findChild<QComboBox*>(QStringLiteral("precision")));
        QCOMPARE(box->count(), 3);
        for (int i = 0; i < box->count(); ++i) { // each says what it means
            QVERIFY(!box->itemData(i, Qt::ToolTipRole).toString().isEmpty());
        }
        QCOMPARE(box->currentData().toString(), QStringLiteral("fp32")); // the default
        QVERIFY(form->precisionNote()->isHidden());

        auto cpu = nw::testing::openCpu();
        const Status tf32 = cpu->setPrecision(engine::Precision::Tf32);
        QVERIFY(!tf32.ok());
        const QString refusal = QString::fromStdString(tf32.error().message);
        QVERIFY(!refusal.isEmpty());

        box->setCurrentIndex(box->findData(QStringLiteral("tf32")));
        QCOMPARE(m_document->project().training.precision, std::string("tf32"));
        QCOMPARE(m_document->undoStack()->count(), 1);
        QVERIFY(!form->precisionNote()->isHidden());
        QCOMPARE(form->precisionNote()->text(), refusal);

        m_document->undoStack()->undo();
        QCOMPARE(m_document->project().training.precision, std::string("fp32"));
        QCOMPARE(box->currentData().toString(), QStringLiteral("fp32"));
        QVERIFY(form->precisionNote()->isHidden());
        QVERIFY(!m_document->isModified());
        m_document->undoStack()->redo();
        QCOMPARE(box->currentData().toString(), QStringLiteral("tf32"));
        QCOMPARE(form->precisionNote()->text(), refusal);
        // Another field next is its own step: the command tells precision edits apart.
        form->epochsBox()->setValue(form->epochsBox()->value() + 1);
        QCOMPARE(m_document->undoStack()->count(), 2);
        m_document->undoStack()->undo();
        QCOMPARE(m_document->project().training.precision, std::string("tf32"));

        // Another file: the next tests train tiny.nwproj on the CPU.
        const QString path = m_dir.filePath("precision.nwproj");
        QVERIFY(m_document->save(path).ok());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY2(text.contains("\"precision\": \"tf32\""), text.constData());
        m_document->clear();
        QCOMPARE(box->currentData().toString(), QStringLiteral("fp32"));
        QVERIFY(m_document->load(path).ok()); // a loaded project's precision, explained
        QCOMPARE(box->currentData().toString(), QStringLiteral("tf32"));
        QCOMPARE(form->precisionNote()->text(), refusal);

        // bf16 depends on this CPU (AVX512-BF16): the form says what the backend says.
        const Status bf16 = cpu->setPrecision(engine::Precision::Bf16);
        box->setCurrentIndex(box->findData(QStringLiteral("bf16")));
        QCOMPARE(m_document->project().training.precision, std::string("bf16"));
        QCOMPARE(form->precisionNote()->isHidden(), bf16.ok());
        if (!bf16.ok()) {
            QCOMPARE(form->precisionNote()->text(), QString::fromStdString(bf16.error().message));
        }
    }

    // On the composition root's devices (lavapipe here): a Vulkan run streams the same charts
    // as a CPU run, and the status bar names the device it trains on.
    void vulkanRunStreamsChartsAndNamesTheDevice() {
        auto backends = app::makeBackendRegistry();
        bool vulkan = false;
        for (const auto& d : backends.availableDevices()) {
            vulkan = vulkan || d.id == "vulkan:0";
        }
        if (!vulkan) {
            QSKIP("no Vulkan device (install mesa-vulkan-drivers for lavapipe)");
        }
        m_window->trainingController()->stopAndWait();
        m_window.reset();
        m_window = std::make_unique<ui::MainWindow>(*m_document, backends);
        m_window->setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        m_window->show();
        TrainPage* page = m_window->trainPage();
        QVERIFY(m_window->showMode(QStringLiteral("train")));
        auto* box = page->form()->findChild<QComboBox*>(QStringLiteral("device"));
        QVERIFY(box);
        int index = box->findData(QStringLiteral("vulkan:0"));
        QVERIFY(index >= 0);
        box->setCurrentIndex(index);
        QSignalSpy started(m_window->trainingController(), &app::TrainingController::runStarted);
        QSignalSpy finished(m_window->trainingController(), &app::TrainingController::finished);
        QTest::mouseClick(page->startButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 60000);
        auto* device = m_window->findChild<QLabel*>(QStringLiteral("trainingDevice"));
        QVERIFY(device);
        QVERIFY2(device->text().contains(QStringLiteral("Vulkan")), qPrintable(device->text()));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        const auto result = finished.first().first().value<app::RunFinished>();
        QCOMPARE(result.status, QStringLiteral("completed"));
        QCOMPARE(page->lossChart()->storedCount(TrainPage::TrainStep), 40);
        QCOMPARE(page->accuracyChart()->storedCount(TrainPage::Test), 2);
        QVERIFY(device->isHidden()); // the run is over
        m_window->trainingController()->stopAndWait();
        // cleanup() wants a window; this one must go before `backends` does.
        m_window = std::make_unique<ui::MainWindow>(*m_document, nw::testing::cpuOnlyRegistry());
    }

    void deviceBoxListsTheDevices() {
        // The main window's form, on the tests' registry: the CPU by its processor name.
        const auto devices = nw::testing::cpuOnlyRegistry().availableDevices();
        QCOMPARE(devices.size(), std::size_t(1));
        const QString processor = QString::fromStdString(devices[0].name);
        QVERIFY(!processor.trimmed().isEmpty());
        auto* box = m_window->trainPage()->form()->findChild<QComboBox*>(QStringLiteral("device"));
        QVERIFY(box);
        QCOMPARE(box->count(), 1);
        QCOMPARE(box->itemData(0).toString(), QStringLiteral("cpu"));
        QVERIFY2(box->itemText(0).startsWith(QStringLiteral("cpu")), qPrintable(box->itemText(0)));
        QVERIFY2(box->itemText(0).contains(processor), qPrintable(box->itemText(0)));
        QCOMPARE(box->itemData(0, Qt::ToolTipRole).toString(),
                 QString::fromStdString(devices[0].driver));
        QCOMPARE(box->currentIndex(), 0); // the project's training.device
        QVERIFY2(box->toolTip().isEmpty(), qPrintable(box->toolTip())); // nothing is absent

        // A registry that knows backends it lacks: the tooltip says which, and why.
        engine::BackendRegistry backends;
        engine::registerCpuBackend(backends);
        backends.addAbsent("cuda", "test reason: no CUDA here");
        backends.addAbsent("vulkan", "test reason: no Vulkan here");
        ui::TrainingForm form(*m_document, backends);
        auto* withAbsent = form.findChild<QComboBox*>(QStringLiteral("device"));
        QVERIFY(withAbsent);
        QCOMPARE(withAbsent->count(), 1); // absent backends are not offered
        QVERIFY(withAbsent->itemText(0).contains(processor));
        const QString tip = withAbsent->toolTip();
        QVERIFY2(tip.contains(QStringLiteral("cuda: test reason: no CUDA here")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("vulkan: test reason: no Vulkan here")),
                 qPrintable(tip));
        QCOMPARE(form.config().device, std::string("cpu"));
    }

    void opensOnTheProjectsLastRun() {
        // The earlier tests recorded runs of this project: the Train mode opens on the newest.
        TrainPage* page = m_window->trainPage();
        QVERIFY(m_window->showMode(QStringLiteral("Train")));
        QVERIFY(page->progressLabel()->text().startsWith(QStringLiteral("Showing run")));
        QVERIFY(page->lossChart()->storedCount(TrainPage::TrainStep) > 0);
        auto store =
            tracking::ExperimentStore::open(m_dir.filePath("experiments.db").toStdString());
        QVERIFY(store.ok());
        auto runs = (*store)->runs();
        QVERIFY(runs.ok() && runs->size() >= 3);
        QVERIFY(page->showStoredRun(runs->back().id)); // the first, completed run
        QCOMPARE(page->lossChart()->storedCount(TrainPage::TrainStep), 40);
        QCOMPARE(page->accuracyChart()->storedCount(TrainPage::Test), 2);
        QVERIFY(!page->showStoredRun(999999));
    }

    void opensARunsSnapshotAsUnsavedChanges() {
        QByteArray text(kProject);
        text.replace("\"name\": \"tiny\"", "\"name\": \"snapshot\"");
        QVERIFY(m_window->showMode(QStringLiteral("experiments")));
        emit m_window->experimentsPage()->openSnapshot(QString::fromUtf8(text),
                                                       m_dir.filePath("tiny.nwproj"));
        QCOMPARE(m_document->project().name, std::string("snapshot"));
        QCOMPARE(m_document->filePath(), m_dir.filePath("tiny.nwproj"));
        QVERIFY(m_document->isModified()); // the file on disk is untouched until saved
        QCOMPARE(m_window->findChild<QStackedWidget*>()->currentWidget(),
                 static_cast<QWidget*>(m_window->designPage()));
    }

    // Nice ticks written the short way: no "4.61e+03", no "0 0 1 1 1" on an empty chart, a
    // loss axis that does not dip below 0 and an accuracy axis that stops at 1.
    void chartAxesUseNiceTicks() {
        QCOMPARE(ui::siLabel(4610), QStringLiteral("4.61k"));
        QCOMPARE(ui::siLabel(4600), QStringLiteral("4.6k"));
        QCOMPARE(ui::siLabel(1.5e6), QStringLiteral("1.5M"));
        QCOMPARE(ui::siLabel(0.25), QStringLiteral("0.25"));
        QCOMPARE(ui::siLabel(0), QStringLiteral("0"));
        auto t = ui::niceTicks(0.21, 0.9);
        QCOMPARE(t.min, 0.2);
        QVERIFY(std::abs(t.max - 1.0) < 1e-12);
        QCOMPARE(t.values.size(), std::size_t(5)); // 0.2 .. 1.0 by 0.2

        ui::MetricChart chart(QStringLiteral("throughput"), QStringLiteral("step"));
        QCOMPARE(chart.valueAxisLabels(),
                 (QStringList{"0", "0.2", "0.4", "0.6", "0.8", "1"})); // empty: round ticks
        QCOMPARE(chart.stepAxis()->min(), 0.0);
        QCOMPARE(chart.stepAxis()->max(), 10.0);
        int rate = chart.addCurve(QStringLiteral("samples/s"), Qt::blue);
        for (int i = 1; i <= 100; ++i) {
            chart.append(rate, i, 4100 + 5.5 * i);
        }
        chart.refresh();
        for (const QString& label : chart.valueAxisLabels()) {
            QVERIFY2(label.endsWith(QLatin1Char('k')) && !label.contains(QLatin1Char('e')),
                     qPrintable(chart.valueAxisLabels().join(' ')));
        }
        chart.clearCurves();
        int acc = chart.addCurve(QStringLiteral("accuracy"), Qt::red);
        for (int i = 1; i <= 50; ++i) {
            chart.append(acc, i, 0.5 + 0.0098 * i); // up to 0.99
        }
        chart.refresh();
        QCOMPARE(chart.valueAxisLabels().last(), QStringLiteral("1"));
        QCOMPARE(chart.valueAxisLabels().first(), QStringLiteral("0.5"));
        QVERIFY(chart.stepAxis()->max() > 50); // the last point is not on a clipped edge
    }

    void chartKeepsEveryPointAndDrawsFew() {
        ui::MetricChart chart(QStringLiteral("loss"), QStringLiteral("step"));
        const int curve = chart.addCurve(QStringLiteral("train"), Qt::blue);
        constexpr int n = 1'000'000;
        for (int i = 0; i < n; ++i) {
            chart.append(curve, i, i == 777'777 ? 50.0 : 1.0 + (i % 7) * 0.01);
        }
        QElapsedTimer timer;
        timer.start();
        chart.refresh();
        QVERIFY2(timer.elapsed() < 2000, "a refresh of a million points must stay interactive");
        QCOMPARE(chart.storedCount(curve), n);
        QVERIFY(chart.displayedCount(curve) <= ui::MetricChart::kDisplayPoints + 2);
        const auto shown = ui::MetricChart::downsample(
            {QPointF(0, 1), QPointF(1, 9), QPointF(2, 1), QPointF(3, 1), QPointF(4, 1),
             QPointF(5, 1), QPointF(6, 1), QPointF(7, 1), QPointF(8, 1), QPointF(9, 1)},
            4);
        QVERIFY(std::any_of(shown.begin(), shown.end(),
                            [](const QPointF& p) { return p.y() == 9; })); // spikes stay
        auto* series = qobject_cast<QLineSeries*>(chart.chart()->series().first());
        QVERIFY(series);
        emit series->hovered(QPointF(3, 0.5), true); // the hover read-out
        QCOMPARE(chart.readout(), QStringLiteral("train · step 3: 0.5"));
        // A zoomed chart keeps its view while points arrive; a double click resets it.
        auto* xAxis = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Horizontal).first());
        QVERIFY(xAxis);
        chart.chart()->zoomIn(QRectF(0, 0, 100, 100)); // as the rubber band does
        QVERIFY(chart.chart()->isZoomed());
        const double zoomedMin = xAxis->min();
        chart.append(curve, n, 1.0);
        chart.refresh();
        QCOMPARE(xAxis->min(), zoomedMin);
        QTest::mouseDClick(chart.viewport(), Qt::LeftButton);
        QVERIFY(!chart.chart()->isZoomed());
        QCOMPARE(xAxis->min(), 0.0);
        chart.setLogScale(true);
        chart.setSmoothing(0.9);
        QVERIFY(chart.displayedCount(curve) > 0);
    }

private:
    // "1:02:03" or "4:05" as seconds.
    static double seconds(const QString& duration) {
        double total = 0;
        for (const QString& part : duration.trimmed().split(QLatin1Char(':'))) {
            total = total * 60 + part.toDouble();
        }
        return total;
    }

    QTemporaryDir m_dir;
    graph::OpRegistry m_registry = graph::makeCoreRegistry();
    std::unique_ptr<app::ProjectDocument> m_document;
    std::unique_ptr<ui::MainWindow> m_window;
};

QTEST_MAIN(TestTraining)
#include "test_training.moc"
