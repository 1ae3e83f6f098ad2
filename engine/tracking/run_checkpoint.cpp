#include "engine/tracking/run_checkpoint.h"

#include "graph/project_file.h"

namespace nw::tracking {

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
    return RunCheckpoint{runId, run->name, std::move(*project), run->projectPath,
                         std::move(checkpoint)};
}

} // namespace nw::tracking
