// Fine-tuning (graph::Node::trainable, training.initial_weights) on the tiny workspace's CNN:
// frozen nodes keep their parameters bit for bit on the CPU and on Vulkan while the others
// train, get no optimizer state, and backward stops at the first node that trains; a run
// starts from the tensors of a weights file that match (the others keep their initialiser,
// each named in a note), a missing or corrupt file is an error naming it before any step,
// the tracked run records the file and its SHA-256, and a resumed run uses its checkpoint.
#include "app/backends.h"
#include "app/training_run.h"
#include "datasets/catalog.h"
#include "engine/plan/execution_plan.h"
#include "engine/tracking/sha256.h"
#include "engine/tracking/store.h"
#include "engine/train/binary_io.h"
#include "engine/train/checkpoint_file.h"
#include "engine/train/trainer.h"
#include "graph/project_file.h"
#include "tests/support/tiny_project.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <map>

using namespace nw;
using app::TrainingRun;
using app::TrainingRunRequest;

namespace {

// The tiny workspace's 1 x 4 x 4 images through a conv block and a two-layer classifier.
QByteArray cnnProject() {
    return R"({
  "format_version": 1,
  "name": "tiny-cnn",
  "dataset": {"kind": "idx", "path": "data"},
  "training": {"batch_size": 16, "epochs": 1, "seed": 9, "grad_clip_norm": 0.5,
               "optimizer": {"type": "adamw", "learning_rate": 0.01, "weight_decay": 0.1}},
  "graph": {
    "nodes": [
      {"id": "input", "op": "Input", "attributes": {"shape": [1, 4, 4]}},
      {"id": "conv", "op": "Conv2D", "attributes": {"filters": 8, "kernel_size": [3, 3],
                                                     "padding": [1, 1]}},
      {"id": "bn", "op": "BatchNorm"},
      {"id": "relu", "op": "ReLU"},
      {"id": "pool", "op": "MaxPool2D", "attributes": {"kernel_size": [2, 2], "stride": [2, 2]}},
      {"id": "flatten", "op": "Flatten"},
      {"id": "fc1", "op": "Dense", "attributes": {"units": 16}},
      {"id": "act", "op": "ReLU"},
      {"id": "fc2", "op": "Dense", "attributes": {"units": 10}},
      {"id": "loss", "op": "Loss"}
    ],
    "edges": [
      {"from": "input", "to": "conv"}, {"from": "conv", "to": "bn"}, {"from": "bn", "to": "relu"},
      {"from": "relu", "to": "pool"}, {"from": "pool", "to": "flatten"},
      {"from": "flatten", "to": "fc1"}, {"from": "fc1", "to": "act"},
      {"from": "act", "to": "fc2"}, {"from": "fc2", "to": "loss"}
    ]
  }
})";
}

using Key = std::pair<std::string, std::string>; // node, tensor
using Weights = std::map<Key, std::vector<float>>;

// Reads `count` weight entries (engine/train/weights_file.h's layout) from `r`.
bool readEntries(engine::binio::Reader& r, Weights& out) {
    std::uint32_t count = 0;
    if (!r.readU32(count)) {
        return false;
    }
    for (std::uint32_t i = 0; i < count; ++i) {
        std::string node, name;
        std::uint32_t rank = 0;
        if (!r.readString(node, 4096) || !r.readString(name, 4096) || !r.readU32(rank)) {
            return false;
        }
        std::int64_t numel = 1;
        for (std::uint32_t d = 0; d < rank; ++d) {
            std::int64_t dim = 0;
            if (!r.readI64(dim)) {
                return false;
            }
            numel *= dim;
        }
        std::vector<float> v(static_cast<std::size_t>(numel));
        if (!r.read(v.data(), v.size() * sizeof(float))) {
            return false;
        }
        out[{node, name}] = std::move(v);
    }
    return true;
}

Weights readWeights(const std::filesystem::path& path) {
    const char magic[8] = {'N', 'W', 'W', 'E', 'I', 'G', 'H', 'T'};
    auto env = engine::binio::readEnvelope(path, magic, engine::kWeightsFormatVersion, "weights");
    Weights out;
    if (!env) {
        qFatal("%s", env.error().message.c_str());
    }
    auto r = env->body();
    if (!readEntries(r, out)) {
        qFatal("%s: malformed", path.string().c_str());
    }
    return out;
}

// The optimizer's state tensor count in a checkpoint (engine/train/checkpoint_file.h).
std::uint32_t optimizerStateCount(const std::filesystem::path& path) {
    const char magic[8] = {'N', 'W', 'C', 'K', 'P', 'T', '\0', '\0'};
    auto env = engine::binio::readEnvelope(path, magic, engine::kCheckpointFormatVersion, "ckpt");
    if (!env) {
        qFatal("%s", env.error().message.c_str());
    }
    auto r = env->body();
    std::string uuid, hash;
    std::int64_t i64 = 0;
    double f64 = 0;
    Weights ignored;
    std::uint32_t kind = 0, count = 0;
    bool ok = r.readString(uuid, 256) && r.readI64(i64) && r.readString(hash, 256);
    for (int field = 0; field < 8 && ok; ++field) { // TrainerProgress: i64 and f64 fields
        ok = field == 2 || field == 6 ? r.readF64(f64) : r.readI64(i64);
    }
    ok = ok && readEntries(r, ignored) && r.readI64(i64) && r.readU32(kind) && r.readU32(count);
    if (!ok) {
        qFatal("%s: malformed checkpoint", path.string().c_str());
    }
    return count;
}

bool bitEqual(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool contains(const std::vector<std::string>& notes, const std::string& text) {
    return std::any_of(notes.begin(), notes.end(),
                       [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

QString joined(const std::vector<std::string>& notes) {
    QString out;
    for (const auto& n : notes) {
        out += QString::fromStdString(n) + "\n";
    }
    return out;
}

} // namespace

class TestFinetune : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(!nw::testing::writeTinyWorkspace(m_dir.path(), 1).isEmpty());
        m_projectPath = path("cnn.nwproj");
        QFile f(QString::fromStdString(m_projectPath.string()));
        QVERIFY(f.open(QIODevice::WriteOnly) && f.write(cnnProject()) > 0);
        f.close();
        auto p = graph::readProject(m_projectPath, m_registry);
        QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
        m_project = *p;
    }

    void frozenNodesKeepTheirParameters_data() {
        QTest::addColumn<QString>("device");
        QTest::newRow("cpu") << "cpu";
        QTest::newRow("vulkan:0") << "vulkan:0";
    }

    // conv, bn and fc1 frozen, AdamW with weight decay and gradient clipping: six steps leave
    // their parameters bit for bit as they were; bn's running statistics still move (training
    // mode, as PyTorch's frozen BatchNorm); fc2 trains; the optimizer holds state for fc2 only.
    void frozenNodesKeepTheirParameters() {
        QFETCH(QString, device);
        auto backend = m_backends.openBackend(device.toStdString());
        if (!backend) {
            QSKIP(qPrintable(QString::fromStdString(backend.error().message)));
        }
        std::unique_ptr<engine::Backend> cpu;
        engine::TrainOptions options;
        if ((*backend)->device() != engine::Device::cpu()) {
            auto fallback = m_backends.openBackend("cpu");
            QVERIFY(fallback.ok());
            cpu = std::move(*fallback);
            options.fallback = cpu.get();
        }
        graph::Project project = m_project;
        for (const char* id : {"conv", "bn", "fc1"}) {
            project.graph.findNode(id)->trainable = false;
        }
        options.config = project.training;
        options.maxSteps = 6;
        options.evaluateEachEpoch = false;
        auto trainer = createTrainer(project, **backend, options);
        QVERIFY2(trainer.ok(), trainer.ok() ? "" : trainer.error().message.c_str());
        QCOMPARE((*trainer)->trainableParameters(), std::int64_t(16 * 10 + 10));
        QCOMPARE((*trainer)->frozenParameters(),
                 std::int64_t(8 * 9 + 8) + std::int64_t(2 * 8) + std::int64_t(32 * 16 + 16));
        const auto before = path(device + "-before.nwweights"),
                   after = path(device + "-after.nwweights");
        QVERIFY((*trainer)->saveWeights(before).ok());
        auto result = (*trainer)->run();
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        QCOMPARE(result->steps, std::int64_t(6));
        QVERIFY((*trainer)->saveWeights(after).ok());
        const Weights w0 = readWeights(before), w1 = readWeights(after);
        for (const Key& k : std::vector<Key>{{"conv", "weight"},
                                             {"conv", "bias"},
                                             {"bn", "gamma"},
                                             {"bn", "beta"},
                                             {"fc1", "weight"},
                                             {"fc1", "bias"}}) {
            QVERIFY2(bitEqual(w0.at(k), w1.at(k)), (k.first + "." + k.second + " changed").c_str());
        }
        for (const Key& k : std::vector<Key>{{"bn", "running_mean"},
                                             {"bn", "running_var"},
                                             {"fc2", "weight"},
                                             {"fc2", "bias"}}) {
            QVERIFY2(!bitEqual(w0.at(k), w1.at(k)),
                     (k.first + "." + k.second + " did not change").c_str());
        }
        // AdamW keeps two state tensors per parameter that trains: fc2's weight and bias.
        const auto checkpoint = path(device + ".nwckpt");
        QVERIFY((*trainer)->saveCheckpoint(checkpoint).ok());
        QCOMPARE(optimizerStateCount(checkpoint), std::uint32_t(2 * 2));
    }

    // Backward runs from the loss back to the first node that trains and no further, and the
    // plan keeps no activation for the backward of the nodes before it.
    void backwardStopsAtTheFirstNodeThatTrains() {
        auto cpu = m_backends.openBackend("cpu");
        QVERIFY(cpu.ok());
        std::map<std::size_t, std::size_t> arena; // bytes, by the number of frozen nodes
        auto backwardOf = [&](const std::vector<std::string>& frozen) {
            graph::Graph g = m_project.graph;
            for (const auto& id : frozen) {
                g.findNode(id)->trainable = false;
            }
            engine::ModelParams params(**cpu);
            auto plan = engine::ExecutionPlan::compile(g, m_registry, **cpu, params, {4, true, 1});
            if (!plan) {
                qFatal("%s", plan.error().message.c_str());
            }
            for (const auto& e : params.entries()) {
                const bool trains = e->spec.trainable && g.findNode(e->nodeId)->trainable;
                if (e->grad.defined() != trains || e->trains() != trains) {
                    qFatal("%s.%s: a gradient iff it trains", e->nodeId.c_str(),
                           e->spec.name.c_str());
                }
            }
            arena[frozen.size()] = (*plan)->arenaBytes();
            return (*plan)->backwardNodes();
        };
        using Ids = std::vector<std::string>;
        QCOMPARE(backwardOf({}),
                 (Ids{"conv", "bn", "relu", "pool", "flatten", "fc1", "act", "fc2", "loss"}));
        QCOMPARE(backwardOf({"conv", "bn"}), (Ids{"fc1", "act", "fc2", "loss"}));
        QCOMPARE(backwardOf({"conv", "bn", "fc1"}), (Ids{"fc2", "loss"}));
        // What only backward would read is not kept for the frozen backbone.
        QVERIFY2(arena[3] <= arena[2] && arena[2] < arena[0],
                 qPrintable(
                     QStringLiteral("%1, %2, %3 bytes").arg(arena[0]).arg(arena[2]).arg(arena[3])));
        // A frozen node after one that trains still passes the gradient back.
        QCOMPARE(backwardOf({"fc1"}),
                 (Ids{"conv", "bn", "relu", "pool", "flatten", "fc1", "act", "fc2", "loss"}));
    }

    // A model with fc1 narrowed (16 -> 12 units) and fc2 replaced by "head" starts from a
    // weights file of the original: conv and bn load, fc1 (another shape) and head (absent)
    // keep exactly the initialiser a fresh run gives them, and the notes say so.
    void initialWeightsLoadWhatMatches() {
        const auto original = trainedWeights();
        graph::Project changed = m_project;
        changed.graph.findNode("fc1")->attrs["units"] = std::int64_t{12};
        changed.graph.removeNode("fc2");
        changed.graph.addNode({"head", "Dense", {{"units", std::int64_t{10}}}, {}});
        changed.graph.addEdge({{"act", 0}, {"head", 0}});
        changed.graph.addEdge({{"head", 0}, {"loss", 0}});
        auto cpu = m_backends.openBackend("cpu");
        QVERIFY(cpu.ok());
        engine::TrainOptions options;
        options.config = changed.training;
        auto fresh = createTrainer(changed, **cpu, options);
        auto tuned = createTrainer(changed, **cpu, options);
        QVERIFY(fresh.ok() && tuned.ok());
        auto loaded = (*tuned)->loadInitialWeights(original);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
        QCOMPARE(loaded->loaded, std::int64_t(2 + 4)); // conv's weight and bias, bn's four
        QCOMPARE(loaded->fresh, std::int64_t(4));
        const std::string file = original.string();
        const auto& notes = loaded->notes;
        QVERIFY2(contains(notes, "node 'fc1': weight is [16, 32] in " + file +
                                     ", [12, 32] here; bias is [16] in " + file +
                                     ", [12] here: initialised fresh"),
                 qPrintable(joined(notes)));
        QVERIFY2(contains(notes, "node 'head': weight is not in " + file + "; bias is not in " +
                                     file + ": initialised fresh"),
                 qPrintable(joined(notes)));
        QVERIFY2(contains(notes, file + ": node 'fc2' is not in the model: not used"),
                 qPrintable(joined(notes)));
        QCOMPARE(notes.size(), std::size_t(3));

        QVERIFY((*fresh)->saveWeights(path("fresh.nwweights")).ok());
        QVERIFY((*tuned)->saveWeights(path("tuned.nwweights")).ok());
        const Weights from = readWeights(original), init = readWeights(path("fresh.nwweights")),
                      got = readWeights(path("tuned.nwweights"));
        for (const auto& [key, values] : got) {
            const bool matched = key.first == "conv" || key.first == "bn";
            QVERIFY2(bitEqual(values, matched ? from.at(key) : init.at(key)),
                     (key.first + "." + key.second).c_str());
        }
        QVERIFY(!bitEqual(got.at({"conv", "weight"}), init.at({"conv", "weight"})));
        // It trains from there.
        auto result = (*tuned)->run();
        QVERIFY(result.ok());
    }

    // A missing or corrupt file is a user error naming it, and nothing is loaded.
    void badInitialWeightsAreErrors() {
        auto cpu = m_backends.openBackend("cpu");
        QVERIFY(cpu.ok());
        engine::TrainOptions options;
        options.config = m_project.training;
        auto trainer = createTrainer(m_project, **cpu, options);
        QVERIFY(trainer.ok());
        QVERIFY((*trainer)->saveWeights(path("untouched.nwweights")).ok());

        const auto missing = path("nowhere.nwweights");
        auto absent = (*trainer)->loadInitialWeights(missing);
        QVERIFY(!absent.ok());
        QCOMPARE(absent.error().kind, Error::Kind::User);
        QCOMPARE(absent.error().message, missing.string() + ": no such weights file");

        const auto corrupt = path("corrupt.nwweights");
        std::filesystem::copy_file(trainedWeights(), corrupt,
                                   std::filesystem::copy_options::overwrite_existing);
        QFile f(QString::fromStdString(corrupt.string()));
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.seek(f.size() - 40); // inside the last tensor's data
        f.write("garbage");
        f.close();
        auto damaged = (*trainer)->loadInitialWeights(corrupt);
        QVERIFY(!damaged.ok());
        QCOMPARE(damaged.error().kind, Error::Kind::User);
        QVERIFY2(damaged.error().message.find(corrupt.string() + ": not a valid weights file") !=
                     std::string::npos,
                 damaged.error().message.c_str());

        const auto project = path("cnn.nwproj"); // not a weights file at all
        auto foreign = (*trainer)->loadInitialWeights(project);
        QVERIFY(!foreign.ok());
        QVERIFY(foreign.error().message.find(project.string()) == 0);

        QVERIFY((*trainer)->saveWeights(path("after-errors.nwweights")).ok());
        QVERIFY(readWeights(path("untouched.nwweights")) ==
                readWeights(path("after-errors.nwweights")));
    }

    // training.initial_weights through a tracked run: the notes, the file and its SHA-256
    // among the run's parameters; a resumed run uses its checkpoint (the file may be gone);
    // --init-weights replaces the project's (recorded absolute) and a bad one names itself.
    void trackedRunRecordsItsInitialWeights() {
        const auto weights = path("start.nwweights");
        std::filesystem::copy_file(trainedWeights(), weights,
                                   std::filesystem::copy_options::overwrite_existing);
        graph::Project project = m_project;
        project.training.initialWeights = "start.nwweights"; // beside the project
        project.graph.findNode("conv")->trainable = false;
        const auto projectFile = path("tuned.nwproj");
        QVERIFY(graph::writeProject(project, projectFile).ok());

        TrainingRunRequest request = requestFor(projectFile);
        auto run = TrainingRun::open(request, m_registry, m_backends);
        QVERIFY2(run.ok(), run.ok() ? "" : run.error().message.c_str());
        QCOMPARE((*run)->initialWeights().string(), weights.string());
        QVERIFY2(contains((*run)->notes(),
                          "initial weights from " + weights.string() + ": 10 tensors loaded"),
                 qPrintable(joined((*run)->notes())));
        auto params = paramsOf((*run)->tracked().store(), (*run)->runId());
        QCOMPARE(params["training.initial_weights"], std::string("start.nwweights"));
        QCOMPARE(params["run.initial_weights"], weights.string());
        auto sha = tracking::sha256File(weights);
        QVERIFY(sha.ok());
        QCOMPARE(params["run.initial_weights_sha256"], *sha);
        app::TrainingRecording recording;
        recording.stopAfter = 3;
        QVERIFY((*run)->startRecording(recording).ok());
        auto result = (*run)->train();
        QVERIFY(result.ok());
        QCOMPARE(result->outcome, engine::TrainResult::Outcome::Stopped);
        QVERIFY((*run)->finish(result).ok());
        const std::int64_t runId = (*run)->runId();
        run = Error::user("closed");

        // Resumed from its checkpoint, with the initial weights gone.
        std::filesystem::rename(weights, path("moved.nwweights"));
        TrainingRunRequest resume = requestFor({});
        resume.resumeRunId = runId;
        auto resumed = TrainingRun::open(resume, m_registry, m_backends);
        QVERIFY2(resumed.ok(), resumed.ok() ? "" : resumed.error().message.c_str());
        QCOMPARE((*resumed)->trainer().step(), std::int64_t(3));
        QVERIFY((*resumed)->initialWeights().empty());
        QVERIFY(!contains((*resumed)->notes(), "initial weights"));
        (void)(*resumed)->finish(Error::user("not trained"));
        resumed = Error::user("closed");
        resume.initialWeights = path("moved.nwweights").string();
        auto refused = TrainingRun::open(resume, m_registry, m_backends);
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.find("--init-weights: run " + std::to_string(runId)) == 0,
                 refused.error().message.c_str());

        // Without the file a new run fails before it is recorded, naming the field and file.
        auto gone = TrainingRun::open(requestFor(projectFile), m_registry, m_backends);
        QVERIFY(!gone.ok());
        QCOMPARE(gone.error().message, projectFile.string() + ": training.initial_weights: " +
                                           weights.string() + ": no such weights file");
        // --init-weights replaces it; the run's project records the file absolute.
        TrainingRunRequest overridden = requestFor(projectFile);
        overridden.initialWeights = path("moved.nwweights").string();
        overridden.maxSteps = 1;
        auto other = TrainingRun::open(overridden, m_registry, m_backends);
        QVERIFY2(other.ok(), other.ok() ? "" : other.error().message.c_str());
        QCOMPARE((*other)->project().training.initialWeights, path("moved.nwweights").string());
        (void)(*other)->finish(Error::user("not trained"));
        overridden.initialWeights = path("missing.nwweights").string();
        auto missing = TrainingRun::open(overridden, m_registry, m_backends);
        QVERIFY(!missing.ok());
        QVERIFY2(missing.error().message.find("--init-weights: " +
                                              path("missing.nwweights").string()) == 0,
                 missing.error().message.c_str());
    }

private:
    std::filesystem::path path(const QString& name) const {
        return m_dir.filePath(name).toStdString();
    }
    std::filesystem::path path(const char* name) const { return path(QString(name)); }

    Expected<std::unique_ptr<engine::Trainer>> createTrainer(const graph::Project& project,
                                                             engine::Backend& backend,
                                                             const engine::TrainOptions& options) {
        auto splits = datasets::openDataset(project.dataset, m_dir.path().toStdString());
        if (!splits) {
            return splits.error();
        }
        return engine::Trainer::create(project, std::move(*splits), m_registry, backend, options);
    }

    // The CNN trained for a few steps, saved once.
    std::filesystem::path trainedWeights() {
        const auto file = path("trained.nwweights");
        if (std::filesystem::exists(file)) {
            return file;
        }
        auto cpu = m_backends.openBackend("cpu");
        engine::TrainOptions options;
        options.config = m_project.training;
        options.maxSteps = 5;
        options.evaluateEachEpoch = false;
        auto trainer = createTrainer(m_project, **cpu, options);
        if (!trainer || !(*trainer)->run().ok() || !(*trainer)->saveWeights(file).ok()) {
            qFatal("cannot train the CNN");
        }
        return file;
    }

    TrainingRunRequest requestFor(const std::filesystem::path& projectPath) const {
        TrainingRunRequest r;
        r.projectPath = projectPath.string();
        r.databasePath = m_dir.filePath("experiments.db").toStdString();
        r.source = "test";
        return r;
    }
    static std::map<std::string, std::string> paramsOf(tracking::ExperimentStore& store,
                                                       std::int64_t runId) {
        std::map<std::string, std::string> out;
        if (auto params = store.params(runId)) {
            out.insert(params->begin(), params->end());
        }
        return out;
    }

    QTemporaryDir m_dir;
    std::filesystem::path m_projectPath;
    graph::Project m_project;
    graph::OpRegistry m_registry = graph::makeCoreRegistry();
    engine::BackendRegistry m_backends = app::makeBackendRegistry();
};

QTEST_GUILESS_MAIN(TestFinetune)
#include "test_finetune.moc"
