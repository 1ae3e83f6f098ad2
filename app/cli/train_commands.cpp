// netwright-cli train, eval and bench: the training engine from the command line.
#include "app/backends.h"
#include "app/cli/commands.h"
#include "app/cli/train_tracking.h"
#include "app/training_run.h"
#include "datasets/catalog.h"
#include "datasets/data_loader.h"
#include "engine/plan/execution_plan.h"
#include "engine/train/optimizer.h"
#include "engine/train/trainer.h"
#include "engine/train/weights_file.h"
#include "graph/project_file.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

namespace nw::cli {

namespace {

using nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

int fail(const Error& e) {
    std::cerr << "error: " << e.message << "\n";
    return e.kind == Error::Kind::User ? kExitUser : kExitInternal;
}

struct Session {
    explicit Session(const graph::OpRegistry& r)
        : registry(r) {}
    const graph::OpRegistry& registry;
    graph::Project project;
    std::filesystem::path dir;
    std::unique_ptr<engine::Backend> backend;
    datasets::DatasetSplits splits;
};

app::TrainingOverrides overridesOf(const RunOptions& o) {
    return {o.epochs, o.batch, o.learningRate, o.seed, o.device, o.threads, o.precision};
}

// eval and bench: reads the project, applies the command-line overrides, opens the backend
// and the dataset.
Expected<std::unique_ptr<Session>> open(const RunOptions& o, const graph::OpRegistry& registry,
                                        const engine::BackendRegistry& backends) {
    auto s = std::make_unique<Session>(registry);
    auto project = graph::readProject(o.project, s->registry);
    if (!project) {
        return project.error();
    }
    s->project = std::move(*project);
    s->dir = std::filesystem::path(o.project).parent_path();
    const auto overrides = overridesOf(o);
    app::applyOverrides(s->project, overrides);
    auto backend = app::openTrainingDevice(backends, s->project, overrides, o.project);
    if (!backend) {
        return backend.error();
    }
    s->backend = std::move(*backend);
    auto splits = datasets::openDataset(s->project.dataset, s->dir);
    if (!splits) {
        return splits.error();
    }
    s->splits = std::move(*splits);
    return s;
}

std::string duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) {
        return "--:--";
    }
    auto s = static_cast<long>(seconds + 0.5);
    char buf[32];
    std::snprintf(buf, sizeof buf, s >= 3600 ? "%ld:%02ld:%02ld" : "%ld:%02ld:%02ld", s / 3600,
                  (s / 60) % 60, s % 60);
    return s >= 3600 ? buf : buf + 2;
}

// The live progress line on a terminal, and one line per epoch.
// "acc 0.912", or for a language model (a label per step) "ppl 3.41".
std::string quality(double loss, double accuracy, std::int64_t tokensPerSample, int digits) {
    char buf[48];
    if (tokensPerSample > 0) {
        std::snprintf(buf, sizeof buf, "ppl %.2f", engine::perplexity(loss));
    } else {
        std::snprintf(buf, sizeof buf, "acc %.*f", digits, accuracy);
    }
    return buf;
}

// "812 samples/s", or for a language model "10394 tokens/s".
std::string rate(double samplesPerSecond, std::int64_t tokensPerSample) {
    char buf[48];
    if (tokensPerSample > 0) {
        std::snprintf(buf, sizeof buf, "%.0f tokens/s", samplesPerSecond * double(tokensPerSample));
    } else {
        std::snprintf(buf, sizeof buf, "%.0f samples/s", samplesPerSecond);
    }
    return buf;
}

class Progress final : public engine::TrainerCallbacks {
public:
    explicit Progress(std::int64_t epochs)
        : m_epochs(epochs)
        , m_tty(::isatty(STDERR_FILENO) != 0) {}

    void onStep(const engine::StepEvent& e) override {
        // The ETA comes from this session's steps: a resumed run starts at its checkpoint's.
        if (m_firstStep < 0) {
            m_firstStep = e.step - 1;
        }
        if (!m_tty || (e.step % 5 != 0 && e.step != e.totalSteps)) {
            return;
        }
        const auto done = double(e.step - m_firstStep);
        double eta = done > 0 ? e.elapsedSeconds / done * double(e.totalSteps - e.step) : 0;
        std::fprintf(stderr, "\r\033[Kepoch %lld/%lld  step %lld/%lld  loss %.4f  %s  %s  ETA %s",
                     (long long)e.epoch + 1, (long long)m_epochs, (long long)e.batch + 1,
                     (long long)e.batchesPerEpoch, e.loss,
                     quality(e.loss, e.accuracy, e.tokensPerSample, 3).c_str(),
                     rate(e.samplesPerSecond, e.tokensPerSample).c_str(), duration(eta).c_str());
        std::fflush(stderr);
    }

    void onEpoch(const engine::EpochEvent& e) override {
        if (m_tty) {
            std::fprintf(stderr, "\r\033[K");
        }
        const std::int64_t t = e.tokensPerSample;
        std::fprintf(stderr, "epoch %lld/%lld  train loss %.4f  %s", (long long)e.epoch + 1,
                     (long long)m_epochs, e.trainLoss,
                     quality(e.trainLoss, e.trainAccuracy, t, 4).c_str());
        if (e.hasValidation) {
            std::fprintf(stderr, "  val loss %.4f  %s", e.validation.loss,
                         quality(e.validation.loss, e.validation.accuracy, t, 4).c_str());
        }
        if (e.hasTest) {
            std::fprintf(stderr, "  test loss %.4f  %s", e.test.loss,
                         quality(e.test.loss, e.test.accuracy, t, 4).c_str());
        }
        std::fprintf(stderr, "  %s  %.1fs\n", rate(e.samplesPerSecond, t).c_str(), e.seconds);
    }

private:
    std::int64_t m_epochs;
    bool m_tty;
    std::int64_t m_firstStep = -1; // the step before this session's first
};

} // namespace

std::atomic<bool> g_stopRequested{false};
std::atomic<bool> g_abortRequested{false};

extern "C" void onStopSignal(int) {
    g_stopRequested = true;
}

extern "C" void onAbortSignal(int) {
    g_abortRequested = true;
}

namespace {

// Data-parallel training: turns SIGTERM / SIGINT (what mpirun and srun send the other ranks
// when one fails, or when the job is cancelled) into Communicator::abort(), which is not
// async-signal-safe and so cannot be called from the handler. A rank waiting in a collective
// whose peer died is released, stops after its last complete step, and rank 0 records the run
// crashed (resumable) with a checkpoint of that step.
class AbortOnSignal {
public:
    explicit AbortOnSignal(engine::Communicator& comm)
        : m_thread([this, &comm] {
            while (!m_done) {
                if (g_abortRequested) {
                    comm.abort("the job was ended by its launcher (another rank failed or "
                               "the job was cancelled; mpirun or srun names the rank)");
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }) {
        std::signal(SIGTERM, onAbortSignal);
        std::signal(SIGINT, onAbortSignal);
        std::signal(SIGUSR1, onStopSignal); // mpirun forwards it to every rank: a stop vote
    }
    ~AbortOnSignal() {
        m_done = true;
        m_thread.join();
    }

private:
    std::atomic<bool> m_done{false};
    std::thread m_thread;
};

// A data-parallel rank's end after an error or an abort: without MPI_Finalize (a collective
// may still be stuck on the communicator's thread), so that the launcher sees this rank exit
// with `code` and ends the others.
[[noreturn]] void endRank(int code) {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::_Exit(code);
}

} // namespace

int runTrain(const RunOptions& o, const graph::OpRegistry& registry,
             const engine::BackendRegistry& backends) {
    if (!o.resume && o.project.empty()) {
        return fail(Error::user("train needs a PROJECT file or --resume RUN"));
    }
    // --distributed: this process is one rank of an MPI job. Errors are prefixed with the
    // rank and end it without finalising MPI, so the launcher ends the others.
    std::unique_ptr<engine::Communicator> comm;
    std::unique_ptr<AbortOnSignal> abortOnSignal;
    std::string prefix;
    if (o.distributed) {
        auto opened = engine::openMpiCommunicator();
        if (!opened) {
            return fail(opened.error());
        }
        comm = std::move(*opened);
        prefix = "rank " + std::to_string(comm->rank()) + ": ";
        abortOnSignal = std::make_unique<AbortOnSignal>(*comm);
    }
    const bool quiet = comm && comm->rank() > 0; // only rank 0 reports
    auto failRun = [&](const Error& e) {
        std::cerr << prefix;
        const int code = fail(e);
        if (comm) {
            endRank(code);
        }
        return code;
    };
    app::TrainingRunRequest request;
    request.resumeRunId = o.resume.value_or(0);
    request.projectPath = o.project;
    request.overrides = overridesOf(o);
    request.maxSteps = o.maxSteps;
    request.initialWeights = o.initWeights;
    request.checkpointEvery = o.checkpointEvery;
    request.checkpointEveryMinutes = o.checkpointEveryMinutes;
    request.runName = o.name;
    request.databasePath = o.db;
    request.source = "cli";
    request.track = !o.noTrack;
    request.communicator = comm.get();
    request.syncBatchNorm = o.syncBatchNorm;
    request.bucketBytes = static_cast<std::size_t>(o.bucketMb * 1024 * 1024);
    request.deviceCommunicator = [&comm](engine::Backend& backend) {
        return app::openDeviceCommunicator(*comm, backend);
    };
    auto failure = app::TrainingRun::Failure::Other;
    auto opened = app::TrainingRun::open(request, registry, backends, &failure);
    if (!opened) {
        if (failure == app::TrainingRun::Failure::Store && !o.resume && !quiet) {
            std::cerr << "hint: --no-track trains without recording the run (add --save-weights "
                         "FILE to keep its weights)\n";
        }
        return failRun(opened.error());
    }
    app::TrainingRun& run = **opened;
    for (const auto& note : quiet ? std::vector<std::string>{} : run.notes()) {
        std::cerr << "note: " << note << "\n";
    }
    if (!run.isTracked() && !quiet) {
        std::cerr << "note: --no-track: this run is not recorded and writes no checkpoints"
                  << (o.saveWeights.empty() ? "; its weights are not kept (--save-weights FILE)"
                                            : "")
                  << "\n";
    }
    const auto& config = run.project().training;
    if (!o.json && !quiet) {
        std::cerr << "training "
                  << (run.project().name.empty() ? run.projectPath() : run.project().name) << ": "
                  << run.trainer().trainableParameters() << " parameters"
                  << (run.trainer().frozenParameters() > 0 // fine-tuning
                          ? " trained, " + std::to_string(run.trainer().frozenParameters()) +
                                " frozen"
                          : std::string())
                  << ", " << run.backend().description()
                  << (comm ? ", " + comm->description() : std::string()) << ", batch "
                  << config.batchSize << ", " << config.epochs << " epochs\n";
    }
    Progress progress(config.epochs);
    if (auto st =
            run.startRecording({quiet ? nullptr : &progress, o.stopAfter, &g_stopRequested, {}});
        !st) {
        return failRun(st.error());
    }
    if (!comm) {
        std::signal(SIGINT, onStopSignal);
        std::signal(SIGTERM, onStopSignal);
    }
    auto result = run.train();
    // Every rank holds the same weights: rank 0 writes them.
    Status finished = run.finish(result, quiet ? std::string() : o.saveWeights);
    if (!result) {
        return failRun(result.error());
    }
    if (!result->interruptedBy.empty()) {
        std::cerr << prefix << "stopped: " << result->interruptedBy << "\n";
        if (run.isTracked() && finished) {
            std::cerr << prefix << "run " << run.runId() << " is recorded as crashed after step "
                      << result->steps << ", with its checkpoint; netwright-cli train --resume "
                      << run.runId() << (o.db.empty() ? "" : " --db " + o.db)
                      << " --distributed under mpirun -np " << comm->size() << " continues it\n";
        }
        endRank(kExitInternal);
    }
    if (!finished) {
        const int code = failRun(finished.error());
        auto record = run.isTracked() ? run.tracked().store().run(run.runId())
                                      : Expected<tracking::RunRecord>(Error::user(""));
        if (record && record->status == "stopped") { // a checkpoint failed: it can go on
            std::cerr << "hint: netwright-cli train --resume " << run.runId()
                      << (o.db.empty() ? "" : " --db " + o.db)
                      << " continues the run once the problem is fixed\n";
        }
        return code;
    }
    if (o.json) {
        ordered_json j{{"run_id", run.isTracked() ? ordered_json(run.runId()) : ordered_json()},
                       {"outcome", engine::outcomeName(result->outcome)},
                       {"epochs", result->epochs},
                       {"steps", result->steps},
                       {"final_loss", result->finalLoss},
                       {"test_loss", result->test.samples ? ordered_json(result->test.loss)
                                                          : ordered_json(nullptr)},
                       {"test_accuracy", result->test.samples ? ordered_json(result->test.accuracy)
                                                              : ordered_json(nullptr)},
                       {"train_samples_per_sec", result->trainSamplesPerSecond},
                       {"wall_seconds", result->wallSeconds},
                       {"data_wait_seconds", result->dataWaitSeconds},
                       {"parameters", run.trainer().trainableParameters()},
                       {"frozen_parameters", run.trainer().frozenParameters()},
                       {"device", run.backend().device().toString()},
                       {"threads", run.backend().threads()}};
        if (comm) {
            j["world_size"] = result->worldSize;
            j["comm_seconds"] = result->commSeconds;
            j["comm_exposed_seconds"] = result->commExposedSeconds;
            j["comm_staging_seconds"] = result->commStagingSeconds;
            j["comm_bytes"] = result->commBytes;
            j["buckets_per_step"] = result->bucketsPerStep;
        }
        if (!quiet) {
            std::cout << j.dump() << std::endl;
        }
    } else if (!quiet) {
        std::cerr << "done: "
                  << (run.isTracked() ? "run " + std::to_string(run.runId()) : "untracked run")
                  << " " << engine::outcomeName(result->outcome) << " after " << result->steps
                  << " steps in " << duration(result->wallSeconds) << "\n";
    }
    if (comm) {
        abortOnSignal.reset();
        engine::finalizeMpi(); // every rank is past the last collective
    }
    return kExitOk;
}

int runEval(const RunOptions& o, const graph::OpRegistry& registry,
            const engine::BackendRegistry& backends) {
    auto session = open(o, registry, backends);
    if (!session) {
        return fail(session.error());
    }
    auto& s = **session;
    engine::TrainOptions options;
    options.config = s.project.training;
    auto trainer = engine::Trainer::create(s.project, s.splits, s.registry, *s.backend, options);
    if (!trainer) {
        return fail(trainer.error());
    }
    if (auto st = (*trainer)->loadWeights(o.weights); !st) {
        return fail(st.error());
    }
    auto r = (*trainer)->evaluate(false);
    if (!r) {
        return fail(r.error());
    }
    if (o.json) {
        std::cout << ordered_json{{"test_loss", r->loss},
                                  {"test_accuracy", r->accuracy},
                                  {"test_top5", std::isnan(r->top5) ? ordered_json(nullptr)
                                                                    : ordered_json(r->top5)},
                                  {"samples", r->samples}}
                         .dump()
                  << std::endl;
    } else {
        std::printf("test loss %.4f  accuracy %.4f  top-5 %.4f  (%lld samples)\n", r->loss,
                    r->accuracy, r->top5, (long long)r->samples);
    }
    return kExitOk;
}

int runBench(const RunOptions& o, const graph::OpRegistry& registry,
             const engine::BackendRegistry& backends) {
    auto session = open(o, registry, backends);
    if (!session) {
        return fail(session.error());
    }
    auto& s = **session;
    auto& backend = *s.backend;
    const auto& cfg = s.project.training;
    for (const auto& id : o.freeze) {
        graph::Node* node = s.project.graph.findNode(id);
        if (!node) {
            return fail(Error::user("--freeze: " + o.project + " has no node '" + id + "'"));
        }
        node->trainable = false;
    }
    // One real batch, preloaded: the benchmark times compute, not data loading. From the test
    // split, or the training split where there is none (text corpora).
    const auto& benchSplit = s.splits.test ? s.splits.test : s.splits.train;
    const char* splitName = s.splits.test ? "test" : "training";
    auto batchOf = [&](std::int64_t size) -> Expected<datasets::HostBatch> {
        datasets::LoaderOptions lo;
        lo.batchSize = size;
        lo.shuffle = false;
        lo.mean = s.project.dataset.mean;
        lo.std = s.project.dataset.std;
        auto loader = datasets::DataLoader::create(benchSplit, lo);
        if (!loader) {
            return loader.error();
        }
        (*loader)->startEpoch(0);
        auto b = (*loader)->next();
        if (!b || b->size != size) {
            return Error::user(std::string("the ") + splitName + " split has fewer than " +
                               std::to_string(size) + " samples");
        }
        return std::move(*b);
    };
    engine::ModelParams params(backend);
    auto train = engine::ExecutionPlan::compile(s.project.graph, s.registry, backend, params,
                                                {cfg.batchSize, true, cfg.seed});
    if (!train) {
        return fail(train.error());
    }
    auto infer = engine::ExecutionPlan::compile(s.project.graph, s.registry, backend, params,
                                                {o.inferBatch, false, cfg.seed});
    if (!infer) {
        return fail(infer.error());
    }
    if (auto st = params.initialize(cfg.seed); !st) {
        return fail(st.error());
    }
    auto optimizer = engine::Optimizer::create(cfg.optimizer, backend);
    if (!optimizer) {
        return fail(optimizer.error());
    }
    std::vector<engine::Tensor> grads;
    for (auto* e : params.trainable()) {
        if (auto st = optimizer->addParameter(e->value, e->spec.decays); !st) {
            return fail(st.error());
        }
        grads.push_back(e->grad);
    }
    auto upload = [&](engine::ExecutionPlan& plan, const datasets::HostBatch& b) {
        auto st = backend.copyFromHost(plan.input(), b.inputs.data());
        return st ? backend.copyFromHost(plan.targets(), b.labels.data()) : st;
    };
    auto trainBatch = batchOf(cfg.batchSize);
    auto inferBatch = batchOf(o.inferBatch);
    if (!trainBatch) {
        return fail(trainBatch.error());
    }
    if (!inferBatch) {
        return fail(inferBatch.error());
    }
    if ((*train)->targets().dtype() != engine::DType::I32) {
        return fail(Error::user("bench measures classification projects (softmax "
                                "cross-entropy) only"));
    }
    if (auto st = upload(**train, *trainBatch); !st) {
        return fail(st.error());
    }
    if (auto st = upload(**infer, *inferBatch); !st) {
        return fail(st.error());
    }
    const std::int64_t warmup = 5;
    auto timeSteps = [&](std::int64_t n, auto&& stepFn) -> Expected<double> {
        auto start = Clock::now();
        for (std::int64_t i = 0; i < n; ++i) {
            if (auto st = stepFn(i); !st) {
                return st.error();
            }
        }
        if (auto st = backend.synchronize(); !st) {
            return st.error();
        }
        return std::chrono::duration<double>(Clock::now() - start).count();
    };
    auto trainStep = [&](std::int64_t i) -> Status {
        if (auto st = (*train)->forward(true, static_cast<std::uint64_t>(i)); !st) {
            return st;
        }
        if (auto st = (*train)->backward(); !st) {
            return st;
        }
        return optimizer->step(grads, static_cast<float>(cfg.optimizer.learningRate));
    };
    auto inferStep = [&](std::int64_t) { return (*infer)->forward(false, 0); };
    auto w1 = timeSteps(warmup, trainStep);
    auto t1 = w1 ? timeSteps(o.steps, trainStep) : w1;
    auto w2 = t1 ? timeSteps(warmup, inferStep) : t1;
    auto t2 = w2 ? timeSteps(o.steps, inferStep) : w2;
    if (!t2) {
        return fail(t2.error());
    }
    std::vector<engine::KernelTiming> profile;
    const std::int64_t profiledSteps = 3;
    if (o.profile && backend.setProfiling(true)) {
        auto p = timeSteps(profiledSteps, trainStep);
        backend.setProfiling(false);
        if (!p) {
            return fail(p.error());
        }
        profile = backend.takeProfile();
    } else if (o.profile) { // the plan times each node on the host clock instead
        (*train)->setHostTiming(true);
        auto p = timeSteps(profiledSteps, trainStep);
        (*train)->setHostTiming(false);
        if (!p) {
            return fail(p.error());
        }
        profile = (*train)->takeHostTiming();
        std::cerr << "note: " << backend.description()
                  << " has no kernel timers: each node's forward and backward is timed on the "
                     "host clock (the optimizer step is not in the table)\n";
    }
    double trainRate = double(o.steps * cfg.batchSize) / *t1;
    double inferRate = double(o.steps * o.inferBatch) / *t2;
    // A language model (a label per step): its rates in tokens too.
    const engine::Dims& pred = (*train)->prediction().shape();
    const std::int64_t tokens = benchSplit->targetShape().empty() ? 0 : pred[1];
    if (o.json) {
        ordered_json j{{"train_samples_per_sec", trainRate},
                       {"infer_samples_per_sec", inferRate},
                       {"batch", cfg.batchSize},
                       {"infer_batch", o.inferBatch},
                       {"steps", o.steps},
                       {"threads", backend.threads()},
                       {"device", backend.device().toString()},
                       {"arena_bytes", (*train)->arenaBytes()},
                       {"arena_bytes_without_reuse", (*train)->naiveBytes()},
                       {"trainable_parameters", params.trainableCount()},
                       {"frozen_parameters", params.frozenCount()},
                       {"backward_nodes", (*train)->backwardNodes().size()}};
        if (tokens > 0) {
            j["tokens_per_sample"] = tokens;
            j["train_tokens_per_sec"] = trainRate * double(tokens);
            j["infer_tokens_per_sec"] = inferRate * double(tokens);
        }
        std::cout << j.dump() << std::endl;
    } else {
        std::printf("train: %.0f samples/s (batch %lld)\ninfer: %.0f samples/s (batch %lld)\n",
                    trainRate, (long long)cfg.batchSize, inferRate, (long long)o.inferBatch);
        if (params.frozenCount() > 0) { // fine-tuning
            std::printf("frozen: %lld parameters (%lld train); backward runs %zu of %zu nodes\n",
                        (long long)params.frozenCount(), (long long)params.trainableCount(),
                        (*train)->backwardNodes().size(), (*train)->placement().size());
        }
        if (tokens > 0) {
            std::printf("train: %.0f tokens/s\ninfer: %.0f tokens/s\n", trainRate * double(tokens),
                        inferRate * double(tokens));
        }
    }
    if (!profile.empty()) {
        double total = 0;
        for (const auto& k : profile) {
            total += k.milliseconds;
        }
        std::fprintf(o.json ? stderr : stdout, "\nkernel time per training step (%lld steps):\n",
                     (long long)profiledSteps);
        for (const auto& k : profile) {
            std::fprintf(o.json ? stderr : stdout, "  %9.3f ms  %5.1f%%  %s\n",
                         k.milliseconds / double(profiledSteps), 100.0 * k.milliseconds / total,
                         k.label.c_str());
        }
    }
    return kExitOk;
}

} // namespace nw::cli
