// bench_tracking: the cost of experiment tracking (engine/tracking).
//   1. Sustained metric rows per second: rows pushed as fast as possible into a MetricWriter,
//      timed until the last one is committed (target: 10,000/s), and the cost of one push().
//   2. The overhead on a training step of the sample project: the same steps with and
//      without a RunRecorder, alternating, plus the time the step spends inside the recorder
//      (target: < 1%).
// Usage: bench_tracking [ROWS [STEPS [PROJECT]]]; the database goes to a temporary folder.
// Results: docs/benchmarks.md, "Tracking".
#include "datasets/catalog.h"
#include "engine/cpu/cpu_backend.h"
#include "engine/tracking/metric_writer.h"
#include "engine/tracking/run_recorder.h"
#include "engine/train/trainer.h"
#include "graph/project_file.h"
#include "tests/support/backends.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

using namespace nw;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
}

int die(const Error& e) {
    std::fprintf(stderr, "bench_tracking: %s\n", e.message.c_str());
    return 1;
}

// Times recorder.onStep/onEpoch: what the training thread pays for tracking.
struct TimedRecorder final : engine::TrainerCallbacks {
    explicit TimedRecorder(engine::TrainerCallbacks* wrapped)
        : inner(wrapped) {}
    void onStep(const engine::StepEvent& e) override {
        auto t = Clock::now();
        if (inner) {
            inner->onStep(e);
        }
        inside += seconds(t);
    }
    void onEpoch(const engine::EpochEvent& e) override {
        if (inner) {
            inner->onEpoch(e);
        }
    }
    engine::TrainerCallbacks* inner;
    double inside = 0;
};

} // namespace

int main(int argc, char** argv) {
    const long rows = argc > 1 ? std::atol(argv[1]) : 200000;
    const long steps = argc > 2 ? std::atol(argv[2]) : 60;
    const std::string projectPath =
        argc > 3 ? argv[3] : NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj";
    char tmpl[] = "/tmp/bench_tracking.XXXXXX";
    const std::filesystem::path dir = ::mkdtemp(tmpl);
    const auto dbPath = dir / "experiments.db";

    auto store = tracking::ExperimentStore::open(dbPath);
    if (!store) {
        return die(store.error());
    }
    // 1. Sustained rows per second.
    {
        auto id = (*store)->createRun({});
        auto writer = tracking::MetricWriter::start(dbPath, *id);
        if (!id || !writer) {
            return die(!id ? id.error() : writer.error());
        }
        auto start = Clock::now();
        double pushSeconds = 0;
        for (long i = 0; i < rows; ++i) {
            auto t = Clock::now();
            (*writer)->push({"train/loss", i, i / 1000, 1.0 / double(i + 1), 0});
            pushSeconds += seconds(t);
        }
        if (auto s = (*writer)->close(); !s) {
            return die(s.error());
        }
        double total = seconds(start);
        std::printf("metric rows: %ld committed in %.3f s = %.0f rows/s sustained; push() "
                    "%.0f ns/row on the caller's thread\n",
                    rows, total, double(rows) / total, pushSeconds / double(rows) * 1e9);
    }

    // 2. Overhead on the sample project's training step.
    auto registry = graph::makeCoreRegistry();
    auto project = graph::readProject(projectPath, registry);
    if (!project) {
        return die(project.error());
    }
    std::unique_ptr<engine::Backend> backendOwner = nw::testing::openCpu();
    engine::Backend& backend = *backendOwner;
    engine::TrainOptions options;
    options.config = project->training;
    options.maxSteps = steps;
    options.evaluateEachEpoch = false;
    double rate[2] = {0, 0}, insideShare = 0;
    const int rounds = 3;
    // Round 0 warms up (page cache, oneDNN primitives) and is not counted.
    for (int round = 0; round <= rounds; ++round) {
        for (int k = 0; k < 2; ++k) {
            const int tracked = (k + round) % 2; // alternate which goes first
            auto splits = datasets::openDataset(project->dataset,
                                                std::filesystem::path(projectPath).parent_path());
            if (!splits) {
                return die(splits.error());
            }
            auto trainer =
                engine::Trainer::create(*project, std::move(*splits), registry, backend, options);
            if (!trainer) {
                return die(trainer.error());
            }
            std::unique_ptr<tracking::MetricWriter> writer;
            std::unique_ptr<tracking::RunRecorder> recorder;
            if (tracked) {
                auto id = (*store)->createRun({});
                auto w = tracking::MetricWriter::start(dbPath, *id);
                if (!w) {
                    return die(w.error());
                }
                writer = std::move(*w);
                recorder = std::make_unique<tracking::RunRecorder>(*writer);
            }
            TimedRecorder timed(recorder.get());
            auto r = (*trainer)->run(&timed);
            if (!r) {
                return die(r.error());
            }
            std::printf("round %d %-9s %.1f samples/s\n", round, tracked ? "tracked" : "untracked",
                        r->trainSamplesPerSecond);
            if (round == 0) {
                continue;
            }
            rate[tracked] += r->trainSamplesPerSecond / rounds;
            if (tracked) {
                double stepSeconds =
                    double(r->steps * options.config.batchSize) / r->trainSamplesPerSecond;
                insideShare += timed.inside / stepSeconds / rounds;
                (void)writer->close();
            }
        }
    }
    std::printf("training step (%s, batch %lld, %ld steps x %d rounds): untracked %.1f, "
                "tracked %.1f samples/s: %+.2f%% throughput; time inside the recorder: %.4f%% "
                "of the step\n",
                project->name.c_str(), (long long)options.config.batchSize, steps, rounds, rate[0],
                rate[1], (rate[1] / rate[0] - 1) * 100, insideShare * 100);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 0;
}
