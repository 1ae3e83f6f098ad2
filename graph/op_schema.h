#pragma once
// OpSchema: everything the rest of Netwright knows about an op, declared once — its typed
// attributes, its ports, shape inference, parameter and FLOP counts.

#include "base/expected.h"
#include "graph/attribute.h"
#include "graph/shape.h"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace nw::graph {

struct PortSpec {
    std::string name;
    std::string doc;
    // Only the last input may be variadic: it then stands for `minCount` or more ports,
    // numbered from its index on.
    bool variadic = false;
    int minCount = 1;
};

// Per-sample cost of one node. FLOPs count a multiply-add as 2 and are forward only.
struct OpCost {
    std::int64_t trainableParams = 0;
    std::int64_t nonTrainableParams = 0; // e.g. batch-norm running statistics
    std::int64_t flops = 0;
};

// What shape inference needs: the node's attributes (already checked against the schema,
// defaults filled in) and the shapes arriving at its inputs, in port order.
class InferContext {
public:
    InferContext(const AttrMap& attrs, std::span<const Shape> inputs)
        : m_attrs(attrs)
        , m_inputs(inputs) {}

    std::span<const Shape> inputs() const { return m_inputs; }
    const AttrMap& attrs() const { return m_attrs; }
    const Shape& input(int i) const { return m_inputs[static_cast<std::size_t>(i)]; }

    std::int64_t i(std::string_view name) const { return get<std::int64_t>(name); }
    double f(std::string_view name) const { return get<double>(name); }
    bool b(std::string_view name) const { return get<bool>(name); }
    const std::string& s(std::string_view name) const { return get<std::string>(name); }
    const IntList& ints(std::string_view name) const { return get<IntList>(name); }

private:
    template <class T>
    const T& get(std::string_view name) const {
        return std::get<T>(m_attrs.find(name)->second);
    }
    const AttrMap& m_attrs;
    std::span<const Shape> m_inputs;
};

// How a parameter starts out. Fan-in and fan-out come with the ParamSpec.
enum class Init {
    Zeros,
    Ones,
    HeNormal,      // N(0, 2 / fanIn): ReLU layers
    HeUniform,     // U(±sqrt(6 / fanIn))
    GlorotNormal,  // N(0, 2 / (fanIn + fanOut))
    GlorotUniform, // U(±sqrt(6 / (fanIn + fanOut)))
    FanInUniform,  // U(±1/sqrt(fanIn)): PyTorch's default for Linear and Conv weights and biases
    StdNormal,     // N(0, 1): PyTorch's nn.Embedding
    SmallNormal,   // N(0, 0.02²): learned position tables (BERT's, GPT-2's)
};

// One parameter or state tensor a node owns, declared by its op's schema. Every backend's
// kernels, the weights and checkpoint files, the ONNX exporter and the bundle writer read
// these declarations, so they all agree on names, shapes and order.
struct ParamSpec {
    std::string name;                // "weight", "bias", "gamma", "beta", "running_mean", ...
    std::vector<std::int64_t> shape; // row-major, no batch dimension
    Init init = Init::Zeros;
    std::int64_t fanIn = 0;
    std::int64_t fanOut = 0;
    // false: state the kernel updates itself in training forward (batch-norm running
    // statistics); it has no gradient and the optimizer never touches it.
    bool trainable = true;
    // Weight decay applies (weights: yes; biases and normalisation scales: no).
    bool decays = true;
    // >= 0: that row (index along dim 0) starts at zero whatever `init` says (Embedding's
    // padding row; its kernel also keeps the row's gradient at zero).
    std::int64_t zeroRow = -1;

    std::int64_t numel() const;
};

struct Inferred {
    std::vector<Shape> outputs;
    OpCost cost;
    std::vector<ParamSpec> params; // filled by OpSchema::inferNode, not by `infer`
};

// A shape-inference failure: `field` is the attribute or input port at fault
// ("kernel_size", "input"), `message` says what is wrong and names the shapes involved.
struct InferError {
    std::string field;
    std::string message;
};

using InferResult = Expected<Inferred, InferError>;
using InferFn = std::function<InferResult(const InferContext&)>;
// The node's parameters, in the order kernels receive them. Called only after `infer`
// succeeded for the same context, so it may assume valid attributes and input shapes.
using ParamsFn = std::function<std::vector<ParamSpec>(const InferContext&)>;

struct OpSchema {
    std::string name;     // "Conv2D"
    std::string category; // palette group: "Convolution", "Activation", ...
    // The plugin that declares the op (plugins/host); empty for a built-in op.
    std::string plugin;
    std::uint32_t color = 0; // 0xRRGGBB of its card; 0: its category's colour
    std::string doc;
    // Shape rules, parameter and FLOP formulas and special rules, for the op reference
    // (docs/ops.md, written by graph/op_reference.h). Markdown allowed.
    std::string notes;
    std::vector<AttrSpec> attrs;
    std::vector<PortSpec> inputs;
    std::vector<PortSpec> outputs;
    InferFn infer;
    ParamsFn params; // empty: the op has no parameters

    const AttrSpec* findAttr(std::string_view attr) const;
    // The attributes with their defaults.
    AttrMap defaults() const;
    bool hasVariadicInput() const { return !inputs.empty() && inputs.back().variadic; }
    // Least number of connected inputs this op accepts.
    int minInputs() const;
    // Name of input port i ("input", "in 2").
    std::string inputName(int i) const;
    // The declared parameters for `ctx` (none when `params` is empty).
    std::vector<ParamSpec> paramsFor(const InferContext& ctx) const;
    // `infer`, then the parameter declarations, with the cost's parameter counts taken from
    // them: what analysis and every consumer use.
    InferResult inferNode(const InferContext& ctx) const;
};

} // namespace nw::graph
