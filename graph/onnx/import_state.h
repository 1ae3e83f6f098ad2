#pragma once
// The importer's working state (internal to graph/onnx): the ONNX graph's values — constants
// (initializers, Constant nodes, what folding computed) and activations (each the output of
// one planned Netwright node) — and the plan of Netwright nodes, each shape-checked by its
// op's schema as it is added. MapContext is what a mapper of one ONNX node sees.

#include "base/expected.h"
#include "graph/host_weights.h"
#include "graph/onnx/import_tensor.h"
#include "graph/op_registry.h"

#include <map>
#include <onnx/onnx_pb.h>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nw::graph::onnx_import {

// A planned node index standing for "not known": the output of a node that did not map (its
// error is reported already), so nothing downstream of it is checked.
inline constexpr int kUnknown = -1;

// One Netwright node of the plan; the project is built from the plan only when every ONNX
// node mapped.
struct PlannedNode {
    std::string name; // id hint, from the ONNX node name(s)
    std::string op;
    AttrMap attrs;           // as mapped; the schema's defaults fill the rest
    std::vector<int> inputs; // planned node indices in port order (kUnknown where unknown)
    std::vector<std::pair<std::string, HostTensor>> params; // the schema's order and shapes
    std::optional<Shape> output;                            // inferred when every input is known
    bool trainable = true; // false: a constant the graph computes (Node::trainable)
};

class ImportState {
public:
    ImportState(const onnx::GraphProto& model, const OpRegistry& ops, std::int64_t version);

    const onnx::GraphProto& graph;
    const OpRegistry& registry;
    const std::int64_t opset;
    std::vector<PlannedNode> plan;   // [0] is the Input node
    std::vector<std::string> errors; // "node 'x' (Op): why", in graph order
    std::vector<std::string> notes;
    std::optional<std::int64_t> staticBatch; // the graph input's batch, when it is a number
    std::int32_t inputElemType = onnx::TensorProto::FLOAT; // the graph input's, as declared

    // Values by ONNX name.
    const Constant* constant(const std::string& value) const;
    // Whether constant `value` is a model's parameter, kept learned where it maps to one of
    // ours: an initializer of more than one value (one number, as 0.5 or 1/√d, or a Constant
    // node's value, is fixed and maps frozen).
    bool learnedConstant(const std::string& value) const;
    void setConstant(const std::string& value, Constant c);
    // The planned node computing `value` (or kUnknown); nullopt when it is no activation.
    std::optional<int> activation(const std::string& value) const;
    void defineActivation(const std::string& value, int ref) { m_activations[value] = ref; }
    std::optional<Shape> shapeOf(int ref) const;

    // The graph: which live nodes read a value, and which value is the model's output.
    void setLive(std::vector<const onnx::NodeProto*> order, std::string output);
    const std::vector<const onnx::NodeProto*>& order() const { return m_order; }
    const std::vector<const onnx::NodeProto*>& consumers(const std::string& value) const;
    // The only live node reading `value`, when `value` is not the model's output either.
    const onnx::NodeProto* soleConsumer(const std::string& value) const;
    const std::string& output() const { return m_output; }
    bool done(const onnx::NodeProto& n) const { return m_done.count(&n) > 0; }
    void markDone(const onnx::NodeProto& n) { m_done.insert(&n); }

    // The node's name, or "<OpType>#<index>" for an unnamed one.
    std::string nameOf(const onnx::NodeProto& n) const;
    // "node 'name' (OpType)"
    std::string label(const onnx::NodeProto& n) const;

    // Shape-checks plan[first, end) against their schemas (attributes, inference, parameter
    // shapes): the first problem, or nullopt.
    std::optional<std::string> check(std::size_t first);

private:
    std::map<std::string, Constant, std::less<>> m_constants;
    std::map<std::string, int, std::less<>> m_activations;
    std::vector<const onnx::NodeProto*> m_order;
    std::map<std::string, std::vector<const onnx::NodeProto*>, std::less<>> m_consumers;
    std::map<const onnx::NodeProto*, int> m_index;
    std::set<const onnx::NodeProto*> m_done;
    std::string m_output;
};

// An ONNX node name without PyTorch's trailing op name: "/layer1/conv1/Conv" -> "/layer1/conv1".
std::string scopeName(const std::string& name, const std::string& opType);

// Why a node did not map: nullopt when it did; an empty string when it could not be checked
// because an input is unknown (reported upstream already); otherwise the reason.
using Why = std::optional<std::string>;
inline Why mapped() {
    return std::nullopt;
}
inline Why unknownInput() {
    return std::string();
}

// The mapping of one ONNX node (the anchor) and of the nodes a pattern absorbs. Nodes added
// go straight into the plan; the driver rolls them back when the mapping fails.
class MapContext {
public:
    MapContext(ImportState& importState, const onnx::NodeProto& anchor)
        : state(importState)
        , node(anchor)
        , hint(scopeName(importState.nameOf(anchor), anchor.op_type())) {}

    ImportState& state;
    const onnx::NodeProto& node;
    std::string hint; // id hint of the nodes added (patterns choose a better one)

    // Attributes of `n` (the anchor by default).
    const onnx::AttributeProto* attr(std::string_view name) const { return attrOf(node, name); }
    static const onnx::AttributeProto* attrOf(const onnx::NodeProto& n, std::string_view name);
    std::int64_t attrInt(std::string_view name, std::int64_t def) const;
    float attrFloat(std::string_view name, float def) const;
    std::vector<std::int64_t> attrInts(std::string_view name,
                                       std::vector<std::int64_t> def = {}) const;
    std::string attrString(std::string_view name, std::string def = {}) const;

    // Inputs of the anchor, by index; an absent optional input has an empty name.
    bool hasInput(int i) const { return i < node.input_size() && !node.input(i).empty(); }
    const Constant* constant(int i) const {
        return hasInput(i) ? state.constant(node.input(i)) : nullptr;
    }
    std::optional<int> activation(int i) const {
        return hasInput(i) ? state.activation(node.input(i)) : std::nullopt;
    }
    std::optional<Shape> shapeOf(int ref) const { return state.shapeOf(ref); }
    bool outputUsed(int k) const;

    // Appends a planned node named hint + suffix; returns its index.
    int add(std::string op, AttrMap attrs, std::vector<int> inputs,
            std::vector<std::pair<std::string, HostTensor>> params = {},
            const std::string& suffix = {});
    // `value` is computed by planned node `ref` (also for the anchor's own outputs).
    void define(const std::string& value, int ref) { defines.emplace_back(value, ref); }
    // A node of the pattern besides the anchor.
    void absorb(const onnx::NodeProto& member) { absorbed.push_back(&member); }
    // Names the nodes to add after the pattern: its first member whose name has no '/' (our
    // exporter names the node that writes the op's output after it, its helpers
    // "<id>/<what>"), else the anchor's name without its last '/' part.
    void nameGroup();

    std::vector<std::pair<std::string, int>> defines;
    std::vector<const onnx::NodeProto*> absorbed;
};

// A float attribute as the decimal it was written from (0.2f -> 0.2, not 0.200000003).
double shortestDouble(float value);

// A constant as a host tensor of its own shape (floats only).
HostTensor hostTensor(const Constant& c);

// A bias of `units` values: a constant [units] (or with leading 1s, or one value broadcast);
// nullopt otherwise.
std::optional<HostTensor> biasVector(const Constant& c, std::int64_t units);

// Adds Dense over `input` with `weight` [units, in] (our layout) and an optional bias.
int addDense(MapContext& c, int input, const Constant& weight, const Constant* bias);

// The input of binary node `n` other than `value`, when `value` is one of its two inputs.
std::optional<std::string> otherInput(const onnx::NodeProto& n, const std::string& value);

// Whether `c` is one float value within `relTol` of `value`.
bool isScalarNear(const Constant* c, double value, double relTol = 1e-6);

// The batched shape a Reshape of `input` to `target` gives (0 copies the input's dim unless
// `allowZero`, -1 is inferred, kBatchDim is the batch), or why it is not one Netwright can
// run: the batch must stay the first axis. `staticBatch`: the graph input's numeric batch.
Expected<Shape, std::string> reshapeTarget(const Shape& input, std::vector<std::int64_t> target,
                                           bool allowZero, std::optional<std::int64_t> staticBatch);

// The mappers (import_mapping.cpp, import_patterns.cpp, import_recurrent.cpp,
// import_folding.cpp).
Why foldNode(MapContext& c); // every input constant (or Shape of an activation)
bool isFoldable(const std::string& op);
Why mapNode(MapContext& c); // patterns first, then the node's own mapper

bool tryGeluErf(MapContext& c);   // anchor Div
bool tryGeluTanh(MapContext& c);  // anchor Mul(x, x)
bool tryDense(MapContext& c);     // anchor MatMul with a constant B (+ Add of a bias)
bool tryAttention(MapContext& c); // anchor the in-projection MatMul
bool tryRecurrent(MapContext& c); // anchor Transpose [1, 0, 2] into an LSTM / GRU

} // namespace nw::graph::onnx_import
