// Text corpora for language models: the UTF-8 decoding, the character vocabulary, the
// windows and their next-character targets, folders of files, bad corpora, and the
// DataLoader's per-step labels; on small files written here.
#include "datasets/catalog.h"
#include "datasets/data_loader.h"
#include "datasets/readers.h"
#include "datasets/vocabulary.h"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>

using namespace nw::datasets;
namespace fs = std::filesystem;

namespace {

void writeFile(const fs::path& p, const std::string& bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
}

std::vector<float> sampleOf(const Dataset& ds, std::int64_t i) {
    std::vector<float> s(std::size_t(ds.sampleNumel()));
    ds.readSample(i, s);
    return s;
}

std::vector<std::int32_t> targetsOf(const Dataset& ds, std::int64_t i) {
    std::vector<std::int32_t> t(std::size_t(ds.targetNumel()));
    ds.readTargets(i, t);
    return t;
}

// The ids of `text` in `ds`'s vocabulary, as the sample floats.
std::vector<float> idsOf(const CharVocabulary& v, const std::string& text) {
    auto ids = v.encode(text);
    return ids ? std::vector<float>(ids->begin(), ids->end()) : std::vector<float>{};
}

} // namespace

class TestTextDatasets : public QObject {
    Q_OBJECT
private slots:
    void decodesUtf8KeepingInvalidBytesAsLatin1() {
        QCOMPARE(decodeUtf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
                 (std::u32string{U'a', U'é', U'€', U'\U0001F600'}));
        // A lone continuation byte, a truncated sequence and an overlong form.
        QCOMPARE(decodeUtf8("\x80x\xE2\x82"), (std::u32string{0x80, U'x', 0xE2, 0x82}));
        QCOMPARE(decodeUtf8("\xC0\xAF"), (std::u32string{0xC0, 0xAF}));
        for (char32_t c : {U'a', U'é', U'€', U'\U0001F600'}) {
            QCOMPARE(decodeUtf8(encodeUtf8(c)), std::u32string(1, c));
        }
    }

    void vocabularyIsSortedDistinctCharacters() {
        auto v = CharVocabulary::fromText(U"banana\n");
        QCOMPARE(v.size(), 4);
        QCOMPARE(v.characters(), (std::vector<char32_t>{U'\n', U'a', U'b', U'n'}));
        QCOMPARE(v.id(U'b'), 2);
        QCOMPARE(v.id(U'z'), -1);
        auto ids = v.encode("nab");
        QVERIFY(ids);
        QCOMPARE(*ids, (std::vector<std::int32_t>{3, 1, 2}));
        QCOMPARE(v.decode(3), std::string("n"));
        QCOMPARE(v.displayName(0), std::string("\\n"));
        auto bad = v.encode("bz");
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.find("'z'") != std::string::npos, bad.error().message.c_str());
    }

    void windowsTargetTheNextCharacter() {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "corpus.txt";
        writeFile(file, "abcdefghij"); // 10 characters: (10 - 1) / 4 = 2 windows of 4
        auto r = openTextCorpus(file, 4);
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        QCOMPARE(r->format, std::string("text"));
        QVERIFY(!r->test);
        QVERIFY(r->vocabulary);
        const Dataset& ds = *r->train;
        QCOMPARE(ds.size(), 2);
        QCOMPARE(ds.numClasses(), 10);
        QCOMPARE(ds.sampleShape(), (Dims{4}));
        QCOMPARE(ds.targetShape(), (Dims{4}));
        const auto& v = *r->vocabulary;
        QCOMPARE(sampleOf(ds, 1), idsOf(v, "efgh"));
        const auto t = targetsOf(ds, 1);
        QCOMPARE(std::vector<float>(t.begin(), t.end()), idsOf(v, "fghi"));
        QCOMPARE(ds.label(0), v.id(U'b'));
    }

    void folderJoinsTextFilesOnceAndSkipsBinaries() {
        QTemporaryDir dir;
        const fs::path root(dir.path().toStdString());
        writeFile(root / "b.txt", "world");
        writeFile(root / "a" / "first", "hello ");
        writeFile(root / "index.dat", std::string("\x01\x00\x02", 3));
        fs::create_symlink(root / "b.txt", root / "c-link");
        auto r = openTextCorpus(root, 10);
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        // "hello world": 11 characters, one window of 10; the link adds nothing.
        QCOMPARE(r->train->size(), 1);
        QCOMPARE(sampleOf(*r->train, 0), idsOf(*r->vocabulary, "hello worl"));
        QCOMPARE(r->warnings.size(), std::size_t(1));
        QVERIFY2(r->warnings[0].find("index.dat") != std::string::npos, r->warnings[0].c_str());
    }

    void refusesCorporaThatCannotTrain_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("length");
        QTest::addColumn<QString>("expected");
        QTest::newRow("shorter than a window") << "abc" << 3 << "needs at least 4";
        QTest::newRow("one character") << "aaaaaaaa" << 3 << "single distinct character";
        QTest::newRow("length 0") << "abcdef" << 0 << "sequence_length";
    }
    void refusesCorporaThatCannotTrain() {
        QFETCH(QString, text);
        QFETCH(int, length);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "small.txt";
        writeFile(file, text.toStdString());
        auto r = openTextCorpus(file, length);
        QVERIFY(!r);
        QVERIFY2(QString::fromStdString(r.error().message).contains(expected),
                 r.error().message.c_str());
        if (length > 0) {
            QVERIFY2(r.error().message.find("small.txt") != std::string::npos,
                     r.error().message.c_str());
        }
    }

    void catalogOpensTextWithSplitAndSpec() {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "corpus.txt";
        std::string text;
        for (int i = 0; i < 50; ++i) {
            text += "the quick brown fox. ";
        }
        writeFile(file, text);
        auto ref = datasetRefForSpec(file.string());
        QVERIFY(ref);
        QCOMPARE(ref->kind, std::string("text"));
        ref->sequenceLength = 16;
        ref->validationSplit = 0.25;
        auto s = openDataset(*ref, dir.path().toStdString());
        QVERIFY2(s, s ? "" : s.error().message.c_str());
        const std::int64_t windows = (std::int64_t(text.size()) - 1) / 16;
        QCOMPARE(s->train->size() + s->validation->size(), windows);
        QVERIFY(s->vocabulary);
        // The split's views keep the per-step targets.
        QCOMPARE(s->validation->targetShape(), (Dims{16}));
        QCOMPARE(s->validation->targetNumel(), 16);
    }

    void loaderBatchesEveryStepsLabels() {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "corpus.txt";
        writeFile(file, "0123456789abcdefghijklmnopqrstuvwxyz");
        auto r = openTextCorpus(file, 5); // 35 / 5 = 7 windows
        QVERIFY(r);
        LoaderOptions o;
        o.batchSize = 3;
        o.shuffle = false;
        auto loader = DataLoader::create(r->train, o);
        QVERIFY(loader);
        (*loader)->startEpoch(0);
        (*loader)->next();
        auto batch = (*loader)->next(); // windows 3, 4, 5
        QVERIFY(batch);
        QCOMPARE(batch->labels.size(), std::size_t(15));
        QCOMPARE(batch->inputs.size(), std::size_t(15));
        const auto& v = *r->vocabulary;
        // Window 4 is "kl...": its inputs start at character 20, its targets at 21.
        QCOMPARE(batch->inputs[5], float(v.id(U'k')));
        QCOMPARE(batch->labels[5], v.id(U'l'));
        QCOMPARE(batch->labels[14], v.id(U'u'));
    }
};

QTEST_GUILESS_MAIN(TestTextDatasets)
#include "test_text_datasets.moc"
