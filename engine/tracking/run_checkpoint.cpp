#include "engine/tracking/run_checkpoint.h"

#include "engine/train/checkpoint_file.h"
#include "graph/project_file.h"

namespace nw::tracking {

Status checkCheckpointOwner(const std::filesystem::path& checkpoint, const RunRecord& run,
                            const std::filesystem::path& database) {
    auto owner = engine::readCheckpointOwner(checkpoint);
    if (!owner) {
        return owner.error();
    }
    if (owner->runUuid.empty()) {
        return Status::success(); // saved before runs had UUIDs
    }
    const std::string asking =
        "run " + std::to_string(run.id) + " (UUID " + run.uuid + ") of " + database.string();
    if (owner->runUuid != run.uuid || owner->runId != run.id) {
        return Error::user(checkpoint.string() + ": the checkpoint belongs to run " +
                           std::to_string(owner->runId) + " (UUID " + owner->runUuid +
                           "), not to " + asking + "; refusing to use it");
    }
    if (!owner->graphHash.empty() && !run.graphHash.empty() && owner->graphHash != run.graphHash) {
        return Error::user(checkpoint.string() + ": the checkpoint of run " +
                           std::to_string(owner->runId) + " was saved from graph " +
                           owner->graphHash + ", but " + asking + " trained graph " +
                           run.graphHash + "; refusing to use it");
    }
    return Status::success();
}

Expected<RunCheckpoint> findRunCheckpoint(ExperimentStore& store, std::int64_t runId,
                                          const graph::OpRegistry& registry,
                                          const std::string& purpose) {
    auto run = store.run(runId);
    if (!run) {
        return run.error();
    }
    const std::string label = "run " + std::to_string(runId);
    auto project = graph::parseProject(run->projectJson, label, registry);
    if (!project) {
        return project.error();
    }
    auto artifacts = store.artifacts(runId);
    if (!artifacts) {
        return artifacts.error();
    }
    const Artifact* newest = nullptr;
    for (const auto& a : *artifacts) {
        if (a.kind == "checkpoint" && std::filesystem::exists(a.path) &&
            (!newest || a.createdAt >= newest->createdAt)) {
            newest = &a;
        }
    }
    std::filesystem::path checkpoint;
    if (newest) {
        checkpoint = newest->path;
    } else if (auto working = runDirectory(store.path(), runId) / "checkpoint.nwckpt";
               std::filesystem::exists(working)) {
        checkpoint = working;
    } else {
        return Error::user(label + " has no checkpoint on disk " + purpose +
                           " (see netwright-cli runs show " + std::to_string(runId) + ")");
    }
    if (auto s = checkCheckpointOwner(checkpoint, *run, store.path()); !s) {
        return Error::user(label + " " + purpose + ": " + s.error().message);
    }
    return RunCheckpoint{runId, run->name, std::move(*project), run->projectPath,
                         std::move(checkpoint)};
}

} // namespace nw::tracking
