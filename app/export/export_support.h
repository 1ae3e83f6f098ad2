#pragma once
// The engine side of an ONNX export, shared by `netwright-cli export` and tests/export:
// the weights of a model as host tensors for graph/onnx, the training engine's outputs on a
// reference batch, and the reference files tests/export/check_onnx.py compares against.

#include "base/expected.h"
#include "engine/core/backend.h"
#include "engine/plan/execution_plan.h"
#include "engine/plan/model_params.h"
#include "graph/onnx/onnx_export.h"
#include "graph/onnx/reference_runner.h"

#include <filesystem>
#include <string>
#include <vector>

namespace nw::app {

// Every entry of `params` copied to the host, keyed by (node id, parameter name).
Expected<graph::onnx_export::WeightMap> hostWeights(engine::Backend& backend,
                                                    const engine::ModelParams& params);

// Runs `inputs` (plan.input().numel() floats, the plan's batch) through the inference plan
// and returns its prediction (the Loss node's input), row-major.
Expected<std::vector<float>> runReference(engine::Backend& backend, engine::ExecutionPlan& plan,
                                          const std::vector<float>& inputs);

// The largest errors of one exported output against the engine.
struct OutputError {
    std::string name;
    double maxAbs = 0;
    double maxRel = 0; // max |a - b| / max(|b|, 1e-3)
};

// Runs the exported model on `input` in graph/onnx's reference interpreter and compares
// each output with the engine's: the first output with `engineOutputs`, "probabilities"
// with their softmax over axis 1.
Expected<std::vector<OutputError>> verifyExport(const graph::onnx_export::ExportResult& exported,
                                                const graph::onnx_export::Value& input,
                                                const std::vector<float>& engineOutputs);

// Writes the reference batch next to the model: `<prefix>.input.f32` and
// `<prefix>.<output>.f32` (raw little-endian f32) and `<prefix>.json`, the manifest
// {"model", "input": {"name", "shape", "file"}, "outputs": [{"name", "shape", "file"}],
//  "softmax_of": output name or null (the "probabilities" output's source)}.
// `modelFile` is stored relative to the manifest's folder.
Status writeReference(const std::filesystem::path& prefix, const std::filesystem::path& modelFile,
                      const engine::Dims& inputShape, const std::vector<float>& inputs,
                      const graph::onnx_export::ExportedOutput& output,
                      const engine::Dims& outputShape, const std::vector<float>& outputs,
                      bool hasProbabilities);

} // namespace nw::app
