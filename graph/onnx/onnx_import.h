#pragma once
// ONNX import: an ONNX model (opset 11 or later; older ones are upgraded to 17 with onnx's
// version converter) as an editable, trainable Netwright project plus its weights — the
// inverse of onnx_export.h, and of its layouts exactly (docs/export.md has the table).
//
// What happens, in order:
//   1. The file is parsed; external data (PyTorch 2's `model.onnx.data`) is read from the
//      model's folder; an old opset is upgraded.
//   2. Shape arithmetic on constants (Constant, Shape, Gather, Unsqueeze, Concat, Cast, ...)
//      is folded, the batch of a Shape staying symbolic.
//   3. Every node that contributes to the first graph output is mapped to one of our ops,
//      several ONNX nodes to one op where our exporter decomposes it (GELU, MatMul + Add as
//      Dense, MultiHeadAttention, LSTM / GRU with their Transposes).
//   4. Only when every node maps is the project built: an Input node, the mapped nodes, a
//      Loss node after the output (a final Softmax is dropped: the loss takes logits), ids
//      from the ONNX node names, a layered layout; then validated.
// Nothing reads or writes anything but the model and its external-data files.

#include "base/expected.h"
#include "graph/host_weights.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <filesystem>
#include <string>
#include <vector>

namespace nw::graph::onnx_import {

inline constexpr std::int64_t kMinOpset = 11;     // older models go through the converter
inline constexpr std::int64_t kUpgradeOpset = 17; // ... to this opset

struct ImportedModel {
    // Graph (Input, the mapped nodes, Loss), name, and the dataset's normalisation from the
    // metadata our exporter writes; the dataset itself is left at the default (unknown).
    graph::Project project;
    // Every parameter of every node, keyed by the project's node ids, in the op schemas'
    // shapes (graph/ops/).
    graph::WeightMap weights;
    // The class names from the `class_labels` metadata (index = class); empty when absent.
    std::vector<std::string> classLabels;
    // What the user should know: an opset upgrade, a dropped Softmax or extra output, the
    // loss chosen, metadata applied.
    std::vector<std::string> notes;
    // The model's input has a fixed first axis that is no batch (an op reads across it, or
    // it is the only axis): the project's sample is the whole input, run as a batch of one.
    bool oneSample = false;
};

struct ImportOptions {
    // A final Softmax is dropped, since the Loss takes logits; the conformance test keeps it
    // to compare the model's own output.
    bool dropFinalSoftmax = true;
};

// Imports `model`. User errors name the file: unreadable or malformed, no default-domain
// opset, a failed opset upgrade, external data that is missing, short or outside the
// model's folder, and — all in one error, before anything is built — every node that does
// not map: "node 'name' (OpType): why".
Expected<ImportedModel> importOnnx(const std::filesystem::path& model, const OpRegistry& registry,
                                   const ImportOptions& options = {});

// The ONNX op types (default domain) the import maps on their own, each in the forms its
// mapper accepts; `Constant` included. Ops that map only inside a pattern (Erf in GELU) or
// only when folded on constants (Shape) are not listed.
std::vector<std::string> mappedOpTypes();

} // namespace nw::graph::onnx_import
