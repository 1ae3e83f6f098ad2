#include "engine/tracking/tracked_run.h"

#include "engine/tracking/run_checkpoint.h"
#include "engine/tracking/sha256.h"
#include "engine/train/checkpoint_file.h"
#include "graph/project_file.h"

#include <chrono>
#include <nlohmann/json.hpp>

namespace nw::tracking {

namespace {

void flatten(const nlohmann::json& j, const std::string& prefix, Params& out) {
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
            flatten(v, prefix.empty() ? k : prefix + "." + k, out);
        }
    } else if (j.is_string()) {
        out.emplace_back(prefix, j.get<std::string>());
    } else {
        out.emplace_back(prefix, j.dump());
    }
}

} // namespace

Params flattenProjectParams(const std::string& projectJson) {
    Params out;
    auto j = nlohmann::json::parse(projectJson, nullptr, false);
    if (j.is_discarded()) {
        return out;
    }
    for (const char* section : {"dataset", "augmentation", "training"}) {
        if (j.contains(section)) {
            flatten(j[section], section, out);
        }
    }
    return out;
}

// Fans the Trainer's events out to the progress display and the recorder, and applies the
// checkpoint and stop policies at step boundaries (on the training thread).
class TrackedRun::Callbacks final : public engine::TrainerCallbacks {
public:
    Callbacks(TrackedRun& run, engine::TrainerCallbacks* inner, std::int64_t every,
              std::int64_t stopAfter, const std::atomic<bool>* stopFlag, double minutes)
        : m_run(run)
        , m_inner(inner)
        , m_every(every)
        , m_stopAfter(stopAfter)
        , m_stopFlag(stopFlag)
        , m_interval(minutes * 60.0)
        , m_last(Clock::now()) {}

    void onStep(const engine::StepEvent& e) override {
        m_run.m_recorder->onStep(e);
        if (m_inner) {
            m_inner->onStep(e);
        }
        const bool byTime =
            m_interval > 0 &&
            std::chrono::duration<double>(Clock::now() - m_last).count() >= m_interval;
        if ((m_every > 0 && e.step % m_every == 0) || byTime) {
            checkpoint();
            m_last = Clock::now();
        }
        if ((m_stopFlag && m_stopFlag->load()) || (m_stopAfter > 0 && e.step >= m_stopAfter)) {
            m_run.m_trainer->requestStop();
        }
    }
    void onEpoch(const engine::EpochEvent& e) override {
        m_run.m_recorder->onEpoch(e);
        if (m_inner) {
            m_inner->onEpoch(e);
        }
        checkpoint();
        m_last = Clock::now();
    }

private:
    // A checkpoint that cannot be written stops the run here (see checkpoint()).
    void checkpoint() {
        if (!m_run.checkpoint(*m_run.m_trainer)) {
            m_run.m_trainer->requestStop();
        }
    }

    using Clock = std::chrono::steady_clock;
    TrackedRun& m_run;
    engine::TrainerCallbacks* m_inner;
    std::int64_t m_every, m_stopAfter;
    const std::atomic<bool>* m_stopFlag;
    double m_interval; // seconds between checkpoints by time; 0: off
    Clock::time_point m_last;
};

TrackedRun::~TrackedRun() {
    if (m_writer) {
        (void)m_writer->close();
    }
}

Expected<std::unique_ptr<TrackedRun>> TrackedRun::openStore(const std::string& dbOverride) {
    auto store = ExperimentStore::open(defaultDatabasePath(dbOverride));
    if (!store) {
        return store.error();
    }
    auto run = std::unique_ptr<TrackedRun>(new TrackedRun());
    run->m_store = std::move(*store);
    return run;
}

std::filesystem::path TrackedRun::checkpointPath() const {
    return runDirectory(m_store->path(), m_runId) / "checkpoint.nwckpt";
}

Status TrackedRun::begin(const graph::Project& project, const RunDescription& d) {
    RunRecord r;
    r.name = d.name.empty() ? project.name : d.name;
    r.projectJson = graph::serializeProject(project);
    r.projectPath = std::filesystem::absolute(d.projectPath).string();
    auto j = nlohmann::json::parse(r.projectJson, nullptr, false);
    if (!j.is_discarded()) {
        r.graphHash = sha256Hex(j.value("graph", nlohmann::json()).dump());
        const auto& ds = j.value("dataset", nlohmann::json::object());
        r.dataset = ds.value("kind", "") + ":" + ds.value("name", ds.value("path", ""));
    }
    r.seed = project.training.seed;
    r.device = d.device;
    auto id = m_store->createRun(r);
    if (!id) {
        return id.error();
    }
    m_runId = *id;
    auto created = m_store->run(m_runId);
    if (!created) {
        return created.error();
    }
    m_owner = std::move(*created);
    auto params = flattenProjectParams(r.projectJson);
    params.insert(params.end(), d.extraParams.begin(), d.extraParams.end());
    return m_store->setParams(m_runId, params);
}

Status TrackedRun::resume(std::int64_t runId, engine::Trainer& trainer) {
    auto r = m_store->run(runId);
    if (!r) {
        return r.error();
    }
    if (r->status != "stopped" && r->status != "crashed") {
        return Error::user("run " + std::to_string(runId) + " is " + r->status +
                           "; only a stopped or crashed run can be resumed");
    }
    m_runId = runId;
    m_owner = *r;
    const auto path = checkpointPath();
    if (!std::filesystem::exists(path)) {
        // It ended before its first checkpoint. Training is a pure function of the recorded
        // project and seed, so the trainer, still at step 0, runs it again from the start:
        // the same run, its partial metrics replaced.
        if (trainer.step() != 0) {
            return Error::internal("resuming run " + std::to_string(runId) +
                                   " without a checkpoint needs a trainer at step 0");
        }
        m_restarted = true;
        if (auto s = m_store->deleteMetricsAfter(runId, -1); !s) {
            return s;
        }
        return m_store->reopenRun(runId);
    }
    if (auto s = checkCheckpointOwner(path, *r, m_store->path()); !s) {
        return Error::user("cannot resume run " + std::to_string(runId) + ": " + s.error().message);
    }
    if (auto s = trainer.loadCheckpoint(path); !s) {
        return s;
    }
    const bool partialEpoch = trainer.step() % trainer.batchesPerEpoch() != 0;
    if (auto s = m_store->deleteMetricsAfter(runId, trainer.step(), partialEpoch); !s) {
        return s;
    }
    return m_store->reopenRun(runId);
}

Status TrackedRun::loadCheckpointOnly(std::int64_t runId, engine::Trainer& trainer) {
    auto r = m_store->run(runId);
    if (!r) {
        return r.error();
    }
    m_runId = runId;
    const auto path = checkpointPath();
    if (!std::filesystem::exists(path)) {
        return Status::success(); // rank 0 trains it again from step 0, and so does this rank
    }
    if (auto s = checkCheckpointOwner(path, *r, m_store->path()); !s) {
        return Error::user("cannot resume run " + std::to_string(runId) + ": " + s.error().message);
    }
    return trainer.loadCheckpoint(path);
}

Status TrackedRun::startRecording(engine::Trainer& trainer, engine::TrainerCallbacks* inner,
                                  std::int64_t checkpointEvery, std::int64_t stopAfter,
                                  const std::atomic<bool>* stopFlag, double checkpointMinutes) {
    auto writer = MetricWriter::start(m_store->path(), m_runId);
    if (!writer) {
        return writer.error();
    }
    m_writer = std::move(*writer);
    m_trainer = &trainer;
    std::error_code ec;
    m_checkpointStep = std::filesystem::is_regular_file(checkpointPath(), ec) ? trainer.step() : -1;
    m_recorder = std::make_unique<RunRecorder>(*m_writer);
    m_callbacks = std::make_unique<Callbacks>(*this, inner, checkpointEvery, stopAfter, stopFlag,
                                              checkpointMinutes);
    return Status::success();
}

engine::TrainerCallbacks* TrackedRun::callbacks() {
    return m_callbacks.get();
}

// Metrics up to the checkpoint's step are committed before it is written, so a resumed run
// (which drops the metrics after its checkpoint's step) never has a gap. The checkpoint is
// written once, atomically, with the run it belongs to inside: a failed write (a full disk)
// leaves the previous checkpoint as it was and no temporary file. The first failure is kept,
// with what it means for the run, and finish() returns it.
Status TrackedRun::checkpoint(engine::Trainer& trainer) {
    Status s = m_writer->flush();
    const char* what = "its metrics could not be recorded";
    if (s) {
        what = "its checkpoint could not be written";
        s = trainer.saveCheckpoint(checkpointPath(), {m_owner.uuid, m_owner.id, m_owner.graphHash});
    }
    if (!s) {
        if (m_checkpointError.ok()) {
            Error e = s.error();
            e.message = "run " + std::to_string(m_runId) + " stopped at step " +
                        std::to_string(trainer.step()) + ": " + what + ": " + e.message + "; " +
                        (m_checkpointStep >= 0
                             ? "its checkpoint of step " + std::to_string(m_checkpointStep) +
                                   " is kept, so it can be resumed from there"
                             : std::string("it had no checkpoint yet"));
            m_checkpointError = e;
        }
        return s;
    }
    m_checkpointStep = trainer.step();
    if (m_checkpointListener) {
        m_checkpointListener(trainer.step());
    }
    return s;
}

Status TrackedRun::finish(const Expected<engine::TrainResult>& result,
                          const std::string& weightsFile) {
    std::string status = "failed";
    if (result) {
        const bool stopped = result->outcome == engine::TrainResult::Outcome::Stopped;
        // The final checkpoint of a stop, unless a failed one stopped the run: it keeps the
        // last good one rather than trying the full disk again.
        if (stopped && m_checkpointError.ok()) {
            (void)checkpoint(*m_trainer);
        }
        // A run whose last checkpoint failed is not complete on disk: 'stopped' lets it be
        // resumed from the checkpoint it kept, even when the failure was at its very end.
        status = stopped || !m_checkpointError.ok() ? "stopped" : "completed";
        // Data-parallel: another rank ended the job. The run failed, and it can be resumed
        // from the checkpoint of its last complete step just written.
        if (!result->interruptedBy.empty()) {
            status = "crashed";
        }
    }
    Status writerStatus = m_writer ? m_writer->close() : Status::success();
    auto addArtifact = [this](const char* kind, const std::filesystem::path& p) {
        std::error_code ec;
        auto bytes = std::filesystem::file_size(p, ec);
        auto sha = sha256File(p);
        if (ec || !sha) {
            return;
        }
        (void)m_store->addArtifact(
            m_runId, {kind, std::filesystem::absolute(p).string(), std::int64_t(bytes), *sha, 0});
    };
    if (std::filesystem::exists(checkpointPath())) {
        addArtifact("checkpoint", checkpointPath());
    }
    if (!weightsFile.empty() && result) {
        addArtifact("weights", weightsFile);
    }
    Status recorded = m_store->finishRun(m_runId, status);
    if (!m_checkpointError.ok()) { // why the run stopped comes first
        Error e = m_checkpointError.error();
        if (!recorded) { // left 'running': the next open of the store marks it crashed
            e.message += "; its end could not be recorded either: " + recorded.error().message;
        }
        return e;
    }
    if (!recorded) {
        return recorded;
    }
    return writerStatus;
}

} // namespace nw::tracking
