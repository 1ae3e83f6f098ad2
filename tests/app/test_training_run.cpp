// The training-run use case shared by netwright-cli train and the IDE's TrainingController
// (app/training_run.h), on the tiny workspace: a new run records its parameters and saves its
// weights; an unsaved snapshot resolves against the working directory; a stopped run
// resumes with its recorded max_steps and settings, not the request's; an unknown run id, a
// device this machine lacks and a missing dataset are user errors naming the run, the setting
// and the file.
#include "app/training_run.h"
#include "engine/tracking/store.h"
#include "graph/project_file.h"
#include "tests/support/backends.h"
#include "tests/support/tiny_project.h"

#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <map>

using namespace nw;
using app::TrainingRun;
using app::TrainingRunRequest;

class TestTrainingRun : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_projectPath = nw::testing::writeTinyWorkspace(m_dir.path(), 2).toStdString();
        QVERIFY(!m_projectPath.empty());
    }

    void newRunRecordsItsParameters() {
        auto request = requestFor(m_projectPath);
        request.maxSteps = 4;
        request.checkpointEvery = 2;
        request.overrides.learningRate = 0.05;
        request.runName = "recorded";
        auto run = TrainingRun::open(request, m_registry, nw::testing::cpuOnlyRegistry());
        QVERIFY2(run.ok(), run.ok() ? "" : run.error().message.c_str());
        QCOMPARE((*run)->project().training.optimizer.learningRate, 0.05);
        QVERIFY((*run)->startRecording({}).ok());
        auto result = (*run)->train();
        QVERIFY(result.ok());
        QCOMPARE(result->outcome, engine::TrainResult::Outcome::StepLimit);
        const QString weights = m_dir.filePath("recorded.nwweights");
        QVERIFY((*run)->finish(result, weights.toStdString()).ok());
        QVERIFY(QFile::exists(weights)); // finish() saves the weights before recording them

        auto params = paramsOf((*run)->tracked().store(), (*run)->runId());
        QCOMPARE(params["run.max_steps"], std::string("4"));
        QCOMPARE(params["run.checkpoint_every"], std::string("2"));
        QCOMPARE(params["run.source"], std::string("test"));
        QCOMPARE(params["training.optimizer.learning_rate"], std::string("0.05"));
        auto record = (*run)->tracked().store().run((*run)->runId());
        QVERIFY(record.ok());
        QCOMPARE(record->name, std::string("recorded"));
        QCOMPARE(record->status, std::string("completed"));
    }

    // Checkpoints by time: with a tiny interval every step boundary is past it, so the run
    // checkpoints mid-epoch although no step count asks for it; 0 turns it off.
    void checkpointsByTime() {
        for (double minutes : {1e-9, 0.0}) {
            auto request = requestFor(m_projectPath);
            request.maxSteps = 3;
            request.checkpointEvery = 0;
            request.checkpointEveryMinutes = minutes;
            auto run = TrainingRun::open(request, m_registry, nw::testing::cpuOnlyRegistry());
            QVERIFY(run.ok());
            QCOMPARE((*run)->checkpointEveryMinutes(), minutes);
            std::vector<std::int64_t> steps;
            app::TrainingRecording recording;
            recording.onCheckpoint = [&steps](std::int64_t step) { steps.push_back(step); };
            QVERIFY((*run)->startRecording(recording).ok());
            auto result = (*run)->train();
            QVERIFY(result.ok());
            QVERIFY((*run)->finish(result).ok());
            if (minutes > 0) {
                QVERIFY2(steps.size() >= 3 && steps[0] == 1,
                         qPrintable(QStringLiteral("%1 checkpoints").arg(steps.size())));
            } else {
                QVERIFY2(std::find(steps.begin(), steps.end(), 1) == steps.end(),
                         "no checkpoint at step 1 without a time interval");
            }
        }
        // The project's default: every 10 minutes.
        auto request = requestFor(m_projectPath);
        auto run = TrainingRun::open(request, m_registry, nw::testing::cpuOnlyRegistry());
        QVERIFY(run.ok());
        QCOMPARE((*run)->checkpointEveryMinutes(), 10.0);
        (void)(*run)->finish(Error::user("not trained")); // recorded failed, not left running
    }

    // An unsaved snapshot resolves its dataset against the working directory and is recorded
    // as untitled.nwproj there.
    void unsavedSnapshotUsesTheWorkingDirectory() {
        auto project = readTiny();
        QVERIFY(project.ok());
        project->dataset.path = m_dir.filePath("data").toStdString();
        TrainingRunRequest request = requestFor({});
        request.project = *project;
        request.maxSteps = 1;
        auto run = TrainingRun::open(request, m_registry, nw::testing::cpuOnlyRegistry());
        QVERIFY2(run.ok(), run.ok() ? "" : run.error().message.c_str());
        QCOMPARE((*run)->projectDir(), std::filesystem::current_path());
        auto record = (*run)->tracked().store().run((*run)->runId());
        QVERIFY(record.ok());
        QCOMPARE(record->projectPath,
                 (std::filesystem::current_path() / "untitled.nwproj").string());
        QVERIFY((*run)->startRecording({}).ok());
        auto result = (*run)->train();
        QVERIFY(result.ok());
        QVERIFY((*run)->finish(result).ok());
    }

    void resumedRunKeepsItsSettings() {
        auto request = requestFor(m_projectPath);
        request.maxSteps = 6;
        request.overrides.epochs = 1;
        std::int64_t runId = 0;
        {
            auto run = TrainingRun::open(request, m_registry, nw::testing::cpuOnlyRegistry());
            QVERIFY(run.ok());
            app::TrainingRecording recording;
            recording.stopAfter = 3;
            QVERIFY((*run)->startRecording(recording).ok());
            auto result = (*run)->train();
            QVERIFY(result.ok());
            QCOMPARE(result->outcome, engine::TrainResult::Outcome::Stopped);
            QVERIFY((*run)->finish(result).ok());
            runId = (*run)->runId();
        }
        // The request's project, max steps and overrides give way to the run's own.
        TrainingRunRequest resume = requestFor("/nowhere/else.nwproj");
        resume.resumeRunId = runId;
        resume.maxSteps = 100;
        resume.overrides.epochs = 7;
        auto run = TrainingRun::open(resume, m_registry, nw::testing::cpuOnlyRegistry());
        QVERIFY2(run.ok(), run.ok() ? "" : run.error().message.c_str());
        QVERIFY((*run)->resumed());
        QCOMPARE((*run)->runId(), runId);
        QCOMPARE((*run)->maxSteps(), std::int64_t(6));
        QCOMPARE((*run)->project().training.epochs, std::int64_t(1));
        QCOMPARE((*run)->projectPath(), std::filesystem::absolute(m_projectPath).string());
        QCOMPARE((*run)->trainer().step(), std::int64_t(3));
        QVERIFY((*run)->startRecording({}).ok());
        auto result = (*run)->train();
        QVERIFY(result.ok());
        QCOMPARE(result->steps, std::int64_t(6));
        QCOMPARE(result->outcome, engine::TrainResult::Outcome::StepLimit);
        QVERIFY((*run)->finish(result).ok());
    }

    void errorsNameWhatIsWrong_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown run") << "resume 4242"
                                     << "unknown run id 4242 in ";
        QTest::newRow("--device") << "override cuda:7"
                                  << "--device: device 'cuda:7'";
        QTest::newRow("training.device") << "project vulkan:0"
                                         << "tiny.nwproj: training.device: device 'vulkan:0'";
        QTest::newRow("unsaved training.device") << "snapshot vulkan:0"
                                                 << "training.device: device 'vulkan:0'";
        QTest::newRow("dataset") << "dataset missing"
                                 << "missing";
    }

    void errorsNameWhatIsWrong() {
        QFETCH(QString, kind);
        QFETCH(QString, expected);
        auto request = requestFor(m_projectPath);
        auto project = readTiny();
        QVERIFY(project.ok());
        const QString arg = kind.section(' ', 1);
        if (kind.startsWith("resume")) {
            request.resumeRunId = arg.toLongLong();
        } else if (kind.startsWith("override")) {
            request.overrides.device = arg.toStdString();
        } else if (kind.startsWith("project")) {
            project->training.device = arg.toStdString();
            request.project = *project;
        } else if (kind.startsWith("snapshot")) {
            project->training.device = arg.toStdString();
            request.project = *project;
            request.projectPath.clear();
        } else {
            project->dataset.path = m_dir.filePath(arg).toStdString();
            request.project = *project;
        }
        auto run = TrainingRun::open(request, m_registry, nw::testing::cpuOnlyRegistry());
        QVERIFY(!run.ok());
        QCOMPARE(run.error().kind, Error::Kind::User);
        const QString message = QString::fromStdString(run.error().message);
        QVERIFY2(message.contains(expected), qPrintable(message));
        if (kind.contains(':')) { // a device this machine lacks: the ones it has
            QVERIFY2(message.contains("this machine has: cpu ("), qPrintable(message));
        }
        if (kind.startsWith("snapshot")) {
            QVERIFY2(message.startsWith("training.device: "), qPrintable(message));
        }
    }

private:
    TrainingRunRequest requestFor(const std::string& projectPath) const {
        TrainingRunRequest r;
        r.projectPath = projectPath;
        r.databasePath = m_dir.filePath("experiments.db").toStdString();
        r.source = "test";
        return r;
    }
    Expected<graph::Project> readTiny() const {
        return graph::readProject(m_projectPath, m_registry);
    }
    static std::map<std::string, std::string> paramsOf(tracking::ExperimentStore& store,
                                                       std::int64_t runId) {
        std::map<std::string, std::string> out;
        if (auto params = store.params(runId)) {
            out.insert(params->begin(), params->end());
        }
        return out;
    }

    QTemporaryDir m_dir;
    std::string m_projectPath;
    graph::OpRegistry m_registry = graph::makeCoreRegistry();
};

QTEST_GUILESS_MAIN(TestTrainingRun)
#include "test_training_run.moc"
