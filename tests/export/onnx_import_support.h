#pragma once
// What test_onnx_import needs besides its slots: projects compiled on the CPU with seeded
// weights and inputs (seeded_model.h, shared with test_onnx_export), their export, the structural
// comparison of two projects and of two ONNX graphs (onnx_import_support.cpp), and hand-built ONNX
// models in the forms other exporters write (onnx_import_forms.cpp).

#include "app/export/export_support.h"
#include "graph/onnx/onnx_import.h"
#include "tests/export/seeded_model.h"

#include <QString>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace nw::testing {

// A graph compiled for inference on the CPU, with its parameters.
struct Model {
    std::unique_ptr<engine::Backend> backend;
    std::unique_ptr<engine::ModelParams> params;
    std::unique_ptr<engine::ExecutionPlan> plan;
};
std::unique_ptr<Model> compile(const graph::Graph& g, const graph::OpRegistry& registry,
                               std::int64_t batch);
// `weights` into the plan's parameters: every one present, with its shape, and no more.
bool load(Model& m, const graph::WeightMap& weights);
// The largest error of `got` against `want`, relative to `want`'s largest magnitude.
double relativeError(const std::vector<float>& got, const std::vector<float>& want);

// A project exported with seeded weights, and what it started from.
struct Exported {
    graph::Project project;
    graph::WeightMap weights;
    graph::onnx_export::ExportResult result;
};
std::optional<Exported> exportProject(const QString& file, const graph::OpRegistry& registry,
                                      const graph::onnx_export::ExportOptions& options = {});

bool sameBits(const graph::HostTensor& a, const graph::HostTensor& b);
// Every node of `original` has a structural twin in `imported` (and no more) — the same op,
// attributes as ONNX carries them and inputs, ids aside; Dropouts, which the exporter leaves
// out, stand for their input — whose weights are bit for bit the same. QVERIFYs.
void compareProjects(const graph::Graph& original, const graph::WeightMap& originalWeights,
                     const graph::Graph& imported, const graph::WeightMap& importedWeights,
                     const graph::OpRegistry& registry);
// The same nodes (by name: op, inputs, outputs, attributes) and initializers. QVERIFYs.
void compareOnnx(const onnx::GraphProto& a, const onnx::GraphProto& b);

bool writeBytes(const std::filesystem::path& path, const std::string& bytes);
// Moves every float initializer of `model` into the side file `dataName` beside `modelPath`
// (ONNX external data, 64-byte aligned, as PyTorch 2 writes it) and saves the model.
bool writeWithExternalData(onnx::ModelProto model, const std::filesystem::path& modelPath,
                           const std::string& dataName);

// Building ONNX models by hand.
onnx::NodeProto& addNode(onnx::GraphProto& g, const std::string& op, const std::string& name,
                         std::vector<std::string> inputs, std::vector<std::string> outputs);
void addInt(onnx::NodeProto& n, const std::string& name, std::int64_t v);
void addInts(onnx::NodeProto& n, const std::string& name, std::vector<std::int64_t> v);
void addFloat(onnx::NodeProto& n, const std::string& name, float v);
void addString(onnx::NodeProto& n, const std::string& name, const std::string& v);
// A Constant node "<name>" with output "<name>_output_0": an int64 tensor (no dims: a scalar).
void addIntConstant(onnx::GraphProto& g, const std::string& name, std::vector<std::int64_t> dims,
                    std::vector<std::int64_t> values);
void addInt64Init(onnx::GraphProto& g, const std::string& name, std::vector<std::int64_t> dims,
                  std::vector<std::int64_t> values);
// U(-0.5, 0.5) from `rng`.
void addFloatInit(onnx::GraphProto& g, const std::string& name, std::vector<std::int64_t> dims,
                  std::mt19937& rng);

// An ONNX model of IR version 8 importing the default domain at `opset`, its graph empty.
onnx::ModelProto emptyModel(std::int64_t opset);

// A hand-built model: input "x" [N, perSample...], what `body` adds (it returns the name of
// its last value), that value as the graph output "y".
using Body = std::string (*)(onnx::GraphProto&, std::mt19937&);
onnx::ModelProto handBuilt(std::vector<std::int64_t> perSample, Body body, std::int64_t opset = 17);

// A form another exporter writes and what it imports as.
struct ForeignForm {
    const char* name;
    std::vector<std::int64_t> input;
    Body body;
    const char* nodes; // "id:Op ..." of the import, Input and Loss included
    const char* attrs; // "id.attr=value; ..." (attrValueToString)
    bool runnable;     // the reference interpreter runs the original
    std::int64_t opset = 17;
};
std::span<const ForeignForm> foreignFormCases();

// A form the import refuses, and a phrase of the reason.
struct Refusal {
    const char* name;
    std::vector<std::int64_t> input;
    Body body;
    const char* why;
    std::int64_t opset = 17;
};
std::span<const Refusal> refusalCases();

// Slice's and Split's (onnx_import_slice_forms.cpp), part of the two lists above.
std::span<const ForeignForm> sliceFormCases();
std::span<const Refusal> sliceRefusalCases();

// A small CNN as PyTorch 2's exporter writes it (opset 18, scoped node names): Conv, Relu,
// MaxPool, then x.view(x.size(0), -1) — Shape, Gather, Unsqueeze, Concat into the Reshape —,
// Gemm and a final Softmax. `foldedByHand`: the Reshape's shape is the constant [0, -1]
// instead and the output the logits, which the reference interpreter runs.
onnx::ModelProto pytorchStyleCnn(bool foldedByHand);

} // namespace nw::testing
