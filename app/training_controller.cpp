#include "app/training_controller.h"

#include "app/export/run_weights.h"
#include "app/training_run.h"
#include "datasets/catalog.h"
#include "engine/tracking/run_checkpoint.h"
#include "engine/tracking/store.h"
#include "engine/train/weights_file.h"

#include <QCoreApplication>
#include <QTemporaryDir>
#include <algorithm>
#include <vector>

namespace nw::app {

// What the UI thread and the worker share for one run.
struct TrainingController::Job {
    graph::Project project;
    std::string projectPath; // empty: unsaved (its dataset paths resolve against the cwd)
    std::string databasePath;
    std::string runName;
    qint64 maxSteps = 0;
    qint64 resumeRunId = 0; // > 0: continue this stopped or crashed run from its checkpoint
    bool track = true;      // false: untracked (no store, no checkpoints)

    std::atomic<bool> stopRequested{false}; // read by the recorder at every step boundary
    std::mutex mutex;                       // guards the members below
    engine::Trainer* trainer = nullptr;     // while run() runs
    bool paused = false;
    std::vector<engine::StepEvent> pendingSteps;
    bool deliveryPosted = false;
};

// A trained model kept after its run, for evaluate(): the backend its tensors live on and
// the trainer (declared after, so destroyed first). Used by one thread at a time: `mutex`
// serialises evaluate() and generationModel()'s saveWeights.
struct TrainingController::Model {
    qint64 runId = 0;
    std::string runName;
    graph::Project project;
    std::filesystem::path projectDir;
    std::unique_ptr<engine::Backend> backend;
    std::unique_ptr<engine::Backend> fallback; // the CPU for ops `backend` lacks; may be null
    std::unique_ptr<engine::Trainer> trainer;
    std::mutex mutex;
};

// On the worker thread: queues step events for the UI thread (one posted delivery per batch)
// and posts epoch events.
class TrainingController::Forwarder final : public engine::TrainerCallbacks {
public:
    Forwarder(TrainingController* controller, std::shared_ptr<Job> job)
        : m_controller(controller)
        , m_job(std::move(job)) {}

    void onStep(const engine::StepEvent& e) override {
        std::lock_guard lock(m_job->mutex);
        m_job->pendingSteps.push_back(e);
        if (!m_job->deliveryPosted) {
            m_job->deliveryPosted = true;
            QMetaObject::invokeMethod(
                m_controller, [c = m_controller] { c->deliverSteps(); }, Qt::QueuedConnection);
        }
    }
    void onEpoch(const engine::EpochEvent& e) override {
        QMetaObject::invokeMethod(
            m_controller,
            [c = m_controller, e] {
                c->deliverSteps(); // the epoch's steps come first
                emit c->epochFinished(e);
            },
            Qt::QueuedConnection);
    }

private:
    TrainingController* m_controller;
    std::shared_ptr<Job> m_job;
};

TrainingController::TrainingController(const graph::OpRegistry& registry,
                                       const engine::BackendRegistry& backends, QObject* parent)
    : QObject(parent)
    , m_registry(registry)
    , m_backends(backends) {
    qRegisterMetaType<engine::StepEvent>();
    qRegisterMetaType<engine::EpochEvent>();
    qRegisterMetaType<RunFinished>();
    qRegisterMetaType<Evaluation>();
}

TrainingController::~TrainingController() {
    stopAndWait();
    if (m_evalThread) {
        m_evalThread->wait();
        QCoreApplication::sendPostedEvents(this);
    }
}

namespace {

// Builds the result of one prediction pass over `project`'s test split.
Evaluation makeEvaluation(engine::Predictions predictions, const graph::Project& project,
                          const std::filesystem::path& projectDir) {
    Evaluation e;
    e.report = engine::classificationReport(predictions.labels, predictions.predicted,
                                            predictions.classes);
    e.predictions = std::move(predictions);
    if (auto splits = datasets::openDataset(project.dataset, projectDir)) {
        e.testSplit = splits->test;
        if (splits->train) {
            e.tokensPerSample = std::max<qint64>(1, splits->train->targetNumel());
        }
    }
    return e;
}

// The test split's predictions, or the validation split's when the dataset has no test split
// (a text corpus has none). `onValidation` says which.
Expected<engine::Predictions> predictTestOrValidation(engine::Trainer& trainer,
                                                      bool& onValidation) {
    onValidation = false;
    auto predictions = trainer.predict();
    if (!predictions && predictions.error().kind == Error::Kind::User) {
        if (auto validation = trainer.predict(true)) {
            onValidation = true;
            return validation;
        }
    }
    return predictions;
}

// A backend of its own for an evaluation: the run's device when this machine has it (a
// stored run may come from another machine), else the CPU.
Expected<std::unique_ptr<engine::Backend>>
evaluationBackend(const engine::BackendRegistry& backends, const std::string& device) {
    auto backend = backends.openBackend(device);
    return backend ? std::move(backend) : backends.openBackend("cpu");
}

// A stored run's newest checkpoint on a fresh backend (its own; never the training's).
Expected<Evaluation> evaluateStoredRun(const std::string& databasePath, qint64 runId,
                                       const graph::OpRegistry& registry,
                                       const engine::BackendRegistry& backends) {
    auto store = tracking::ExperimentStore::open(databasePath, /*recover=*/false);
    if (!store) {
        return store.error();
    }
    auto found = tracking::findRunCheckpoint(**store, runId, registry, "to evaluate");
    store->reset(); // no connection held during the pass
    if (!found) {
        return found.error();
    }
    const std::string label = "run " + std::to_string(runId) + " '" + found->runName + "'";
    auto withRun = [&label](const Error& e) {
        Error out = e;
        out.message = label + ": " + e.message;
        return out;
    };
    const auto projectDir = found->projectPath.parent_path();
    auto backend = evaluationBackend(backends, found->project.training.device);
    if (!backend) {
        return withRun(backend.error());
    }
    auto splits = datasets::openDataset(found->project.dataset, projectDir);
    if (!splits) {
        return withRun(splits.error());
    }
    engine::TrainOptions options;
    options.config = found->project.training;
    auto trainer =
        engine::Trainer::create(found->project, std::move(*splits), registry, **backend, options);
    if (!trainer) {
        return withRun(trainer.error());
    }
    if (auto s = (*trainer)->loadCheckpoint(found->checkpoint); !s) {
        return withRun(s.error());
    }
    bool onValidation = false;
    auto predictions = predictTestOrValidation(**trainer, onValidation);
    if (!predictions) {
        return withRun(predictions.error());
    }
    Evaluation e = makeEvaluation(std::move(*predictions), found->project, projectDir);
    e.onValidation = onValidation;
    e.runId = runId;
    e.runName = QString::fromStdString(found->runName);
    e.fromCheckpoint = true;
    e.step = (*trainer)->step();
    e.batchesPerEpoch = (*trainer)->batchesPerEpoch();
    e.checkpointPath = QString::fromStdString(found->checkpoint.string());
    return e;
}

} // namespace

QString Evaluation::source() const {
    QString out = runId > 0 ? QCoreApplication::translate("Evaluation", "Run %1").arg(runId)
                            : QCoreApplication::translate("Evaluation", "Untracked run");
    if (!runName.isEmpty()) {
        out += QStringLiteral(" '%1'").arg(runName);
    }
    if (!fromCheckpoint) {
        return out + QCoreApplication::translate("Evaluation", ", its final model");
    }
    out += QCoreApplication::translate("Evaluation", ", checkpoint at step %1").arg(step);
    if (batchesPerEpoch > 0) {
        const qint64 epochs = step / batchesPerEpoch, batch = step % batchesPerEpoch;
        out += batch == 0
                   ? QCoreApplication::translate("Evaluation", " (after epoch %1)").arg(epochs)
                   : QCoreApplication::translate("Evaluation", " (epoch %1, batch %2)")
                         .arg(epochs + 1)
                         .arg(batch);
    }
    return out;
}

quint64 TrainingController::startEvaluation(std::function<Expected<Evaluation>()> job) {
    const quint64 request = ++m_lastRequest;
    m_evalThread = QThread::create([this, request, job = std::move(job)] {
        auto result = job();
        if (!result) {
            QMetaObject::invokeMethod(
                this,
                [this, request, m = QString::fromStdString(result.error().message)] {
                    m_evalThread = nullptr;
                    emit evaluationFailed(request, m);
                },
                Qt::QueuedConnection);
            return;
        }
        result->request = request;
        QMetaObject::invokeMethod(
            this,
            [this, e = std::move(*result)] {
                m_evalThread = nullptr;
                emit evaluated(e);
            },
            Qt::QueuedConnection);
    });
    m_evalThread->setObjectName(QStringLiteral("evaluation"));
    connect(m_evalThread, &QThread::finished, m_evalThread, &QObject::deleteLater);
    m_evalThread->start();
    return request;
}

quint64 TrainingController::evaluate() {
    if (m_evalThread) {
        return 0;
    }
    if (isActive()) { // the active run's latest checkpoint
        return m_runId > 0 && m_checkpointStep >= 0 ? evaluateRun(m_runId) : 0;
    }
    if (!m_model) {
        return 0;
    }
    auto model = m_model;
    return startEvaluation([model]() -> Expected<Evaluation> {
        std::lock_guard lock(model->mutex);
        bool onValidation = false;
        auto predictions = predictTestOrValidation(*model->trainer, onValidation);
        if (!predictions) {
            return predictions.error();
        }
        Evaluation e = makeEvaluation(std::move(*predictions), model->project, model->projectDir);
        e.onValidation = onValidation;
        e.runId = model->runId;
        e.runName = QString::fromStdString(model->runName);
        e.step = model->trainer->step();
        e.batchesPerEpoch = model->trainer->batchesPerEpoch();
        return e;
    });
}

GenerationModel TrainingController::generationModel() const {
    GenerationModel out;
    if (!m_model) {
        return out;
    }
    out.runId = m_model->runId;
    out.project = m_model->project;
    out.projectDir = m_model->projectDir;
    out.loadWeights = [model = m_model](engine::Backend& backend, engine::ModelParams& params) {
        QTemporaryDir dir; // the trainer writes its weights, the generation's params read them
        if (!dir.isValid()) {
            return Status(Error::internal("cannot create a temporary folder for the weights"));
        }
        const std::filesystem::path file =
            dir.filePath(QStringLiteral("model.nwweights")).toStdString();
        {
            std::lock_guard lock(model->mutex);
            if (auto st = model->trainer->saveWeights(file); !st) {
                return st;
            }
        }
        return engine::loadWeights(backend, params, file);
    };
    return out;
}

Expected<GenerationModel> TrainingController::storedGenerationModel(qint64 runId) const {
    auto store = tracking::ExperimentStore::open(databasePath().toStdString(), /*recover=*/false);
    if (!store) {
        return store.error();
    }
    auto found = tracking::findRunCheckpoint(**store, runId, m_registry, "to generate from");
    if (!found) {
        return found.error();
    }
    GenerationModel out;
    out.runId = runId;
    out.project = found->project;
    out.projectDir = found->projectPath.parent_path();
    out.loadWeights = [run = RunWeights{runId, found->project, found->checkpoint}](
                          engine::Backend& backend, engine::ModelParams& params) {
        return loadRunWeights(backend, params, run);
    };
    return out;
}

quint64 TrainingController::evaluateRun(qint64 runId) {
    if (m_evalThread || runId <= 0) {
        return 0;
    }
    return startEvaluation(
        [db = databasePath().toStdString(), runId, &registry = m_registry, &backends = m_backends] {
            return evaluateStoredRun(db, runId, registry, backends);
        });
}

QString TrainingController::databasePath() const {
    return QString::fromStdString(
        tracking::defaultDatabasePath(m_databasePath.toStdString()).string());
}

bool TrainingController::start(const graph::Project& project, const QString& projectPath,
                               qint64 maxSteps, const QString& runName, bool track) {
    if (isActive()) {
        return false;
    }
    auto job = std::make_shared<Job>();
    job->project = project;
    job->projectPath = projectPath.toStdString();
    job->runName = runName.toStdString();
    job->maxSteps = maxSteps;
    job->track = track;
    launch(job);
    return true;
}

bool TrainingController::resumeRun(qint64 runId) {
    if (isActive() || runId <= 0) {
        return false;
    }
    auto job = std::make_shared<Job>();
    job->resumeRunId = runId;
    launch(job);
    return true;
}

void TrainingController::launch(std::shared_ptr<Job> job) {
    job->databasePath = databasePath().toStdString();
    m_job = job;
    m_runId = 0;
    m_started = false;
    m_checkpointStep = -1;
    m_runNotes.clear();
    m_thread = QThread::create([this, job] { work(job); });
    m_thread->setObjectName(QStringLiteral("training"));
    connect(m_thread, &QThread::finished, m_thread, &QObject::deleteLater);
    setState(State::Starting);
    m_thread->start();
}

void TrainingController::pause() {
    if (!m_job || (m_state != State::Running && m_state != State::Starting)) {
        return;
    }
    std::lock_guard lock(m_job->mutex);
    m_job->paused = true;
    if (m_job->trainer) {
        m_job->trainer->setPaused(true);
    }
    setState(State::Paused);
}

void TrainingController::resume() {
    if (!m_job || m_state != State::Paused) {
        return;
    }
    std::lock_guard lock(m_job->mutex);
    m_job->paused = false;
    if (m_job->trainer) {
        m_job->trainer->setPaused(false);
    }
    setState(m_started ? State::Running : State::Starting);
}

void TrainingController::stop() {
    if (!m_job || !isActive()) {
        return;
    }
    m_job->stopRequested = true;
    std::lock_guard lock(m_job->mutex);
    if (m_job->trainer) {
        m_job->trainer->requestStop(); // also wakes a paused trainer
    }
    setState(State::Stopping);
}

void TrainingController::stopAndWait() {
    if (!m_thread) {
        return;
    }
    stop();
    m_thread->wait();
    // The worker's queued events (its last steps and finished()) are delivered here, so the
    // caller sees the final state before it goes on.
    deliverSteps();
    QCoreApplication::sendPostedEvents(this);
}

void TrainingController::setState(State state) {
    if (m_state != state) {
        m_state = state;
        emit stateChanged(state);
    }
}

void TrainingController::deliverSteps() {
    if (!m_job) {
        return;
    }
    std::vector<engine::StepEvent> pending;
    {
        std::lock_guard lock(m_job->mutex);
        pending.swap(m_job->pendingSteps);
        m_job->deliveryPosted = false;
    }
    if (!pending.empty()) {
        emit steps(QList<engine::StepEvent>(pending.begin(), pending.end()));
    }
}

void TrainingController::onFinished(const RunFinished& result) {
    deliverSteps();
    m_thread = nullptr; // deletes itself once finished
    m_job.reset();
    setState(State::Idle);
    emit finished(result);
}

// The worker: the TrainingRun (store row, backend, dataset, trainer; app/training_run.h), the
// run, the final record. Everything it creates lives and dies on this thread, the store
// connection included; a completed or stopped run's model is handed to the UI thread.
void TrainingController::work(std::shared_ptr<Job> job) {
    RunFinished result;
    result.status = QStringLiteral("failed");
    result.tracked = job->track;
    auto post = [this, &result] {
        QMetaObject::invokeMethod(
            this, [this, r = result] { onFinished(r); }, Qt::QueuedConnection);
    };
    auto fail = [&](const Error& error) {
        result.message = QString::fromStdString(error.message);
        post();
    };
    TrainingRunRequest request;
    request.resumeRunId = job->resumeRunId;
    if (job->resumeRunId <= 0) {
        request.project = job->project;
        request.projectPath = job->projectPath;
    }
    request.maxSteps = job->maxSteps;
    request.runName = job->runName;
    request.databasePath = job->databasePath;
    request.source = "ide";
    request.track = job->track;
    auto failure = TrainingRun::Failure::Other;
    auto opened = TrainingRun::open(request, m_registry, m_backends, &failure);
    if (!opened) {
        result.storeUnavailable = failure == TrainingRun::Failure::Store && job->resumeRunId <= 0;
        return fail(opened.error());
    }
    TrainingRun& run = **opened;
    result.runId = run.runId();
    Forwarder forwarder(this, job);
    TrainingRecording recording;
    recording.progress = &forwarder;
    recording.stopFlag = &job->stopRequested;
    recording.onCheckpoint = [this](std::int64_t step) {
        QMetaObject::invokeMethod(
            this,
            [this, step] {
                if (isActive()) {
                    m_checkpointStep = step;
                    emit checkpointSaved(step);
                }
            },
            Qt::QueuedConnection);
    };
    if (auto s = run.startRecording(recording); !s) {
        return fail(s.error());
    }
    engine::Trainer& trainer = run.trainer();
    {
        std::lock_guard lock(job->mutex);
        job->trainer = &trainer;
        trainer.setPaused(job->paused);
        if (job->stopRequested) {
            trainer.requestStop();
        }
    }
    const qint64 runId = run.runId(), params = trainer.trainableParameters(),
                 batches = trainer.batchesPerEpoch(), startStep = trainer.step();
    const QString device = QString::fromStdString(run.backend().description());
    QStringList notes;
    for (const auto& note : run.notes()) {
        notes << QString::fromStdString(note);
    }
    QMetaObject::invokeMethod(
        this,
        [this, runId, params, batches, startStep, device, notes] {
            m_runId = runId;
            m_started = true;
            m_deviceDescription = device;
            m_runNotes = notes;
            if (startStep > 0) { // resumed from its checkpoint
                m_checkpointStep = startStep;
            }
            if (m_state == State::Starting) {
                setState(State::Running);
            }
            emit runStarted(runId, params, batches, startStep);
        },
        Qt::QueuedConnection);
    auto outcome = run.train();
    {
        std::lock_guard lock(job->mutex);
        job->trainer = nullptr;
    }
    Status finished = run.finish(outcome);
    if (outcome) {
        auto model = std::make_shared<Model>();
        model->runId = run.runId();
        if (run.isTracked()) {
            if (auto record = run.tracked().store().run(run.runId())) {
                model->runName = record->name;
            }
        }
        model->project = run.project();
        model->projectDir = run.projectDir();
        auto trained = run.releaseModel();
        model->backend = std::move(trained.backend);
        model->fallback = std::move(trained.fallback);
        model->trainer = std::move(trained.trainer);
        QMetaObject::invokeMethod(
            this, [this, model] { m_model = model; }, Qt::QueuedConnection);
        result.status = outcome->outcome == engine::TrainResult::Outcome::Stopped
                            ? QStringLiteral("stopped")
                            : QStringLiteral("completed");
        result.steps = outcome->steps;
        result.wallSeconds = outcome->wallSeconds;
        if (!finished) {
            result.message = QString::fromStdString(finished.error().message);
            // A failed checkpoint records the run 'stopped' (resumable), whatever the outcome.
            if (auto record = run.isTracked() ? run.tracked().store().run(runId)
                                              : Expected<tracking::RunRecord>(Error::user(""))) {
                result.status = QString::fromStdString(record->status);
            }
        }
    } else {
        result.message = QString::fromStdString(outcome.error().message);
    }
    post();
}

} // namespace nw::app
