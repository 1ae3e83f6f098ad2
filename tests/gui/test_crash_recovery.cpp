// The IDE killed (SIGKILL) during a run: this test binary, started again as a child with
// --train-until-killed, is the IDE (a MainWindow whose Start button starts a run of a long
// project) and is killed once its run has checkpointed. The store then passes PRAGMA
// integrity_check, the run is found crashed when the next window starts, and its offer to
// resume names the run and what resuming does: from the checkpoint, or (its checkpoint gone)
// from step 0. Dismissing shows the next crashed run; Resume continues the run from its
// checkpoint as the same run. NETWRIGHT_DB points into a temporary folder.
#include "app/project_document.h"
#include "app/training_controller.h"
#include "engine/tracking/store.h"
#include "graph/op_registry.h"
#include "tests/support/backends.h"
#include "tests/support/sqlite_integrity.h"
#include "tests/support/tiny_project.h"
#include "ui/main_window.h"
#include "ui/training/crashed_run_bar.h"
#include "ui/training/train_page.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>

using namespace nw;
using State = app::TrainingController::State;

using nw::testing::integrityCheck;

namespace {

// The child: the IDE's window on `project`, training it until it is killed.
int trainUntilKilled(const QString& project) {
    auto registry = graph::makeCoreRegistry();
    app::ProjectDocument document(registry);
    if (!document.load(project)) {
        return 3;
    }
    ui::MainWindow window(document, nw::testing::cpuOnlyRegistry());
    window.show();
    window.showMode(QStringLiteral("train"));
    window.trainPage()->startButton()->click();
    return QApplication::exec();
}

} // namespace

class TestCrashRecovery : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_project = nw::testing::writeTinyWorkspace(m_dir.path(), 100000); // never ends itself
        QVERIFY(!m_project.isEmpty());
    }

    void killedIdeRunIsOfferedForResuming() {
        const std::int64_t first = killDuringARun();
        QVERIFY(first > 0);
        const std::int64_t second = killDuringARun();
        QVERIFY(second > first);
        QCOMPARE(integrityCheck(db()), QString("ok"));
        // The second one loses its checkpoint: resuming it starts again from step 0.
        QVERIFY(QFile::remove(checkpointOf(second)));

        auto registry = graph::makeCoreRegistry();
        app::ProjectDocument document(registry);
        QVERIFY(document.load(m_project).ok());
        ui::MainWindow window(document, nw::testing::cpuOnlyRegistry());
        window.setUnsavedChangesPrompt([] { return QMessageBox::Discard; });
        window.show();
        ui::CrashedRunBar* bar = window.crashedRunBar();
        QVERIFY(!bar->isVisible());

        QCOMPARE(window.checkForCrashedRuns(), second); // the newest first
        QVERIFY(bar->isVisible());
        QString text = bar->message()->text();
        QVERIFY2(text.contains(QString("Run %1 “tiny” crashed at step").arg(second)),
                 qPrintable(text));
        QVERIFY2(text.contains("trains it again from step 0"), qPrintable(text));
        QVERIFY2(text.contains("1 more crashed run"), qPrintable(text));

        QTest::mouseClick(bar->dismissButton(), Qt::LeftButton); // the next one
        QVERIFY(bar->isVisible());
        QCOMPARE(bar->runId(), first);
        text = bar->message()->text();
        QVERIFY2(text.contains("continues it from its last checkpoint"), qPrintable(text));

        auto* controller = window.trainingController();
        QSignalSpy started(controller, &app::TrainingController::runStarted);
        QTest::mouseClick(bar->resumeButton(), Qt::LeftButton);
        QVERIFY(!bar->isVisible());
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 1, 30000);
        QCOMPARE(started.first().at(0).toLongLong(), first); // the same run
        QVERIFY(started.first().at(3).toLongLong() >= 20);   // from its checkpoint
        QTRY_VERIFY_WITH_TIMEOUT(controller->state() == State::Running, 30000);
        controller->stopAndWait();

        auto store = tracking::ExperimentStore::open(db().toStdString());
        QVERIFY(store.ok());
        QCOMPARE((*store)->run(first)->status, std::string("stopped"));
        QCOMPARE((*store)->run(second)->status, std::string("crashed"));
        store->reset();
        QCOMPARE(window.checkForCrashedRuns(), std::int64_t(0)); // one dismissed, one stopped
        QVERIFY(!bar->isVisible());
        QCOMPARE(integrityCheck(db()), QString("ok"));
    }

private:
    QString db() const { return m_dir.filePath("experiments.db"); }
    QString checkpointOf(std::int64_t run) const {
        return m_dir.filePath(QString("experiments.runs/%1/checkpoint.nwckpt").arg(run));
    }

    // Starts the child IDE, waits until its run has a checkpoint and a few more steps, kills
    // it and returns the run's id (0 when it never got there).
    std::int64_t killDuringARun() {
        QProcess ide;
        ide.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        ide.start(QCoreApplication::applicationFilePath(), {"--train-until-killed", m_project});
        if (!ide.waitForStarted()) {
            return 0;
        }
        std::int64_t runId = 0;
        QElapsedTimer t;
        t.start();
        while (ide.state() == QProcess::Running && t.elapsed() < 60000) {
            auto store = tracking::ExperimentStore::open(db().toStdString(), false);
            if (store) {
                auto runs = (*store)->runSummaries();
                if (runs && !runs->empty() && runs->front().id > m_lastRun &&
                    QFile::exists(checkpointOf(runs->front().id)) &&
                    *(*store)->metricCount(runs->front().id) > 30) {
                    runId = runs->front().id;
                    break;
                }
            }
            QTest::qWait(20);
        }
        ide.kill();
        ide.waitForFinished();
        m_lastRun = std::max(m_lastRun, runId);
        return runId;
    }

    QTemporaryDir m_dir;
    QString m_project;
    std::int64_t m_lastRun = 0;
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    if (argc == 3 && std::strcmp(argv[1], "--train-until-killed") == 0) {
        return trainUntilKilled(QString::fromLocal8Bit(argv[2]));
    }
    TestCrashRecovery test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_crash_recovery.moc"
