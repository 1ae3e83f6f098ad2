#pragma once
// TrainingController: runs one engine::Trainer at a time on a worker QThread for a snapshot of
// the open project, records it in the experiment store (engine/tracking/tracked_run.h, the
// same recorder and database as netwright-cli train) and re-emits the Trainer's events as
// queued signals. Step events are coalesced: the worker queues them and the UI thread gets
// them in batches (one signal per event-loop turn), so a fast run never floods the UI.
//
// The UI never touches the Trainer: start/pause/resume/stop only set flags the Trainer reads
// between steps. A stopped run keeps everything recorded so far (status 'stopped', with its
// final checkpoint).

#include "engine/train/metrics.h"
#include "engine/train/trainer.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <memory>
#include <mutex>

namespace nw::app {

// How a run ended, as the UI shows it.
struct RunFinished {
    qint64 runId = 0; // 0 when the run was never recorded
    QString status;   // completed, stopped, failed
    QString message;  // the error for a failed run
    qint64 steps = 0;
    double wallSeconds = 0;
};

// The result of TrainingController::evaluate(): every test sample's prediction, the confusion
// matrix and per-class metrics, and the test split (to draw samples). Immutable once emitted.
struct Evaluation {
    qint64 runId = 0;
    engine::Predictions predictions;
    engine::ClassificationReport report;
    std::shared_ptr<const datasets::Dataset> testSplit; // null when it could not be opened
};

class TrainingController : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Starting, Running, Paused, Stopping };
    Q_ENUM(State)

    // `registry` must outlive the controller.
    explicit TrainingController(const graph::OpRegistry& registry, QObject* parent = nullptr);
    // Stops a running run and waits for it (see stopAndWait()).
    ~TrainingController() override;

    // Where runs are recorded: an explicit path, else NETWRIGHT_DB, else the XDG default.
    void setDatabasePath(const QString& path) { m_databasePath = path; }
    QString databasePath() const;

    // Starts a run of `project` (copied; later edits do not affect it). `projectPath` is the
    // file it came from (its folder resolves dataset paths; empty: the working directory).
    // maxSteps: stop after that many steps (0: the configured epochs). Refused while a run
    // is active (returns false).
    bool start(const graph::Project& project, const QString& projectPath, qint64 maxSteps = 0,
               const QString& runName = {});
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

    // Evaluates the last finished run's model on its test split, on a worker thread;
    // evaluated() or evaluationFailed() follows. Refused (false) while a run or another
    // evaluation is active, or when no run has finished in this session.
    bool evaluate();
    bool hasModel() const { return m_model != nullptr; }
    bool isEvaluating() const { return m_evalThread != nullptr; }

    State state() const { return m_state; }
    bool isActive() const { return m_state != State::Idle; }
    qint64 runId() const { return m_runId; }

signals:
    void stateChanged(nw::app::TrainingController::State state);
    // The run has its row in the store; its first step will be startStep + 1 (0 for a new
    // run, the checkpoint's step for a resumed one).
    void runStarted(qint64 runId, qint64 trainableParameters, qint64 batchesPerEpoch,
                    qint64 startStep);
    // Steps in order since the previous batch (never empty).
    void steps(const QList<nw::engine::StepEvent>& events);
    void epochFinished(const nw::engine::EpochEvent& event);
    void finished(const nw::app::RunFinished& result);
    void evaluated(const nw::app::Evaluation& result);
    void evaluationFailed(const QString& message);

private:
    class Forwarder;
    struct Job;
    struct Model;
    void launch(std::shared_ptr<Job> job);
    void work(std::shared_ptr<Job> job); // on the worker thread
    void setState(State state);
    void deliverSteps();
    void onFinished(const RunFinished& result);

    const graph::OpRegistry& m_registry;
    QString m_databasePath;
    State m_state = State::Idle;
    qint64 m_runId = 0;
    QThread* m_thread = nullptr;
    std::shared_ptr<Job> m_job;
    std::shared_ptr<Model> m_model; // the last finished run's trainer, for evaluate()
    QThread* m_evalThread = nullptr;
};

} // namespace nw::app

Q_DECLARE_METATYPE(nw::engine::StepEvent)
Q_DECLARE_METATYPE(nw::engine::EpochEvent)
Q_DECLARE_METATYPE(nw::app::RunFinished)
Q_DECLARE_METATYPE(nw::app::Evaluation)
