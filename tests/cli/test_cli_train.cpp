// netwright-cli train, eval and bench on a small IDX dataset the test writes itself: exit
// codes, the final JSON line, and weights that eval reads back.
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/cli_run.h"
#include "tests/support/tiny_project.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

using namespace nw::datasets::testing;

namespace {

using Run = nw::testing::CliRun;

Run cli(const QStringList& args) {
    return nw::testing::runCli(args);
}

// A 16-pixel MLP over the fixture's MNIST-style folder (labels i % 10).
const QByteArray kProject = nw::testing::tinyProject(2);

} // namespace

class TestCliTrain : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        // Every train records a run: keep them out of the user's experiment database.
        qputenv("NETWRIGHT_DB", m_dir.filePath("experiments.db").toUtf8());
        QVERIFY(writeMnistFolder(m_dir.filePath("data"), 320, 64, true));
        QFile f(project());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kProject);
    }

    void trainsAndPrintsJson() {
        Run r = cli({"train", project(), "--json", "--threads", "1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QJsonObject j = r.lastJson();
        for (const char* key :
             {"test_accuracy", "final_loss", "epochs", "train_samples_per_sec", "wall_seconds"}) {
            QVERIFY2(j.contains(key), key);
        }
        QCOMPARE(j["epochs"].toInt(), 2);
        QCOMPARE(j["steps"].toInt(), 2 * 20);
        QVERIFY(j["train_samples_per_sec"].toDouble() > 0);
        QVERIFY(j.contains("data_wait_seconds"));
        QVERIFY(j["data_wait_seconds"].toDouble() >= 0);
        QVERIFY(j["data_wait_seconds"].toDouble() < j["wall_seconds"].toDouble());
        QVERIFY(j["test_accuracy"].toDouble() >= 0 && j["test_accuracy"].toDouble() <= 1);
    }

    void evalReadsTheSavedWeights() {
        QString weights = m_dir.filePath("tiny.nwweights");
        Run t = cli({"train", project(), "--json", "--max-steps", "25", "--save-weights", weights});
        QVERIFY2(t.exitCode == 0, qPrintable(t.describe()));
        Run e = cli({"eval", project(), "--weights", weights, "--json"});
        QVERIFY2(e.exitCode == 0, qPrintable(e.describe()));
        QCOMPARE(e.lastJson()["test_accuracy"].toDouble(),
                 t.lastJson()["test_accuracy"].toDouble());
        QCOMPARE(e.lastJson()["samples"].toInt(), 64);

        QFile f(weights);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(40);
        f.write("garbage");
        f.close();
        Run bad = cli({"eval", project(), "--weights", weights});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains(weights));
    }

    void benchPrintsThroughput() {
        Run r = cli({"bench", project(), "--steps", "3", "--infer-batch", "8", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe()));
        QJsonObject j = r.lastJson();
        QVERIFY(j["train_samples_per_sec"].toDouble() > 0);
        QVERIFY(j["infer_samples_per_sec"].toDouble() > 0);
        QVERIFY(j["arena_bytes"].toDouble() <= j["arena_bytes_without_reuse"].toDouble());
    }

    void userErrorsExitTwo_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("cuda not built")
            << QStringList{"train", project(), "--device", "cuda:0"} << "this machine has: cpu (";
        QTest::newRow("bad device")
            << QStringList{"train", project(), "--device", "gpu"}
            << "device 'gpu': expected cpu, cuda:N or vulkan:N; this machine has: cpu (";
        QTest::newRow("missing project")
            << QStringList{"train", m_dir.filePath("nope.nwproj")} << "no such file";
        QTest::newRow("batch 0") << QStringList{"train", project(), "--batch", "0"} << "batch";
        QTest::newRow("missing weights")
            << QStringList{"eval", project(), "--weights", m_dir.filePath("none")} << "none";
    }
    void userErrorsExitTwo() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        Run r = cli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.describe()));
    }

    void missingDatasetNamesThePath() {
        QTemporaryDir other;
        QString p = other.filePath("p.nwproj");
        QFile f(p);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kProject); // its "data" folder does not exist next to this copy
        f.close();
        Run r = cli({"train", p});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("data"), qPrintable(r.describe()));
    }

private:
    QString project() const { return m_dir.filePath("tiny.nwproj"); }
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCliTrain)
#include "test_cli_train.moc"
