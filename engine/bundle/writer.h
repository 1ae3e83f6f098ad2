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
#include "graph/op_table.h"

namespace nw::bundle {

class BundleBuilder; // writer.cpp

// What the bundle writer does with one graph op: `emit` writes its layers (or folds it
// away), `layers` names the bundle layer ops it can become ("conv2d", ...; empty for ops
// that vanish, such as Dropout), so the INT8 table can be checked against it.
struct BundleEmitter {
    void (*emit)(BundleBuilder& builder, const graph::Node& node) = nullptr;
    std::vector<std::string> layers;
};

// The bundle writer's op table: one line per op, add or unsupported with the reason. With
// `registry`, its plugins' ops are listed unsupported (the bundle runtime has no plugins).
graph::OpTable<BundleEmitter> makeBundleEmitterTable(const graph::OpRegistry* registry = nullptr);

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
