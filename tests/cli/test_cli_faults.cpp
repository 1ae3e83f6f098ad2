// Faults a run must survive without losing anything (issue 18, "Faults"), end to end through
// netwright-cli:
//  - a full disk (a small tmpfs) while a checkpoint is written: a clear error naming the file,
//    the run stopped and still recorded with its metrics, its previous checkpoint byte for
//    byte, no temporary file, and the run resumes to the end once there is room; the same
//    stop, without a mount, for a checkpoint path that cannot be replaced;
//  - a full disk while --save-weights writes, and while a project is saved (graph::writeProject,
//    the IDE's save and autosave): the previous file intact, no temporary file;
//  - a read-only database file or folder (a read-only bind mount; chmod does not stop root): a
//    user error naming the database, saying it is read-only and suggesting --no-track, nothing
//    written; --no-track then trains and saves its weights without opening a database.
//
// The mounts need a mount namespace of this test's own: root unshares one, another user a user
// namespace with it (as `unshare --user --map-root-user --mount`). The netwright-cli processes
// the test starts inherit it; every mount vanishes with the test process. A machine that
// cannot make one skips those tests, saying why.
#include "engine/tracking/store.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/cli_run.h"
#include "tests/support/sqlite_integrity.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>
#include <cerrno>
#include <cstring>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

using nw::testing::CliRun;
using nw::testing::runCli;

using nw::testing::integrityCheck;

namespace {

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Every entry of a folder, recursively, relative to it: what a failed write must not add to.
QStringList listing(const QString& dir) {
    QStringList out;
    QDirIterator it(dir, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        out << QDir(dir).relativeFilePath(it.next());
    }
    out.sort();
    return out;
}

// Enters a mount namespace of this process's own (see the top of this file). Empty when it
// did, else why not.
QString enterPrivateMountNamespace() {
    if (::unshare(CLONE_NEWNS) != 0) { // not root: a user namespace where we are
        const auto uid = ::geteuid();
        const auto gid = ::getegid();
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            return QStringLiteral("unshare(CLONE_NEWUSER | CLONE_NEWNS) failed: %1")
                .arg(std::strerror(errno));
        }
        if (!writeFile("/proc/self/setgroups", "deny") ||
            !writeFile("/proc/self/uid_map", QByteArray("0 ") + QByteArray::number(uid) + " 1") ||
            !writeFile("/proc/self/gid_map", QByteArray("0 ") + QByteArray::number(gid) + " 1")) {
            return QStringLiteral("cannot map this user to root in a user namespace");
        }
    }
    // Our mounts must not propagate to the parent namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        return QStringLiteral("cannot make the mounts private: %1").arg(std::strerror(errno));
    }
    return {};
}

// What main() got from enterPrivateMountNamespace().
QString g_noMountNamespace;

// A mount of this test's own, unmounted when it goes.
class Mount {
public:
    // A tmpfs of `bytes` at the existing folder `dir`.
    static std::unique_ptr<Mount> tmpfs(const QString& dir, qint64 bytes, QString& error) {
        const QByteArray options = "size=" + QByteArray::number(bytes);
        if (::mount("tmpfs", QFile::encodeName(dir).constData(), "tmpfs", 0, options.constData()) !=
            0) {
            error = QStringLiteral("mount -t tmpfs %1: %2").arg(dir, std::strerror(errno));
            return nullptr;
        }
        return std::unique_ptr<Mount>(new Mount(dir));
    }
    // `path` (a file or a folder) bound onto itself read-only.
    static std::unique_ptr<Mount> readOnly(const QString& path, QString& error) {
        const QByteArray p = QFile::encodeName(path);
        if (::mount(p.constData(), p.constData(), nullptr, MS_BIND, nullptr) != 0) {
            error = QStringLiteral("mount --bind %1: %2").arg(path, std::strerror(errno));
            return nullptr;
        }
        auto m = std::unique_ptr<Mount>(new Mount(path));
        if (::mount(nullptr, p.constData(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) !=
            0) {
            error =
                QStringLiteral("mount -o remount,ro,bind %1: %2").arg(path, std::strerror(errno));
            return nullptr;
        }
        return m;
    }
    ~Mount() { ::umount2(QFile::encodeName(m_path).constData(), MNT_DETACH); }

private:
    explicit Mount(QString path)
        : m_path(std::move(path)) {}
    QString m_path;
};

// Fills the file system of `dir` with `dir`/filler until `leave` bytes are free (about: the
// file system counts in pages).
bool fillLeaving(const QString& dir, qint64 leave) {
    struct statvfs fs {};
    if (::statvfs(QFile::encodeName(dir).constData(), &fs) != 0) {
        return false;
    }
    const qint64 free = qint64(fs.f_bavail) * qint64(fs.f_frsize);
    return free > leave && writeFile(dir + "/filler", QByteArray(free - leave, '\0'));
}

// train/loss steps of a run, from `runs export --csv`, in order.
QList<qint64> lossSteps(const QString& db, int id) {
    CliRun r = runCli({"runs", "export", QString::number(id), "--csv", "--db", db});
    QList<qint64> out;
    for (const QString& line : r.out.split('\n')) {
        const auto f = line.split(',');
        if (f.size() == 6 && f[1] == "train/loss") {
            out << f[2].toLongLong();
        }
    }
    return out;
}

QJsonObject runRow(const QString& db, int id) {
    CliRun r = runCli({"runs", "show", QString::number(id), "--json", "--db", db});
    return r.lastJson();
}

// A 16-pixel MLP with 1,024 hidden units over 320 samples (20 steps an epoch, batch 16): its
// checkpoint (weights and Adam's two moments, about 330 KB) is far larger than what a few
// steps' metrics need in the database.
QByteArray projectJson() {
    return R"({
  "format_version": 1,
  "name": "faults",
  "dataset": {"kind": "idx", "path": "data"},
  "training": {"batch_size": 16, "epochs": 2, "seed": 3,
               "optimizer": {"type": "adam", "learning_rate": 0.01}},
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 4, 4]}},
      {"id": "flatten", "op": "Flatten"},
      {"id": "fc1", "op": "Dense", "attributes": {"units": 1024}},
      {"id": "act", "op": "ReLU"},
      {"id": "fc2", "op": "Dense", "attributes": {"units": 10}},
      {"id": "loss", "op": "Loss"}
    ],
    "edges": [
      {"from": "input", "to": "flatten"}, {"from": "flatten", "to": "fc1"},
      {"from": "fc1", "to": "act"}, {"from": "act", "to": "fc2"}, {"from": "fc2", "to": "loss"}
    ]
  }
})";
}

} // namespace

class TestCliFaults : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(nw::datasets::testing::writeMnistFolder(m_dir.filePath("data"), 320, 64, false));
        QVERIFY(writeFile(m_dir.filePath("faults.nwproj"), projectJson()));
        // Never the user's database, whatever a test forgets to pass.
        qputenv("NETWRIGHT_DB", m_dir.filePath("default.db").toUtf8());
        m_noMounts = g_noMountNamespace;
        if (m_noMounts.isEmpty()) { // can we mount, too?
            QVERIFY(QDir().mkpath(m_dir.filePath("probe")));
            QString error;
            if (!Mount::tmpfs(m_dir.filePath("probe"), 1 << 20, error)) {
                m_noMounts = error;
            }
        }
        if (!m_noMounts.isEmpty()) {
            m_noMounts = "this machine cannot give the test a private mount namespace (" +
                         m_noMounts + "); the full-disk and read-only tests need one";
        }
    }

    // Run 1 stops at step 4 with its checkpoint; the disk is filled to half a checkpoint and
    // the run resumed, checkpointing every 2 steps: the checkpoint at step 6 cannot be written.
    void fullDiskDuringACheckpointStopsTheRunAndKeepsTheLastOne() {
        if (!m_noMounts.isEmpty()) {
            QSKIP(qPrintable(m_noMounts));
        }
        const QString disk = m_dir.filePath("full-checkpoint");
        QVERIFY(QDir().mkpath(disk));
        QString error;
        auto mount = Mount::tmpfs(disk, 8 << 20, error);
        QVERIFY2(mount, qPrintable(error));
        const QString db = disk + "/runs.db";
        const QString runDir = disk + "/runs.runs/1";
        const QString checkpoint = runDir + "/checkpoint.nwckpt";

        CliRun first = runCli({"train", m_dir.filePath("faults.nwproj"), "--db", db, "--stop-after",
                               "4", "--threads", "1"});
        QVERIFY2(first.exitCode == 0, qPrintable(first.describe()));
        const QByteArray kept = readFile(checkpoint);
        QVERIFY(kept.size() > 300000);
        QVERIFY(fillLeaving(disk, kept.size() / 2));

        CliRun full = runCli(
            {"train", "--resume", "1", "--db", db, "--checkpoint-every", "2", "--threads", "1"});
        QCOMPARE(full.exitCode, 2);
        QVERIFY2(full.err.contains(checkpoint), qPrintable(full.describe()));
        QVERIFY2(full.err.contains("No space left on device"), qPrintable(full.describe()));
        QVERIFY2(full.err.contains("run 1 stopped at step 6"), qPrintable(full.describe()));
        QVERIFY2(full.err.contains("checkpoint of step 4 is kept"), qPrintable(full.describe()));
        QVERIFY2(full.err.contains("train --resume 1 --db " + db), qPrintable(full.describe()));

        QCOMPARE(readFile(checkpoint), kept);                        // byte for byte
        QCOMPARE(listing(runDir), QStringList{"checkpoint.nwckpt"}); // no temporary file
        QCOMPARE(runRow(db, 1).value("status").toString(), QString("stopped"));
        QCOMPARE(lossSteps(db, 1), (QList<qint64>{1, 2, 3, 4, 5, 6})); // its metrics kept
        QCOMPARE(integrityCheck(db, true), QString("ok"));

        // Once there is room, it resumes from the checkpoint kept and trains to the end.
        QVERIFY(QFile::remove(disk + "/filler"));
        CliRun resumed = runCli({"train", "--resume", "1", "--db", db, "--threads", "1"});
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.describe()));
        QCOMPARE(runRow(db, 1).value("status").toString(), QString("completed"));
        QList<qint64> all;
        for (qint64 s = 1; s <= 40; ++s) {
            all << s;
        }
        QCOMPARE(lossSteps(db, 1), all);
        QCOMPARE(integrityCheck(db, true), QString("ok"));
    }

    // The same policy without a mount: a folder where the checkpoint goes cannot be replaced
    // by it, so the run's first checkpoint (step 2) fails and stops it.
    void aCheckpointThatCannotBeWrittenStopsTheRun() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString db = dir.filePath("runs.db");
        const QString runDir = dir.filePath("runs.runs/1");
        QVERIFY(QDir().mkpath(runDir + "/checkpoint.nwckpt"));
        CliRun r = runCli({"train", m_dir.filePath("faults.nwproj"), "--db", db,
                           "--checkpoint-every", "2", "--threads", "1"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(runDir + "/checkpoint.nwckpt"), qPrintable(r.describe()));
        QVERIFY2(r.err.contains("run 1 stopped at step 2"), qPrintable(r.describe()));
        QVERIFY2(r.err.contains("it had no checkpoint yet"), qPrintable(r.describe()));
        QCOMPARE(listing(runDir), QStringList{"checkpoint.nwckpt"}); // no temporary file
        QCOMPARE(runRow(db, 1).value("status").toString(), QString("stopped"));
        QCOMPARE(lossSteps(db, 1), (QList<qint64>{1, 2}));
        QCOMPARE(integrityCheck(db, true), QString("ok"));
    }

    // --save-weights onto a full disk: the run trained (recorded failed, its checkpoint kept),
    // the weights file it would replace is intact.
    void fullDiskDuringAWeightsSaveKeepsThePreviousFile() {
        if (!m_noMounts.isEmpty()) {
            QSKIP(qPrintable(m_noMounts));
        }
        const QString disk = m_dir.filePath("full-weights");
        QVERIFY(QDir().mkpath(disk));
        QString error;
        auto mount = Mount::tmpfs(disk, 2 << 20, error);
        QVERIFY2(mount, qPrintable(error));
        const QString weights = disk + "/faults.nwweights";
        const QString db = m_dir.filePath("weights.db");
        CliRun first = runCli({"train", m_dir.filePath("faults.nwproj"), "--no-track",
                               "--max-steps", "2", "--save-weights", weights, "--threads", "1"});
        QVERIFY2(first.exitCode == 0, qPrintable(first.describe()));
        const QByteArray kept = readFile(weights);
        QVERIFY(kept.size() > 100000);
        QVERIFY(fillLeaving(disk, kept.size() / 2));
        const QStringList before = listing(disk);

        CliRun full = runCli({"train", m_dir.filePath("faults.nwproj"), "--db", db, "--max-steps",
                              "4", "--save-weights", weights, "--threads", "1"});
        QCOMPARE(full.exitCode, 2);
        QVERIFY2(full.err.contains(weights), qPrintable(full.describe()));
        QVERIFY2(full.err.contains("No space left on device"), qPrintable(full.describe()));
        QCOMPARE(readFile(weights), kept);
        QCOMPARE(listing(disk), before); // no temporary file
        const QJsonObject run = runRow(db, 1);
        QCOMPARE(run.value("status").toString(), QString("failed"));
        QCOMPARE(lossSteps(db, 1).size(), 4);
        QVERIFY(QFile::exists(m_dir.filePath("weights.runs/1/checkpoint.nwckpt")));
    }

    // The IDE's save and autosave write through graph::writeProject.
    void fullDiskDuringAProjectSaveKeepsThePreviousFile() {
        if (!m_noMounts.isEmpty()) {
            QSKIP(qPrintable(m_noMounts));
        }
        const QString disk = m_dir.filePath("full-project");
        QVERIFY(QDir().mkpath(disk));
        QString error;
        auto mount = Mount::tmpfs(disk, 1 << 20, error);
        QVERIFY2(mount, qPrintable(error));
        const auto registry = nw::graph::makeCoreRegistry();
        auto project =
            nw::graph::readProject(m_dir.filePath("faults.nwproj").toStdString(), registry);
        QVERIFY(project.ok());
        const QString file = disk + "/faults.nwproj";
        QVERIFY(nw::graph::writeProject(*project, file.toStdString()).ok());
        const QByteArray kept = readFile(file);
        QVERIFY(fillLeaving(disk, 8192));
        const QStringList before = listing(disk);

        project->description = std::string(64 * 1024, 'x'); // far more than is left
        const auto saved = nw::graph::writeProject(*project, file.toStdString());
        QVERIFY(!saved.ok());
        const QString message = QString::fromStdString(saved.error().message);
        QVERIFY2(message.contains(file), qPrintable(message));
        QVERIFY2(message.contains("No space left on device"), qPrintable(message));
        QCOMPARE(readFile(file), kept);
        QCOMPARE(listing(disk), before);
    }

    // A database that cannot be written: as a file of its own read-only, in a read-only folder,
    // and a new one in a read-only folder.
    void readOnlyDatabaseIsAUserError_data() {
        QTest::addColumn<QString>("mounted"); // what is bound read-only, under the test's folder
        QTest::addColumn<bool>("existing");   // the database exists (with a run)
        QTest::newRow("read-only file") << "ro-file/runs.db" << true;
        QTest::newRow("read-only folder") << "ro-folder" << true;
        QTest::newRow("new database in a read-only folder") << "ro-empty" << false;
    }
    void readOnlyDatabaseIsAUserError() {
        if (!m_noMounts.isEmpty()) {
            QSKIP(qPrintable(m_noMounts));
        }
        QFETCH(QString, mounted);
        QFETCH(bool, existing);
        const QString folder = m_dir.filePath(mounted.section('/', 0, 0));
        const QString db = folder + "/runs.db";
        QVERIFY(QDir().mkpath(folder));
        const QString project = m_dir.filePath("faults.nwproj");
        if (existing) {
            CliRun first = runCli({"train", project, "--db", db, "--max-steps", "2"});
            QVERIFY2(first.exitCode == 0, qPrintable(first.describe()));
        }
        const QStringList before = listing(folder);
        const QByteArray bytes = readFile(db);
        QString error;
        auto mount = Mount::readOnly(m_dir.filePath(mounted), error);
        QVERIFY2(mount, qPrintable(error));

        CliRun refused = runCli({"train", project, "--db", db, "--max-steps", "2"});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains(db), qPrintable(refused.describe()));
        QVERIFY2(refused.err.contains("read-only"), qPrintable(refused.describe()));
        QVERIFY2(refused.err.contains("--no-track"), qPrintable(refused.describe()));
        QCOMPARE(listing(folder), before); // nothing written, not even a journal
        QCOMPARE(readFile(db), bytes);

        // Without tracking it trains, saves its weights and opens no database.
        const QString weights = m_dir.filePath(QTest::currentDataTag() + QString(".nwweights"));
        CliRun untracked = runCli({"train", project, "--no-track", "--max-steps", "4",
                                   "--save-weights", weights, "--json"});
        QVERIFY2(untracked.exitCode == 0, qPrintable(untracked.describe()));
        QVERIFY2(untracked.err.contains("not recorded"), qPrintable(untracked.describe()));
        QVERIFY(untracked.lastJson().value("run_id").isNull());
        QCOMPARE(untracked.lastJson().value("steps").toInt(), 4);
        CliRun eval = runCli({"eval", project, "--weights", weights, "--json"});
        QVERIFY2(eval.exitCode == 0, qPrintable(eval.describe()));
        QCOMPARE(listing(folder), before);
    }

    // --no-track records nothing anywhere: no database at NETWRIGHT_DB, no run folder; it
    // cannot resume (a resumed run lives in its database) nor take the tracking options.
    void noTrackRecordsNothing() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("NETWRIGHT_DB", home.filePath("experiments.db"));
        CliRun r = runCli(
            {"train", m_dir.filePath("faults.nwproj"), "--no-track", "--max-steps", "3"}, env);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QVERIFY2(r.err.contains("--save-weights"), qPrintable(r.describe())); // weights not kept
        QVERIFY2(r.err.contains("untracked run"), qPrintable(r.describe()));
        QCOMPARE(listing(home.path()), QStringList());
        for (const QStringList& extra :
             {QStringList{"--resume", "1"}, QStringList{"--db", home.filePath("x.db")},
              QStringList{"--checkpoint-every", "2"}, QStringList{"--name", "n"}}) {
            CliRun refused = runCli(
                QStringList{"train", m_dir.filePath("faults.nwproj"), "--no-track"} + extra, env);
            QVERIFY2(refused.exitCode == 2, qPrintable(refused.describe()));
        }
        QCOMPARE(listing(home.path()), QStringList());
    }

private:
    QTemporaryDir m_dir;
    QString m_noMounts; // why the mounts cannot be made; empty when they can
};

// The namespace is entered before Qt starts a thread (Qt Test's watchdog): a user namespace
// needs a single-threaded process.
int main(int argc, char** argv) {
    g_noMountNamespace = enterPrivateMountNamespace();
    QCoreApplication app(argc, argv);
    TestCliFaults test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "test_cli_faults.moc"
