// netwright-cli dataset info / preview end to end: the real binary (NW_CLI_PATH) on datasets
// written here; exit 0 on success, 2 on user errors naming the file or field.
#include "reader_fixtures.h"
#include "tests/support/cli_run.h"

#include <QtTest>

using namespace nw::datasets::testing;

namespace {

using Run = nw::testing::CliRun;
using nw::testing::runCli;

QString describe(const Run& r) {
    return r.describe();
}

// The MLP template with `augmentation` as its pipeline, written to `path`.
bool writeProject(const QString& path, const QJsonArray& augmentation) {
    QFile in(NW_SOURCE_DIR "/resources/templates/mlp.nwproj");
    if (!in.open(QIODevice::ReadOnly)) {
        return false;
    }
    QJsonObject doc = QJsonDocument::fromJson(in.readAll()).object();
    doc["augmentation"] = augmentation;
    QFile out(path);
    return out.open(QIODevice::WriteOnly) && out.write(QJsonDocument(doc).toJson()) > 0;
}

QJsonObject step(const QString& op, double probability, const QJsonObject& params = {}) {
    return {{"op", op}, {"probability", probability}, {"params", params}};
}

} // namespace

class TestDatasetCli : public QObject {
    Q_OBJECT
private slots:
    void infoJsonOnCifar() {
        QTemporaryDir dir;
        QVERIFY(writeCifar10(dir.path(), 2, 3, true));
        const Run r = runCli({"dataset", "info", dir.path(), "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const QJsonObject info = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(info["format"].toString(), QString("cifar-10"));
        QCOMPARE(info["sample_shape"].toArray(), (QJsonArray{3, 32, 32}));
        const QJsonObject splits = info["splits"].toObject();
        QCOMPARE(splits["train"].toObject()["samples"].toInt(), 10);
        QCOMPARE(splits["test"].toObject()["samples"].toInt(), 3);
        QCOMPARE(splits["train"].toObject()["class_counts"].toObject()["c4"].toInt(), 1);
        QCOMPARE(info["mean"].toArray().size(), 3);
        QCOMPARE(info["std"].toArray().size(), 3);
        const QJsonArray range = info["value_range"].toArray();
        QVERIFY(range[0].toDouble() >= 0.0 && range[1].toDouble() <= 1.0);
    }

    void infoTextOnImageFolderListsWarnings() {
        QTemporaryDir dir;
        QVERIFY(writeImage(dir.path() + "/a/1.png", patternImage(4, 4, 3, 0)));
        QVERIFY(writeImage(dir.path() + "/b/2.png", patternImage(4, 4, 3, 9)));
        QVERIFY(writeBytes(dir.path() + "/b/3.png", "garbage"));
        const Run r = runCli({"dataset", "info", dir.path()});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains("image_folder") && r.out.contains("train: 2 samples"),
                 qPrintable(describe(r)));
        QVERIFY2(r.err.contains("warning: " + dir.path() + "/b/3.png: not a readable image"),
                 qPrintable(describe(r)));
    }

    void userErrorsExit2_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("csv with a non-numeric cell")
            << "t.csv" << QByteArray("a,label\n1,0\nabc,1\n")
            << "t.csv:3: column 1 (\"a\"): not a number: \"abc\"";
        QTest::newRow("not a dataset") << "t.dat" << QByteArray("x") << "t.dat: neither";
        QTest::newRow("text shorter than a window")
            << "t.txt" << QByteArray("xy") << "t.txt: the corpus has 2 characters";
    }
    void userErrorsExit2() {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QVERIFY(writeBytes(dir.filePath(file), content));
        const Run r = runCli({"dataset", "info", dir.filePath(file)});
        QVERIFY2(r.exitCode == 2 && r.err.contains(message), qPrintable(describe(r)));
    }

    void previewWritesGrid() {
        QTemporaryDir dir;
        for (int i = 0; i < 3; ++i) {
            QVERIFY(writeImage(dir.path() + QString("/data/c%1/x.png").arg(i),
                               patternImage(8, 8, 3, i * 30)));
        }
        const QString project = dir.filePath("p.nwproj");
        QVERIFY(writeProject(project,
                             {step("horizontal_flip", 0.5), step("pad_crop", 1.0, {{"padding", 2}}),
                              step("color_jitter", 0.8)}));
        const QString out = dir.filePath("grid.png");
        const QStringList args = {"dataset",   "preview",    dir.path() + "/data",
                                  "--project", project,      "--samples",
                                  "2",         "--variants", "4",
                                  "--seed",    "3",          "--out",
                                  out};
        const Run r = runCli(args);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const cv::Mat grid = cv::imread(out.toStdString(), cv::IMREAD_UNCHANGED);
        QVERIFY(!grid.empty());
        QCOMPARE(grid.channels(), 3);
        // 8-pixel samples are shown 12 times larger, with 4-pixel gaps.
        QCOMPARE(grid.rows, 2 * 96 + 3 * 4);
        QCOMPARE(grid.cols, 5 * 96 + 7 * 4);
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 2); // no temp
        // The same seed draws the same grid.
        const QByteArray first = [&] {
            QFile f(out);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        QVERIFY(runCli(args).exitCode == 0);
        QFile again(out);
        QVERIFY(again.open(QIODevice::ReadOnly));
        QCOMPARE(again.readAll(), first);
    }

    void previewRejectsBadPipeline() {
        QTemporaryDir dir;
        QVERIFY(writeImage(dir.path() + "/data/a/x.png", patternImage(8, 8, 1, 0)));
        const QString project = dir.filePath("p.nwproj");
        QVERIFY(writeProject(
            project, {step("horizontal_flip", 1.0), step("rotation", 1.0, {{"degrees", 400}})}));
        const QString out = dir.filePath("grid.png");
        const Run r = runCli(
            {"dataset", "preview", dir.path() + "/data", "--project", project, "--out", out});
        QVERIFY2(r.exitCode == 2 &&
                     r.err.contains("augmentation[1].params.degrees: must be in [0, 180], got 400"),
                 qPrintable(describe(r)));
        QVERIFY(!QFile::exists(out));
    }

    // Trainer::create fails with the pipeline's validation error before any step.
    void trainRejectsBadPipeline() {
        const QByteArray root = qgetenv("NETWRIGHT_DATASETS_DIR");
        if (!QDir((root.isEmpty() ? QString("/usr/share/datasets") : QString(root)) +
                  "/fashion-mnist")
                 .exists()) {
            QSKIP("the built-in fashion-mnist is not installed (dataset-fashion-mnist)");
        }
        QTemporaryDir dir;
        const QString project = dir.filePath("p.nwproj");
        QVERIFY(writeProject(project, {step("pad_crop", 1.0, {{"padding", 2}}),
                                       step("color_jitter", 1.0, {{"brightness", 3}})}));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", dir.path()); // any experiment database goes here
        env.remove("NETWRIGHT_DB");
        const Run r = runCli({"train", project, "--max-steps", "1", "--threads", "1"}, env);
        QVERIFY2(r.exitCode == 2 &&
                     r.err.contains("augmentation[1].params.brightness: must be in [0, 1], got 3"),
                 qPrintable(describe(r)));
    }
};

QTEST_GUILESS_MAIN(TestDatasetCli)
#include "test_dataset_cli.moc"
