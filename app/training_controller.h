#pragma once
// TrainingController: runs one engine::Trainer at a time on a worker QThread for a snapshot of
// the open project, records it in the experiment store (app/training_run.h: the same run use
// case, recorder and database as netwright-cli train) and re-emits the Trainer's events as
// queued signals. Step events are coalesced: the worker queues them and the UI thread gets
// them in batches (one signal per event-loop turn), so a fast run never floods the UI.
//
// The UI never touches the Trainer: start/pause/resume/stop only set flags the Trainer reads
// between steps. A stopped run keeps everything recorded so far (status 'stopped', with its
// final checkpoint).

#include "app/text_generation_controller.h"
#include "engine/core/backend_registry.h"
#include "engine/train/metrics.h"
#include "engine/train/trainer.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace nw::app {

// How a run ended, as the UI shows it.
struct RunFinished {
    qint64 runId = 0; // 0 when the run was never recorded (or trained untracked)
    QString status;   // completed, stopped, failed
    QString message;  // the error for a failed run
    qint64 steps = 0;
    double wallSeconds = 0;
    bool tracked = true; // false: started untracked (start(..., false)), never recorded
    // The run could not start because the experiment store cannot be opened or cannot record
    // it (read-only, full, not a database): the same run untracked would not need it.
    bool storeUnavailable = false;
};

// The result of TrainingController::evaluate() / evaluateRun(): every test sample's
// prediction, the confusion matrix and per-class metrics, and the test split (to draw
// samples). Immutable once emitted.
struct Evaluation {
    quint64 request = 0; // what evaluate() / evaluateRun() returned
    qint64 runId = 0;
    QString runName;
    // The model evaluated: a checkpoint (of a stored or the active run) at global step `step`,
    // or (fromCheckpoint false) the model the last run of this session ended with.
    bool fromCheckpoint = false;
    qint64 step = 0;
    qint64 batchesPerEpoch = 0;
    QString checkpointPath;
    // Targets per sample: > 1 for a language model (a label per step; predictions then hold
    // one label per token and the report is per token), 1 otherwise.
    qint64 tokensPerSample = 1;
    // The dataset has no test split (a text corpus): the validation split was evaluated.
    bool onValidation = false;
    engine::Predictions predictions;
    engine::ClassificationReport report;
    std::shared_ptr<const datasets::Dataset> testSplit; // null when it could not be opened

    // "Run 3 'tiny', checkpoint at step 40 (after epoch 2)": where the model came from.
    QString source() const;
};

class TrainingController : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Starting, Running, Paused, Stopping };
    Q_ENUM(State)

    // `registry` and `backends` must outlive the controller. Runs open the project's
    // training.device from `backends`.
    TrainingController(const graph::OpRegistry& registry, const engine::BackendRegistry& backends,
                       QObject* parent = nullptr);
    // Stops a running run and waits for it (see stopAndWait()).
    ~TrainingController() override;

    // Where runs are recorded: an explicit path, else NETWRIGHT_DB, else the XDG default.
    void setDatabasePath(const QString& path) { m_databasePath = path; }
    QString databasePath() const;

    // Starts a run of `project` (copied; later edits do not affect it). `projectPath` is the
    // file it came from (its folder resolves dataset paths; empty: the working directory).
    // maxSteps: stop after that many steps (0: the configured epochs). `track` false: train
    // untracked — no store, nothing recorded, no checkpoints, runId() 0 (app/training_run.h).
    // Refused while a run is active (returns false).
    bool start(const graph::Project& project, const QString& projectPath, qint64 maxSteps = 0,
               const QString& runName = {}, bool track = true);
    // Continues a stopped or crashed run from its checkpoint with the project and settings
    // it started with (as `netwright-cli train --resume`); the same run id, the metrics after
    // the checkpoint dropped. Errors (not resumable, no checkpoint) come as finished().
    bool resumeRun(qint64 runId);
    void pause();
    void resume();
    // Asks the run to stop at the next step boundary; finished() follows.
    void stop();
    // stop(), then blocks until the worker has recorded the run's end (closing the window).
    void stopAndWait();

    // Evaluates on the test split (the validation split when the dataset has none, as a text
    // corpus), on a worker thread with its own backend: while a run is
    // active, the run's latest checkpoint (training goes on undisturbed); otherwise the model
    // the last run of this session ended with. Returns the request id that evaluated() or
    // evaluationFailed() carries; 0 (refused) while another evaluation is active, while the
    // active run has no checkpoint yet, or when idle with no run finished in this session.
    quint64 evaluate();
    // Evaluates stored run `runId` (any run of the store, this session's or not): its project
    // snapshot with its newest checkpoint, on its dataset's test split, on a worker thread.
    // Errors (unknown run, no checkpoint, dataset missing) come as evaluationFailed() with a
    // message naming the run and the file. 0 (refused) while another evaluation is active.
    quint64 evaluateRun(qint64 runId);
    bool hasModel() const { return m_model != nullptr; }
    // The model the last run of this session ended with (completed or stopped), for text
    // generation: its loadWeights copies the trained weights from any thread (one use at a
    // time with evaluate()). Empty loadWeights when no run has finished.
    GenerationModel generationModel() const;
    // Stored run `runId`'s project snapshot and newest checkpoint, for text generation (reads
    // the store on the calling thread; the checkpoint is loaded on the generation's worker). A
    // user error naming the run when it is unknown or has no checkpoint.
    Expected<GenerationModel> storedGenerationModel(qint64 runId) const;
    const graph::OpRegistry& registry() const { return m_registry; }
    bool isEvaluating() const { return m_evalThread != nullptr; }
    // The global step of the active run's latest checkpoint; -1 when it has none yet.
    qint64 checkpointStep() const { return m_checkpointStep; }

    State state() const { return m_state; }
    bool isActive() const { return m_state != State::Idle; }
    // The devices runs can use (the Train form lists them by name).
    const engine::BackendRegistry& backends() const { return m_backends; }
    qint64 runId() const { return m_runId; }
    // The device the current (or last) run trains on, as its backend describes itself:
    // "llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan, ...)", "CPU (oneDNN 2.6.3, 2 threads)".
    const QString& deviceDescription() const { return m_deviceDescription; }
    // What the current (or last) run said as it opened (TrainingRun::notes(), what
    // netwright-cli train prints as "note: ..."): where its initial weights came from and which
    // nodes started fresh instead, a resumed run without a checkpoint. Set by runStarted.
    const QStringList& runNotes() const { return m_runNotes; }

signals:
    void stateChanged(nw::app::TrainingController::State state);
    // The run has its row in the store; its first step will be startStep + 1 (0 for a new
    // run, the checkpoint's step for a resumed one). deviceDescription() is set by then.
    void runStarted(qint64 runId, qint64 trainableParameters, qint64 batchesPerEpoch,
                    qint64 startStep);
    // Steps in order since the previous batch (never empty).
    void steps(const QList<nw::engine::StepEvent>& events);
    void epochFinished(const nw::engine::EpochEvent& event);
    void finished(const nw::app::RunFinished& result);
    // The active run wrote a checkpoint (at an epoch end, per the checkpoint policy).
    void checkpointSaved(qint64 step);
    void evaluated(const nw::app::Evaluation& result);
    void evaluationFailed(quint64 request, const QString& message);

private:
    class Forwarder;
    struct Job;
    struct Model;
    void launch(std::shared_ptr<Job> job);
    void work(std::shared_ptr<Job> job); // on the worker thread
    void setState(State state);
    void deliverSteps();
    void onFinished(const RunFinished& result);
    quint64 startEvaluation(std::function<Expected<Evaluation>()> job);

    const graph::OpRegistry& m_registry;
    const engine::BackendRegistry& m_backends;
    QString m_databasePath;
    State m_state = State::Idle;
    qint64 m_runId = 0;
    bool m_started = false; // the active run has started training (runStarted emitted)
    QString m_deviceDescription;
    QStringList m_runNotes;
    QThread* m_thread = nullptr;
    std::shared_ptr<Job> m_job;
    std::shared_ptr<Model> m_model; // the last finished run's trainer, for evaluate()
    QThread* m_evalThread = nullptr;
    quint64 m_lastRequest = 0;
    qint64 m_checkpointStep = -1;
};

} // namespace nw::app

Q_DECLARE_METATYPE(nw::engine::StepEvent)
Q_DECLARE_METATYPE(nw::engine::EpochEvent)
Q_DECLARE_METATYPE(nw::app::RunFinished)
Q_DECLARE_METATYPE(nw::app::Evaluation)
