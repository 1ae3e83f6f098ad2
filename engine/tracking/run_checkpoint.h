#pragma once
// A stored run's newest checkpoint and the project it trained (its snapshot in the store):
// what `netwright-cli export --run ID` and the IDE's evaluation of a stored or active run
// load. Plain C++20, no Qt.

#include "base/expected.h"
#include "engine/tracking/store.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace nw::tracking {

struct RunCheckpoint {
    std::int64_t runId = 0;
    std::string runName;
    graph::Project project;            // the snapshot the run trained (overrides applied)
    std::filesystem::path projectPath; // the file it came from; its folder resolves datasets
    std::filesystem::path checkpoint;  // the newest checkpoint on disk
};

// The newest "checkpoint" artifact that exists on disk, else the run's working checkpoint
// (runs/<id>/checkpoint.nwckpt: a running or crashed run records its artifact only at its
// end). `purpose` completes the error message ("to export", "to evaluate"). An unknown run,
// a snapshot that no longer parses or no checkpoint on disk is a user error naming the run.
Expected<RunCheckpoint> findRunCheckpoint(ExperimentStore& store, std::int64_t runId,
                                          const graph::OpRegistry& registry,
                                          const std::string& purpose);

} // namespace nw::tracking
