#pragma once
// netwright-cli's inference-bundle side: export --format bundle, infer, bench-infer.

#include "app/cli/commands.h"
#include "graph/host_weights.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <filesystem>
#include <string>
#include <vector>

namespace nw::cli {

// What export has prepared: the project, its trained weights and the engine's outputs on a
// reference batch, for verifying the bundle.
struct BundleExport {
    const graph::Project& project;
    const std::filesystem::path& projectDir; // where the dataset paths start
    const graph::OpRegistry& registry;
    const graph::WeightMap& weights;
    const std::vector<std::string>& labels;
    const std::vector<float>& inputs;        // the reference batch, normalised
    const std::vector<float>& engineOutputs; // the engine's prediction for it
    std::int64_t batch = 0;
    const std::string& source; // what the reference batch is, for the report
};

// Builds and writes the bundle (INT8 with --int8), loads it back through the runtime and
// compares its outputs with the engine's (an f32 bundle fails above 1e-4; an INT8 one
// reports its error, and the test accuracy of both).
int exportBundle(const ExportCliOptions& options, const BundleExport& input);

} // namespace nw::cli
