#include "app/training_run.h"

#include "datasets/catalog.h"
#include "engine/tracking/sha256.h"
#include "graph/project_file.h"

#include <charconv>
#include <cstdlib>
#include <system_error>
#include <utility>

namespace nw::app {

namespace {

// The project a request names and the folder its dataset paths resolve against. For a
// resumed run: its snapshot and recorded path; maxSteps becomes its recorded run.max_steps.
struct ResolvedProject {
    graph::Project project;
    std::string path;
    std::filesystem::path dir;
};

Expected<ResolvedProject> resumedProject(tracking::ExperimentStore& store, std::int64_t runId,
                                         const graph::OpRegistry& registry, std::int64_t& maxSteps,
                                         int worldSize, bool& syncBatchNorm) {
    auto record = store.run(runId);
    if (!record) {
        return record.error();
    }
    auto params = store.params(runId);
    if (!params) {
        return params.error();
    }
    int recordedWorld = 1; // runs before data-parallel training were one process
    for (const auto& [key, value] : *params) {
        if (key == "run.world_size") {
            recordedWorld = std::atoi(value.c_str());
        }
        if (key == "run.sync_batch_norm") {
            syncBatchNorm = value == "1";
        }
        if (key != "run.max_steps") {
            continue;
        }
        std::int64_t steps = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), steps);
        if (ec != std::errc() || end != value.data() + value.size()) {
            return Error::user("run " + std::to_string(runId) + ": parameter run.max_steps '" +
                               value + "' is not a number");
        }
        maxSteps = steps;
    }
    if (recordedWorld != worldSize) {
        return Error::user(
            "run " + std::to_string(runId) + " was trained by " + std::to_string(recordedWorld) +
            (recordedWorld == 1 ? " process" : " ranks") + "; resume it with the same number (" +
            (recordedWorld == 1
                 ? std::string("without --distributed")
                 : "--distributed under mpirun -np " + std::to_string(recordedWorld)) +
            "), as its batches and checkpoint are theirs");
    }
    auto project = graph::parseProject(record->projectJson, record->projectPath, registry);
    if (!project) {
        return project.error();
    }
    return ResolvedProject{std::move(*project), record->projectPath,
                           std::filesystem::path(record->projectPath).parent_path()};
}

Expected<ResolvedProject> requestedProject(const TrainingRunRequest& request,
                                           const graph::OpRegistry& registry) {
    if (request.project) { // a snapshot: its folder made absolute (the IDE's cwd may change)
        std::filesystem::path dir =
            request.projectPath.empty()
                ? std::filesystem::current_path()
                : std::filesystem::absolute(request.projectPath).parent_path();
        return ResolvedProject{*request.project, request.projectPath, std::move(dir)};
    }
    auto project = graph::readProject(request.projectPath, registry);
    if (!project) {
        return project.error();
    }
    // As typed, so that the dataset's errors name the files as the user wrote them.
    return ResolvedProject{std::move(*project), request.projectPath,
                           std::filesystem::path(request.projectPath).parent_path()};
}

} // namespace

void applyOverrides(graph::Project& project, const TrainingOverrides& o) {
    auto& t = project.training;
    if (o.epochs) {
        t.epochs = *o.epochs;
    }
    if (o.batch) {
        t.batchSize = *o.batch;
    }
    if (o.learningRate) {
        t.optimizer.learningRate = *o.learningRate;
    }
    if (o.seed) {
        t.seed = *o.seed;
    }
    if (o.device) {
        t.device = *o.device;
    }
    if (o.precision) {
        t.precision = *o.precision;
    }
}

Expected<std::unique_ptr<engine::Backend>>
openTrainingDevice(const engine::BackendRegistry& backends, const graph::Project& project,
                   const TrainingOverrides& overrides, const std::string& projectPath) {
    engine::BackendOptions options;
    options.threads = overrides.threads;
    auto backend = backends.openBackend(project.training.device, options);
    if (!backend) {
        const std::string where = overrides.device      ? "--device: "
                                  : projectPath.empty() ? std::string("training.device: ")
                                                        : projectPath + ": training.device: ";
        return Error::user(where + backend.error().message);
    }
    auto precision = engine::parsePrecision(project.training.precision);
    Status set = precision ? (*backend)->setPrecision(*precision) : Status(precision.error());
    if (!set) {
        const std::string where = overrides.precision   ? "--precision: "
                                  : projectPath.empty() ? std::string("training.precision: ")
                                                        : projectPath + ": training.precision: ";
        return Error::user(where + set.error().message);
    }
    return backend;
}

std::string precisionRefusal(const engine::BackendRegistry& backends, std::string_view device,
                             std::string_view precision) {
    auto p = engine::parsePrecision(precision);
    if (!p) {
        return p.error().message;
    }
    if (*p == engine::Precision::Fp32) {
        return {};
    }
    auto backend = backends.openBackend(device); // default options: leaves OpenMP's threads be
    if (!backend) {
        return {};
    }
    const Status set = (*backend)->setPrecision(*p);
    return set ? std::string() : set.error().message;
}

// An untracked run's callbacks: the progress display and the stop policy, as a tracked run's
// recorder applies them (engine/tracking/tracked_run.cpp).
class TrainingRun::UntrackedCallbacks final : public engine::TrainerCallbacks {
public:
    UntrackedCallbacks(engine::Trainer& trainer, const TrainingRecording& recording)
        : m_trainer(trainer)
        , m_inner(recording.progress)
        , m_stopAfter(recording.stopAfter)
        , m_stopFlag(recording.stopFlag) {}

    void onStep(const engine::StepEvent& e) override {
        if (m_inner) {
            m_inner->onStep(e);
        }
        if ((m_stopFlag && m_stopFlag->load()) || (m_stopAfter > 0 && e.step >= m_stopAfter)) {
            m_trainer.requestStop();
        }
    }
    void onEpoch(const engine::EpochEvent& e) override {
        if (m_inner) {
            m_inner->onEpoch(e);
        }
    }

private:
    engine::Trainer& m_trainer;
    engine::TrainerCallbacks* m_inner;
    std::int64_t m_stopAfter;
    const std::atomic<bool>* m_stopFlag;
};

TrainingRun::TrainingRun() = default;
TrainingRun::~TrainingRun() = default;

Status TrainingRun::startFromInitialWeights(const std::string& where) {
    const std::string& file = m_project.training.initialWeights;
    if (file.empty()) {
        return Status::success();
    }
    m_initialWeights = m_projectDir / file; // an absolute path stays as it is
    auto loaded = m_model.trainer->loadInitialWeights(m_initialWeights);
    if (!loaded) {
        Error e = loaded.error();
        e.message = where + e.message;
        return e;
    }
    m_notes.push_back("initial weights from " + m_initialWeights.string() + ": " +
                      std::to_string(loaded->loaded) + " tensors loaded" +
                      (loaded->fresh > 0
                           ? ", " + std::to_string(loaded->fresh) + " initialised fresh"
                           : std::string()));
    m_notes.insert(m_notes.end(), loaded->notes.begin(), loaded->notes.end());
    return Status::success();
}

Expected<std::unique_ptr<TrainingRun>> TrainingRun::open(const TrainingRunRequest& request,
                                                         const graph::OpRegistry& registry,
                                                         const engine::BackendRegistry& backends,
                                                         Failure* failure) {
    auto failedAt = [failure](Failure where, const Error& e) {
        if (failure) {
            *failure = where;
        }
        return e;
    };
    if (failure) {
        *failure = Failure::Other;
    }
    auto run = std::unique_ptr<TrainingRun>(new TrainingRun());
    // Data-parallel: rank 0 records the run; the other ranks record nothing and write no
    // checkpoint, and read the store only to resume.
    engine::Communicator* comm = request.communicator;
    const int worldSize = comm ? comm->size() : 1;
    const bool follower = comm && comm->rank() > 0;
    std::unique_ptr<tracking::TrackedRun> followerStore;
    if (follower && request.resumeRunId > 0) {
        auto store = tracking::TrackedRun::openStore(request.databasePath);
        if (!store) {
            return failedAt(Failure::Store, store.error());
        }
        followerStore = std::move(*store);
    }
    if (!request.track && request.resumeRunId > 0 && !follower) {
        return Error::user("run " + std::to_string(request.resumeRunId) +
                           ": resuming a run needs the experiment database it is recorded in; "
                           "it cannot train untracked");
    }
    if (request.track && !follower) {
        auto tracked = tracking::TrackedRun::openStore(request.databasePath);
        if (!tracked) {
            return failedAt(Failure::Store, tracked.error());
        }
        run->m_notes = (*tracked)->store().migrationReport();
        run->m_tracked = std::move(*tracked);
    }
    run->m_resumed = request.resumeRunId > 0;
    run->m_maxSteps = request.maxSteps;

    TrainingOverrides overrides = request.overrides;
    tracking::TrackedRun* readFrom = follower ? followerStore.get() : run->m_tracked.get();
    bool syncBatchNorm = request.syncBatchNorm; // a resumed run's as it was recorded
    auto resolved = run->m_resumed
                        ? resumedProject(readFrom->store(), request.resumeRunId, registry,
                                         run->m_maxSteps, worldSize, syncBatchNorm)
                        : requestedProject(request, registry);
    if (!resolved) {
        return resolved.error();
    }
    if (run->m_resumed) { // the settings it started with; only where it runs may change
        overrides = {};
        overrides.device = request.overrides.device;
        overrides.threads = request.overrides.threads;
    }
    run->m_project = std::move(resolved->project);
    run->m_projectPath = std::move(resolved->path);
    run->m_projectDir = std::move(resolved->dir);
    applyOverrides(run->m_project, overrides);
    std::string initialWhere = run->m_projectPath.empty()
                                   ? std::string("training.initial_weights: ")
                                   : run->m_projectPath + ": training.initial_weights: ";
    if (request.initialWeights) {
        if (run->m_resumed) {
            return Error::user("--init-weights: run " + std::to_string(request.resumeRunId) +
                               " continues from its checkpoint; initial weights start new runs");
        }
        if (request.initialWeights->empty()) {
            return Error::user("--init-weights: needs a weights file");
        }
        // Absolute, so that the run's recorded project names the file wherever it is read.
        run->m_project.training.initialWeights =
            std::filesystem::absolute(*request.initialWeights).lexically_normal().string();
        initialWhere = "--init-weights: ";
    }
    run->m_checkpointEvery =
        request.checkpointEvery.value_or(run->m_project.training.checkpointEverySteps);
    run->m_checkpointMinutes =
        request.checkpointEveryMinutes.value_or(run->m_project.training.checkpointEveryMinutes);

    auto backend = openTrainingDevice(backends, run->m_project, overrides, run->m_projectPath);
    if (!backend) {
        return backend.error();
    }
    run->m_model.backend = std::move(*backend);
    auto splits = datasets::openDataset(run->m_project.dataset, run->m_projectDir);
    if (!splits) {
        return splits.error();
    }
    engine::TrainOptions options;
    options.config = run->m_project.training;
    options.maxSteps = run->m_maxSteps;
    options.communicator = comm;
    if (comm && request.deviceCommunicator) {
        auto device = request.deviceCommunicator(*run->m_model.backend);
        if (!device) {
            return device.error();
        }
        run->m_deviceComm = std::move(*device);
        if (run->m_deviceComm) {
            options.communicator = run->m_deviceComm.get();
            run->m_notes.push_back("gradients travel by " + run->m_deviceComm->description());
        }
    }
    options.syncBatchNorm = syncBatchNorm && comm;
    options.bucketBytes = request.bucketBytes;
    if (run->m_model.backend->device() != engine::Device::cpu()) { // mixed placement
        engine::BackendOptions cpuOptions;
        cpuOptions.threads = overrides.threads;
        auto cpu = backends.openBackend("cpu", cpuOptions);
        if (!cpu) {
            return cpu.error();
        }
        run->m_model.fallback = std::move(*cpu);
        options.fallback = run->m_model.fallback.get();
    }
    auto trainer = engine::Trainer::create(run->m_project, std::move(*splits), registry,
                                           *run->m_model.backend, options);
    if (!trainer) {
        return trainer.error();
    }
    run->m_model.trainer = std::move(*trainer);

    if (follower) { // rank 0's weights arrive when training starts; its checkpoint's state now
        run->m_checkpointEvery = 0;
        run->m_checkpointMinutes = 0;
        if (run->m_resumed) {
            if (auto s =
                    followerStore->loadCheckpointOnly(request.resumeRunId, *run->m_model.trainer);
                !s) {
                return s.error();
            }
        }
        return run;
    }
    // A new run starts from its initial weights (before it is recorded: a missing file fails
    // it); a resumed one from its checkpoint, or from them again when it had none.
    if (!run->m_resumed) {
        if (auto s = run->startFromInitialWeights(initialWhere); !s) {
            return s.error();
        }
    }
    if (!run->m_tracked) {
        run->m_checkpointEvery = 0;
        run->m_checkpointMinutes = 0;
        return run;
    }
    if (run->m_resumed) {
        if (auto s = run->m_tracked->resume(request.resumeRunId, *run->m_model.trainer); !s) {
            return s.error();
        }
        if (run->m_tracked->restarted()) {
            run->m_notes.push_back("run " + std::to_string(request.resumeRunId) +
                                   " ended before its first checkpoint; training it again from "
                                   "step 0 with the settings it was started with");
            if (auto s = run->startFromInitialWeights(initialWhere); !s) {
                return s.error();
            }
        }
        return run;
    }
    tracking::RunDescription description{
        request.runName,
        run->m_projectPath.empty() ? (run->m_projectDir / "untitled.nwproj").string()
                                   : run->m_projectPath,
        run->m_model.backend->device().toString(),
        {{"run.max_steps", std::to_string(run->m_maxSteps)},
         {"run.checkpoint_every", std::to_string(run->m_checkpointEvery)}}};
    if (!request.source.empty()) {
        description.extraParams.emplace_back("run.source", request.source);
    }
    if (comm) { // its batches are split over the ranks: a resume needs as many
        description.extraParams.emplace_back("run.world_size", std::to_string(worldSize));
        description.extraParams.emplace_back("run.sync_batch_norm", syncBatchNorm ? "1" : "0");
    }
    if (!run->m_initialWeights.empty()) { // what a reproduction must start from
        auto sha = tracking::sha256File(run->m_initialWeights);
        if (!sha) {
            return sha.error();
        }
        description.extraParams.emplace_back(
            "run.initial_weights",
            std::filesystem::absolute(run->m_initialWeights).lexically_normal().string());
        description.extraParams.emplace_back("run.initial_weights_sha256", *sha);
    }
    if (auto s = run->m_tracked->begin(run->m_project, description); !s) {
        return failedAt(Failure::Store, s.error());
    }
    return run;
}

Status TrainingRun::startRecording(const TrainingRecording& recording) {
    if (!m_tracked) {
        m_untracked = std::make_unique<UntrackedCallbacks>(trainer(), recording);
        return Status::success();
    }
    m_tracked->setCheckpointListener(recording.onCheckpoint);
    if (auto s =
            m_tracked->startRecording(trainer(), recording.progress, m_checkpointEvery,
                                      recording.stopAfter, recording.stopFlag, m_checkpointMinutes);
        !s) {
        (void)m_tracked->finish(s.error(), {});
        return s;
    }
    return Status::success();
}

Expected<engine::TrainResult> TrainingRun::train() {
    return trainer().run(m_tracked ? m_tracked->callbacks() : m_untracked.get());
}

Status TrainingRun::finish(const Expected<engine::TrainResult>& result,
                           const std::string& weightsFile) {
    if (result && !weightsFile.empty()) {
        if (auto s = trainer().saveWeights(weightsFile); !s) {
            if (m_tracked) {
                (void)m_tracked->finish(s.error(), {});
            }
            return s;
        }
    }
    return m_tracked ? m_tracked->finish(result, weightsFile) : Status::success();
}

} // namespace nw::app
