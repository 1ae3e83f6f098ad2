#include "engine/train/trainer.h"

#include "datasets/data_loader.h"
#include "engine/distributed/gradient_sync.h"
#include "engine/plan/execution_plan.h"
#include "engine/train/checkpoint_file.h"
#include "engine/train/grad_clip.h"
#include "engine/train/metrics.h"
#include "engine/train/optimizer.h"
#include "engine/train/schedule.h"
#include "engine/train/weights_file.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace nw::engine {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

} // namespace

const char* outcomeName(TrainResult::Outcome outcome) {
    switch (outcome) {
    case TrainResult::Outcome::Completed:
        return "completed";
    case TrainResult::Outcome::Stopped:
        return "stopped";
    case TrainResult::Outcome::EarlyStopped:
        return "early_stopped";
    case TrainResult::Outcome::StepLimit:
        return "step_limit";
    }
    return "?";
}

struct Trainer::Impl {
    Impl(const graph::Project& p, const graph::OpRegistry& r, Backend& b, TrainOptions o,
         Optimizer opt)
        : project(p)
        , registry(r)
        , backend(b)
        , options(std::move(o))
        , params(b)
        , optimizer(std::move(opt)) {}

    graph::Project project;
    const graph::OpRegistry& registry;
    Backend& backend;
    TrainOptions options;
    datasets::DatasetSplits splits;
    ModelParams params;
    std::unique_ptr<ExecutionPlan> trainPlan;
    std::map<std::int64_t, std::unique_ptr<ExecutionPlan>> evalPlans; // by batch size
    std::unique_ptr<datasets::DataLoader> trainLoader;
    Optimizer optimizer;
    std::optional<LearningRateSchedule> schedule;
    std::vector<Tensor> grads;
    std::int64_t classes = 0;         // prediction width, for accuracy
    std::int64_t labelsPerSample = 1; // the dataset's targetNumel(): T for a label per step
    bool perStep = false;             // the dataset has a label per step (targetShape [T])
    std::int64_t tokensPerSample() const { return perStep ? labelsPerSample : 0; }
    std::vector<float> hostPrediction; // predict() only: every sample's logits
    bool stepCaptured = false;         // the training step is recorded (capturedStep)
    // Data-parallel training (TrainOptions::communicator); rank 0 of 1 without it.
    Communicator* comm = nullptr;
    int rank = 0, world = 1;
    std::unique_ptr<GradientSync> gradSync;
    bool distributed() const { return comm != nullptr; }
    double commExposedSeconds = 0, commStagingSeconds = 0; // this run() call's

    std::int64_t step = 0; // global steps done
    // The current epoch's running sums and the early-stopping state: members, not locals of
    // run(), so that a checkpoint taken between steps captures them.
    double epochLossSum = 0;
    std::int64_t epochCorrect = 0, epochSamples = 0, epochSteps = 0;
    double bestMonitored = std::numeric_limits<double>::infinity();
    std::int64_t epochsWithoutImprovement = 0;

    TrainerProgress progress() const {
        return {options.config.seed, step,       epochLossSum,  epochCorrect,
                epochSamples,        epochSteps, bestMonitored, epochsWithoutImprovement};
    }

    datasets::LoaderOptions loaderOptions(bool training) const {
        datasets::LoaderOptions lo;
        lo.batchSize = options.config.batchSize;
        lo.shuffle = training;
        lo.seed = options.config.seed;
        lo.dropLast = training;
        lo.shardIndex = rank;
        lo.shardCount = world;
        lo.mean = project.dataset.mean;
        lo.std = project.dataset.std;
        if (training) { // validated by DataLoader::create, so Trainer::create fails on it
            lo.augmentation = project.augmentation;
        }
        return lo;
    }

    // Uploads a batch's inputs and class labels; the one-hot targets of the non-softmax
    // losses are built from the labels on the device.
    Status upload(ExecutionPlan& plan, const datasets::HostBatch& batch) {
        if (auto s = backend.copyFromHost(plan.input(), batch.inputs.data()); !s) {
            return s;
        }
        if (auto s = backend.copyFromHost(plan.labels(), batch.labels.data()); !s) {
            return s;
        }
        return plan.labelsToTargets();
    }

    // The last forward's mean loss and top-1 / top-5 hits, computed on the device: three
    // floats are all that crosses to the host.
    struct BatchMetrics {
        double loss = 0;
        std::int64_t top1 = 0, top5 = 0;
    };
    Expected<BatchMetrics> metrics(ExecutionPlan& plan) {
        if (auto s = plan.computeMetrics(); !s) {
            return s.error();
        }
        return readMetrics(plan);
    }
    Expected<BatchMetrics> readMetrics(ExecutionPlan& plan) {
        float m[3] = {};
        if (auto s = backend.copyToHost(plan.metrics(), m); !s) {
            return s.error();
        }
        if (auto s = backend.synchronize(); !s) {
            return s.error();
        }
        return BatchMetrics{m[0], std::int64_t(m[1]), std::int64_t(m[2])};
    }

    // Whether any rank asked to stop (its vote: `stop`).
    Expected<bool> agreeToStop(bool stop) {
        double votes = stop ? 1 : 0;
        if (auto s = comm->allreduceHost(std::span<double>(&votes, 1)); !s) {
            return s.error();
        }
        return votes > 0;
    }

    // One data-parallel step up to the optimizer: the forward of this rank's shard, the
    // backward with the gradients averaged over the ranks as they become final, and the global
    // batch's metrics (the mean of the shards' mean losses, the summed hits).
    Expected<BatchMetrics> distributedStep(ExecutionPlan& plan) {
        if (auto s = plan.forward(true, static_cast<std::uint64_t>(step)); !s) {
            return s.error();
        }
        auto local = metrics(plan);
        if (!local) {
            return local.error();
        }
        gradSync->beginStep();
        auto ready = [this](std::span<const Tensor> g) { return gradSync->ready(g); };
        if (auto s = plan.backward(ready); !s) {
            return s.error();
        }
        Status synced = gradSync->finish();
        commExposedSeconds += gradSync->exposedSeconds();
        commStagingSeconds += gradSync->stagingSeconds();
        if (!synced) {
            return synced.error();
        }
        double sums[3] = {local->loss, double(local->top1), double(local->top5)};
        if (auto s = comm->allreduceHost(sums); !s) {
            return s.error();
        }
        return BatchMetrics{sums[0] / double(world), std::int64_t(sums[1]), std::int64_t(sums[2])};
    }

    // Whether training steps are captured once and replayed (TrainOptions::captureSteps).
    bool capturesSteps(const ExecutionPlan& plan) const {
        return options.captureSteps && !distributed() && backend.canCaptureSteps() &&
               options.config.gradClipNorm <= 0 && plan.fallbackNodes().empty();
    }

    // One training step on a backend that captures: the forward, the metrics, the backward
    // and the optimizer updates are recorded on the first call and replayed on every call
    // (the batch was uploaded before). The metrics come after the whole step; a non-finite
    // loss has left the parameters as they were (the capture's guard).
    Expected<BatchMetrics> capturedStep(ExecutionPlan& plan, float lr) {
        StepScalars scalars;
        if (!stepCaptured) {
            if (auto s = backend.beginCapture(plan.loss()); !s) {
                return s.error();
            }
            Status recorded = plan.forward(true, static_cast<std::uint64_t>(step));
            recorded = recorded ? plan.computeMetrics() : recorded;
            recorded = recorded ? plan.backward() : recorded;
            recorded = recorded ? optimizer.step(grads, lr) : recorded;
            Status ended = backend.endCapture(); // always ends what began
            if (!recorded || !ended) {
                return (!recorded ? recorded : ended).error();
            }
            stepCaptured = true;
            scalars = {static_cast<std::uint64_t>(step), lr, optimizer.steps()};
        } else {
            scalars = optimizer.replayed(lr, static_cast<std::uint64_t>(step));
        }
        if (auto s = backend.replayStep(scalars); !s) {
            return s.error();
        }
        return readMetrics(plan);
    }

    // predict() only: the logits of every sample of the batch.
    Status downloadPrediction(ExecutionPlan& plan) {
        hostPrediction.resize(static_cast<std::size_t>(plan.prediction().numel()));
        if (auto s = backend.copyToHost(plan.prediction(), hostPrediction.data()); !s) {
            return s;
        }
        return backend.synchronize();
    }

    Expected<ExecutionPlan*> evalPlan(std::int64_t batch) {
        auto& slot = evalPlans[batch];
        if (!slot) {
            auto plan =
                ExecutionPlan::compile(project.graph, registry, backend, params,
                                       {batch, false, options.config.seed, options.fallback});
            if (!plan) {
                return plan.error();
            }
            slot = std::move(*plan);
        }
        return slot.get();
    }

    // One pass over `dataset`; with `out`, also every sample's prediction.
    // Data-parallel: every rank takes rank 0's state tensors (batch-norm statistics), so that
    // they evaluate, checkpoint and early-stop on the same model.
    Status broadcastState() {
        std::vector<Tensor> state;
        for (const auto& e : params.entries()) {
            if (!e->spec.trainable) {
                state.push_back(e->value);
            }
        }
        return state.empty() ? Status::success() : comm->broadcast(backend, state, 0);
    }

    // One pass over `dataset`; with `out`, also every sample's prediction. Data-parallel
    // (without `out`): each rank evaluates its shard of every batch and the sums are reduced.
    Expected<EvalResult> evaluate(const std::shared_ptr<datasets::Dataset>& dataset,
                                  Predictions* out = nullptr) {
        const bool sharded = distributed() && !out;
        if (sharded) {
            if (auto s = broadcastState(); !s) {
                return s.error();
            }
        }
        datasets::LoaderOptions lo = loaderOptions(false);
        if (!sharded) {
            lo.shardIndex = 0;
            lo.shardCount = 1;
        }
        auto loader = datasets::DataLoader::create(dataset, lo);
        if (!loader) {
            return loader.error();
        }
        (*loader)->startEpoch(0);
        EvalResult r;
        double lossSum = 0;
        std::int64_t top1 = 0, top5 = 0;
        while (auto batch = (*loader)->next()) {
            if (batch->size == 0) {
                continue; // this rank's shard of a short last batch
            }
            auto plan = evalPlan(batch->size);
            if (!plan) {
                return plan.error();
            }
            if (auto s = upload(**plan, *batch); !s) {
                return s.error();
            }
            if (auto s = (*plan)->forward(false, 0); !s) {
                return s.error();
            }
            auto m = metrics(**plan);
            if (!m) {
                return m.error();
            }
            lossSum += m->loss * static_cast<double>(batch->size);
            top1 += m->top1;
            top5 += m->top5;
            r.samples += batch->size;
            if (out) {
                if (auto s = downloadPrediction(**plan); !s) {
                    return s.error();
                }
                for (std::size_t i = 0; i < batch->labels.size(); ++i) {
                    auto top = topClass(std::span<const float>(hostPrediction)
                                            .subspan(i * static_cast<std::size_t>(classes),
                                                     static_cast<std::size_t>(classes)));
                    out->labels.push_back(batch->labels[i]);
                    out->predicted.push_back(top.index);
                    out->confidence.push_back(top.confidence);
                }
            }
        }
        if (sharded) {
            double sums[4] = {lossSum, double(top1), double(top5), double(r.samples)};
            if (auto s = comm->allreduceHost(sums); !s) {
                return s.error();
            }
            lossSum = sums[0];
            top1 = std::int64_t(sums[1]);
            top5 = std::int64_t(sums[2]);
            r.samples = std::int64_t(sums[3]);
        }
        if (r.samples > 0) {
            r.loss = lossSum / static_cast<double>(r.samples);
            const double labels = static_cast<double>(r.samples * labelsPerSample);
            r.accuracy = static_cast<double>(top1) / labels;
            r.top5 = classes >= 5 ? static_cast<double>(top5) / labels
                                  : std::numeric_limits<double>::quiet_NaN();
        }
        return r;
    }
};

Trainer::Trainer(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}

Trainer::~Trainer() = default;

Expected<std::unique_ptr<Trainer>> Trainer::create(const graph::Project& project,
                                                   datasets::DatasetSplits splits,
                                                   const graph::OpRegistry& registry,
                                                   Backend& backend, TrainOptions options) {
    if (!splits.train) {
        return Error::internal("Trainer::create: the dataset splits have no training split");
    }
    auto optimizer = Optimizer::create(options.config.optimizer, backend);
    if (!optimizer) {
        return optimizer.error();
    }
    auto impl = std::make_unique<Impl>(project, registry, backend, std::move(options),
                                       std::move(*optimizer));
    const auto& cfg = impl->options.config;

    impl->splits = std::move(splits);
    std::int64_t localBatch = cfg.batchSize;
    if (Communicator* comm = impl->options.communicator) {
        impl->comm = comm;
        impl->rank = comm->rank();
        impl->world = comm->size();
        if (cfg.batchSize % impl->world != 0) {
            return Error::user("training.batch_size: " + std::to_string(cfg.batchSize) +
                               " does not split evenly over " + std::to_string(impl->world) +
                               " ranks (each trains on an equal shard of every batch)");
        }
        localBatch = cfg.batchSize / impl->world;
        if (impl->options.syncBatchNorm && backend.device() != Device::cpu()) {
            return Error::user("synchronised batch norm runs on the CPU backend; " +
                               backend.device().toString() + " keeps each rank's statistics");
        }
    }

    auto plan =
        ExecutionPlan::compile(project.graph, registry, backend, impl->params,
                               {localBatch, true, cfg.seed, impl->options.fallback, impl->rank,
                                impl->world, impl->options.syncBatchNorm ? impl->comm : nullptr});
    if (!plan) {
        return plan.error();
    }
    impl->trainPlan = std::move(*plan);
    ExecutionPlan& p = *impl->trainPlan;

    // The graph must fit the data: the Input's shape and the prediction's classes.
    const auto& train = *impl->splits.train;
    Dims sample(p.input().shape().begin() + 1, p.input().shape().end());
    if (sample != train.sampleShape()) {
        for (const auto& n : project.graph.nodes()) {
            if (n.op == "Input") {
                return Error::user("node '" + n.id + "', field 'shape': the Input takes " +
                                   dimsToString(sample) + " but the dataset's samples are " +
                                   dimsToString(train.sampleShape()));
            }
        }
    }
    const Dims& pred = p.prediction().shape();
    const bool perStep = !train.targetShape().empty();
    impl->classes = pred.size() == 2 || (perStep && pred.size() > 2) ? pred.back() : 0;
    impl->labelsPerSample = train.targetNumel();
    impl->perStep = perStep;
    // A label per step ([T] targets, language models) needs a [N, T, classes] prediction.
    if (perStep && Dims(pred.begin() + 1, pred.end() - 1) != train.targetShape()) {
        for (const auto& n : project.graph.nodes()) {
            if (n.op == "Loss") {
                return Error::user("node '" + n.id + "': the prediction " + dimsToString(pred) +
                                   " does not have one score per class for each of the " +
                                   dimsToString(train.targetShape()) +
                                   " steps of the dataset's targets (expected [N, " +
                                   std::to_string(train.targetShape()[0]) + ", " +
                                   std::to_string(train.numClasses()) + "])");
            }
        }
    }
    if (impl->classes != train.numClasses()) {
        for (const auto& n : project.graph.nodes()) {
            if (n.op == "Loss") {
                return Error::user("node '" + n.id + "': the prediction " + dimsToString(pred) +
                                   " does not have one score for each of "
                                   "the dataset's " +
                                   std::to_string(train.numClasses()) + " classes");
            }
        }
    }

    if (auto s = impl->params.initialize(cfg.seed); !s) {
        return s.error();
    }
    for (auto* e : impl->params.trainable()) {
        if (auto s = impl->optimizer.addParameter(e->value, e->spec.decays); !s) {
            return s.error();
        }
        impl->grads.push_back(e->grad);
    }
    if (impl->comm) {
        impl->gradSync = std::make_unique<GradientSync>(*impl->comm, backend, impl->grads,
                                                        impl->options.bucketBytes);
    }

    auto loader = datasets::DataLoader::create(impl->splits.train, impl->loaderOptions(true));
    if (!loader) {
        return loader.error();
    }
    impl->trainLoader = std::move(*loader);
    std::int64_t perEpoch = impl->trainLoader->batchesPerEpoch();
    if (perEpoch == 0) {
        return Error::user("the batch size (" + std::to_string(cfg.batchSize) +
                           ") is larger than the training split (" + std::to_string(train.size()) +
                           " samples)");
    }
    std::int64_t total = perEpoch * cfg.epochs;
    if (impl->options.maxSteps > 0) {
        total = std::min(total, impl->options.maxSteps);
    }
    auto schedule =
        LearningRateSchedule::create(cfg.schedule, cfg.optimizer.learningRate, perEpoch, total);
    if (!schedule) {
        return schedule.error();
    }
    impl->schedule = *schedule;
    return std::unique_ptr<Trainer>(new Trainer(std::move(impl)));
}

void Trainer::requestStop() {
    m_stop = true;
    std::lock_guard lock(m_pauseMutex);
    m_pauseChanged.notify_all();
}

void Trainer::setPaused(bool paused) {
    std::lock_guard lock(m_pauseMutex);
    m_paused = paused;
    m_pauseChanged.notify_all();
}

bool Trainer::waitWhilePaused() {
    std::unique_lock lock(m_pauseMutex);
    m_pauseChanged.wait(lock, [this] { return !m_paused || m_stop; });
    return !m_stop;
}

std::int64_t Trainer::trainableParameters() const {
    return m_impl->params.trainableCount();
}

std::int64_t Trainer::frozenParameters() const {
    return m_impl->params.frozenCount();
}

bool Trainer::labelsPerStep() const {
    return m_impl->perStep;
}

std::int64_t Trainer::batchesPerEpoch() const {
    return m_impl->trainLoader->batchesPerEpoch();
}

std::size_t Trainer::arenaBytes() const {
    return m_impl->trainPlan->arenaBytes();
}

std::size_t Trainer::naiveArenaBytes() const {
    return m_impl->trainPlan->naiveBytes();
}

Status Trainer::saveWeights(const std::filesystem::path& path) {
    return engine::saveWeights(m_impl->backend, m_impl->params, path);
}

Status Trainer::loadWeights(const std::filesystem::path& path) {
    return engine::loadWeights(m_impl->backend, m_impl->params, path);
}

Expected<MatchedWeights> Trainer::loadInitialWeights(const std::filesystem::path& path) {
    Impl& im = *m_impl;
    if (im.step != 0 || im.optimizer.steps() != 0) {
        return Error::internal("initial weights are loaded before the first step, not at step " +
                               std::to_string(im.step));
    }
    return loadMatchingWeights(im.backend, im.params, path);
}

Status Trainer::saveCheckpoint(const std::filesystem::path& path, const CheckpointOwner& owner) {
    Impl& im = *m_impl;
    return engine::saveCheckpoint(im.backend, im.params, im.optimizer, im.progress(), path, owner);
}

Status Trainer::loadCheckpoint(const std::filesystem::path& path) {
    Impl& im = *m_impl;
    auto p = engine::loadCheckpoint(im.backend, im.params, im.optimizer, path);
    if (!p) {
        return p.error();
    }
    if (p->seed != im.options.config.seed) {
        return Error::user(path.string() + ": the checkpoint was saved by a run with seed " +
                           std::to_string(p->seed) + ", this one has seed " +
                           std::to_string(im.options.config.seed));
    }
    im.step = p->step;
    im.epochLossSum = p->epochLossSum;
    im.epochCorrect = p->epochCorrect;
    im.epochSamples = p->epochSamples;
    im.epochSteps = p->epochSteps;
    im.bestMonitored = p->bestMonitored;
    im.epochsWithoutImprovement = p->epochsWithoutImprovement;
    return Status::success();
}

std::int64_t Trainer::step() const {
    return m_impl->step;
}

Expected<EvalResult> Trainer::evaluate(bool validation) {
    auto& split = validation ? m_impl->splits.validation : m_impl->splits.test;
    if (!split) {
        return Error::user(validation ? "the project has no validation split"
                                      : "the dataset has no test split");
    }
    return m_impl->evaluate(split);
}

Expected<Predictions> Trainer::predict(bool validation) {
    auto& split = validation ? m_impl->splits.validation : m_impl->splits.test;
    if (!split) {
        return Error::user(validation ? "the project has no validation split"
                                      : "the dataset has no test split");
    }
    if (m_impl->classes <= 0) {
        return Error::user("predictions need a classification model");
    }
    Predictions p;
    p.classes = m_impl->classes;
    p.classNames = split->classNames();
    auto r = m_impl->evaluate(split, &p);
    if (!r) {
        return r.error();
    }
    p.summary = *r;
    return p;
}

Expected<TrainResult> Trainer::run(TrainerCallbacks* callbacks) {
    Impl& im = *m_impl;
    ExecutionPlan& plan = *im.trainPlan;
    const auto& cfg = im.options.config;
    const std::int64_t perEpoch = im.trainLoader->batchesPerEpoch();
    std::int64_t totalSteps = perEpoch * cfg.epochs;
    if (im.options.maxSteps > 0) {
        totalSteps = std::min(totalSteps, im.options.maxSteps);
    }
    TrainResult result;
    const auto runStart = Clock::now();
    double trainSeconds = 0;
    std::int64_t trainSamples = 0;
    result.worldSize = im.world;
    im.commExposedSeconds = im.commStagingSeconds = 0;
    const std::int64_t bytesBefore = im.comm ? im.comm->bytesReduced() : 0;
    const double reduceBefore = im.comm ? im.comm->reduceSeconds() : 0;
    // Data-parallel: a failed collective of an aborted communicator (another rank ended)
    // stops the run after its last complete step, with the reason; any other is an error.
    auto interrupted = [&](const Error& e) {
        if (!im.comm || !im.comm->aborted()) {
            return false;
        }
        result.outcome = TrainResult::Outcome::Stopped;
        result.interruptedBy = e.message;
        return true;
    };
    auto finishResult = [&] {
        result.steps = im.step;
        result.trainSamplesPerSecond = trainSeconds > 0 ? double(trainSamples) / trainSeconds : 0;
        result.wallSeconds = secondsSince(runStart);
        if (im.comm) {
            result.commExposedSeconds = im.commExposedSeconds;
            result.commStagingSeconds = im.commStagingSeconds;
            result.bucketsPerStep = im.gradSync->buckets();
            result.commBytes = im.comm->bytesReduced() - bytesBefore;
            result.commSeconds = im.comm->reduceSeconds() - reduceBefore;
        }
    };
    // Every rank starts from rank 0's weights (its initialisation, initial weights or
    // checkpoint), state tensors included.
    if (im.distributed()) {
        std::vector<Tensor> all;
        for (const auto& e : im.params.entries()) {
            all.push_back(e->value);
        }
        if (auto s = im.comm->broadcast(im.backend, all, 0); !s) {
            if (interrupted(s.error())) {
                finishResult();
                return result;
            }
            return s.error();
        }
    }

    // Resuming (im.step > 0): mid-epoch, the epoch's sums come from the checkpoint; at an
    // epoch boundary the next epoch starts afresh.
    const std::int64_t firstEpoch = im.step / perEpoch;
    for (std::int64_t epoch = firstEpoch; epoch < cfg.epochs; ++epoch) {
        result.epochs = epoch + 1;
        const std::int64_t firstBatch = epoch == firstEpoch ? im.step % perEpoch : 0;
        im.trainLoader->startEpoch(epoch, firstBatch);
        if (firstBatch == 0) {
            im.epochLossSum = 0;
            im.epochCorrect = im.epochSamples = im.epochSteps = 0;
        }
        EpochEvent ev;
        ev.epoch = epoch;
        std::int64_t samples = 0, steps = 0; // this call's, for throughput
        auto epochStart = Clock::now();
        while (true) {
            // Data-parallel ranks vote before each step: a stop asked on any of them (by a
            // callback after the last step, --stop-after) stops all of them here.
            if (im.distributed()) {
                auto agreed = im.agreeToStop(m_stop.load());
                if (!agreed) {
                    if (interrupted(agreed.error())) {
                        break;
                    }
                    return agreed.error();
                }
                if (*agreed) {
                    result.outcome = TrainResult::Outcome::Stopped;
                    break;
                }
            } else if (!waitWhilePaused()) {
                result.outcome = TrainResult::Outcome::Stopped;
                break;
            }
            if (im.step >= totalSteps) {
                result.outcome = im.options.maxSteps > 0 && im.step >= im.options.maxSteps &&
                                         im.step < perEpoch * cfg.epochs
                                     ? TrainResult::Outcome::StepLimit
                                     : TrainResult::Outcome::Completed;
                break;
            }
            // A step's time includes any wait for its batch (the loader prefetches).
            auto stepStart = Clock::now();
            auto batch = im.trainLoader->next();
            if (!batch) {
                break;
            }
            result.dataWaitSeconds += secondsSince(stepStart);
            if (auto s = im.upload(plan, *batch); !s) {
                return s.error();
            }
            const float lr = im.schedule->at(im.step);
            const bool captured = im.capturesSteps(plan);
            Expected<Impl::BatchMetrics> m = Impl::BatchMetrics{};
            if (im.distributed()) {
                auto d = im.distributedStep(plan);
                if (!d) {
                    if (interrupted(d.error())) {
                        break;
                    }
                    return d.error();
                }
                m = *d;
            } else if (captured) {
                m = im.capturedStep(plan, lr);
            } else if (auto s = plan.forward(true, static_cast<std::uint64_t>(im.step)); !s) {
                return s.error();
            } else {
                m = im.metrics(plan); // the loss, before anything is updated from it
            }
            if (!m) {
                return m.error();
            }
            const double loss = m->loss;
            if (!std::isfinite(loss)) {
                return Error::user(
                    "the loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") +
                    " at step " + std::to_string(im.step + 1) + " (epoch " +
                    std::to_string(epoch + 1) + ", batch " + std::to_string(batch->index + 1) +
                    "); the run was stopped — try a lower learning rate or "
                    "gradient clipping");
            }
            if (!captured) {
                if (!im.distributed()) { // a distributed step has run its backward
                    if (auto s = plan.backward(); !s) {
                        return s.error();
                    }
                }
                if (cfg.gradClipNorm > 0) {
                    if (auto n = clipGradNorm(im.backend, im.grads, cfg.gradClipNorm); !n) {
                        return n.error();
                    }
                }
                if (auto s = im.optimizer.step(im.grads, lr); !s) {
                    return s.error();
                }
            }
            const std::int64_t correct = m->top1;
            double stepSeconds = secondsSince(stepStart);
            trainSeconds += stepSeconds;
            ++im.step;
            ++steps;
            ++im.epochSteps;
            im.epochLossSum += loss;
            im.epochCorrect += correct;
            // Data-parallel: the metrics are the global batch's (every shard is full).
            const std::int64_t batchSamples = batch->size * im.world;
            im.epochSamples += batchSamples;
            samples += batchSamples;
            trainSamples += batchSamples;
            result.finalLoss = loss;
            if (callbacks) {
                StepEvent se;
                se.step = im.step;
                se.epoch = epoch;
                se.batch = batch->index;
                se.batchesPerEpoch = perEpoch;
                se.totalSteps = totalSteps;
                se.loss = loss;
                se.accuracy = double(correct) / double(batchSamples * im.labelsPerSample);
                se.learningRate = lr;
                double epochSeconds = secondsSince(epochStart);
                se.samplesPerSecond = epochSeconds > 0 ? double(samples) / epochSeconds : 0;
                se.elapsedSeconds = secondsSince(runStart);
                se.tokensPerSample = im.tokensPerSample();
                callbacks->onStep(se);
            }
        }
        if (!result.interruptedBy.empty() || steps == 0) {
            break;
        }
        ev.seconds = secondsSince(epochStart);
        ev.trainLoss = im.epochLossSum / double(im.epochSteps);
        ev.trainAccuracy = double(im.epochCorrect) / double(im.epochSamples * im.labelsPerSample);
        ev.samplesPerSecond = ev.seconds > 0 ? double(samples) / ev.seconds : 0;
        ev.tokensPerSample = im.tokensPerSample();
        bool epochDone = im.epochSteps == perEpoch;
        bool stopped = result.outcome == TrainResult::Outcome::Stopped;
        // A completed epoch is evaluated even when a stop arrived at its very end, so its
        // test and validation metrics are recorded before the run stops.
        if (im.options.evaluateEachEpoch && (epochDone || !stopped)) {
            if (im.splits.validation) {
                auto v = im.evaluate(im.splits.validation);
                if (!v) {
                    if (interrupted(v.error())) {
                        break;
                    }
                    return v.error();
                }
                ev.hasValidation = true;
                ev.validation = *v;
            }
            if (im.splits.test) {
                auto t = im.evaluate(im.splits.test);
                if (!t) {
                    if (interrupted(t.error())) {
                        break;
                    }
                    return t.error();
                }
                ev.hasTest = true;
                ev.test = *t;
                result.test = *t;
            }
        }
        // Early stopping on the validation loss, else the training loss (never the test
        // split: choosing a model on the test set would bias its test accuracy). Updated
        // before onEpoch so that a checkpoint taken there includes this epoch.
        bool earlyStop = false;
        if (epochDone && cfg.earlyStoppingPatience > 0) {
            double monitored = ev.hasValidation ? ev.validation.loss : ev.trainLoss;
            if (monitored < im.bestMonitored) {
                im.bestMonitored = monitored;
                im.epochsWithoutImprovement = 0;
            } else if (++im.epochsWithoutImprovement >= cfg.earlyStoppingPatience) {
                earlyStop = true;
            }
        }
        if (callbacks) {
            callbacks->onEpoch(ev);
        }
        if (!epochDone) {
            break; // stopped, or the step limit ended the epoch early
        }
        if (earlyStop) {
            result.outcome = TrainResult::Outcome::EarlyStopped;
            break;
        }
    }
    finishResult();
    return result;
}

} // namespace nw::engine
