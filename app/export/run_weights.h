#pragma once
// A tracked run's trained weights, for `export --run ID`: the project as the run trained it
// (its snapshot in the experiment database) and its last checkpoint.

#include "base/expected.h"
#include "engine/core/backend.h"
#include "engine/plan/model_params.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <filesystem>
#include <string>

namespace nw::app {

struct RunWeights {
    std::int64_t runId = 0;
    graph::Project project;           // the snapshot the run trained
    std::filesystem::path checkpoint; // its newest checkpoint
};

// A user error naming the run when it does not exist or has no checkpoint.
Expected<RunWeights> findRunWeights(std::int64_t runId, const std::string& dbOverride,
                                    const graph::OpRegistry& registry);

// Records an exported file as an artifact of the run (kind "onnx" or "bundle"), with its
// size and SHA-256.
Status recordExport(const RunWeights& run, const std::string& dbOverride,
                    const std::filesystem::path& file, const std::string& kind);

// Loads the checkpoint's weights into `params` (compiled from `run.project`).
Status loadRunWeights(engine::Backend& backend, engine::ModelParams& params, const RunWeights& run);

} // namespace nw::app
