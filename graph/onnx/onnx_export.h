#pragma once
// ONNX export: a validated graph plus its trained weights as an ONNX ModelProto (opset 17).
//
// The exporter knows nothing of the engine: the caller reads the weights (an inference
// ExecutionPlan's ModelParams, or a .nwweights file loaded into one) and hands them in as
// host tensors. Every node maps to one or a few ONNX nodes (docs/export.md has the table);
// the Loss node is not exported, its input becomes the graph output. Nothing is written
// until the whole model is built, so an op without a mapping is reported, naming the node,
// before any file exists.

#include "base/expected.h"
#include "graph/graph.h"
#include "graph/host_weights.h"
#include "graph/op_registry.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <onnx/onnx_pb.h>
#include <string>
#include <utility>
#include <vector>

namespace nw::graph::onnx_export {

inline constexpr std::int64_t kOpsetVersion = 17;
inline constexpr const char* kInputName = "input";
inline constexpr const char* kLogitsName = "logits";               // softmax_cross_entropy, bce
inline constexpr const char* kOutputName = "output";               // mse
inline constexpr const char* kProbabilitiesName = "probabilities"; // Softmax(logits, axis 1)

using graph::HostTensor; // graph/host_weights.h
using graph::WeightMap;

struct ExportOptions {
    std::string modelName; // graph name in the ModelProto
    std::string producerVersion = "0.1.0";
    std::vector<std::string> classLabels; // index = class; empty when unknown
    // The normalisation applied before the network: x' = (x / 255 - mean[c]) / std[c].
    std::vector<double> mean;
    std::vector<double> std;
    // Adds a second output "probabilities" = Softmax(logits) when the loss is
    // softmax_cross_entropy on [N, K] logits.
    bool addProbabilities = true;
};

// What the exported model's outputs are: names and per-sample shapes (batch excluded).
struct ExportedOutput {
    std::string name;
    std::vector<std::int64_t> perSample;
};

struct ExportResult {
    onnx::ModelProto model;
    std::vector<ExportedOutput> outputs; // logits (or output) first
};

// Builds the model. User errors: the graph does not validate; a node's op has no ONNX
// mapping (every such node is named); a parameter is missing or has the wrong shape.
Expected<ExportResult> exportModel(const Graph& graph, const OpRegistry& registry,
                                   const WeightMap& weights, const ExportOptions& options);

// The result of checking an exported model.
struct CheckReport {
    std::int64_t nodes = 0;
    std::int64_t initializers = 0;
    std::int64_t parameters = 0;           // elements over every initializer
    std::map<std::string, int> opCounts;   // ONNX op type -> count
    std::int64_t inferredValues = 0;       // value_info entries after shape inference
    std::vector<std::string> outputShapes; // "logits: [N, 10]", after shape inference
};

// Runs onnx::checker::check_model and strict shape inference (which adds value_info to
// `model`). A failure is an internal error: the exporter built something ONNX rejects.
Expected<CheckReport> checkModel(onnx::ModelProto& model);

// Serialises `model` to `path` atomically (graph::writeFileAtomically).
Status writeModel(const onnx::ModelProto& model, const std::filesystem::path& path);

// The custom ONNX domains of the plugin ops in `graph` (their plugins' names), sorted.
std::vector<std::string> pluginDomains(const Graph& graph, const OpRegistry& registry);

} // namespace nw::graph::onnx_export
