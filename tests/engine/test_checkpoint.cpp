// Checkpoints: a run stopped at step k and resumed from its checkpoint takes exactly the
// steps of an uninterrupted run (same losses, bit for bit: shuffles and dropout masks are
// counter-based), mid-epoch and at an epoch boundary, with every optimizer; and a damaged,
// truncated or foreign checkpoint is refused with an error naming the file.
#include "engine/cpu/cpu_backend.h"
#include "engine/train/trainer.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/backends.h"

#include <QtTest>
#include <fstream>

using namespace nw;
using namespace nw::engine;
using namespace nw::datasets::testing;

namespace {

// A 16-pixel MLP with dropout over an MNIST-style folder of 96 samples: 6 batches an epoch.
graph::Project tinyProject(const QString& dataDir, const std::string& optimizer) {
    graph::Project p;
    p.name = "tiny";
    auto& g = p.graph;
    auto add = [&g](std::string id, std::string op, graph::AttrMap attrs, const char* from) {
        g.addNode({id, op, std::move(attrs), {}});
        if (from) {
            g.addEdge({{from, 0}, {id, 0}});
        }
    };
    add("input", "Input", {{"shape", graph::IntList{1, 4, 4}}}, nullptr);
    add("flatten", "Flatten", {}, "input");
    add("fc1", "Dense", {{"units", 32}}, "flatten");
    add("act", "ReLU", {}, "fc1");
    add("drop", "Dropout", {{"rate", 0.25}}, "act");
    add("fc2", "Dense", {{"units", 10}}, "drop");
    add("loss", "Loss", {}, "fc2");
    p.dataset.kind = "idx";
    p.dataset.path = dataDir.toStdString();
    p.training.optimizer.type = optimizer;
    p.training.optimizer.learningRate = 0.01;
    p.training.batchSize = 16;
    p.training.epochs = 3;
    p.training.seed = 11;
    return p;
}

struct Losses final : TrainerCallbacks {
    std::vector<double> losses;
    std::vector<double> epochLosses;
    Trainer* trainer = nullptr;
    std::int64_t stopAt = 0;
    void onStep(const StepEvent& e) override {
        losses.push_back(e.loss);
        if (e.step == stopAt) {
            trainer->requestStop();
        }
    }
    void onEpoch(const EpochEvent& e) override { epochLosses.push_back(e.trainLoss); }
};

} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(writeMnistFolder(m_dir.filePath("data"), 96, 32, false)); }

    void resumeGivesTheSameCurve_data() {
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<int>("stopAt");
        QTest::newRow("adam, mid-epoch") << "adam" << 4;
        QTest::newRow("adam, epoch boundary") << "adam" << 6;
        QTest::newRow("sgd momentum, second epoch") << "sgd" << 9;
        QTest::newRow("rmsprop, mid-epoch") << "rmsprop" << 13;
    }
    void resumeGivesTheSameCurve() {
        QFETCH(QString, optimizer);
        QFETCH(int, stopAt);
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto project = tinyProject(m_dir.filePath("data"), optimizer.toStdString());
        if (optimizer == "sgd") {
            project.training.optimizer.momentum = 0.9;
        }
        TrainOptions options;
        options.config = project.training;
        options.evaluateEachEpoch = false;

        Losses whole;
        auto a = Trainer::create(project, {}, registry, backend, options);
        QVERIFY(a.ok() && (*a)->run(&whole).ok());
        QCOMPARE(whole.losses.size(), std::size_t(18));

        Losses first;
        auto b = Trainer::create(project, {}, registry, backend, options);
        QVERIFY(b.ok());
        first.trainer = b->get();
        first.stopAt = stopAt;
        auto stopped = (*b)->run(&first);
        QVERIFY(stopped.ok());
        QCOMPARE(stopped->outcome, TrainResult::Outcome::Stopped);
        const std::string ckpt = m_dir.filePath("resume.nwckpt").toStdString();
        QVERIFY((*b)->saveCheckpoint(ckpt).ok());

        Losses second;
        auto c = Trainer::create(project, {}, registry, backend, options);
        QVERIFY(c.ok());
        auto loaded = (*c)->loadCheckpoint(ckpt);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
        QCOMPARE((*c)->step(), std::int64_t(stopAt));
        auto resumed = (*c)->run(&second);
        QVERIFY(resumed.ok());
        QCOMPARE(resumed->outcome, TrainResult::Outcome::Completed);
        QCOMPARE(resumed->steps, std::int64_t(18));

        std::vector<double> joined = first.losses;
        joined.insert(joined.end(), second.losses.begin(), second.losses.end());
        QCOMPARE(joined.size(), whole.losses.size());
        for (std::size_t i = 0; i < joined.size(); ++i) {
            QVERIFY2(joined[i] == whole.losses[i], qPrintable(QString("step %1").arg(i + 1)));
        }
        // The last epoch's mean includes the steps done before the stop.
        QCOMPARE(second.epochLosses.back(), whole.epochLosses.back());
    }

    void damagedCheckpointsAreRefused_data() {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("message");
        QTest::newRow("flipped byte") << "flip"
                                      << "checksum";
        QTest::newRow("truncated") << "truncate"
                                   << "checksum";
        QTest::newRow("empty") << "empty"
                               << "signature";
        QTest::newRow("weights file") << "weights"
                                      << "signature";
        QTest::newRow("missing") << "missing"
                                 << "cannot read";
        QTest::newRow("other seed") << "seed"
                                    << "seed";
    }
    void damagedCheckpointsAreRefused() {
        QFETCH(QString, damage);
        QFETCH(QString, message);
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto project = tinyProject(m_dir.filePath("data"), "adam");
        TrainOptions options;
        options.config = project.training;
        options.maxSteps = 3;
        options.evaluateEachEpoch = false;
        auto t = Trainer::create(project, {}, registry, backend, options);
        QVERIFY(t.ok() && (*t)->run().ok());
        const QString file = m_dir.filePath("damaged-" + damage + ".nwckpt");
        QVERIFY((*t)->saveCheckpoint(file.toStdString()).ok());
        std::string bytes;
        {
            std::ifstream in(file.toStdString(), std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        if (damage == "flip") {
            bytes[bytes.size() / 2] ^= 0x40;
        } else if (damage == "truncate") {
            bytes.resize(bytes.size() - 100);
        } else if (damage == "empty") {
            bytes.clear();
        } else if (damage == "weights") {
            QVERIFY((*t)->saveWeights(file.toStdString()).ok());
        } else if (damage == "missing") {
            QFile::remove(file);
        }
        if (damage != "weights" && damage != "missing" && damage != "seed") {
            std::ofstream(file.toStdString(), std::ios::binary | std::ios::trunc) << bytes;
        }
        if (damage == "seed") {
            options.config.seed = 12;
        }
        auto fresh = Trainer::create(project, {}, registry, backend, options);
        QVERIFY(fresh.ok());
        auto s = (*fresh)->loadCheckpoint(file.toStdString());
        QVERIFY(!s.ok());
        QCOMPARE(s.error().kind, Error::Kind::User);
        QVERIFY2(s.error().message.find(file.toStdString()) != std::string::npos,
                 s.error().message.c_str());
        QVERIFY2(s.error().message.find(message.toStdString()) != std::string::npos,
                 s.error().message.c_str());
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
