// Data-parallel training, one rank of `mpirun -np 2` (tests/distributed/CMakeLists.txt): two
// ranks at a global batch of 128 end with the weights of one process at batch 128, step for
// step, with Dropout drawing the single process's masks; the ranks hold the same weights;
// the sharded evaluation is the single process's; with batch norm, synchronised statistics
// give the single process's weights and each rank's own do not; a stop asked on one rank
// stops both after the same step; a batch that does not split evenly is refused. Exits non-zero on
// a failure, naming the check and the rank.
#include "engine/cpu/cpu_backend.h"
#include "engine/distributed/communicator.h"
#include "engine/train/trainer.h"
#include "graph/op_registry.h"
#include "tests/support/create_trainer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <span>
#include <string>
#include <unistd.h>
#include <vector>

using namespace nw;
using namespace nw::engine;

namespace {

int g_rank = 0;
int g_failures = 0;

void check(bool ok, const std::string& what) {
    if (!ok) {
        std::fprintf(stderr, "rank %d: FAIL: %s\n", g_rank, what.c_str());
        ++g_failures;
    }
}

void put32(std::ofstream& f, std::uint32_t v) {
    const unsigned char b[4] = {static_cast<unsigned char>(v >> 24),
                                static_cast<unsigned char>(v >> 16),
                                static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
    f.write(reinterpret_cast<const char*>(b), 4);
}

// Two interleaved spirals, 2 x 300 points as 1 x 2 IDX "images", train and test alike.
void writeSpirals(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    const std::uint32_t perClass = 300, n = 2 * perClass;
    std::vector<unsigned char> points, labels;
    for (std::uint32_t c = 0; c < 2; ++c) {
        for (std::uint32_t i = 0; i < perClass; ++i) {
            const double r = 0.1 + 0.9 * double(i) / perClass;
            const double t = 3.0 * M_PI * double(i) / perClass + M_PI * c;
            points.push_back(
                static_cast<unsigned char>(std::lround((r * std::cos(t) + 1) / 2 * 255)));
            points.push_back(
                static_cast<unsigned char>(std::lround((r * std::sin(t) + 1) / 2 * 255)));
            labels.push_back(static_cast<unsigned char>(c));
        }
    }
    for (const char* split : {"train", "t10k"}) {
        std::ofstream images(dir / (std::string(split) + "-images-idx3-ubyte"), std::ios::binary);
        put32(images, 0x803);
        put32(images, n);
        put32(images, 1);
        put32(images, 2);
        images.write(reinterpret_cast<const char*>(points.data()), std::streamsize(points.size()));
        std::ofstream lab(dir / (std::string(split) + "-labels-idx1-ubyte"), std::ios::binary);
        put32(lab, 0x801);
        put32(lab, n);
        lab.write(reinterpret_cast<const char*>(labels.data()), std::streamsize(labels.size()));
    }
}

graph::Project spiralProject(const std::filesystem::path& dataDir, std::int64_t batch) {
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
    add("drop", "Dropout", {{"rate", 0.25}}, "act2");
    add("fc3", "Dense", {{"units", 10}}, "drop"); // IDX datasets have 10 classes
    add("loss", "Loss", {}, "fc3");
    p.dataset.kind = "idx";
    p.dataset.path = dataDir.string();
    p.dataset.mean = {0.5};
    p.dataset.std = {0.3};
    p.training.optimizer.learningRate = 0.01;
    p.training.batchSize = batch;
    p.training.epochs = 3;
    p.training.seed = 7;
    return p;
}

// Batch norm over the input ([N, 1, 1, 2]: two elements per sample and channel) and over the
// first layer's activations ([N, 64]).
graph::Project batchNormProject(const std::filesystem::path& dataDir) {
    graph::Project p = spiralProject(dataDir, 128);
    auto& g = p.graph;
    g.addNode({"bn0", "BatchNorm", {}, {}});
    g.removeEdge({{"input", 0}, {"flatten", 0}});
    g.addEdge({{"input", 0}, {"bn0", 0}});
    g.addEdge({{"bn0", 0}, {"flatten", 0}});
    // After the activation: before it, fc1's bias and bn0's beta would have no gradient but
    // rounding noise, which Adam turns into full steps either way.
    g.addNode({"bn1", "BatchNorm", {}, {}});
    g.removeEdge({{"act1", 0}, {"fc2", 0}});
    g.addEdge({{"act1", 0}, {"bn1", 0}});
    g.addEdge({{"bn1", 0}, {"fc2", 0}});
    return p;
}

struct Steps final : TrainerCallbacks {
    std::vector<double> losses;
    Trainer* trainer = nullptr;
    std::int64_t stopAt = 0; // ask for a stop after this step (0: never)
    void onStep(const StepEvent& e) override {
        losses.push_back(e.loss);
        if (stopAt > 0 && e.step == stopAt) {
            trainer->requestStop();
        }
    }
};

// The tensors of a weights file (engine/train/weights_file.h's layout), by "node/name".
std::map<std::string, std::vector<float>> readWeights(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::map<std::string, std::vector<float>> out;
    std::size_t at = 8 + 4; // magic, version
    auto u32 = [&] {
        std::uint32_t v = 0;
        std::memcpy(&v, bytes.data() + at, 4);
        at += 4;
        return v;
    };
    auto text = [&] {
        const std::uint32_t n = u32();
        std::string s = bytes.substr(at, n);
        at += n;
        return s;
    };
    const std::uint32_t count = bytes.size() > at ? u32() : 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::string node = text(), name = text();
        const std::uint32_t rank = u32();
        std::int64_t numel = 1;
        for (std::uint32_t d = 0; d < rank; ++d) {
            std::int64_t dim = 0;
            std::memcpy(&dim, bytes.data() + at, 8);
            at += 8;
            numel *= dim;
        }
        std::vector<float> values(static_cast<std::size_t>(numel));
        std::memcpy(values.data(), bytes.data() + at, values.size() * sizeof(float));
        at += values.size() * sizeof(float);
        out[node + "/" + name] = std::move(values);
    }
    return out;
}

// max |a - b| / max |b| over every tensor; 1 when the tensors differ in kind.
double weightsError(const std::filesystem::path& a, const std::filesystem::path& b) {
    auto wa = readWeights(a), wb = readWeights(b);
    if (wa.size() != wb.size() || wa.empty()) {
        return 1;
    }
    double worst = 0;
    for (const auto& [key, vb] : wb) {
        const auto& va = wa[key];
        if (va.size() != vb.size()) {
            return 1;
        }
        double diff = 0, scale = 0;
        for (std::size_t i = 0; i < vb.size(); ++i) {
            diff = std::max(diff, double(std::fabs(va[i] - vb[i])));
            scale = std::max(scale, double(std::fabs(vb[i])));
        }
        const double err = scale > 0 ? diff / scale : diff;
        worst = std::max(worst, err);
    }
    return worst;
}

BackendOptions oneThread() {
    BackendOptions o;
    o.threads = 1;
    return o;
}

struct Outcome {
    TrainResult result;
    std::vector<double> losses;
};

Outcome train(const graph::Project& project, Communicator* comm, const std::filesystem::path& out,
              std::size_t bucketBytes, std::int64_t stopAt = 0, bool syncBatchNorm = false) {
    auto registry = graph::makeCoreRegistry();
    cpu::CpuBackend backend(oneThread());
    TrainOptions options;
    options.config = project.training;
    options.maxSteps = 8;
    options.communicator = comm;
    options.bucketBytes = bucketBytes;
    options.syncBatchNorm = syncBatchNorm;
    auto trainer = nw::testing::createTrainer(project, registry, backend, options);
    if (!trainer) {
        std::fprintf(stderr, "rank %d: %s\n", g_rank, trainer.error().message.c_str());
        std::exit(1);
    }
    Steps steps;
    steps.trainer = trainer->get();
    steps.stopAt = stopAt;
    auto result = (*trainer)->run(&steps);
    if (!result) {
        std::fprintf(stderr, "rank %d: %s\n", g_rank, result.error().message.c_str());
        std::exit(1);
    }
    if (auto s = (*trainer)->saveWeights(out); !s) {
        std::fprintf(stderr, "rank %d: %s\n", g_rank, s.error().message.c_str());
        std::exit(1);
    }
    return {*result, steps.losses};
}

} // namespace

int main() {
    auto opened = openMpiCommunicator();
    if (!opened) {
        std::fprintf(stderr, "%s\n", opened.error().message.c_str());
        return 1;
    }
    Communicator& comm = **opened;
    g_rank = comm.rank();
    if (comm.size() != 2) {
        std::fprintf(stderr, "run under mpirun -np 2 (this world has %d ranks)\n", comm.size());
        return 1;
    }
    // One folder for the job, named by rank 0's pid (both ranks run on this machine).
    double pid = g_rank == 0 ? double(::getpid()) : 0;
    (void)comm.allreduceHost(std::span<double>(&pid, 1));
    const auto dir = std::filesystem::temp_directory_path() /
                     ("nw-distributed-" + std::to_string(std::int64_t(pid)));
    const auto data = dir / ("data-" + std::to_string(g_rank));
    writeSpirals(data);
    const graph::Project project = spiralProject(data, 128);
    auto file = [&](const std::string& what) {
        return dir / (what + "-" + std::to_string(g_rank) + ".nwweights");
    };

    // Two ranks at 128 against one process at 128, with 4 KiB buckets: several per step, most
    // started while backward still runs.
    const Outcome two = train(project, &comm, file("two"), 4096);
    check(two.result.worldSize == 2, "the result's world size is 2");
    check(two.result.bucketsPerStep > 1, "gradients travel in several buckets (" +
                                             std::to_string(two.result.bucketsPerStep) + ")");
    check(two.result.commBytes > 0, "bytes were reduced");
    (void)comm.barrier();
    if (g_rank == 0) {
        const Outcome one = train(project, nullptr, file("one"), 0);
        const double err = weightsError(file("two"), file("one"));
        check(err <= 1e-5,
              "two ranks end with one process's weights: error " + std::to_string(err));
        const double ranks = weightsError(dir / "two-1.nwweights", file("two"));
        check(ranks == 0, "both ranks hold the same weights: error " + std::to_string(ranks));
        check(one.losses.size() == two.losses.size() && one.losses.size() == 8,
              "both trained 8 steps");
        for (std::size_t i = 0; i < std::min(one.losses.size(), two.losses.size()); ++i) {
            const double rel = std::fabs(one.losses[i] - two.losses[i]) / std::fabs(one.losses[i]);
            check(rel <= 1e-5, "step " + std::to_string(i + 1) + " loss " +
                                   std::to_string(two.losses[i]) + " against " +
                                   std::to_string(one.losses[i]));
        }
        // The final evaluation, sharded over the ranks, is the single process's.
        check(one.result.test.samples == 600 && two.result.test.samples == 600,
              "every test sample evaluated once");
        check(std::fabs(one.result.test.loss - two.result.test.loss) <=
                  1e-5 * std::fabs(one.result.test.loss),
              "the sharded test loss " + std::to_string(two.result.test.loss) + " is " +
                  std::to_string(one.result.test.loss));
        check(one.result.test.accuracy == two.result.test.accuracy, "the same test accuracy");
    }
    (void)comm.barrier();

    // One default (25 MB) bucket gives the same weights.
    const Outcome single = train(project, &comm, file("bucket"), std::size_t(25) << 20);
    check(single.result.bucketsPerStep == 1, "a 25 MB bucket holds this model's gradients");
    (void)comm.barrier();
    if (g_rank == 0) {
        check(weightsError(file("bucket"), file("two")) <= 1e-6, "the bucket size changes nothing");
    }

    // Batch norm: synchronised statistics are the single process's, each rank's own are not.
    const graph::Project bn = batchNormProject(data);
    (void)train(bn, &comm, file("bn-sync"), 4096, 0, true);
    (void)train(bn, &comm, file("bn-local"), 4096, 0, false);
    (void)comm.barrier();
    if (g_rank == 0) {
        (void)train(bn, nullptr, file("bn-one"), 0);
        const double synced = weightsError(file("bn-sync"), file("bn-one"));
        // The statistics are summed in another order (in double, over the ranks) than
        // oneDNN's, and Adam amplifies the rounding where gradients are small: 1e-4, a
        // hundredth of what each rank's own statistics change.
        check(synced <= 1e-4, "synchronised batch norm gives one process's weights (running "
                              "statistics included): error " +
                                  std::to_string(synced));
        const double local = weightsError(file("bn-local"), file("bn-one"));
        check(local > 1e-2,
              "each rank's own statistics give other weights: error " + std::to_string(local));
        check(weightsError(dir / "bn-sync-1.nwweights", file("bn-sync")) == 0,
              "both ranks hold the same synchronised weights");
    }
    (void)comm.barrier();

    // A stop asked on rank 1 after step 3 (its callback) stops both after step 3.
    const Outcome stopped = train(project, &comm, file("stop"), 4096, g_rank == 1 ? 3 : 0);
    check(stopped.result.outcome == TrainResult::Outcome::Stopped, "the run stopped");
    check(stopped.result.steps == 3,
          "stopped after step 3, not " + std::to_string(stopped.result.steps));

    // A batch that does not split over 2 ranks is refused, naming the field.
    {
        auto registry = graph::makeCoreRegistry();
        cpu::CpuBackend backend(oneThread());
        TrainOptions options;
        options.config = spiralProject(data, 127).training;
        options.communicator = &comm;
        auto t = nw::testing::createTrainer(spiralProject(data, 127), registry, backend, options);
        check(!t && t.error().message.find("training.batch_size: 127 does not split evenly over "
                                           "2 ranks") != std::string::npos,
              "an uneven batch is refused");
    }

    (void)comm.barrier();
    if (g_rank == 0) {
        std::filesystem::remove_all(dir);
    }
    std::fprintf(stderr, "rank %d: %d failure(s)\n", g_rank, g_failures);
    finalizeMpi();
    return g_failures == 0 ? 0 : 1;
}
