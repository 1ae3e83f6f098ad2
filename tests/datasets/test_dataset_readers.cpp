// datasets/ readers: CIFAR-10/100 binary batches, image folders and CSV tables, on small
// files written here (good and corrupt), through openDataset() and datasetRefForSpec().
#include "datasets/catalog.h"
#include "datasets/dataset_stats.h"
#include "datasets/readers.h"
#include "reader_fixtures.h"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

using namespace nw::datasets;
using namespace nw::datasets::testing;
namespace fs = std::filesystem;

namespace {

std::vector<float> sampleOf(const Dataset& ds, std::int64_t i) {
    std::vector<float> s(std::size_t(ds.sampleNumel()));
    ds.readSample(i, s);
    return s;
}

QString errorOf(const nw::Expected<TrainTest>& r) {
    return r ? QString() : QString::fromStdString(r.error().message);
}

} // namespace

class TestDatasetReaders : public QObject {
    Q_OBJECT
private slots:
    // ---- CIFAR -----------------------------------------------------------------------------

    void readsCifar10() {
        QTemporaryDir dir;
        QVERIFY(writeCifar10(dir.path(), 3, 4, true));
        auto r = openCifarFolder(dir.path().toStdString());
        QVERIFY2(r, qPrintable(errorOf(r)));
        QCOMPARE(r->format, std::string("cifar-10"));
        QCOMPARE(r->train->size(), 15);
        QCOMPARE(r->test->size(), 4);
        QCOMPARE(r->train->sampleShape(), (Dims{3, 32, 32}));
        QCOMPARE(r->train->classNames().front(), std::string("c0"));
        QCOMPARE(r->train->classCounts(),
                 (std::vector<std::int64_t>{2, 2, 2, 2, 2, 1, 1, 1, 1, 1}));
        QCOMPARE(r->test->classCounts()[3], 1);
        // Record 7 (batch 3, second record): label 7, pixels in file order.
        QCOMPARE(r->train->label(7), 7);
        const auto s = sampleOf(*r->train, 7);
        for (int k : {0, 1, 1024, 3071}) {
            QCOMPARE(s[std::size_t(k)], float(cifarPixel(7, k)) / 255.0f);
        }
    }

    void cifar10WithoutMetaUsesStandardNames() {
        QTemporaryDir dir;
        QVERIFY(writeCifar10(dir.path() + "/cifar-10-batches-bin", 1, 1, false));
        auto r = openCifarFolder(dir.path().toStdString()); // finds the sub-folder
        QVERIFY2(r, qPrintable(errorOf(r)));
        QCOMPARE(r->train->classNames()[0], std::string("airplane"));
        QCOMPARE(r->train->classNames()[9], std::string("truck"));
    }

    void readsCifar100FineLabels() {
        QTemporaryDir dir;
        QVERIFY(writeCifar100(dir.path(), 6, 2));
        auto r = openCifarFolder(dir.path().toStdString());
        QVERIFY2(r, qPrintable(errorOf(r)));
        QCOMPARE(r->format, std::string("cifar-100"));
        QCOMPARE(r->train->numClasses(), 100);
        QCOMPARE(r->train->size(), 6);
        QCOMPARE(r->train->label(5), 15);
        QCOMPARE(sampleOf(*r->train, 5)[10], float(cifarPixel(5, 10)) / 255.0f);
    }

    void refusesBrokenCifar_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        const auto label = [](int r) { return r % 10; };
        QTest::newRow("truncated batch")
            << "data_batch_2.bin" << cifarRecords(3, label).left(3 * 3073 - 100)
            << "data_batch_2.bin: truncated or not a CIFAR batch: 9119 bytes is not a whole "
               "number of 3073-byte records (2 full, 2973 bytes left over)";
        QTest::newRow("empty test batch")
            << "test_batch.bin" << QByteArray() << "test_batch.bin: truncated";
        QTest::newRow("label out of range")
            << "data_batch_1.bin" << cifarRecords(2, [](int r) { return r == 1 ? 12 : 0; })
            << "data_batch_1.bin: record 1: label 12 is out of range (10 classes)";
    }
    void refusesBrokenCifar() {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QVERIFY(writeCifar10(dir.path(), 3, 4, false));
        QVERIFY(writeBytes(dir.filePath(file), content));
        auto r = openCifarFolder(dir.path().toStdString());
        QVERIFY(!r);
        QVERIFY2(errorOf(r).contains(message), qPrintable(errorOf(r)));
        QVERIFY(errorOf(r).startsWith(dir.path()));
    }

    void catalogOpensCifarRelativeToProject() {
        QTemporaryDir dir;
        QVERIFY(writeCifar10(dir.path() + "/data/cifar", 4, 2, false));
        nw::graph::DatasetRef ref;
        ref.kind = "cifar";
        ref.path = "data/cifar";
        ref.validationSplit = 0.25;
        auto splits = openDataset(ref, dir.path().toStdString());
        QVERIFY2(splits, splits ? "" : splits.error().message.c_str());
        QCOMPARE(splits->format, std::string("cifar-10"));
        QCOMPARE(splits->train->size() + splits->validation->size(), 20);
        QCOMPARE(splits->validation->size(), 5);
        QCOMPARE(splits->test->size(), 2);
    }

    // ---- image folders ---------------------------------------------------------------------

    void readsImageFolderSkippingUnreadable() {
        QTemporaryDir dir;
        const QString root = dir.path() + "/pets";
        QVERIFY(writeImage(root + "/cat/a.png", patternImage(6, 8, 3, 0)));
        QVERIFY(writeImage(root + "/cat/b.png", patternImage(6, 8, 3, 50)));
        QVERIFY(writeImage(root + "/dog/c.png", patternImage(12, 16, 1, 9))); // resized, grey
        QVERIFY(writeBytes(root + "/dog/broken.png", "\x89PNG\r\n\x1a\n not really a png"));
        QVERIFY(writeBytes(root + "/dog/notes.txt", "ignored"));
        auto r = openImageFolder(root.toStdString());
        QVERIFY2(r, qPrintable(errorOf(r)));
        QCOMPARE(r->train->classNames(), (std::vector<std::string>{"cat", "dog"}));
        QCOMPARE(r->train->sampleShape(), (Dims{3, 6, 8}));
        QCOMPARE(r->train->classCounts(), (std::vector<std::int64_t>{2, 1}));
        QVERIFY(!r->test);
        QCOMPARE(int(r->warnings.size()), 1);
        QVERIFY(
            QString::fromStdString(r->warnings[0]).contains("broken.png: not a readable image"));
        // Planes are R, G, B: OpenCV wrote B = pattern channel 0, R = pattern channel 2.
        const auto s = sampleOf(*r->train, 1);
        const int y = 2;
        const int x = 5;
        QCOMPARE(s[std::size_t(0 * 48 + y * 8 + x)],
                 float((50 + 16 * y + 3 * x + 80) % 256) / 255.0f);
        QCOMPARE(s[std::size_t(2 * 48 + y * 8 + x)], float((50 + 16 * y + 3 * x) % 256) / 255.0f);
    }

    void imageFolderGreyFirstGivesOneChannel() {
        QTemporaryDir dir;
        QVERIFY(writeImage(dir.path() + "/a/x.png", patternImage(5, 5, 1, 0)));
        QVERIFY(writeImage(dir.path() + "/b/y.png", patternImage(5, 5, 3, 0)));
        auto r = openImageFolder(dir.path().toStdString());
        QVERIFY2(r, qPrintable(errorOf(r)));
        QCOMPARE(r->train->sampleShape(), (Dims{1, 5, 5}));
        QCOMPARE(sampleOf(*r->train, 0)[7], float(16 * 1 + 3 * 2) / 255.0f);
    }

    void imageFolderTrainTestLayout() {
        QTemporaryDir dir;
        QVERIFY(writeImage(dir.path() + "/train/a/1.png", patternImage(4, 4, 3, 0)));
        QVERIFY(writeImage(dir.path() + "/train/b/2.jpg", patternImage(4, 4, 3, 1)));
        QVERIFY(writeImage(dir.path() + "/test/b/3.png", patternImage(4, 4, 3, 2)));
        auto r = openImageFolder(dir.path().toStdString());
        QVERIFY2(r, qPrintable(errorOf(r)));
        QCOMPARE(r->train->size(), 2);
        QCOMPARE(r->test->size(), 1);
        QCOMPARE(r->test->label(0), 1);
    }

    void refusesImageFolderWithoutImages() {
        QTemporaryDir dir;
        QVERIFY(writeBytes(dir.path() + "/a/bad.png", "nope"));
        auto r = openImageFolder(dir.path().toStdString());
        QVERIFY(!r);
        QVERIFY2(errorOf(r).contains("no readable images"), qPrintable(errorOf(r)));
        auto none = openImageFolder((dir.path() + "/a").toStdString());
        QVERIFY2(errorOf(none).contains("no class sub-folders"), qPrintable(errorOf(none)));
    }

    // ---- CSV -------------------------------------------------------------------------------

    void readsCsv_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("features");
        QTest::addColumn<QStringList>("classes");
        QTest::addColumn<QList<int>>("labels");
        QTest::addColumn<float>("firstValue");
        QTest::newRow("label last, indices")
            << QByteArray("a,b,c,y\n1,2,3,0\n4,5,6,2\n\n7,8,9,1\n") << 3
            << QStringList{"0", "1", "2"} << QList<int>{0, 2, 1} << 1.0f;
        QTest::newRow("label column named, names")
            << QByteArray("Label,x,y\r\nsetosa,0.5,1e3\r\nvirginica,-2,3\r\n\"setosa\",+1,2\r\n")
            << 2 << QStringList{"setosa", "virginica"} << QList<int>{0, 1, 0} << 0.5f;
    }
    void readsCsv() {
        QFETCH(QByteArray, text);
        QFETCH(int, features);
        QFETCH(QStringList, classes);
        QFETCH(QList<int>, labels);
        QFETCH(float, firstValue);
        QTemporaryDir dir;
        QVERIFY(writeBytes(dir.filePath("t.csv"), text));
        auto r = openCsv(dir.filePath("t.csv").toStdString());
        QVERIFY2(r, qPrintable(errorOf(r)));
        QCOMPARE(r->train->sampleShape(), (Dims{features}));
        QCOMPARE(r->train->numClasses(), int(classes.size()));
        QCOMPARE(QString::fromStdString(r->train->classNames().back()), classes.back());
        for (int i = 0; i < labels.size(); ++i) {
            QCOMPARE(r->train->label(i), labels[i]);
        }
        QCOMPARE(sampleOf(*r->train, 0)[0], firstValue);
        QVERIFY(!r->test);
    }

    void refusesBrokenCsv_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("non-numeric cell") << QByteArray("a,b,label\n1,2,0\n3,x7,1\n")
                                          << "t.csv:3: column 2 (\"b\"): not a number: \"x7\"";
        QTest::newRow("empty cell")
            << QByteArray("a,b,label\n1,,0\n") << "t.csv:2: column 2 (\"b\"): not a number: \"\"";
        QTest::newRow("short line")
            << QByteArray("a,b,label\n1,2\n") << "t.csv:2: 2 cells, the header has 3";
        QTest::newRow("no rows") << QByteArray("a,label\n") << "t.csv: no data rows";
        QTest::newRow("one column") << QByteArray("label\n1\n") << "t.csv:1: the header names 1";
    }
    void refusesBrokenCsv() {
        QFETCH(QByteArray, text);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QVERIFY(writeBytes(dir.filePath("t.csv"), text));
        auto r = openCsv(dir.filePath("t.csv").toStdString());
        QVERIFY(!r);
        QVERIFY2(errorOf(r).contains(message), qPrintable(errorOf(r)));
    }

    void csvFolderWithTestSplit() {
        QTemporaryDir dir;
        QVERIFY(writeBytes(dir.filePath("train.csv"), "f,label\n1,cat\n2,dog\n3,cat\n"));
        QVERIFY(writeBytes(dir.filePath("test.csv"), "f,label\n4,dog\n"));
        nw::graph::DatasetRef ref;
        ref.kind = "csv";
        ref.path = ".";
        auto splits = openDataset(ref, dir.path().toStdString());
        QVERIFY2(splits, splits ? "" : splits.error().message.c_str());
        QCOMPARE(splits->train->size(), 3);
        QCOMPARE(splits->test->label(0), 1);
        const auto stats = computeStats(*splits->train);
        QCOMPARE(stats.mean, std::vector<double>{2.0});
        QCOMPARE(stats.min, 1.0);
        QCOMPARE(stats.max, 3.0);
        QVERIFY(writeBytes(dir.filePath("test.csv"), "f,label\n4,bird\n"));
        auto bad = openDataset(ref, dir.path().toStdString());
        QVERIFY(!bad);
        QVERIFY2(QString::fromStdString(bad.error().message)
                     .contains("test.csv: data row 1: label \"bird\" is not one of"),
                 bad.error().message.c_str());
    }

    // ---- SPEC detection --------------------------------------------------------------------

    void detectsSpecKind() {
        QTemporaryDir dir;
        QVERIFY(writeCifar10(dir.path() + "/c10", 1, 1, false));
        QVERIFY(writeImage(dir.path() + "/imgs/a/1.png", patternImage(4, 4, 1, 0)));
        QVERIFY(writeBytes(dir.path() + "/t.csv", "a,label\n1,0\n"));
        QVERIFY(writeBytes(dir.path() + "/tab/train.csv", "a,label\n1,0\n"));
        const std::pair<QString, std::string> rows[] = {
            {"/c10", "cifar"}, {"/imgs", "image_folder"}, {"/t.csv", "csv"}, {"/tab", "csv"}};
        for (const auto& [sub, kind] : rows) {
            auto ref = datasetRefForSpec((dir.path() + sub).toStdString());
            QVERIFY2(ref, ref ? "" : ref.error().message.c_str());
            QCOMPARE(ref->kind, kind);
        }
        QCOMPARE(datasetRefForSpec("fashion-mnist")->kind, std::string("builtin"));
        auto missing = datasetRefForSpec((dir.path() + "/nothing").toStdString());
        QVERIFY(!missing);
        QVERIFY(QString::fromStdString(missing.error().message).contains("/nothing: neither"));
    }
};

QTEST_GUILESS_MAIN(TestDatasetReaders)
#include "test_dataset_readers.moc"
