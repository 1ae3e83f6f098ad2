#pragma once
// TrainingRun: one training run as netwright-cli train and the IDE's TrainingController start
// it. It resolves the project (a file, an open document's snapshot, or a stopped run's own
// snapshot when resuming), applies the overrides, opens the device from the backend registry
// and the dataset, creates the engine's Trainer and records the run in the experiment store
// (engine/tracking/tracked_run.h): a new row, or the resumed run's checkpoint loaded. Qt-free;
// the CLI adds its signal handling and progress line, the controller its worker thread and
// queued signals.
//
// A run can also train untracked (netwright-cli train --no-track, the IDE's "Train without
// tracking", for a store that is read-only or cannot be opened): no store is opened, nothing
// is recorded and no checkpoint is written; runId() is 0 and only the weights file finish()
// is given keeps the result.
//
// A TrainingRun lives on one thread: the one that opened it (its store connection) also
// trains it and finishes it.

#include "base/expected.h"
#include "engine/core/backend.h"
#include "engine/core/backend_registry.h"
#include "engine/tracking/tracked_run.h"
#include "engine/train/trainer.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nw::app {

// Settings that replace the project's (netwright-cli's options); unset: the project's.
struct TrainingOverrides {
    std::optional<std::int64_t> epochs;
    std::optional<std::int64_t> batch;
    std::optional<double> learningRate;
    std::optional<std::uint64_t> seed;
    std::optional<std::string> device;    // "cpu", "cuda:0": replaces training.device (--device)
    int threads = 0;                      // CPU worker threads; 0: every core
    std::optional<std::string> precision; // "fp32", "tf32", "bf16": training.precision
};

// Writes every set override into project.training.
void applyOverrides(graph::Project& project, const TrainingOverrides& overrides);

// Opens project.training.device from `backends` with overrides.threads. A device this machine
// lacks is a user error listing the devices it has, prefixed with where the id came from:
// "--device: " when overrides.device is set, else "<projectPath>: training.device: " (just
// "training.device: " when projectPath is empty). Then sets training.precision on it: a
// precision the device cannot honour is a user error prefixed the same way ("--precision: ").
Expected<std::unique_ptr<engine::Backend>>
openTrainingDevice(const engine::BackendRegistry& backends, const graph::Project& project,
                   const TrainingOverrides& overrides, const std::string& projectPath);

// Why `device` cannot train in `precision` ("fp32", "tf32", "bf16"), in the device's words (or
// that the name is unknown); empty when it can. fp32 always can and opens nothing; otherwise
// the device is opened to ask (cheap on the CPU, a context on a GPU), so a caller that asks
// again and again (the IDE's training form) caches the answer per (device, precision). A
// device that does not open is empty too: that is training.device's error, not this one's.
std::string precisionRefusal(const engine::BackendRegistry& backends, std::string_view device,
                             std::string_view precision);

struct TrainingRunRequest {
    // What to train:
    //  - resumeRunId > 0: that stopped or crashed run, with the project snapshot, file path and
    //    run.max_steps it was started with (project, projectPath, maxSteps and every override
    //    but device and threads are ignored);
    //  - else `project` when set: a snapshot (the IDE's open document) of the file at
    //    projectPath (empty: unsaved; its dataset paths then resolve against the working
    //    directory);
    //  - else the project file at projectPath.
    std::int64_t resumeRunId = 0;
    std::optional<graph::Project> project;
    std::string projectPath;
    TrainingOverrides overrides;
    std::int64_t maxSteps = 0; // stop after this many steps; 0: the configured epochs
    // Steps between checkpoints (0: every epoch only); unset: training.checkpoint_every_steps.
    std::optional<std::int64_t> checkpointEvery;
    // Minutes between checkpoints by time (0: off); unset: training.checkpoint_every_minutes.
    std::optional<double> checkpointEveryMinutes;
    // Fine-tuning: the weights file a new run starts from (netwright-cli train --init-weights),
    // as typed (relative to the working directory); it replaces training.initial_weights, and
    // the run's project records it as an absolute path. Unset: the project's. A resumed run
    // continues from its checkpoint: setting it then is a user error.
    std::optional<std::string> initialWeights;
    std::string runName;      // empty: the project's name
    std::string databasePath; // empty: NETWRIGHT_DB, else the XDG default
    std::string source;       // who started the run, recorded as run.source ("cli", "ide")
    // false: train untracked (see the top of this file); checkpointEvery, checkpointEveryMinutes
    // and runName are then unused, and resumeRunId must be 0.
    bool track = true;
    // Data-parallel training (netwright-cli train --distributed): this process's rank in the
    // communicator's world (engine/distributed). Rank 0 records the run (its world size as
    // run.world_size; a resume needs the same) and writes its checkpoints; the other ranks
    // record nothing, and read the store only to resume. Null: one process. Must outlive the
    // run.
    engine::Communicator* communicator = nullptr;
    // With a communicator: batch-norm statistics over the global batch
    // (engine::TrainOptions::syncBatchNorm), recorded as run.sync_batch_norm; a resume keeps it.
    bool syncBatchNorm = false;
    // With a communicator: bytes of gradients per allreduce (engine::TrainOptions::bucketBytes).
    std::size_t bucketBytes = std::size_t(25) << 20;
    // With a communicator: the device's own, once the device is open (app/backends.h's
    // openDeviceCommunicator: NCCL on CUDA), which then carries the tensors; null or returning
    // null: `communicator` does.
    std::function<Expected<std::unique_ptr<engine::Communicator>>(engine::Backend&)>
        deviceCommunicator;
};

// How the run reports while it trains (startRecording()).
struct TrainingRecording {
    engine::TrainerCallbacks* progress = nullptr; // gets every event too (may be null)
    std::int64_t stopAfter = 0;                   // request a stop after this global step; 0: never
    // When set (a signal handler, the UI's stop button), the next step boundary requests a
    // stop. May be null; must outlive train().
    const std::atomic<bool>* stopFlag = nullptr;
    // On the training thread after each checkpoint is written, with its global step.
    std::function<void(std::int64_t step)> onCheckpoint;
};

// The model a finished run trained: the backend its tensors live on and the trainer
// (declared after it, so destroyed first).
struct TrainedModel {
    std::unique_ptr<engine::Backend> backend;
    std::unique_ptr<engine::Backend> fallback; // the CPU, for ops `backend` lacks; may be null
    std::unique_ptr<engine::Trainer> trainer;
};

class TrainingRun {
public:
    // Opens the store, resolves the project, opens the device and the dataset, creates the
    // Trainer, then records the run: a new row with the project's parameters and run.max_steps,
    // run.checkpoint_every and run.source, or (resuming) the run's checkpoint loaded, the
    // metrics after it dropped and the run marked running again. Errors are values naming the
    // run, file, node or field (an unknown run id: "unknown run id N in <database>"); a new run
    // that fails here is not recorded. `registry` must outlive the run.
    // `failure`, when given, tells a failed open's cause: Failure::Store when the experiment
    // store could not be opened or could not record the new run (read-only, full, not a
    // database) — the same run untracked would not need it.
    enum class Failure { Other, Store };
    static Expected<std::unique_ptr<TrainingRun>> open(const TrainingRunRequest& request,
                                                       const graph::OpRegistry& registry,
                                                       const engine::BackendRegistry& backends,
                                                       Failure* failure = nullptr);
    ~TrainingRun();

    // The project as trained: overrides applied, or the resumed run's snapshot.
    const graph::Project& project() const { return m_project; }
    // Its file (the resumed run's recorded path); empty for an unsaved snapshot.
    const std::string& projectPath() const { return m_projectPath; }
    // Where its relative dataset paths resolve.
    const std::filesystem::path& projectDir() const { return m_projectDir; }
    std::int64_t maxSteps() const { return m_maxSteps; }
    std::int64_t checkpointEvery() const { return m_checkpointEvery; }
    double checkpointEveryMinutes() const { return m_checkpointMinutes; }
    bool resumed() const { return m_resumed; }
    bool isTracked() const { return m_tracked != nullptr; }
    std::int64_t runId() const { return m_tracked ? m_tracked->runId() : 0; } // 0: untracked
    // What opening had to say: files an upgrade of an old store could not move (they keep
    // their recorded old paths), that a resumed run had no checkpoint and starts again from
    // step 0, and where the initial weights of a fine-tuning run came from, with each node
    // whose tensors were initialised fresh instead (absent from the file, or of another shape
    // there). The CLI prints them (stderr); the IDE shows them.
    const std::vector<std::string>& notes() const { return m_notes; }
    // The initial weights file the run started from (training.initial_weights resolved, or
    // the --init-weights override); empty: none, or a resumed run (its checkpoint instead).
    const std::filesystem::path& initialWeights() const { return m_initialWeights; }

    engine::Backend& backend() { return *m_model.backend; }
    engine::Trainer& trainer() { return *m_model.trainer; }
    tracking::TrackedRun& tracked() { return *m_tracked; } // a tracked run's only

    // Starts the metric writer (with the checkpoint policy). On failure the run is recorded
    // failed and the error returned. Untracked: only the progress and the stop policy.
    Status startRecording(const TrainingRecording& recording);
    // Trains on the calling thread from the current step (0, or the resumed checkpoint's),
    // recording every event.
    Expected<engine::TrainResult> train();
    // Records the end. With `weightsFile` non-empty and a successful `result`, first saves the
    // trained weights there: a failure to save records the run failed and is returned. Then
    // the final checkpoint (on stop), the artifacts and the status; a failure to record them
    // is returned. Untracked: only the weights.
    Status finish(const Expected<engine::TrainResult>& result, const std::string& weightsFile = {});

    // Hands over the trained model (after finish(); the IDE keeps it to evaluate). The run's
    // backend() and trainer() are gone afterwards.
    TrainedModel releaseModel() { return std::move(m_model); }

private:
    class UntrackedCallbacks;
    TrainingRun();
    // Loads the project's initial weights (if any) into the fresh trainer, noting what came
    // from where; `where` prefixes errors ("--init-weights: ").
    Status startFromInitialWeights(const std::string& where);

    graph::Project m_project;
    std::vector<std::string> m_notes;
    std::string m_projectPath;
    std::filesystem::path m_projectDir;
    std::filesystem::path m_initialWeights;
    std::int64_t m_maxSteps = 0;
    std::int64_t m_checkpointEvery = 0;
    double m_checkpointMinutes = 0;
    bool m_resumed = false;
    std::unique_ptr<engine::Communicator> m_deviceComm; // NCCL: outlives the trainer below
    TrainedModel m_model;
    std::unique_ptr<UntrackedCallbacks> m_untracked; // an untracked run's, after startRecording()
    std::unique_ptr<tracking::TrackedRun> m_tracked; // null untracked; declared last: closed first
};

} // namespace nw::app
