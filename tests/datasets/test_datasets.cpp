// datasets/: the IDX reader, IdxDataset, the catalog (built-ins, IDX folders, validation
// split) and the DataLoader (order, batching, normalisation, resume, cancellation).
#include "dataset_fixtures.h"
#include "datasets/catalog.h"
#include "datasets/data_loader.h"
#include "datasets/idx.h"
#include "datasets/idx_dataset.h"
#include "datasets/shuffle.h"
#include "datasets/subset_dataset.h"

#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <numeric>
#include <set>

using namespace nw::datasets;
using namespace nw::datasets::testing;
namespace fs = std::filesystem;

using Bytes = std::vector<std::uint8_t>;
using Dims32 = std::vector<std::uint32_t>;

class TestDatasets : public QObject {
    Q_OBJECT
private slots:
    // ---- IDX reader ------------------------------------------------------------------------

    void readsIdxBack_data() {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<bool>("gzip");
        QTest::addColumn<QVector<quint32>>("dims");
        QTest::newRow("1-D plain") << "a-idx1-ubyte" << false << QVector<quint32>{7};
        QTest::newRow("3-D plain") << "a-idx3-ubyte" << false << QVector<quint32>{5, 3, 4};
        QTest::newRow("4-D plain") << "a-idx4-ubyte" << false << QVector<quint32>{2, 3, 4, 5};
        QTest::newRow("1-D gzip") << "a-idx1-ubyte.gz" << true << QVector<quint32>{300};
        QTest::newRow("3-D gzip") << "a-idx3-ubyte.gz" << true << QVector<quint32>{10, 28, 28};
        QTest::newRow("gzip without .gz") << "a-idx3-ubyte" << true << QVector<quint32>{2, 2, 2};
        QTest::newRow("empty first dim") << "a-idx3-ubyte" << false << QVector<quint32>{0, 2, 2};
    }
    void readsIdxBack() {
        QFETCH(QString, fileName);
        QFETCH(bool, gzip);
        QFETCH(QVector<quint32>, dims);
        QTemporaryDir dir;
        const Dims32 d(dims.begin(), dims.end());
        std::size_t n = 1;
        for (auto x : d) {
            n *= x;
        }
        const Bytes data = ramp(n, 3);
        const QString path = dir.filePath(fileName);
        QVERIFY(writeFile(path, idxBytes(d, data), gzip));
        auto idx = readIdx(path.toStdString());
        QVERIFY2(idx.ok(), idx.ok() ? "" : idx.error().message.c_str());
        QCOMPARE(idx->dims, Dims(d.begin(), d.end()));
        QCOMPARE(idx->data, data);
    }

    // Each broken file gives a user error that starts with its path and says what is wrong.
    void rejectsBrokenIdx_data() {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("gzip");
        QTest::addColumn<int>("keepCompressedBytes"); // -1: all
        QTest::addColumn<QString>("message");
        const QByteArray good = idxBytes({10, 28, 28}, ramp(7840));
        QByteArray badMagic = good;
        badMagic[0] = char(0x12);
        QTest::newRow("bad magic")
            << "x-idx3-ubyte" << badMagic << false << -1 << "not an IDX file: bad magic 0x12 0x00";
        QTest::newRow("float type")
            << "x-idx1-ubyte" << idxBytes({2}, {0, 0, 0, 0, 0, 0, 0, 0}, 0x0D) << false << -1
            << "unsupported IDX element type 0x0d (float32)";
        QTest::newRow("ndim 0") << "x-idx0-ubyte" << idxBytes({}, {1}) << false << -1
                                << "unsupported number of IDX dimensions 0";
        QTest::newRow("ndim 5") << "x-idx5-ubyte" << idxBytes({1, 1, 1, 1, 1}, {1}) << false << -1
                                << "unsupported number of IDX dimensions 5";
        QTest::newRow("empty file") << "x-idx3-ubyte" << QByteArray() << false << -1
                                    << "truncated header: expected 4 bytes, got 0";
        QTest::newRow("cut in the dims") << "x-idx3-ubyte" << good.left(9) << false << -1
                                         << "truncated dimensions: expected 12 bytes, got 5";
        QTest::newRow("truncated data") << "x-idx3-ubyte" << good.left(16 + 1000) << false << -1
                                        << "truncated: expected 7840 bytes of data, got 1000";
        QTest::newRow("truncated data, gzip")
            << "x-idx3-ubyte.gz" << good.left(16 + 1000) << true << -1
            << "truncated: expected 7840 bytes of data, got 1000";
        QTest::newRow("trailing bytes") << "x-idx3-ubyte" << good + "abc" << false << -1
                                        << "3 unexpected trailing bytes after the 7840 bytes";
        QTest::newRow("too large") << "x-idx4-ubyte" << idxBytes({65536, 65536, 1, 1}, {}) << false
                                   << -1 << "exceed the limit of 2147483648 bytes";
        QTest::newRow("not gzip, named .gz")
            << "x-idx3-ubyte.gz" << good << false << -1 << "named .gz but not gzip-compressed";
        // A gzip header (magic, deflate, no flags, mtime, xfl, OS) followed by junk.
        const QByteArray junkGzip =
            QByteArray::fromHex("1f8b0800000000000003") + QByteArray(64, char(0xff));
        QTest::newRow("garbage in .gz")
            << "x-idx3-ubyte.gz" << junkGzip << false << -1 << "corrupt gzip data";
        QTest::newRow("gzip stream cut short")
            << "x-idx3-ubyte.gz" << good << true << 200 << "corrupt gzip data";
    }
    void rejectsBrokenIdx() {
        QFETCH(QString, fileName);
        QFETCH(QByteArray, content);
        QFETCH(bool, gzip);
        QFETCH(int, keepCompressedBytes);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString path = dir.filePath(fileName);
        QVERIFY(writeFile(path, content, gzip));
        if (keepCompressedBytes >= 0) {
            QVERIFY(fs::file_size(path.toStdString()) > std::uintmax_t(keepCompressedBytes));
            fs::resize_file(path.toStdString(), std::uintmax_t(keepCompressedBytes));
        }
        auto idx = readIdx(path.toStdString());
        QVERIFY(!idx.ok());
        const QString got = QString::fromStdString(idx.error().message);
        QVERIFY2(got.startsWith(path + ": "), qPrintable(got));
        QVERIFY2(got.contains(message), qPrintable(got));
        QVERIFY(idx.error().kind == nw::Error::Kind::User);
    }

    void rejectsMissingFileAndFolder() {
        QTemporaryDir dir;
        const QString missing = dir.filePath("nothing-idx1-ubyte.gz");
        auto idx = readIdx(missing.toStdString());
        QVERIFY(!idx.ok());
        QCOMPARE(QString::fromStdString(idx.error().message), missing + ": file not found");
        auto folder = readIdx(dir.path().toStdString());
        QVERIFY(!folder.ok());
        QVERIFY(QString::fromStdString(folder.error().message).startsWith(dir.path()));
    }

    // ---- IdxDataset ------------------------------------------------------------------------

    void idxDatasetReadsSamples_data() {
        QTest::addColumn<QVector<quint32>>("imageDims");
        QTest::addColumn<QVector<qint64>>("sampleShape");
        QTest::newRow("N, H, W") << QVector<quint32>{6, 3, 4} << QVector<qint64>{1, 3, 4};
        QTest::newRow("N, C, H, W") << QVector<quint32>{6, 3, 2, 2} << QVector<qint64>{3, 2, 2};
    }
    void idxDatasetReadsSamples() {
        QFETCH(QVector<quint32>, imageDims);
        QFETCH(QVector<qint64>, sampleShape);
        QTemporaryDir dir;
        const Dims32 d(imageDims.begin(), imageDims.end());
        const std::size_t per = 12;
        const Bytes pixels = ramp(6 * per, 250); // wraps: 250 ... 255, 0, 1, ...
        const Bytes labels = {3, 1, 4, 1, 5, 9};
        QVERIFY(writeFile(dir.filePath("img.gz"), idxBytes(d, pixels), true));
        QVERIFY(writeFile(dir.filePath("lab"), idxBytes({6}, labels), false));
        auto ds = IdxDataset::open("tiny", dir.filePath("img.gz").toStdString(),
                                   dir.filePath("lab").toStdString());
        QVERIFY2(ds.ok(), ds.ok() ? "" : ds.error().message.c_str());
        const IdxDataset& x = **ds;
        QCOMPARE(x.name(), std::string("tiny"));
        QCOMPARE(x.size(), std::int64_t(6));
        QCOMPARE(x.sampleShape(), Dims(sampleShape.begin(), sampleShape.end()));
        QCOMPARE(x.numClasses(), 10); // 10 by default when labels are below 10
        QCOMPARE(x.classNames().front(), std::string("0"));
        QCOMPARE(x.classNames().back(), std::string("9"));
        QCOMPARE(x.classCounts(), (std::vector<std::int64_t>{0, 2, 0, 1, 1, 1, 0, 0, 0, 1}));
        std::vector<float> sample(per);
        for (std::int64_t i = 0; i < 6; ++i) {
            QCOMPARE(x.label(i), int(labels[std::size_t(i)]));
            x.readSample(i, sample);
            for (std::size_t k = 0; k < per; ++k) {
                QCOMPARE(sample[k], float(pixels[std::size_t(i) * per + k]) / 255.0f);
            }
        }
        x.readSample(0, sample);
        QCOMPARE(sample[5], 1.0f); // byte 255
        QCOMPARE(sample[6], 0.0f); // byte 0
    }

    void idxDatasetClassCount() {
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.filePath("img"), idxBytes({3, 1, 1}, {1, 2, 3}), false));
        QVERIFY(writeFile(dir.filePath("lab"), idxBytes({3}, {0, 12, 4}), false));
        auto ds = IdxDataset::open("t", dir.filePath("img").toStdString(),
                                   dir.filePath("lab").toStdString());
        QVERIFY(ds.ok());
        QCOMPARE((*ds)->numClasses(), 13); // largest label + 1 when above 10
        IdxDatasetOptions named;
        named.classNames = {"zero",  "one",   "two",  "three", "four",   "five",  "six",
                            "seven", "eight", "nine", "ten",   "eleven", "twelve"};
        auto withNames = IdxDataset::open("t", dir.filePath("img").toStdString(),
                                          dir.filePath("lab").toStdString(), named);
        QVERIFY(withNames.ok());
        QCOMPARE((*withNames)->classNames()[12], std::string("twelve"));
    }

    void idxDatasetRejects_data() {
        QTest::addColumn<QByteArray>("images");
        QTest::addColumn<QByteArray>("labels");
        QTest::addColumn<int>("numClasses");
        QTest::addColumn<QString>("blamedFile");
        QTest::addColumn<QString>("message");
        const QByteArray images = idxBytes({4, 2, 2}, ramp(16));
        QTest::newRow("count mismatch") << images << idxBytes({3}, {0, 1, 2}) << 0 << "lab"
                                        << "3 labels for the 4 images of ";
        QTest::newRow("label out of range") << images << idxBytes({4}, {0, 1, 7, 2}) << 5 << "lab"
                                            << "label 7 of sample 2 is out of range (5 classes)";
        QTest::newRow("labels not 1-D") << images << idxBytes({2, 2}, {0, 1, 2, 3}) << 0 << "lab"
                                        << "labels must be [N], got [2, 2]";
        QTest::newRow("images 2-D")
            << idxBytes({4, 4}, ramp(16)) << idxBytes({4}, {0, 1, 2, 3}) << 0 << "img"
            << "images must be [N, H, W] or [N, C, H, W]";
        QTest::newRow("no images") << idxBytes({0, 2, 2}, {}) << idxBytes({0}, {}) << 0 << "img"
                                   << "no image data";
    }
    void idxDatasetRejects() {
        QFETCH(QByteArray, images);
        QFETCH(QByteArray, labels);
        QFETCH(int, numClasses);
        QFETCH(QString, blamedFile);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QVERIFY(writeFile(dir.filePath("img"), images, false));
        QVERIFY(writeFile(dir.filePath("lab"), labels, false));
        IdxDatasetOptions options;
        options.numClasses = numClasses;
        auto ds = IdxDataset::open("t", dir.filePath("img").toStdString(),
                                   dir.filePath("lab").toStdString(), options);
        QVERIFY(!ds.ok());
        const QString got = QString::fromStdString(ds.error().message);
        QVERIFY2(got.startsWith(dir.filePath(blamedFile) + ": "), qPrintable(got));
        QVERIFY2(got.contains(message), qPrintable(got));
    }

    // ---- catalog ---------------------------------------------------------------------------

    void opensIdxFolder_data() {
        QTest::addColumn<bool>("gzip");
        QTest::newRow("plain") << false;
        QTest::newRow("gzip") << true;
    }
    void opensIdxFolder() {
        QFETCH(bool, gzip);
        QTemporaryDir dir;
        QVERIFY(writeMnistFolder(dir.filePath("data/mnist"), 50, 20, gzip));
        nw::graph::DatasetRef ref;
        ref.kind = "idx";
        ref.path = "data/mnist"; // relative to the project folder
        auto splits = openDataset(ref, dir.path().toStdString());
        QVERIFY2(splits.ok(), splits.ok() ? "" : splits.error().message.c_str());
        QCOMPARE(splits->train->size(), std::int64_t(50));
        QCOMPARE(splits->test->size(), std::int64_t(20));
        QVERIFY(!splits->validation);
        QCOMPARE(splits->train->sampleShape(), (Dims{1, 4, 4}));
        QCOMPARE(splits->test->numClasses(), 10);
        std::vector<float> s(16);
        splits->test->readSample(1, s);
        QCOMPARE(s[0], float(7 + 16) / 255.0f);
    }

    void rejectsBadDatasetRefs_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("path");
        QTest::addColumn<double>("split");
        QTest::addColumn<QString>("message");
        QTest::newRow("cifar folder missing") << "cifar"
                                              << ""
                                              << "x" << 0.0 << "x: dataset folder not found";
        QTest::newRow("cifar without batches") << "cifar"
                                               << ""
                                               << "partial" << 0.0 << "partial: not a CIFAR folder";
        QTest::newRow("image_folder missing") << "image_folder"
                                              << ""
                                              << "x" << 0.0 << "x: dataset folder not found";
        QTest::newRow("csv without path") << "csv"
                                          << ""
                                          << "" << 0.0 << "dataset.path: empty; a \"csv\"";
        QTest::newRow("csv missing") << "csv"
                                     << ""
                                     << "x.csv" << 0.0 << "x.csv: CSV file not found";
        QTest::newRow("unknown kind") << "parquet"
                                      << ""
                                      << "x" << 0.0 << "dataset.kind: unknown kind \"parquet\"";
        QTest::newRow("unknown builtin")
            << "builtin"
            << "imagenet"
            << "" << 0.0 << "unknown built-in dataset \"imagenet\" (known: fashion-mnist, fortunes)";
        QTest::newRow("idx without path") << "idx"
                                          << ""
                                          << "" << 0.0 << "dataset.path: empty";
        QTest::newRow("idx folder missing")
            << "idx"
            << ""
            << "nowhere" << 0.0 << "nowhere: dataset folder not found";
        QTest::newRow("idx file missing") << "idx"
                                          << ""
                                          << "partial" << 0.0
                                          << "partial: missing t10k-images-idx3-ubyte (or "
                                             "t10k-images-idx3-ubyte.gz)";
        QTest::newRow("split too large") << "idx"
                                         << ""
                                         << "partial" << 0.95 << "dataset.validation_split: 0.95";
    }
    void rejectsBadDatasetRefs() {
        QFETCH(QString, kind);
        QFETCH(QString, name);
        QFETCH(QString, path);
        QFETCH(double, split);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QVERIFY(writeMnistFolder(dir.filePath("partial"), 5, 5, false));
        QVERIFY(QFile::remove(dir.filePath("partial/t10k-images-idx3-ubyte")));
        nw::graph::DatasetRef ref;
        ref.kind = kind.toStdString();
        ref.name = name.toStdString();
        ref.path = path.toStdString();
        ref.validationSplit = split;
        auto splits = openDataset(ref, dir.path().toStdString());
        QVERIFY(!splits.ok());
        const QString got = QString::fromStdString(splits.error().message);
        QVERIFY2(got.contains(message), qPrintable(got));
        QVERIFY(splits.error().kind == nw::Error::Kind::User);
    }

    void builtinHonoursDatasetsDir() {
        QTemporaryDir dir;
        QVERIFY(writeMnistFolder(dir.filePath("fashion-mnist"), 30, 10, true));
        DatasetsDirOverride env(dir.path());
        QCOMPARE(builtinDatasetsRoot(), fs::path(dir.path().toStdString()));
        auto splits = openDataset(nw::graph::DatasetRef{}, "/unused");
        QVERIFY2(splits.ok(), splits.ok() ? "" : splits.error().message.c_str());
        QCOMPARE(splits->train->size(), std::int64_t(30));
        QCOMPARE(splits->train->name(), std::string("fashion-mnist/train"));
        QCOMPARE(splits->test->classNames().front(), std::string("T-shirt/top"));
        QCOMPARE(splits->train->classNames().back(), std::string("Ankle boot"));
    }

    void builtinMissingSaysWhatToInstall() {
        QTemporaryDir dir;
        DatasetsDirOverride env(dir.path());
        auto splits = openDataset(nw::graph::DatasetRef{}, "/unused");
        QVERIFY(!splits.ok());
        const QString got = QString::fromStdString(splits.error().message);
        QVERIFY2(got.startsWith(dir.filePath("fashion-mnist") + ": "), qPrintable(got));
        QVERIFY2(got.contains("install the Debian package dataset-fashion-mnist"), qPrintable(got));
    }

    void validationSplit_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<double>("split");
        QTest::addColumn<int>("expectedValidation");
        QTest::newRow("20% of 100") << 100 << 0.2 << 20;
        QTest::newRow("10% of 55") << 55 << 0.1 << 6; // round(5.5)
        QTest::newRow("tiny fraction keeps one") << 50 << 0.001 << 1;
        QTest::newRow("90% of 10") << 10 << 0.9 << 9;
    }
    void validationSplit() {
        QFETCH(int, n);
        QFETCH(double, split);
        QFETCH(int, expectedValidation);
        QTemporaryDir dir;
        QVERIFY(writeMnistFolder(dir.filePath("d"), std::uint32_t(n), 4, false));
        nw::graph::DatasetRef ref;
        ref.kind = "idx";
        ref.path = dir.filePath("d").toStdString(); // absolute
        ref.validationSplit = split;
        auto a = openDataset(ref, "/unused");
        auto b = openDataset(ref, "/unused");
        QVERIFY(a.ok() && b.ok());
        QVERIFY(a->validation);
        QCOMPARE(a->validation->size(), std::int64_t(expectedValidation));
        QCOMPARE(a->train->size(), std::int64_t(n - expectedValidation));
        QCOMPARE(a->test->size(), std::int64_t(4));

        auto indices = [](const std::shared_ptr<Dataset>& d) {
            return dynamic_cast<const SubsetDataset&>(*d).indices();
        };
        std::set<std::int64_t> all;
        for (auto i : indices(a->train)) {
            all.insert(i);
        }
        for (auto i : indices(a->validation)) {
            QVERIFY2(!all.count(i), "validation overlaps training");
            all.insert(i);
        }
        QCOMPARE(std::int64_t(all.size()), std::int64_t(n));
        QCOMPARE(*all.rbegin(), std::int64_t(n - 1));
        QCOMPARE(indices(a->validation), indices(b->validation)); // deterministic
        // The views read through to the samples they name.
        const auto& v = dynamic_cast<const SubsetDataset&>(*a->validation);
        QCOMPARE(v.label(0), int(v.baseIndex(0) % 10));
        QCOMPARE(v.numClasses(), 10);
    }

    // ---- the built-in fashion-mnist (Debian's dataset-fashion-mnist) -----------------------

    void fashionMnist() {
        DatasetsDirOverride env(QString{}); // the real /usr/share/datasets
        if (!QFileInfo::exists("/usr/share/datasets/fashion-mnist")) {
            QSKIP("/usr/share/datasets/fashion-mnist is absent (apt install "
                  "dataset-fashion-mnist)");
        }
        auto splits = openDataset(nw::graph::DatasetRef{}, "/unused");
        QVERIFY2(splits.ok(), splits.ok() ? "" : splits.error().message.c_str());
        QCOMPARE(splits->train->size(), std::int64_t(60000));
        QCOMPARE(splits->test->size(), std::int64_t(10000));
        QCOMPARE(splits->train->numClasses(), 10);
        QCOMPARE(splits->train->classNames()[9], std::string("Ankle boot"));
        QCOMPARE(splits->train->sampleShape(), (Dims{1, 28, 28}));
        QCOMPARE(splits->train->classCounts(), std::vector<std::int64_t>(10, 6000));
        QCOMPARE(splits->test->classCounts(), std::vector<std::int64_t>(10, 1000));
        for (const auto& ds : {splits->train, splits->test}) {
            std::vector<float> s(784);
            float lo = 1.0f, hi = 0.0f;
            for (std::int64_t i = 0; i < ds->size(); ++i) {
                ds->readSample(i, s);
                auto [mn, mx] = std::minmax_element(s.begin(), s.end());
                lo = std::min(lo, *mn);
                hi = std::max(hi, *mx);
            }
            QCOMPARE(lo, 0.0f);
            QCOMPARE(hi, 1.0f);
        }
    }

    // ---- DataLoader ------------------------------------------------------------------------

    void loaderVisitsEverySampleOnce_data() {
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("batchSize");
        QTest::addColumn<bool>("shuffle");
        QTest::addColumn<bool>("dropLast");
        QTest::addColumn<QVector<qint64>>("sizes");
        QTest::newRow("partial last") << 10 << 4 << true << false << QVector<qint64>{4, 4, 2};
        QTest::newRow("drop last") << 10 << 4 << true << true << QVector<qint64>{4, 4};
        QTest::newRow("exact") << 12 << 4 << true << true << QVector<qint64>{4, 4, 4};
        QTest::newRow("one batch") << 3 << 8 << true << false << QVector<qint64>{3};
        QTest::newRow("drop the only batch") << 3 << 8 << true << true << QVector<qint64>{};
        QTest::newRow("in order") << 7 << 3 << false << false << QVector<qint64>{3, 3, 1};
        QTest::newRow("empty") << 0 << 3 << true << false << QVector<qint64>{};
        QTest::newRow("many") << 1000 << 64 << true << false
                              << QVector<qint64>(15, 64) + QVector<qint64>{40};
    }
    void loaderVisitsEverySampleOnce() {
        QFETCH(int, n);
        QFETCH(int, batchSize);
        QFETCH(bool, shuffle);
        QFETCH(bool, dropLast);
        QFETCH(QVector<qint64>, sizes);
        auto ds = std::make_shared<IndexDataset>(n);
        LoaderOptions o;
        o.batchSize = batchSize;
        o.shuffle = shuffle;
        o.seed = 5;
        o.dropLast = dropLast;
        auto loader = makeLoader(ds, o);
        QVERIFY(loader);
        QCOMPARE(loader->batchesPerEpoch(), std::int64_t(sizes.size()));
        for (std::int64_t epoch : {0, 1}) {
            loader->startEpoch(epoch);
            std::set<std::int64_t> seen;
            std::vector<std::int64_t> order;
            QVector<qint64> gotSizes;
            while (auto batch = loader->next()) {
                QCOMPARE(batch->index, std::int64_t(gotSizes.size()));
                gotSizes.push_back(batch->size);
                QCOMPARE(batch->inputs.size(), std::size_t(batch->size) * 12);
                QCOMPARE(batch->labels.size(), std::size_t(batch->size));
                for (std::int64_t k = 0; k < batch->size; ++k) {
                    auto i = IndexDataset::indexOf(batch->inputs[std::size_t(k) * 12]);
                    QCOMPARE(batch->labels[std::size_t(k)], std::int32_t(ds->label(i)));
                    QVERIFY2(seen.insert(i).second, "a sample came twice");
                    order.push_back(i);
                }
            }
            QCOMPARE(gotSizes, sizes);
            QVERIFY(!loader->next()); // stays at the end
            const qint64 total = std::accumulate(sizes.begin(), sizes.end(), qint64(0));
            QCOMPARE(qint64(seen.size()), total);
            if (!dropLast) {
                QCOMPARE(qint64(seen.size()), qint64(n));
            }
            if (!shuffle) {
                QVERIFY(std::is_sorted(order.begin(), order.end()));
            }
        }
    }

    void loaderOrderDependsOnSeedAndEpochOnly() {
        auto ds = std::make_shared<IndexDataset>(200);
        LoaderOptions o;
        o.batchSize = 16;
        o.seed = 42;
        auto a = makeLoader(ds, o);
        auto b = makeLoader(ds, o);
        o.seed = 43;
        auto other = makeLoader(ds, o);
        const auto a0 = epochOrder(*a, 0), a1 = epochOrder(*a, 1);
        QCOMPARE(epochOrder(*b, 1), a1); // another loader, epochs in another order
        QCOMPARE(epochOrder(*b, 0), a0);
        QCOMPARE(epochOrder(*a, 0), a0); // the same loader again
        QVERIFY(a0 != a1);
        QVERIFY(epochOrder(*other, 0) != a0);
        std::vector<std::int64_t> identity(200);
        std::iota(identity.begin(), identity.end(), 0);
        QVERIFY(a0 != identity);
        // The order is the documented permutation.
        QCOMPARE(a1, shuffledIndices(
                         200, nw::CounterRng(42, nw::streamId("shuffle")), 1));
    }

    void shuffleIsUniform() {
        // Where element 0 lands over many epochs: each of 4 positions about 1/4 of the time.
        nw::CounterRng rng(9, 1);
        std::vector<int> counts(4, 0);
        for (std::uint64_t e = 0; e < 4000; ++e) {
            auto p = shuffledIndices(4, rng, e);
            ++counts[std::size_t(std::find(p.begin(), p.end(), 0) - p.begin())];
        }
        for (int c : counts) {
            QVERIFY2(c > 850 && c < 1150, qPrintable(QString::number(c)));
        }
    }

    void loaderNormalises_data() {
        QTest::addColumn<QVector<double>>("mean");
        QTest::addColumn<QVector<double>>("stddev");
        QTest::newRow("broadcast") << QVector<double>{0.5} << QVector<double>{0.25};
        QTest::newRow("per channel") << QVector<double>{0.1, 0.7} << QVector<double>{2.0, 0.5};
        QTest::newRow("mixed") << QVector<double>{0.3} << QVector<double>{0.2, 4.0};
    }
    void loaderNormalises() {
        QFETCH(QVector<double>, mean);
        QFETCH(QVector<double>, stddev);
        auto ds = std::make_shared<IndexDataset>(5);
        LoaderOptions o;
        o.batchSize = 5;
        o.shuffle = false;
        o.mean.assign(mean.begin(), mean.end());
        o.std.assign(stddev.begin(), stddev.end());
        auto loader = makeLoader(ds, o);
        QVERIFY(loader);
        loader->startEpoch(0);
        auto batch = loader->next();
        QVERIFY(batch);
        std::vector<float> raw(12);
        for (std::int64_t i = 0; i < 5; ++i) {
            ds->readSample(i, raw);
            for (std::size_t k = 0; k < 12; ++k) {
                const std::size_t c = k / 6; // [2, 2, 3]: 6 values per channel
                const double m = mean.size() == 1 ? mean[0] : mean[qsizetype(c)];
                const double s = stddev.size() == 1 ? stddev[0] : stddev[qsizetype(c)];
                QCOMPARE(batch->inputs[std::size_t(i) * 12 + k], float((raw[k] - m) / s));
            }
        }
    }

    void loaderRejectsBadOptions_data() {
        QTest::addColumn<int>("batchSize");
        QTest::addColumn<QVector<double>>("mean");
        QTest::addColumn<QVector<double>>("stddev");
        QTest::addColumn<QString>("message");
        QTest::newRow("batch 0") << 0 << QVector<double>{} << QVector<double>{}
                                 << "training.batch_size: 0 must be at least 1";
        QTest::newRow("3 means, 2 channels") << 8 << QVector<double>{0, 0, 0} << QVector<double>{1}
                                             << "mean: 3 values for the 2 channels of index";
        QTest::newRow("std 0") << 8 << QVector<double>{0} << QVector<double>{0}
                               << "std: 0.000000 must be positive";
        QTest::newRow("mean only")
            << 8 << QVector<double>{0} << QVector<double>{} << "give both mean and std";
    }
    void loaderRejectsBadOptions() {
        QFETCH(int, batchSize);
        QFETCH(QVector<double>, mean);
        QFETCH(QVector<double>, stddev);
        QFETCH(QString, message);
        LoaderOptions o;
        o.batchSize = batchSize;
        o.mean.assign(mean.begin(), mean.end());
        o.std.assign(stddev.begin(), stddev.end());
        auto loader = DataLoader::create(std::make_shared<IndexDataset>(4), o);
        QVERIFY(!loader.ok());
        const QString got = QString::fromStdString(loader.error().message);
        QVERIFY2(got.contains(message), qPrintable(got));
    }

    void loaderResumesMidEpoch() {
        auto ds = std::make_shared<IndexDataset>(50);
        LoaderOptions o;
        o.batchSize = 8;
        o.seed = 3;
        auto loader = makeLoader(ds, o);
        const auto full = epochOrder(*loader, 4);
        QCOMPARE(loader->batchesPerEpoch(), std::int64_t(7));
        for (std::int64_t first = 0; first <= loader->batchesPerEpoch(); ++first) {
            const auto tail = epochOrder(*loader, 4, first);
            const auto skip = std::min<std::size_t>(std::size_t(first * 8), full.size());
            QCOMPARE(tail, std::vector<std::int64_t>(full.begin() + qsizetype(skip), full.end()));
        }
    }

    // startEpoch() while batches are queued or being made drops them: the new epoch is whole.
    void loaderRestartCancelsTheEpochInFlight() {
        auto ds = std::make_shared<IndexDataset>(64, std::chrono::microseconds(200));
        LoaderOptions o;
        o.batchSize = 4;
        o.seed = 11;
        o.prefetch = 3;
        auto reference = makeLoader(ds, o);
        const auto epoch1 = epochOrder(*reference, 1);
        auto loader = makeLoader(ds, o);
        for (int round = 0; round < 5; ++round) {
            loader->startEpoch(0);
            for (int k = 0; k < round; ++k) {
                QVERIFY(loader->next());
            }
            QCOMPARE(epochOrder(*loader, 1), epoch1);
        }
    }

    void loaderBeforeStartAndDestroyedMidEpoch() {
        auto ds = std::make_shared<IndexDataset>(400, std::chrono::microseconds(100));
        LoaderOptions o;
        o.batchSize = 10;
        o.prefetch = 4;
        {
            auto idle = makeLoader(ds, o);
            QVERIFY(!idle->next()); // no epoch started
        }
        for (int taken : {0, 1, 3}) {
            auto loader = makeLoader(ds, o);
            loader->startEpoch(2);
            for (int k = 0; k < taken; ++k) {
                QVERIFY(loader->next());
            }
            // Leaving the scope stops the worker while it is making or queueing batches.
        }
        QCOMPARE(ds.use_count(), 1L); // the loaders let go of the dataset
    }
};

QTEST_GUILESS_MAIN(TestDatasets)
#include "test_datasets.moc"
