// The Trainer end to end: it learns two spirals to near-zero loss, repeats itself exactly
// under one seed, trains the sample project, stops on NaN, honours stop and pause requests,
// and saves and loads weights.
#include "datasets/catalog.h"
#include "engine/cpu/cpu_backend.h"
#include "engine/train/trainer.h"
#include "graph/project_file.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/backends.h"
#include "tests/support/capturing_backend.h"
#include "tests/support/create_trainer.h"
#include "tests/support/restricted_backend.h"

#include <QtTest>
#include <cmath>
#include <fstream>
#include <thread>

using namespace nw;
using namespace nw::engine;
using namespace nw::datasets::testing;

namespace {

using nw::testing::createTrainer;

// 2 x 200 points on two interleaved spirals, as 1 x 2 "images" (x, y) in [0, 255].
bool writeSpirals(const QString& dir) {
    const std::uint32_t perClass = 200, n = 2 * perClass;
    std::vector<std::uint8_t> points, labels;
    for (std::uint32_t c = 0; c < 2; ++c) {
        for (std::uint32_t i = 0; i < perClass; ++i) {
            double r = 0.1 + 0.9 * double(i) / perClass;
            double t = 3.0 * M_PI * double(i) / perClass + M_PI * c;
            points.push_back(std::uint8_t(std::lround((r * std::cos(t) + 1) / 2 * 255)));
            points.push_back(std::uint8_t(std::lround((r * std::sin(t) + 1) / 2 * 255)));
            labels.push_back(std::uint8_t(c));
        }
    }
    QDir().mkpath(dir);
    for (const char* split : {"train", "t10k"}) {
        if (!writeFile(dir + "/" + split + "-images-idx3-ubyte", idxBytes({n, 1, 2}, points),
                       false) ||
            !writeFile(dir + "/" + split + "-labels-idx1-ubyte", idxBytes({n}, labels), false)) {
            return false;
        }
    }
    return true;
}

graph::Project spiralProject(const QString& dataDir) {
    graph::Project p;
    p.name = "spirals";
    auto& g = p.graph;
    auto add = [&g](std::string id, std::string op, graph::AttrMap attrs, const char* from) {
        g.addNode({id, op, std::move(attrs), {}});
        if (from) {
            g.addEdge({{from, 0}, {id, 0}});
        }
    };
    add("input", "Input", {{"shape", graph::IntList{1, 1, 2}}}, nullptr);
    add("flatten", "Flatten", {}, "input");
    add("fc1", "Dense", {{"units", 64}}, "flatten");
    add("act1", "Tanh", {}, "fc1");
    add("fc2", "Dense", {{"units", 64}}, "act1");
    add("act2", "Tanh", {}, "fc2");
    add("fc3", "Dense", {{"units", 10}}, "act2"); // IDX datasets have 10 classes
    add("loss", "Loss", {}, "fc3");
    p.dataset.kind = "idx";
    p.dataset.path = dataDir.toStdString();
    p.dataset.mean = {0.5};
    p.dataset.std = {0.3};
    p.training.optimizer.learningRate = 0.01;
    p.training.batchSize = 40;
    p.training.epochs = 150;
    p.training.seed = 1;
    return p;
}

// A Dropout between the spiral network's last two layers, so runs draw masks.
void addDropout(graph::Project& p) {
    p.graph.addNode({"drop", "Dropout", {{"rate", 0.2}}, {}});
    p.graph.removeEdge({{"act2", 0}, {"fc3", 0}});
    p.graph.addEdge({{"act2", 0}, {"drop", 0}});
    p.graph.addEdge({{"drop", 0}, {"fc3", 0}});
}

struct Recorder final : TrainerCallbacks {
    std::vector<double> losses;
    std::function<void(const StepEvent&)> hook;
    void onStep(const StepEvent& e) override {
        losses.push_back(e.loss);
        if (hook) {
            hook(e);
        }
    }
};

// The losses of `steps` training steps of `project` on `backend` (no evaluation); a failure
// ends the test program.
std::vector<double> lossCurve(const graph::Project& project, Backend& backend, std::int64_t steps) {
    auto registry = graph::makeCoreRegistry();
    TrainOptions options;
    options.config = project.training;
    options.maxSteps = steps;
    options.evaluateEachEpoch = false;
    auto trainer = createTrainer(project, registry, backend, options);
    Recorder rec;
    if (!trainer.ok() || !(*trainer)->run(&rec).ok()) {
        qFatal("training failed");
    }
    return rec.losses;
}

} // namespace

class TestTrainer : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(writeSpirals(m_dir.filePath("spirals"))); }

    // Mixed placement in a whole run: on a device lacking Dense and the Loss, those nodes run
    // on the CPU fallback, and the run takes exactly the CPU's steps.
    void trainsWithNodesOnTheFallback() {
        auto registry = graph::makeCoreRegistry();
        auto project = spiralProject(m_dir.filePath("spirals"));
        project.training.epochs = 2;
        auto lossesOn = [&](Backend& backend, Backend* fallback) {
            TrainOptions options;
            options.config = project.training;
            options.fallback = fallback;
            Recorder recorder;
            auto trainer = createTrainer(project, registry, backend, options);
            if (!trainer) {
                qFatal("%s", trainer.error().message.c_str());
            }
            auto result = (*trainer)->run(&recorder);
            if (!result) {
                qFatal("%s", result.error().message.c_str());
            }
            auto test = (*trainer)->evaluate();
            recorder.losses.push_back(test ? test->loss : -1.0);
            return recorder.losses;
        };
        auto cpu = nw::testing::openCpu();
        const auto want = lossesOn(*cpu, nullptr);
        nw::testing::RestrictedBackend device(nw::testing::openCpu(), {"Dense", "Loss"});
        TrainOptions refused;
        refused.config = project.training;
        auto noFallback = createTrainer(project, registry, device, refused);
        QVERIFY(!noFallback.ok());
        QVERIFY(noFallback.error().message.find("node 'fc1'") != std::string::npos);
        auto fallback = nw::testing::openCpu();
        const auto got = lossesOn(device, fallback.get());
        QCOMPARE(got.size(), want.size());
        QCOMPARE(got.size(), std::size_t(2 * 10 + 1));
        for (std::size_t i = 0; i < got.size(); ++i) {
            QVERIFY2(
                std::abs(got[i] - want[i]) <= 1e-6 * std::max(1.0, std::abs(want[i])),
                qPrintable(QStringLiteral("step %1: %2 vs %3").arg(i).arg(got[i]).arg(want[i])));
        }
    }

    void learnsTwoSpirals() {
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        TrainOptions options;
        auto project = spiralProject(m_dir.filePath("spirals"));
        options.config = project.training;
        options.evaluateEachEpoch = false;
        auto trainer = createTrainer(project, registry, backend, options);
        QVERIFY2(trainer.ok(), trainer.ok() ? "" : trainer.error().message.c_str());
        auto result = (*trainer)->run();
        QVERIFY(result.ok());
        QCOMPARE(result->outcome, TrainResult::Outcome::Completed);
        QCOMPARE(result->steps, 150 * 10);
        auto test = (*trainer)->evaluate();
        QVERIFY(test.ok());
        QVERIFY2(test->loss < 0.05, qPrintable(QString::number(test->loss)));
        QVERIFY2(test->accuracy >= 0.99, qPrintable(QString::number(test->accuracy)));
    }

    // predict() is evaluate()'s pass with each sample's label, class and confidence.
    void predictMatchesEvaluate() {
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        TrainOptions options;
        auto project = spiralProject(m_dir.filePath("spirals"));
        options.config = project.training;
        options.evaluateEachEpoch = false;
        options.maxSteps = 30;
        auto trainer = createTrainer(project, registry, backend, options);
        QVERIFY(trainer.ok());
        QVERIFY((*trainer)->run().ok());
        auto eval = (*trainer)->evaluate();
        auto pred = (*trainer)->predict();
        QVERIFY2(pred.ok(), pred.ok() ? "" : pred.error().message.c_str());
        QVERIFY(pred->classes >= 2); // the Dense layer's width
        QCOMPARE(std::int64_t(pred->labels.size()), eval->samples);
        QCOMPARE(pred->predicted.size(), pred->labels.size());
        QCOMPARE(pred->confidence.size(), pred->labels.size());
        QCOMPARE(pred->summary.samples, eval->samples);
        QCOMPARE(pred->summary.loss, eval->loss);
        std::int64_t correct = 0;
        for (std::size_t i = 0; i < pred->labels.size(); ++i) {
            correct += pred->labels[i] == pred->predicted[i] ? 1 : 0;
            // The top of `classes` softmax probabilities.
            QVERIFY(pred->confidence[i] >= 1.0f / float(pred->classes) - 1e-6f);
            QVERIFY(pred->confidence[i] <= 1.0f);
        }
        QCOMPARE(double(correct) / double(eval->samples), eval->accuracy);
    }

    void sameSeedSameCurve() {
        auto curve = [this](std::uint64_t seed) {
            auto backend = nw::testing::openCpu();
            auto project = spiralProject(m_dir.filePath("spirals"));
            addDropout(project); // masks too
            project.training.seed = seed;
            return lossCurve(project, *backend, 30);
        };
        auto a = curve(5), b = curve(5), c = curve(6);
        QCOMPARE(a.size(), std::size_t(30));
        QCOMPARE(a, b);
        QVERIFY(a != c);
    }

    // On a backend that captures steps (CUDA Graphs), the Trainer records the first step once
    // and replays it every step: the curve is exactly the eager one, with dropout masks that
    // follow the step, a warm-up schedule's changing learning rate and Adam's update count.
    // With gradient clipping (a readback mid-step) it stays eager.
    void capturedStepsRepeatTheEagerRun() {
        auto project = spiralProject(m_dir.filePath("spirals"));
        addDropout(project);
        project.training.schedule.warmupSteps = 10;
        auto curve = [&](Backend& backend, double clip) {
            project.training.gradClipNorm = clip;
            return lossCurve(project, backend, 25);
        };
        auto eager = nw::testing::openCpu();
        nw::testing::CapturingBackend capturing(nw::testing::openCpu());
        auto a = curve(*eager, 0), b = curve(capturing, 0);
        QCOMPARE(a.size(), std::size_t(25));
        QCOMPARE(b, a);
        QCOMPARE(capturing.captures, 1);
        QCOMPARE(capturing.replays, 25);
        auto clipped = curve(capturing, 1.0);
        QCOMPARE(clipped.size(), std::size_t(25));
        QCOMPARE(capturing.captures, 1); // unchanged: clipping keeps the steps eager
        QCOMPARE(capturing.replays, 25);
    }

    // A captured step whose loss is not finite leaves the parameters as they were (the
    // capture's guard), and the run stops with the same error as an eager one.
    void capturedNaNKeepsTheParameters() {
        auto registry = graph::makeCoreRegistry();
        auto project = spiralProject(m_dir.filePath("spirals"));
        project.training.optimizer.type = "sgd";
        project.training.optimizer.learningRate = 10.0;
        project.training.optimizer.momentum = 0.99;
        project.graph.findNode("act1")->op = "ReLU";
        project.graph.findNode("act2")->op = "ReLU";
        nw::testing::CapturingBackend capturing(nw::testing::openCpu());
        TrainOptions options;
        options.config = project.training;
        options.evaluateEachEpoch = false;
        auto trainer = createTrainer(project, registry, capturing, options);
        QVERIFY(trainer.ok());
        // The weights after each finite step; the run must stop with the last of them.
        const std::string last = m_dir.filePath("last.nwweights").toStdString();
        Recorder rec;
        rec.hook = [&](const StepEvent&) { QVERIFY((*trainer)->saveWeights(last).ok()); };
        auto result = (*trainer)->run(&rec);
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message.find(" at step ") != std::string::npos,
                 result.error().message.c_str());
        QCOMPARE(capturing.captures, 1);
        QVERIFY(!rec.losses.empty());
        const std::string stopped = m_dir.filePath("stopped.nwweights").toStdString();
        QVERIFY((*trainer)->saveWeights(stopped).ok());
        auto bytes = [](const std::string& path) {
            std::ifstream f(path, std::ios::binary);
            return std::string(std::istreambuf_iterator<char>(f), {});
        };
        QVERIFY(!bytes(last).empty());
        QVERIFY(bytes(stopped) == bytes(last));
    }

    void trainsTheSampleProject() {
        if (!QFile::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
            QSKIP("Debian's dataset-fashion-mnist is not installed");
        }
        auto registry = graph::makeCoreRegistry();
        auto project = graph::readProject(
            NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj", registry);
        QVERIFY(project.ok());
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        TrainOptions options;
        options.config = project->training;
        options.maxSteps = 40;
        options.evaluateEachEpoch = false;
        auto trainer = createTrainer(*project, registry, backend, options);
        QVERIFY2(trainer.ok(), trainer.ok() ? "" : trainer.error().message.c_str());
        QCOMPARE((*trainer)->trainableParameters(), std::int64_t(421834));
        QVERIFY((*trainer)->arenaBytes() < (*trainer)->naiveArenaBytes());
        Recorder rec;
        auto result = (*trainer)->run(&rec);
        QVERIFY(result.ok());
        QCOMPARE(result->outcome, TrainResult::Outcome::StepLimit);
        QCOMPARE(rec.losses.size(), std::size_t(40));
        double first = 0, last = 0;
        for (int i = 0; i < 5; ++i) {
            first += rec.losses[std::size_t(i)] / 5;
            last += rec.losses[rec.losses.size() - 1 - std::size_t(i)] / 5;
        }
        QVERIFY2(first > 1.5 && last < 0.6 * first,
                 qPrintable(QString("first %1, last %2").arg(first).arg(last)));
    }

    void stopsOnNaN() {
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto project = spiralProject(m_dir.filePath("spirals"));
        project.training.optimizer.type = "sgd";
        project.training.optimizer.learningRate = 10.0;
        project.training.optimizer.momentum = 0.99;
        graph::Node* act = project.graph.findNode("act1");
        act->op = "ReLU"; // unbounded, so the blow-up reaches the loss
        project.graph.findNode("act2")->op = "ReLU";
        TrainOptions options;
        options.config = project.training;
        auto trainer = createTrainer(project, registry, backend, options);
        QVERIFY(trainer.ok());
        auto result = (*trainer)->run();
        QVERIFY(!result.ok());
        QVERIFY2(result.error().message.find(" at step ") != std::string::npos,
                 result.error().message.c_str());
    }

    void stopAndPause() {
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto project = spiralProject(m_dir.filePath("spirals"));
        TrainOptions options;
        options.config = project.training;
        options.evaluateEachEpoch = false;
        auto trainer = createTrainer(project, registry, backend, options);
        QVERIFY(trainer.ok());
        Trainer& t = **trainer;
        std::atomic<std::int64_t> seen{0};
        Recorder rec;
        rec.hook = [&](const StepEvent& e) {
            seen = e.step;
            if (e.step == 3) {
                t.setPaused(true);
            }
        };
        std::thread worker([&] {
            auto r = t.run(&rec);
            QVERIFY(r.ok());
            QCOMPARE(r->outcome, TrainResult::Outcome::Stopped);
            QCOMPARE(r->steps, std::int64_t(3));
        });
        QTRY_COMPARE(seen.load(), std::int64_t(3));
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        QCOMPARE(seen.load(), std::int64_t(3)); // paused: no step ran meanwhile
        t.requestStop();
        worker.join();
    }

    // With a frozen model (learning rate 0) the validation loss never improves, so a
    // patience of 2 stops the run after epoch 3.
    void earlyStoppingOnValidationLoss() {
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto project = spiralProject(m_dir.filePath("spirals"));
        project.dataset.validationSplit = 0.25;
        TrainOptions options;
        options.config = project.training;
        options.config.optimizer.type = "sgd";
        options.config.optimizer.learningRate = 0.0;
        options.config.earlyStoppingPatience = 2;
        options.config.epochs = 50;
        auto trainer = createTrainer(project, registry, backend, options);
        QVERIFY2(trainer.ok(), trainer.ok() ? "" : trainer.error().message.c_str());
        struct Epochs final : TrainerCallbacks {
            int seen = 0;
            bool validated = true;
            void onEpoch(const EpochEvent& e) override {
                ++seen;
                validated = validated && e.hasValidation && e.validation.samples == 100;
            }
        } epochs;
        auto result = (*trainer)->run(&epochs);
        QVERIFY(result.ok());
        QCOMPARE(result->outcome, TrainResult::Outcome::EarlyStopped);
        QCOMPARE(result->epochs, std::int64_t(3));
        QCOMPARE(epochs.seen, 3);
        QVERIFY(epochs.validated);
    }

    void weightsRoundTrip() {
        auto registry = graph::makeCoreRegistry();
        auto backendOwner = nw::testing::openCpu();
        auto& backend = *backendOwner;
        auto project = spiralProject(m_dir.filePath("spirals"));
        TrainOptions options;
        options.config = project.training;
        options.maxSteps = 50;
        options.evaluateEachEpoch = false;
        auto trained = createTrainer(project, registry, backend, options);
        QVERIFY(trained.ok() && (*trained)->run().ok());
        auto before = (*trained)->evaluate();
        QString file = m_dir.filePath("w.nwweights");
        QVERIFY((*trained)->saveWeights(file.toStdString()).ok());

        options.config.seed = 99; // other initial weights, then replaced by the file's
        auto fresh = createTrainer(project, registry, backend, options);
        QVERIFY(fresh.ok());
        QVERIFY((*fresh)->loadWeights(file.toStdString()).ok());
        auto after = (*fresh)->evaluate();
        QCOMPARE(after->loss, before->loss);
        QCOMPARE(after->accuracy, before->accuracy);

        // A damaged byte or a cut file is refused, naming the file.
        std::string bytes;
        {
            std::ifstream in(file.toStdString(), std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        for (int variant = 0; variant < 2; ++variant) {
            std::string damaged = bytes;
            if (variant == 0) {
                damaged[damaged.size() / 2] ^= 0x40;
            } else {
                damaged.resize(damaged.size() - 100);
            }
            QString bad = m_dir.filePath("bad.nwweights");
            std::ofstream(bad.toStdString(), std::ios::binary) << damaged;
            auto s = (*fresh)->loadWeights(bad.toStdString());
            QVERIFY(!s.ok());
            QVERIFY(s.error().message.find(bad.toStdString()) != std::string::npos);
        }
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "test_trainer.moc"
