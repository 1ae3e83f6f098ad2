#pragma once
// How a training run is recorded (netwright-cli train and the IDE's TrainingController):
// a TrackedRun owns the run's row in the experiment
// store, its MetricWriter, the checkpoint policy (every epoch, every N steps when asked, and
// on stop) and the final status. Checkpoints live in runDirectory()/checkpoint.nwckpt
// (a.db -> a.runs/<id>/) and record the run's UUID, id and graph hash; resume() refuses one
// of another run.
//
// A checkpoint that cannot be written (a full disk, a read-only folder), or the metrics that
// must be committed before it, stops the run at that step boundary rather than training on
// without a safety net: the run is recorded 'stopped' (even when the failed checkpoint was its
// last) with its metrics, the atomic write left its previous checkpoint intact and no
// temporary file, so `train --resume` continues from that checkpoint once there is room;
// finish() returns the error, naming the file, the step and the checkpoint kept.

#include "base/expected.h"
#include "engine/tracking/metric_writer.h"
#include "engine/tracking/run_recorder.h"
#include "engine/tracking/store.h"
#include "engine/train/trainer.h"
#include "graph/project.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace nw::tracking {

// What a new run records besides the project.
struct RunDescription {
    std::string name;
    std::string projectPath;
    std::string device;
    Params extraParams; // run.max_steps, ...
};

class TrackedRun {
public:
    // Opens the store (`dbOverride`, else NETWRIGHT_DB, else the XDG default).
    static Expected<std::unique_ptr<TrackedRun>> openStore(const std::string& dbOverride);
    ~TrackedRun(); // closes the writer (committing what is queued)

    // A new run of `project` (overrides applied): its row and flattened parameters.
    Status begin(const graph::Project& project, const RunDescription& description);
    // Resuming run `runId`: the caller reads it with store().run(), creates a Trainer and
    // calls resume(), which loads the checkpoint, drops metrics after its step and marks the
    // run running again. A run that ended before its first checkpoint starts again from step 0
    // (the trainer as created), its metrics dropped: restarted() tells. A run that is not
    // stopped or crashed is a user error naming the run.
    Status resume(std::int64_t runId, engine::Trainer& trainer);
    // resume() found no checkpoint and trains the run again from its first step.
    bool restarted() const { return m_restarted; }

    // Starts the metric writer; `inner` (the progress display) still gets every event.
    // checkpointEvery: steps between checkpoints (0: every epoch only); stopAfter: request a
    // stop after this global step (0: never); stopFlag (may be null, must outlive the run):
    // when set (a signal handler), the next step boundary requests a stop;
    // checkpointMinutes: also checkpoint at the first step boundary after that many minutes
    // since the last checkpoint (or the start); 0: off.
    Status startRecording(engine::Trainer& trainer, engine::TrainerCallbacks* inner,
                          std::int64_t checkpointEvery, std::int64_t stopAfter,
                          const std::atomic<bool>* stopFlag = nullptr,
                          double checkpointMinutes = 0);
    engine::TrainerCallbacks* callbacks();
    // Called on the training thread after each checkpoint is written, with its global step
    // (set before startRecording; may be empty).
    void setCheckpointListener(std::function<void(std::int64_t step)> listener) {
        m_checkpointListener = std::move(listener);
    }

    // Final checkpoint (on stop), artifacts, status. `outcome` empty: the run failed. A failed
    // checkpoint is returned first, even when the rest was recorded.
    Status finish(const Expected<engine::TrainResult>& result, const std::string& weightsFile);

    ExperimentStore& store() { return *m_store; }
    std::int64_t runId() const { return m_runId; }
    std::filesystem::path checkpointPath() const;
    // Data-parallel ranks other than 0, when the job resumes run `runId`: the training state
    // of its checkpoint (none before the first), read only; rank 0 resumes the run itself.
    Status loadCheckpointOnly(std::int64_t runId, engine::Trainer& trainer);

private:
    class Callbacks;
    Status checkpoint(engine::Trainer& trainer);

    std::unique_ptr<ExperimentStore> m_store;
    std::int64_t m_runId = 0;
    bool m_restarted = false;
    RunRecord m_owner; // its uuid, id and graph hash go into every checkpoint
    std::unique_ptr<MetricWriter> m_writer;
    std::unique_ptr<RunRecorder> m_recorder;
    std::unique_ptr<Callbacks> m_callbacks;
    engine::Trainer* m_trainer = nullptr;
    Status m_checkpointError;           // the first failed checkpoint: it stopped the run
    std::int64_t m_checkpointStep = -1; // the step of the checkpoint on disk; -1: none
    std::function<void(std::int64_t)> m_checkpointListener;
};

// Parameters as flat "a.b.c" keys from the project's JSON (training.*, dataset.*).
Params flattenProjectParams(const std::string& projectJson);

} // namespace nw::tracking
