// netwright-cli train records runs, and netwright-cli runs reads them: list, show, compare,
// export, tag, delete with their exit codes; --resume continues a stopped run on the same
// loss curve as an uninterrupted one; and a training process killed (SIGKILL) at random
// points leaves a valid database whose committed metrics are all kept, the run marked
// crashed; a run killed before or after its first checkpoint resumes to the uninterrupted
// run's loss. Two databases in one folder keep their runs' files apart (a.db -> a.runs/), and a
// checkpoint of another run or store is refused on resume and on export. Every database lives
// in a QTemporaryDir (NETWRIGHT_DB and --db).
#include "engine/tracking/store.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/sqlite_integrity.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QtTest>

using namespace nw::datasets::testing;
using nw::tracking::ExperimentStore;

using nw::testing::integrityCheck;

namespace {

struct Run {
    int code = -1;
    QByteArray out;
    QByteArray err;
    QJsonDocument lastJsonDoc() const {
        return QJsonDocument::fromJson(out.trimmed().split('\n').last());
    }
    QJsonObject lastJson() const { return lastJsonDoc().object(); }
    QJsonArray lastArray() const { return lastJsonDoc().array(); }
};

// v[k0][k1]...: a value inside nested objects; undefined where one is missing.
QJsonValue field(QJsonValue v, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        v = v.toObject().value(QLatin1String(k));
    }
    return v;
}

Run cli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(NW_CLI_PATH), args);
    if (!p.waitForFinished(120000)) {
        qFatal("netwright-cli did not finish");
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

// train/loss values of a run by step, from `runs export --csv`.
QMap<qint64, QByteArray> lossCurve(const QString& db, int id) {
    Run r = cli({"runs", "export", QString::number(id), "--csv", "--db", db});
    QMap<qint64, QByteArray> out;
    for (const QByteArray& line : r.out.split('\n')) {
        auto f = line.split(',');
        if (f.size() == 6 && f[1] == "train/loss") {
            out[f[2].toLongLong()] = f[4];
        }
    }
    return out;
}

// A 16-pixel MLP with dropout over 320 samples: 20 batches an epoch.
QByteArray projectJson(int epochs) {
    return QByteArray(R"({
  "format_version": 1,
  "name": "tiny",
  "dataset": {"kind": "idx", "path": "data"},
  "training": {"batch_size": 16, "epochs": )") +
           QByteArray::number(epochs) + R"(, "seed": 3,
               "optimizer": {"type": "adam", "learning_rate": 0.01},
               "schedule": {"type": "cosine"}},
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 4, 4]}},
      {"id": "flatten", "op": "Flatten"},
      {"id": "fc1", "op": "Dense", "attributes": {"units": 32}},
      {"id": "act", "op": "ReLU"},
      {"id": "drop", "op": "Dropout", "attributes": {"rate": 0.2}},
      {"id": "fc2", "op": "Dense", "attributes": {"units": 10}},
      {"id": "loss", "op": "Loss"}
    ],
    "edges": [
      {"from": "input", "to": "flatten"}, {"from": "flatten", "to": "fc1"},
      {"from": "fc1", "to": "act"}, {"from": "act", "to": "drop"},
      {"from": "drop", "to": "fc2"}, {"from": "fc2", "to": "loss"}
    ]
  }
})";
}

// A wider MLP over 20,000 samples, batch 32: 625 steps an epoch, a few milliseconds each, so
// that a process can be killed before its first checkpoint (the epoch's end) and after it.
QByteArray wideProjectJson() {
    return R"({
  "format_version": 1,
  "name": "wide",
  "dataset": {"kind": "idx", "path": "wide-data"},
  "training": {"batch_size": 32, "epochs": 2, "seed": 5,
               "optimizer": {"type": "adam", "learning_rate": 0.001}},
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 4, 4]}},
      {"id": "flatten", "op": "Flatten"},
      {"id": "fc1", "op": "Dense", "attributes": {"units": 1024}},
      {"id": "act1", "op": "ReLU"},
      {"id": "drop", "op": "Dropout", "attributes": {"rate": 0.2}},
      {"id": "fc2", "op": "Dense", "attributes": {"units": 1024}},
      {"id": "act2", "op": "ReLU"},
      {"id": "fc3", "op": "Dense", "attributes": {"units": 10}},
      {"id": "loss", "op": "Loss"}
    ],
    "edges": [
      {"from": "input", "to": "flatten"}, {"from": "flatten", "to": "fc1"},
      {"from": "fc1", "to": "act1"}, {"from": "act1", "to": "drop"},
      {"from": "drop", "to": "fc2"}, {"from": "fc2", "to": "act2"},
      {"from": "act2", "to": "fc3"}, {"from": "fc3", "to": "loss"}
    ]
  }
})";
}

} // namespace

class TestCliRuns : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        qputenv("NETWRIGHT_DB", db().toUtf8());
        QVERIFY(writeMnistFolder(m_dir.filePath("data"), 320, 64, true));
        for (auto [name, epochs] : {std::pair{"tiny.nwproj", 2}, std::pair{"long.nwproj", 2000}}) {
            QFile f(m_dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(projectJson(epochs));
        }
        Run a = cli({"train", project(), "--json", "--name", "first", "--threads", "1"});
        QVERIFY2(a.code == 0, a.err.constData());
        QCOMPARE(field(a.lastJson(), {"run_id"}).toInt(), 1);
        Run b = cli({"train", project(), "--json", "--lr", "0.02", "--threads", "1"});
        QVERIFY2(b.code == 0, b.err.constData());
        QCOMPARE(field(b.lastJson(), {"run_id"}).toInt(), 2);
    }

    void listAndShow() {
        Run list = cli({"runs", "list", "--json"});
        QCOMPARE(list.code, 0);
        QJsonArray runs = list.lastArray();
        QCOMPARE(runs.size(), 2);
        QCOMPARE(field(runs[0], {"id"}).toInt(), 2); // newest first
        QCOMPARE(field(runs[1], {"name"}).toString(), QString("first"));
        QCOMPARE(field(runs[1], {"status"}).toString(), QString("completed"));
        QCOMPARE(field(runs[1], {"steps"}).toInt(), 40);

        Run table = cli({"runs", "list"});
        QVERIFY(table.out.contains("first") && table.out.contains("completed"));

        Run show = cli({"runs", "show", "1", "--json", "--db", db()});
        QCOMPARE(show.code, 0);
        QJsonObject j = show.lastJson();
        QCOMPARE(field(j, {"params", "training.optimizer.learning_rate"}).toString(),
                 QString("0.01"));
        QCOMPARE(field(j, {"params", "training.seed"}).toString(), QString("3"));
        QCOMPARE(field(j, {"metrics", "train/loss", "count"}).toInt(), 40);
        QVERIFY(field(j, {"metrics", "test/accuracy"}).isObject());
        QCOMPARE(field(j, {"metrics", "epoch/train_loss", "count"}).toInt(), 2);
        QJsonArray artifacts = field(j, {"artifacts"}).toArray();
        QCOMPARE(artifacts.size(), 1);
        QCOMPARE(field(artifacts[0], {"kind"}).toString(), QString("checkpoint"));
        QCOMPARE(field(artifacts[0], {"sha256"}).toString().size(), 64);
    }

    void compareShowsDifferingParameters() {
        Run r = cli({"runs", "compare", "1", "2"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.contains("training.optimizer.learning_rate"));
        QVERIFY(r.out.contains("0.02"));
        QVERIFY(!r.out.contains("training.seed ")); // identical: not listed
        QVERIFY(r.out.contains("test/accuracy"));
    }

    void exportCsv() {
        Run r = cli({"runs", "export", "1", "--csv"});
        QCOMPARE(r.code, 0);
        auto lines = r.out.trimmed().split('\n');
        QCOMPARE(lines[0], QByteArray("run_id,name,step,epoch,value,wall_time"));
        QCOMPARE(lossCurve(db(), 1).size(), 40);
    }

    void userErrorsExitTwo_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("show unknown") << QStringList{"runs", "show", "99"} << "unknown run id 99";
        QTest::newRow("export unknown")
            << QStringList{"runs", "export", "99", "--csv"} << "unknown run id 99";
        QTest::newRow("tag unknown") << QStringList{"runs", "tag", "99", "x"} << "run id 99";
        QTest::newRow("delete unknown") << QStringList{"runs", "delete", "99"} << "run id 99";
        QTest::newRow("compare unknown") << QStringList{"runs", "compare", "1", "99"} << "99";
        QTest::newRow("resume unknown")
            << QStringList{"train", "--resume", "99"} << "unknown run id 99";
        QTest::newRow("resume completed")
            << QStringList{"train", "--resume", "1"} << "run 1 is completed";
        QTest::newRow("no database")
            << QStringList{"runs", "list", "--db", m_dir.filePath("none/x.db")} << "none/x.db";
        QTest::newRow("db is a folder")
            << QStringList{"train", project(), "--db", m_dir.path()} << m_dir.path();
        QTest::newRow("db not a database")
            << QStringList{"runs", "list", "--db", project()} << "tiny.nwproj";
        QTest::newRow("train without project") << QStringList{"train"} << "PROJECT";
    }
    void userErrorsExitTwo() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        Run r = cli(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(message.toUtf8()), r.err.constData());
    }

    // Stopped after 7 steps (mid-epoch) and after 20 (an epoch boundary), then resumed: the
    // same per-step losses, exactly, as the uninterrupted run 1.
    void resumeMatchesUninterrupted_data() {
        QTest::addColumn<int>("stopAfter");
        QTest::newRow("mid-epoch") << 7;
        QTest::newRow("epoch boundary") << 20;
    }
    void resumeMatchesUninterrupted() {
        QFETCH(int, stopAfter);
        const QString other = m_dir.filePath(QString("resume-%1.db").arg(stopAfter));
        Run stopped = cli({"train", project(), "--json", "--db", other, "--stop-after",
                           QString::number(stopAfter), "--name", "first"});
        QVERIFY2(stopped.code == 0, stopped.err.constData());
        QCOMPARE(field(stopped.lastJson(), {"outcome"}).toString(), QString("stopped"));
        int id = field(stopped.lastJson(), {"run_id"}).toInt();
        Run resumed = cli({"train", "--resume", QString::number(id), "--db", other, "--json"});
        QVERIFY2(resumed.code == 0, resumed.err.constData());
        QCOMPARE(field(resumed.lastJson(), {"steps"}).toInt(), 40);
        auto whole = lossCurve(db(), 1);
        auto joined = lossCurve(other, id);
        QCOMPARE(joined.size(), 40);
        QCOMPARE(joined, whole);
        Run show = cli({"runs", "show", QString::number(id), "--json", "--db", other});
        QJsonObject j = show.lastJson();
        QCOMPARE(field(j, {"status"}).toString(), QString("completed"));
        QCOMPARE(field(j, {"metrics", "epoch/train_loss", "count"}).toInt(), 2);
    }

    // A run killed (SIGKILL) before its first checkpoint and one killed after it both resume
    // with `train --resume ID` to the uninterrupted run's loss curve and final loss, exactly:
    // the first starts again from step 0 as the same run, the second from its checkpoint.
    void killedRunsResumeToTheUninterruptedLoss_data() {
        QTest::addColumn<bool>("afterCheckpoint");
        QTest::newRow("before the first checkpoint") << false;
        QTest::newRow("after the first checkpoint") << true;
    }
    void killedRunsResumeToTheUninterruptedLoss() {
        QFETCH(bool, afterCheckpoint);
        const QString wide = m_dir.filePath("wide.nwproj");
        if (!QFile::exists(wide)) {
            QVERIFY(writeMnistFolder(m_dir.filePath("wide-data"), 20000, 64, false));
            QFile f(wide);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(wideProjectJson());
        }
        const QString killDb = m_dir.filePath(afterCheckpoint ? "killed-after.db" : "killed.db");
        const QStringList train{"train", wide,        "--db", killDb,  "--max-steps",
                                "1000",  "--threads", "1",    "--json"};
        Run whole = cli(train);
        QVERIFY2(whole.code == 0, whole.err.constData());
        const int reference = field(whole.lastJson(), {"run_id"}).toInt();

        std::int64_t killed = 0;
        for (int attempt = 0; attempt < 5 && killed == 0; ++attempt) {
            QProcess p;
            p.start(QStringLiteral(NW_CLI_PATH), train);
            QVERIFY(p.waitForStarted());
            std::int64_t runId = 0;
            auto checkpointOf = [&] {
                return m_dir.filePath(QString("%1.runs/%2/checkpoint.nwckpt")
                                          .arg(afterCheckpoint ? "killed-after" : "killed")
                                          .arg(runId));
            };
            QElapsedTimer t;
            t.start();
            while (p.state() == QProcess::Running && t.elapsed() < 60000) {
                auto reader = ExperimentStore::open(killDb.toStdString(), false);
                if (reader) {
                    auto runs = (*reader)->runs();
                    if (runs && !runs->empty() && runs->front().id != reference) {
                        runId = runs->front().id;
                        const bool hasCheckpoint = QFile::exists(checkpointOf());
                        if (afterCheckpoint
                                ? hasCheckpoint
                                : !hasCheckpoint && *(*reader)->metricCount(runId) > 0) {
                            break;
                        }
                    }
                }
                QTest::qWait(5);
            }
            p.kill();
            QVERIFY(p.waitForFinished());
            if (runId == 0 || QFile::exists(checkpointOf()) != afterCheckpoint) {
                continue; // the run ended or checkpointed before the kill: again
            }
            auto store = ExperimentStore::open(killDb.toStdString());
            QVERIFY(store.ok());
            auto r = (*store)->run(runId);
            QVERIFY(r.ok());
            if (r->status == "crashed") {
                killed = runId;
            }
        }
        QVERIFY2(killed != 0, "no kill landed in the window after 5 attempts");
        QCOMPARE(integrityCheck(killDb), QString("ok"));

        Run resumed = cli({"train", "--resume", QString::number(killed), "--db", killDb,
                           "--threads", "1", "--json"});
        QVERIFY2(resumed.code == 0, resumed.err.constData());
        QCOMPARE(resumed.err.contains("training it again from step 0"), !afterCheckpoint);
        QCOMPARE(field(resumed.lastJson(), {"run_id"}).toInt(), int(killed));
        QCOMPARE(field(resumed.lastJson(), {"steps"}).toInt(), 1000);
        QCOMPARE(field(resumed.lastJson(), {"final_loss"}).toDouble(),
                 field(whole.lastJson(), {"final_loss"}).toDouble());
        auto curve = lossCurve(killDb, int(killed));
        QCOMPARE(curve.size(), 1000);
        QCOMPARE(curve, lossCurve(killDb, reference));
        Run show = cli({"runs", "show", QString::number(killed), "--json", "--db", killDb});
        QCOMPARE(field(show.lastJson(), {"status"}).toString(), QString("completed"));
        Run shown = cli({"runs", "show", QString::number(reference), "--json", "--db", killDb});
        QCOMPARE(field(show.lastJson(), {"metrics", "epoch/train_loss", "count"}),
                 field(shown.lastJson(), {"metrics", "epoch/train_loss", "count"}));
    }

    void tagAndDelete() {
        QCOMPARE(cli({"runs", "tag", "2", "high-lr"}).code, 0);
        QVERIFY(cli({"runs", "list"}).out.contains("high-lr"));
        QVERIFY(QDir(m_dir.filePath("experiments.runs/2")).exists());
        Run d = cli({"runs", "delete", "2"});
        QCOMPARE(d.code, 0);
        QCOMPARE(cli({"runs", "list", "--json"}).lastArray().size(), 1);
        QVERIFY(!QDir(m_dir.filePath("experiments.runs/2")).exists());
        QCOMPARE(cli({"runs", "show", "2"}).code, 2);
    }

    // a.db and b.db in one folder each train a run 1 (other seeds, stopped after 7 steps):
    // each has its own folder, `export --run 1` ships each store's own weights (the same file
    // as exporting the weights that run saved), and the two differ.
    void twoStoresKeepTheirRunsApart() {
        QTemporaryDir dir;
        QVERIFY(QFile::copy(project(), dir.filePath("tiny.nwproj")));
        QVERIFY(QFile::link(m_dir.filePath("data"), dir.filePath("data")));
        const QString proj = dir.filePath("tiny.nwproj");
        QByteArray exported[2];
        int i = 0;
        for (const char* name : {"a", "b"}) {
            const QString db = dir.filePath(QString("%1.db").arg(name));
            const QString weights = dir.filePath(QString("%1.nwwts").arg(name));
            Run t = cli({"train", proj, "--db", db, "--seed", i == 0 ? "11" : "12", "--stop-after",
                         "7", "--save-weights", weights, "--json", "--threads", "1"});
            QVERIFY2(t.code == 0, t.err.constData());
            QCOMPARE(field(t.lastJson(), {"run_id"}).toInt(), 1);
            QVERIFY(QFile::exists(dir.filePath(QString("%1.runs/1/checkpoint.nwckpt").arg(name))));
            const QString fromRun = dir.filePath(QString("%1-run.onnx").arg(name));
            const QString fromWeights = dir.filePath(QString("%1-weights.onnx").arg(name));
            Run e = cli({"export", proj, "--run", "1", "--db", db, "-o", fromRun});
            QVERIFY2(e.code == 0, e.err.constData());
            Run w = cli({"export", proj, "--weights", weights, "-o", fromWeights});
            QVERIFY2(w.code == 0, w.err.constData());
            QFile r(fromRun), f(fromWeights);
            QVERIFY(r.open(QIODevice::ReadOnly) && f.open(QIODevice::ReadOnly));
            exported[i] = r.readAll();
            QVERIFY(exported[i] == f.readAll()); // this store's weights, not the other's
            ++i;
        }
        QVERIFY(exported[0] != exported[1]);
        QVERIFY(!QDir(dir.filePath("runs")).exists());

        // b's checkpoint copied over a's: refused on export and on resume, naming both.
        const QString mine = dir.filePath("a.runs/1/checkpoint.nwckpt");
        QVERIFY(QFile::rename(mine, mine + ".kept"));
        QVERIFY(QFile::copy(dir.filePath("b.runs/1/checkpoint.nwckpt"), mine));
        const QString a = dir.filePath("a.db");
        const std::string uuidA = (*ExperimentStore::open(a.toStdString()))->run(1)->uuid;
        const std::string uuidB =
            (*ExperimentStore::open(dir.filePath("b.db").toStdString()))->run(1)->uuid;
        auto refused = [&](const Run& r) {
            return r.code == 2 && r.err.contains(mine.toUtf8()) &&
                   r.err.contains(("belongs to run 1 (UUID " + uuidB).c_str()) &&
                   r.err.contains(("run 1 (UUID " + uuidA + ") of " + a.toStdString()).c_str());
        };
        Run e = cli({"export", proj, "--run", "1", "--db", a, "-o", dir.filePath("never.onnx")});
        QVERIFY2(refused(e), e.err.constData());
        QVERIFY(!QFile::exists(dir.filePath("never.onnx")));
        Run resumed = cli({"train", "--resume", "1", "--db", a, "--json", "--threads", "1"});
        QVERIFY2(refused(resumed), resumed.err.constData());
        QVERIFY(QFile::remove(mine));
        QVERIFY(QFile::rename(mine + ".kept", mine));
        Run again = cli({"export", proj, "--run", "1", "--db", a, "-o", dir.filePath("ok.onnx")});
        QVERIFY2(again.code == 0, again.err.constData());
    }

    // SIGKILL at random points of a training process: the database stays valid, the metric
    // count a reader saw before the kill is kept, the run is marked crashed on the next open,
    // and a crashed run resumes with a gapless loss curve.
    void killLoopKeepsTheDatabaseValid() {
        const QString killDb = m_dir.filePath("kill.db");
        QRandomGenerator rng(20261125);
        std::int64_t lastRun = 0;
        int crashed = 0;
        QMap<std::int64_t, std::int64_t> committed; // crashed run -> its metric rows
        for (int i = 0; i < 10; ++i) {
            QProcess p;
            p.start(QStringLiteral(NW_CLI_PATH),
                    {"train", m_dir.filePath("long.nwproj"), "--db", killDb, "--checkpoint-every",
                     "7", "--threads", "1"});
            QVERIFY(p.waitForStarted());
            // Even iterations: any moment from the start (even before the run exists); odd
            // ones: a moment after the run's row appeared, so that at least 5 runs crash.
            const bool afterRunExists = i % 2 == 1;
            const qint64 delayMs = qint64(rng.bounded(afterRunExists ? 700 : 1000));
            qint64 deadline = afterRunExists ? -1 : delayMs;
            std::int64_t seen = 0, seenRun = 0;
            QElapsedTimer t;
            t.start();
            while ((deadline < 0 || t.elapsed() < deadline) && t.elapsed() < 30000) {
                if (QFile::exists(killDb)) {
                    auto reader = ExperimentStore::open(killDb.toStdString(), false);
                    if (reader) {
                        auto runs = (*reader)->runs();
                        if (runs && !runs->empty() && runs->front().id > lastRun) {
                            seenRun = runs->front().id;
                            seen = *(*reader)->metricCount(seenRun);
                        }
                    }
                }
                if (deadline < 0 && seenRun != 0) {
                    deadline = t.elapsed() + delayMs;
                }
                QTest::qWait(20);
            }
            p.kill();
            QVERIFY(p.waitForFinished());
            QCOMPARE(integrityCheck(killDb), QString("ok"));
            auto store = ExperimentStore::open(killDb.toStdString());
            QVERIFY(store.ok());
            auto runs = (*store)->runs();
            QVERIFY(runs.ok());
            for (auto [id, count] : committed.asKeyValueRange()) { // earlier runs keep theirs
                QCOMPARE(*(*store)->metricCount(id), count);
            }
            if (runs->empty() || runs->front().id == lastRun) {
                QCOMPARE(seenRun, std::int64_t(0)); // killed before it created its run
                continue;
            }
            const auto& run = runs->front();
            lastRun = run.id;
            QCOMPARE(run.status, std::string("crashed"));
            ++crashed;
            const std::int64_t count = *(*store)->metricCount(run.id);
            QVERIFY(count >= seen);
            committed[run.id] = count;
        }
        QVERIFY(crashed >= 5);

        // Resume the last crashed run for a few more steps: no gap, no duplicate.
        auto store = ExperimentStore::open(killDb.toStdString());
        auto losses = (*store)->metrics(lastRun, "train/loss");
        store->reset();
        Run r = cli({"train", "--resume", QString::number(lastRun), "--db", killDb, "--stop-after",
                     QString::number(losses->size() + 10), "--json"});
        QVERIFY2(r.code == 0, r.err.constData());
        auto curve = lossCurve(killDb, int(lastRun));
        QVERIFY(curve.size() >= 10);
        QCOMPARE(curve.firstKey(), qint64(1));
        QCOMPARE(curve.lastKey(), qint64(curve.size()));
    }

private:
    QString project() const { return m_dir.filePath("tiny.nwproj"); }
    QString db() const { return m_dir.filePath("experiments.db"); }
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCliRuns)
#include "test_cli_runs.moc"
