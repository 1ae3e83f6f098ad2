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

// Whether `checkpoint` (its owner record, engine/train/checkpoint_file.h) belongs to `run` of the
// store at `database`: the same run UUID and id, and the same graph hash where both record one. A
// checkpoint with no owner (saved before schema 3, for a migrated run) is accepted. One of another
// run or store is a user error naming the checkpoint, the run it belongs to and the run asking; so
// is an unreadable file.
Status checkCheckpointOwner(const std::filesystem::path& checkpoint, const RunRecord& run,
                            const std::filesystem::path& database);

// The newest "checkpoint" artifact that exists on disk, else the run's working checkpoint
// (runDirectory()/checkpoint.nwckpt: a running or crashed run records its artifact only at
// its end), checked with checkCheckpointOwner(). `purpose` completes the error message ("to
// export", "to evaluate"). An unknown run, a snapshot that no longer parses, no checkpoint on disk
// or one of another run is a user error naming the run.
Expected<RunCheckpoint> findRunCheckpoint(ExperimentStore& store, std::int64_t runId,
                                          const graph::OpRegistry& registry,
                                          const std::string& purpose);

} // namespace nw::tracking
