// Checkpoints: a run stopped at step k and resumed from its checkpoint takes exactly the
// steps of an uninterrupted run (same losses, bit for bit: shuffles and dropout masks are
// counter-based), mid-epoch and at an epoch boundary, with every optimizer; and a damaged,
// truncated or foreign checkpoint is refused with an error naming the file. A checkpoint moves
// between differently configured backends (threads, alignment), and a 256-byte-aligned backend
// (a GPU's alignment, planned on the CPU) places every tensor at a multiple of 256.
#include "datasets/catalog.h"
#include "engine/cpu/cpu_backend.h"
#include "engine/plan/execution_plan.h"
#include "engine/train/trainer.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/backends.h"
#include "tests/support/create_trainer.h"

#include <QtTest>
#include <cstdint>
#include <fstream>

using namespace nw;
using namespace nw::engine;
using namespace nw::datasets::testing;

namespace {

using nw::testing::createTrainer;

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

std::string readBytes(const QString& path) {
    std::ifstream in(path.toStdString(), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Host address of a tensor's first element modulo `alignment`; 0 when aligned.
std::uintptr_t misalignment(const Tensor& t, std::size_t alignment) {
    return reinterpret_cast<std::uintptr_t>(cpu::CpuBackend::data(t)) % alignment;
}

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
        auto a = createTrainer(project, registry, backend, options);
        QVERIFY(a.ok() && (*a)->run(&whole).ok());
        QCOMPARE(whole.losses.size(), std::size_t(18));

        Losses first;
        auto b = createTrainer(project, registry, backend, options);
        QVERIFY(b.ok());
        first.trainer = b->get();
        first.stopAt = stopAt;
        auto stopped = (*b)->run(&first);
        QVERIFY(stopped.ok());
        QCOMPARE(stopped->outcome, TrainResult::Outcome::Stopped);
        const std::string ckpt = m_dir.filePath("resume.nwckpt").toStdString();
        QVERIFY((*b)->saveCheckpoint(ckpt).ok());

        Losses second;
        auto c = createTrainer(project, registry, backend, options);
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

    void resumeOnADifferentlyConfiguredBackend() {
        // Stopped on a 1-thread, 64-byte-aligned CPU backend; resumed on a 2-thread, 256-byte
        // one: the same steps as the uninterrupted run on the first, to the bit, and the same
        // final parameters. The first backend's runs come before the second is opened (the
        // OpenMP thread count is the process's).
        auto registry = graph::makeCoreRegistry();
        auto first = nw::testing::openCpu({.threads = 1, .alignment = 64});
        QCOMPARE(first->alignment(), std::size_t(64));
        QCOMPARE(first->threads(), 1);
        auto project = tinyProject(m_dir.filePath("data"), "adam");
        TrainOptions options;
        options.config = project.training;
        options.evaluateEachEpoch = false;
        constexpr std::int64_t kStopAt = 8; // the second epoch's third batch

        Losses whole;
        auto a = createTrainer(project, registry, *first, options);
        QVERIFY(a.ok() && (*a)->run(&whole).ok());
        QCOMPARE(whole.losses.size(), std::size_t(18));
        const QString wholeWeights = m_dir.filePath("whole.nwweights");
        QVERIFY((*a)->saveWeights(wholeWeights.toStdString()).ok());
        auto wholeTest = (*a)->evaluate();
        QVERIFY(wholeTest.ok());

        Losses stopped;
        auto b = createTrainer(project, registry, *first, options);
        QVERIFY(b.ok());
        stopped.trainer = b->get();
        stopped.stopAt = kStopAt;
        auto r = (*b)->run(&stopped);
        QVERIFY(r.ok());
        QCOMPARE(r->outcome, TrainResult::Outcome::Stopped);
        const std::string ckpt = m_dir.filePath("moved.nwckpt").toStdString();
        QVERIFY((*b)->saveCheckpoint(ckpt).ok());
        b->reset();
        a->reset();

        auto second = nw::testing::openCpu({.threads = 2, .alignment = 256});
        QCOMPARE(second->alignment(), std::size_t(256));
        QCOMPARE(second->threads(), 2);
        Losses resumed;
        auto c = createTrainer(project, registry, *second, options);
        QVERIFY(c.ok());
        auto loaded = (*c)->loadCheckpoint(ckpt);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
        QCOMPARE((*c)->step(), kStopAt);
        auto done = (*c)->run(&resumed);
        QVERIFY(done.ok());
        QCOMPARE(done->outcome, TrainResult::Outcome::Completed);
        QCOMPARE(done->steps, std::int64_t(18));

        std::vector<double> joined = stopped.losses;
        joined.insert(joined.end(), resumed.losses.begin(), resumed.losses.end());
        QCOMPARE(joined.size(), whole.losses.size());
        for (std::size_t i = 0; i < joined.size(); ++i) {
            QVERIFY2(joined[i] == whole.losses[i],
                     qPrintable(QString("step %1: %2 resumed, %3 uninterrupted")
                                    .arg(i + 1)
                                    .arg(joined[i], 0, 'g', 17)
                                    .arg(whole.losses[i], 0, 'g', 17)));
        }
        QCOMPARE(resumed.epochLosses.back(), whole.epochLosses.back());
        // The weights files hold every parameter and state tensor: equal bytes, equal model.
        const QString resumedWeights = m_dir.filePath("resumed.nwweights");
        QVERIFY((*c)->saveWeights(resumedWeights.toStdString()).ok());
        const std::string expected = readBytes(wholeWeights);
        QVERIFY(!expected.empty());
        QVERIFY2(readBytes(resumedWeights) == expected, "the resumed run's parameters differ");
        auto resumedTest = (*c)->evaluate();
        QVERIFY(resumedTest.ok());
        QCOMPARE(resumedTest->loss, wholeTest->loss);
        QCOMPARE(resumedTest->accuracy, wholeTest->accuracy);
    }

    void alignedBackendAlignsEveryTensor() {
        auto backend = nw::testing::openCpu({.threads = 1, .alignment = 256});
        QCOMPARE(backend->alignment(), std::size_t(256));
        // Sizes that are not multiples of 256 bytes, of every element type.
        const std::pair<Dims, DType> shapes[] = {
            {{1}, DType::F32}, {{3}, DType::U8},           {{7, 5}, DType::F32},
            {{0}, DType::F32}, {{13}, DType::I32},         {{3, 3}, DType::I64},
            {{65}, DType::U8}, {{2, 1, 4, 4}, DType::F32}, {{257}, DType::U8},
        };
        std::vector<Tensor> live; // all alive at once, so none reuses another's memory
        for (const auto& [shape, dtype] : shapes) {
            auto t = backend->allocate(shape, dtype);
            QVERIFY(t.ok());
            QVERIFY2(misalignment(*t, 256) == 0, t->toString().c_str());
            live.push_back(*t);
        }

        // A plan at batch 3: activations of 192, 384 and 120 bytes, so a 64-byte arena layout
        // would put the next view off a 256-byte boundary.
        auto registry = graph::makeCoreRegistry();
        auto project = tinyProject(m_dir.filePath("data"), "adam");
        for (bool training : {true, false}) {
            ModelParams params(*backend);
            auto plan =
                ExecutionPlan::compile(project.graph, registry, *backend, params, {3, training, 5});
            QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().message.c_str());
            const ExecutionPlan& p = **plan;
            for (const Tensor* t : {&p.input(), &p.prediction(), &p.loss(), &p.targets()}) {
                QVERIFY(t->defined());
                QVERIFY2(misalignment(*t, 256) == 0,
                         qPrintable(QString("%1 (training %2) is at %3 (mod 256)")
                                        .arg(QString::fromStdString(t->toString()))
                                        .arg(training)
                                        .arg(misalignment(*t, 256))));
            }
            for (const auto& e : params.entries()) {
                QVERIFY2(misalignment(e->value, 256) == 0, e->nodeId.c_str());
                QVERIFY2(!e->grad.defined() || misalignment(e->grad, 256) == 0, e->nodeId.c_str());
            }
        }
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
        auto t = createTrainer(project, registry, backend, options);
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
        auto fresh = createTrainer(project, registry, backend, options);
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
