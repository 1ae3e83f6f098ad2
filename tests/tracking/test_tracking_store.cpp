// The experiment store: schema creation, migration from version 1 (data kept), the metric
// writer's batching and heartbeat, crash detection, a reader while a writer commits, and
// SHA-256; run summaries (the live table's poll) and finding a run's newest checkpoint, which
// must belong to the run (its UUID, id and graph hash); schema 3's move of a run's files from
// runs/<id>/ to <stem>.runs/<id>/. Every database lives in a QTemporaryDir.
#include "engine/tracking/metric_writer.h"
#include "engine/tracking/run_checkpoint.h"
#include "engine/tracking/schema.h"
#include "engine/tracking/sha256.h"
#include "engine/tracking/store.h"
#include "engine/train/binary_io.h"
#include "graph/op_registry.h"
#include "tests/support/tiny_project.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <sqlite3.h>
#include <thread>

using namespace nw::tracking;

namespace {

// Runs SQL on a raw connection (not the store's), as another program would.
bool rawExec(const QString& path, const char* sql) {
    sqlite3* db = nullptr;
    bool ok = sqlite3_open(path.toUtf8().constData(), &db) == SQLITE_OK &&
              sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

QString rawText(const QString& path, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_stmt* st = nullptr;
    QString out;
    if (sqlite3_open(path.toUtf8().constData(), &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        out = QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

// A checkpoint file as far as its owner check reads it: the envelope (signature, version, CRC)
// and, for version 2, the owner record; the body after it is filler. `version` 1: no owner.
bool writeCheckpointStub(const std::filesystem::path& path, std::uint32_t version,
                         const std::string& uuid = {}, std::int64_t runId = 0,
                         const std::string& graphHash = {}) {
    const char magic[8] = {'N', 'W', 'C', 'K', 'P', 'T', '\0', '\0'};
    std::string out;
    nw::engine::binio::beginEnvelope(out, magic, version);
    if (version >= 2) {
        nw::engine::binio::putString(out, uuid);
        nw::engine::binio::putI64(out, runId);
        nw::engine::binio::putString(out, graphHash);
    }
    nw::engine::binio::putString(out, "weights " + uuid); // distinct contents per owner
    nw::engine::binio::endEnvelope(out);
    std::filesystem::create_directories(path.parent_path());
    QFile f(QString::fromStdString(path.string()));
    return f.open(QIODevice::WriteOnly) &&
           f.write(out.data(), qint64(out.size())) == qint64(out.size());
}

// Schema version 2 as written by hand (what builds before run UUIDs created).
const char* const kSchemaV2Tail = R"sql(
ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN heartbeat_at REAL;
ALTER TABLE runs ADD COLUMN project_path TEXT NOT NULL DEFAULT '';
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL,
    created_at REAL NOT NULL);
PRAGMA user_version = 2;
)sql";

std::unique_ptr<ExperimentStore> openStore(const QString& path) {
    auto s = ExperimentStore::open(path.toStdString());
    if (!s) {
        qWarning("%s", s.error().message.c_str());
        return nullptr;
    }
    return std::move(*s);
}

} // namespace

class TestTrackingStore : public QObject {
    Q_OBJECT
private slots:
    void createsTheSchemaInWalMode() {
        QString path = m_dir.filePath("new/sub/experiments.db");
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(*schemaVersion(store->database()), kSchemaVersion);
        QCOMPARE(rawText(path, "PRAGMA journal_mode"), QString("wal"));
        RunRecord record;
        record.name = "a";
        record.seed = 7;
        auto id = store->createRun(record);
        QVERIFY(id.ok());
        QVERIFY(store->setParams(*id, {{"training.seed", "7"}}).ok());
        auto r = store->run(*id);
        QCOMPARE(r->status, std::string("running"));
        QCOMPARE(r->seed, std::uint64_t(7));
        QCOMPARE(r->host, hostName());
        QCOMPARE(store->params(*id)->front().second, std::string("7"));
        QVERIFY(store->addTag(*id, "baseline").ok());
        QVERIFY(store->addTag(*id, "baseline").ok()); // no duplicate
        QVERIFY(store->addTag(*id, "x").ok());
        QCOMPARE(store->run(*id)->tags, (std::vector<std::string>{"baseline", "x"}));
        QVERIFY(store->finishRun(*id, "completed").ok());
        QVERIFY(store->run(*id)->endedAt > 0);
        QVERIFY(!store->run(*id + 1).ok());
        QVERIFY(store->run(*id + 1).error().message.find("unknown run id") != std::string::npos);
        QVERIFY(store->deleteRun(*id).ok());
        QVERIFY(store->runs()->empty());
    }

    void migratesFromVersion1() {
        QString path = m_dir.filePath("v1.db");
        QVERIFY(rawExec(path, kSchemaV1));
        QVERIFY(rawExec(path, "INSERT INTO runs (name, status, started_at, seed) "
                              "VALUES ('old', 'completed', 1700000000, 5);"
                              "INSERT INTO params VALUES (1, 'training.epochs', '3');"
                              "INSERT INTO metrics VALUES (1, 'train/loss', 1, 0, 2.5, 1.0);"
                              "INSERT INTO metrics VALUES (1, 'train/loss', 2, 0, 1.5, 2.0);"));
        QCOMPARE(rawText(path, "PRAGMA user_version"), QString("1"));
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(rawText(path, "PRAGMA user_version"), QString::number(kSchemaVersion));
        auto r = store->run(1);
        QVERIFY(r.ok());
        QCOMPARE(r->name, std::string("old"));
        QCOMPARE(r->status, std::string("completed"));
        QVERIFY(r->tags.empty());
        QCOMPARE(*store->metricCount(1), std::int64_t(2));
        QCOMPARE(store->metrics(1, "train/loss")->back().value, 1.5);
        QCOMPARE(store->params(1)->front().first, std::string("training.epochs"));
        // The version-2 parts work on the migrated file.
        QVERIFY(store->addArtifact(1, {"weights", "/w", 3, sha256Hex("abc"), 0}).ok());
        QCOMPARE(store->artifacts(1)->size(), std::size_t(1));
        QVERIFY(store->addTag(1, "kept").ok());
        QCOMPARE(rawText(path, "SELECT name FROM sqlite_master WHERE name = 'metrics_by_run'"),
                 QString("metrics_by_run"));
    }

    void refusesANewerSchemaAndNonDatabases() {
        QString newer = m_dir.filePath("v99.db");
        QVERIFY(rawExec(newer, "PRAGMA user_version = 99"));
        auto s = ExperimentStore::open(newer.toStdString());
        QVERIFY(!s.ok());
        QVERIFY(s.error().message.find("v99.db") != std::string::npos);
        QString text = m_dir.filePath("notes.txt");
        QFile f(text);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(4096, 'x'));
        f.close();
        auto t = ExperimentStore::open(text.toStdString());
        QVERIFY(!t.ok());
        QCOMPARE(t.error().kind, nw::Error::Kind::User);
        QVERIFY(t.error().message.find("notes.txt") != std::string::npos);
        QVERIFY(!ExperimentStore::open(m_dir.path().toStdString()).ok()); // a folder
    }

    // A run whose process is gone, or whose heartbeat is stale on another host, is crashed;
    // a live one (this process) is not. Committed metrics stay.
    void marksCrashedRuns_data() {
        QTest::addColumn<QString>("host");
        QTest::addColumn<qint64>("pid");
        QTest::addColumn<double>("age");
        QTest::addColumn<QString>("status");
        const qint64 me = QCoreApplication::applicationPid();
        const QString host = QString::fromStdString(hostName());
        QTest::newRow("live, this process") << host << me << 0.5 << "running";
        QTest::newRow("stale, this process") << host << me << 60.0 << "running";
        QTest::newRow("process gone") << host << qint64(999999999) << 0.5 << "crashed";
        QTest::newRow("other host, fresh") << "elsewhere" << qint64(1) << 0.5 << "running";
        QTest::newRow("other host, stale") << "elsewhere" << qint64(1) << 30.0 << "crashed";
    }
    void marksCrashedRuns() {
        QFETCH(QString, host);
        QFETCH(qint64, pid);
        QFETCH(double, age);
        QFETCH(QString, status);
        QString path = m_dir.filePath(QString("crash-%1.db").arg(QTest::currentDataTag()));
        {
            auto store = openStore(path);
            QVERIFY(store);
            auto id = store->createRun({});
            std::vector<MetricPoint> pts{{"train/loss", 1, 0, 1.0, 0},
                                         {"train/loss", 2, 0, 0.5, 0}};
            QVERIFY(store->appendMetrics(*id, pts).ok());
        }
        QString sql = QString("UPDATE runs SET host = '%1', pid = %2, heartbeat_at = %3")
                          .arg(host)
                          .arg(pid)
                          .arg(nowSeconds() - age, 0, 'f', 3);
        QVERIFY(rawExec(path, sql.toUtf8().constData()));
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(QString::fromStdString(store->run(1)->status), status);
        QCOMPARE(*store->metricCount(1), std::int64_t(2));
    }

    void writerBatchesAndBeats() {
        QString path = m_dir.filePath("writer.db");
        auto store = openStore(path);
        auto id = store->createRun({});
        QVERIFY(rawExec(path, "UPDATE runs SET heartbeat_at = 0"));
        WriterOptions o;
        o.heartbeatInterval = std::chrono::milliseconds(50);
        auto writer = MetricWriter::start(path.toStdString(), *id, o);
        QVERIFY(writer.ok());
        for (int i = 1; i <= 2500; ++i) {
            (*writer)->push({"train/loss", i, 0, 1.0 / i, nowSeconds()});
        }
        QVERIFY((*writer)->flush().ok());
        QCOMPARE(*store->metricCount(*id), std::int64_t(2500));
        QTRY_VERIFY(store->run(*id)->heartbeatAt > nowSeconds() - 5);
        QVERIFY((*writer)->close().ok());
        QCOMPARE((*writer)->committedRows(), std::int64_t(2500));
        auto pts = store->metrics(*id, "train/loss");
        QCOMPARE(pts->size(), std::size_t(2500));
        QCOMPARE(pts->back().step, std::int64_t(2500));
    }

    // WAL: a reader (its own connection, another thread, as the IDE in another process) sees
    // a growing, consistent count while the writer commits, and never fails on a lock.
    void readerWhileWriterCommits() {
        QString path = m_dir.filePath("concurrent.db");
        auto store = openStore(path);
        auto id = store->createRun({});
        WriterOptions o;
        o.flushInterval = std::chrono::milliseconds(5);
        o.batchRows = 100;
        auto writer = MetricWriter::start(path.toStdString(), *id, o);
        QVERIFY(writer.ok());
        std::atomic<bool> done{false};
        std::atomic<int> reads{0}, errors{0}, regressions{0};
        std::thread reader([&] {
            auto r = ExperimentStore::open(path.toStdString(), false);
            if (!r) {
                ++errors;
                return;
            }
            std::int64_t last = 0;
            while (!done) {
                auto n = (*r)->metricCount(*id);
                auto pts = (*r)->metrics(*id, "train/loss");
                if (!n || !pts) {
                    ++errors;
                    continue;
                }
                regressions += *n < last ? 1 : 0;
                last = *n;
                ++reads;
            }
        });
        for (int i = 1; i <= 20000; ++i) {
            (*writer)->push({"train/loss", i, 0, double(i), 0});
            if (i % 1000 == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        QVERIFY((*writer)->close().ok());
        done = true;
        reader.join();
        QCOMPARE(errors.load(), 0);
        QCOMPARE(regressions.load(), 0);
        QVERIFY(reads.load() > 0);
        QCOMPARE(*store->metricCount(*id), std::int64_t(20000));
    }

    // runSummaries(): every run, newest first, all but the project snapshot.
    void summariesLeaveOutTheSnapshot() {
        auto store = openStore(m_dir.filePath("summaries.db"));
        QVERIFY(store);
        RunRecord record;
        record.name = "a";
        record.projectJson = "{\"big\": true}";
        record.tags = {"x", "y"};
        auto first = store->createRun(record);
        auto second = store->createRun(record);
        QVERIFY(first.ok() && second.ok());
        QVERIFY(store->finishRun(*first, "completed").ok());
        auto full = store->runs();
        auto summaries = store->runSummaries();
        QVERIFY(full.ok() && summaries.ok());
        QCOMPARE(summaries->size(), std::size_t(2));
        for (std::size_t i = 0; i < 2; ++i) {
            const RunRecord &f = (*full)[i], &s = (*summaries)[i];
            QCOMPARE(s.id, f.id);
            QCOMPARE(s.status, f.status);
            QCOMPARE(s.endedAt, f.endedAt);
            QCOMPARE(s.tags, f.tags);
            QVERIFY(s.projectJson.empty());
            QVERIFY(!f.projectJson.empty());
        }
        QCOMPARE((*summaries)[0].id, *second);
    }

    // findRunCheckpoint(): the newest checkpoint artifact on disk, else the run's working
    // checkpoint (a running or crashed run), else a user error naming the run.
    void findsARunsNewestCheckpoint() {
        const QString db = m_dir.filePath("checkpoints.db");
        auto store = openStore(db);
        QVERIFY(store);
        const auto registry = nw::graph::makeCoreRegistry();
        RunRecord record;
        record.name = "tiny";
        record.projectJson = nw::testing::tinyProject(1).toStdString();
        record.projectPath = "/projects/tiny.nwproj";
        auto id = store->createRun(record);
        QVERIFY(id.ok());
        auto none = findRunCheckpoint(*store, *id, registry, "to evaluate");
        QVERIFY(!none.ok());
        const std::string expected =
            "run " + std::to_string(*id) + " has no checkpoint on disk to evaluate";
        QVERIFY2(none.error().message.find(expected) != std::string::npos,
                 none.error().message.c_str());
        QVERIFY(!findRunCheckpoint(*store, 999, registry, "to export").ok());

        auto touch = [](const std::filesystem::path& p) {
            std::filesystem::create_directories(p.parent_path());
            QFile f(QString::fromStdString(p.string()));
            return f.open(QIODevice::WriteOnly) && f.write("x") == 1;
        };
        const auto working = runDirectory(db.toStdString(), *id) / "checkpoint.nwckpt";
        QCOMPARE(working.parent_path().parent_path().filename().string(),
                 std::string("checkpoints.runs"));
        auto run = store->run(*id);
        QCOMPARE(run->uuid.size(), std::size_t(32));
        QVERIFY(writeCheckpointStub(working, 2, run->uuid, *id, run->graphHash));
        auto found = findRunCheckpoint(*store, *id, registry, "to evaluate");
        QVERIFY2(found.ok(), found.ok() ? "" : found.error().message.c_str());
        QCOMPARE(found->checkpoint, working);
        QCOMPARE(found->runName, std::string("tiny"));
        QCOMPARE(found->projectPath, std::filesystem::path("/projects/tiny.nwproj"));
        QCOMPARE(found->project.training.batchSize, std::int64_t(16));

        const auto kept = std::filesystem::path(m_dir.filePath("kept.nwckpt").toStdString());
        QVERIFY(writeCheckpointStub(kept, 1)); // no owner: saved before the check, accepted
        QVERIFY(store->addArtifact(*id, {"checkpoint", kept.string(), 1, "", 1.0}).ok());
        QVERIFY(store->addArtifact(*id, {"checkpoint", "/gone.nwckpt", 1, "", 2.0}).ok());
        found = findRunCheckpoint(*store, *id, registry, "to evaluate");
        QVERIFY(found.ok());
        QCOMPARE(found->checkpoint, kept); // the newest one that is still on disk
        Q_UNUSED(touch);
    }

    // A checkpoint of another run, of the same run id in another store, or of another graph
    // is refused, naming the checkpoint, its run and the run asking.
    void refusesAnotherRunsCheckpoint_data() {
        QTest::addColumn<bool>("sameUuid");
        QTest::addColumn<int>("ownerRun");
        QTest::addColumn<QString>("graphHash");
        QTest::addColumn<QString>("expected");
        QTest::newRow("other store's run 1") << false << 1 << ""
                                             << "belongs to run 1 (UUID ffff";
        QTest::newRow("other run id") << true << 7 << ""
                                      << "belongs to run 7";
        QTest::newRow("other graph") << true << 1 << "abc"
                                     << "saved from graph abc";
    }
    void refusesAnotherRunsCheckpoint() {
        QFETCH(bool, sameUuid);
        QFETCH(int, ownerRun);
        QFETCH(QString, graphHash);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const QString db = dir.filePath("a.db");
        auto store = openStore(db);
        QVERIFY(store);
        RunRecord record;
        record.projectJson = nw::testing::tinyProject(1).toStdString();
        record.graphHash = "0123";
        auto id = store->createRun(record);
        QCOMPARE(*id, std::int64_t(1));
        const std::string uuid = sameUuid ? store->run(1)->uuid : std::string(32, 'f');
        const auto file = runDirectory(db.toStdString(), 1) / "checkpoint.nwckpt";
        QVERIFY(writeCheckpointStub(file, 2, uuid, ownerRun, graphHash.toStdString()));
        const auto registry = nw::graph::makeCoreRegistry();
        auto found = findRunCheckpoint(*store, 1, registry, "to export");
        QVERIFY(!found.ok());
        const std::string& m = found.error().message;
        QVERIFY2(m.find(expected.toStdString()) != std::string::npos, m.c_str());
        QVERIFY2(m.find(file.string()) != std::string::npos, m.c_str());
        QVERIFY2(m.find("run 1 (UUID " + store->run(1)->uuid + ") of " + db.toStdString()) !=
                     std::string::npos,
                 m.c_str());
    }

    // Schema 2 -> 3: old runs get distinct UUIDs; their files move from runs/<id>/ to
    // <stem>.runs/<id>/ with the recorded paths updated, and the checkpoint (no owner) is
    // still found. A file whose contents differ from what the run recorded (another store's
    // run 1 in the shared runs/ folder) stays where it is, recorded and reported.
    void migratesRunFoldersFromVersion2() {
        QTemporaryDir dir;
        const QString db = dir.filePath("old.db");
        QVERIFY(rawExec(db, kSchemaV1));
        QVERIFY(rawExec(db, kSchemaV2Tail));
        const std::filesystem::path root = dir.path().toStdString();
        const auto ckpt = root / "runs" / "1" / "checkpoint.nwckpt";
        const auto notes = root / "runs" / "1" / "sub" / "notes.txt";
        const auto foreign = root / "runs" / "2" / "checkpoint.nwckpt";
        QVERIFY(writeCheckpointStub(ckpt, 1));
        QVERIFY(writeCheckpointStub(foreign, 1, "x"));
        std::filesystem::create_directories(notes.parent_path());
        QFile n(QString::fromStdString(notes.string()));
        QVERIFY(n.open(QIODevice::WriteOnly) && n.write("notes") == 5);
        n.close();
        const std::string insert =
            "INSERT INTO runs (name, status, started_at, project_json) VALUES ('one', "
            "'completed', 1, '" +
            nw::testing::tinyProject(1).toStdString() +
            "');"
            "INSERT INTO runs (name, status, started_at) VALUES ('two', 'stopped', 2);"
            "INSERT INTO artifacts (run_id, kind, path, bytes, sha256, created_at) VALUES "
            "(1, 'checkpoint', '" +
            ckpt.string() + "', 1, '" + *sha256File(ckpt) +
            "', 1);"
            "INSERT INTO artifacts (run_id, kind, path, bytes, sha256, created_at) VALUES "
            "(2, 'checkpoint', '" +
            foreign.string() + "', 1, 'not-its-hash', 1);";
        QVERIFY(rawExec(db, insert.c_str()));

        auto store = openStore(db);
        QVERIFY(store);
        QCOMPARE(*schemaVersion(store->database()), 3);
        auto one = store->run(1);
        auto two = store->run(2);
        QCOMPARE(one->uuid.size(), std::size_t(32));
        QVERIFY(one->uuid != two->uuid);
        const auto movedCkpt = runDirectory(db.toStdString(), 1) / "checkpoint.nwckpt";
        QCOMPARE(movedCkpt, root / "old.runs" / "1" / "checkpoint.nwckpt");
        QVERIFY(std::filesystem::exists(movedCkpt));
        QVERIFY(std::filesystem::exists(root / "old.runs" / "1" / "sub" / "notes.txt"));
        QVERIFY(!std::filesystem::exists(ckpt));
        QCOMPARE(store->artifacts(1)->front().path, movedCkpt.string());
        const auto registry = nw::graph::makeCoreRegistry();
        auto found = findRunCheckpoint(*store, 1, registry, "to export");
        QVERIFY2(found.ok(), found.ok() ? "" : found.error().message.c_str());
        QCOMPARE(found->checkpoint, movedCkpt);

        QVERIFY(std::filesystem::exists(foreign)); // left in place, still recorded, reported
        QCOMPARE(store->artifacts(2)->front().path, foreign.string());
        QCOMPARE(store->migrationReport().size(), std::size_t(1));
        QVERIFY(store->migrationReport()[0].find(foreign.string()) != std::string::npos);
        store.reset();
        auto again = openStore(db); // done once: nothing moves or is reported again
        QVERIFY(again && again->migrationReport().empty());
        QCOMPARE(again->run(1)->uuid, one->uuid);
    }

    void sha256KnownAnswers() {
        QCOMPARE(sha256Hex(""),
                 std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(sha256Hex("abc"),
                 std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QString f = m_dir.filePath("abc.txt");
        QFile file(f);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("abc");
        file.close();
        QCOMPARE(*sha256File(f.toStdString()), sha256Hex("abc"));
        QVERIFY(!sha256File(m_dir.filePath("none").toStdString()).ok());
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestTrackingStore)
#include "test_tracking_store.moc"
