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

struct Inferred {
    std::vector<Shape> outputs;
    OpCost cost;
};

// A shape-inference failure: `field` is the attribute or input port at fault
// ("kernel_size", "input"), `message` says what is wrong and names the shapes involved.
struct InferError {
    std::string field;
    std::string message;
};

using InferResult = Expected<Inferred, InferError>;
using InferFn = std::function<InferResult(const InferContext&)>;

struct OpSchema {
    std::string name;     // "Conv2D"
    std::string category; // palette group: "Convolution", "Activation", ...
    std::string doc;
    std::vector<AttrSpec> attrs;
    std::vector<PortSpec> inputs;
    std::vector<PortSpec> outputs;
    InferFn infer;

    const AttrSpec* findAttr(std::string_view attr) const;
    // The attributes with their defaults.
    AttrMap defaults() const;
    bool hasVariadicInput() const { return !inputs.empty() && inputs.back().variadic; }
    // Least number of connected inputs this op accepts.
    int minInputs() const;
    // Name of input port i ("input", "in 2").
    std::string inputName(int i) const;
};

} // namespace nw::graph
