#pragma once
// Builds an inference bundle from a validated graph and its trained weights: batch norm
// folded into the convolution or dense layer before it, activations fused into their
// producer, Flatten folded into the Dense after it, Dropout removed, the Loss node dropped
// (the bundle's output is the Loss node's input).

#include "base/expected.h"
#include "engine/bundle/format.h"
#include "graph/graph.h"
#include "graph/host_weights.h"
#include "graph/op_registry.h"

namespace nw::bundle {

struct BundleMetadata {
    std::string producer = "netwright 0.1.0";
    std::vector<std::string> labels;
    std::vector<double> mean;
    std::vector<double> std;
};

// A user error naming the node when the graph is invalid, lacks an Input or a Loss, or a
// weight is missing.
Expected<Bundle> buildBundle(const graph::Graph& graph, const graph::OpRegistry& registry,
                             const graph::WeightMap& weights, const BundleMetadata& metadata);

// Writes a bundle atomically (temporary file, fsync, rename).
Status writeBundle(const Bundle& bundle, const std::string& path);

} // namespace nw::bundle
