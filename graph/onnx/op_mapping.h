#pragma once
// The ONNX mapping of each Netwright op: one emitter per op name that appends the node's
// ONNX nodes and initializers (docs/export.md lists the table). Input, Dropout and Loss are
// not emitted here: the exporter turns them into the graph input, an alias of the input
// value (identity at inference) and the graph output.

#include "base/expected.h"
#include "graph/analysis.h"
#include "graph/onnx/model_builder.h"
#include "graph/onnx/onnx_export.h"
#include "graph/op_table.h"

#include <string>
#include <string_view>
#include <vector>

namespace nw::graph::onnx_export {

// Everything an emitter needs for one node.
struct MapContext {
    ModelBuilder& builder;
    const Node& node;
    const AttrMap& attrs;            // the node's attributes, defaults filled in
    const NodeInfo& info;            // shapes with the batch as Shape::kBatch
    std::vector<std::string> inputs; // ONNX value names feeding the node, in port order
    std::string output;              // ONNX value name the node must write
    const WeightMap& weights;
    const OpSchema* schema = nullptr; // the node's op

    std::int64_t i(std::string_view name) const;
    double f(std::string_view name) const;
    bool b(std::string_view name) const;
    const std::string& s(std::string_view name) const;
    const IntList& ints(std::string_view name) const;

    // Adds parameter `name` of this node as the initializer "<node>.<name>" and returns that
    // name. Its shape is the op schema's declaration (info.params); `onnxDims` (same element
    // count, empty: the same) is the shape ONNX wants. A missing or misshapen tensor is a
    // user error naming the node and parameter.
    Expected<std::string> param(const std::string& name,
                                const std::vector<std::int64_t>& onnxDims = {});
    // "<node>/<suffix>": a helper value of a decomposed op.
    std::string helper(std::string_view suffix) const;
};

using EmitFn = Status (*)(MapContext&);

// MultiHeadAttention, decomposed into MatMul, Softmax and reshapes (attention_mapping.cpp).
Status emitMultiHeadAttention(MapContext& c);

// LSTM and GRU as native ONNX LSTM / GRU nodes, one per layer (recurrent_mapping.cpp).
Status emitLstm(MapContext& c);
Status emitGru(MapContext& c);

// The ONNX exporter's op table: an emitter for every op it maps, one line each (the
// structural ops Input, Dropout and Loss are wired by exportModel itself: see
// isStructuralOp). With `registry`, also the ops of its plugins (OpSchema::plugin): each is
// written as one node of the custom domain named after its plugin, with its attributes and
// parameters (see emitPluginOp in op_mapping.cpp).
graph::OpTable<EmitFn> makeOnnxEmitterTable(const OpRegistry* registry = nullptr);

// Input, Dropout and Loss.
bool isStructuralOp(std::string_view op);

} // namespace nw::graph::onnx_export
