#pragma once
// OpKernel: one node of the graph, compiled for one backend and one batch size.
//
// The plan creates a kernel per node through Backend::createKernel, allocates the tensors
// the kernel names (parameters, activations, gradients) and calls forward and backward in
// order. A kernel keeps what it saves between forward and backward (pooling indices,
// batch statistics, dropout masks) itself, allocated from its backend at creation.

#include "base/expected.h"
#include "engine/core/tensor.h"
#include "graph/attribute.h"
#include "graph/op_schema.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nw::engine {

class Communicator;

// Parameters are declared by the op schema (graph/op_schema.h), never by a kernel.
using graph::Init;
using graph::ParamSpec;

// Everything a backend needs to build a kernel for one node.
struct KernelConfig {
    std::string nodeId;
    std::string op;
    graph::AttrMap attrs;          // validated, defaults filled in
    std::vector<Dims> inputs;      // concrete shapes, batch included
    std::vector<Dims> outputs;     // as inferred; a Loss node has one output: the loss, [1]
    std::vector<ParamSpec> params; // the schema's declarations, in the order params arrive
    std::uint64_t seed = 0;        // the run's seed (dropout masks)
    // Data-parallel training: the batch is part `shard` of `shards` equal parts of the global
    // batch, and a random mask numbers its elements as the global batch's (Dropout keeps the
    // masks of a single process at the global batch).
    int shard = 0;
    int shards = 1;
    // Data-parallel training with synchronised batch norm (TrainOptions::syncBatchNorm): the
    // communicator a training BatchNorm reduces its statistics over. Null: the batch's own.
    Communicator* syncStats = nullptr;
    // Inference plans only: an activation node folded into this one (its op and attributes),
    // applied to the output in the same pass. Empty op: none. See Backend::canFuseActivation.
    std::string fusedActivation;
    graph::AttrMap fusedActivationAttrs;
};

struct ForwardArgs {
    std::span<const Tensor> inputs;
    // In the schema's declaration order (KernelConfig::params), trainable and state alike.
    std::span<const Tensor> params;
    std::span<const Tensor> outputs;
    bool training = false;
    std::uint64_t step = 0;          // global training step: dropout masks depend on it
    const Tensor* targets = nullptr; // Loss only: i32 class labels [N] or f32 like the input
};

struct BackwardArgs {
    std::span<const Tensor> inputs;
    std::span<const Tensor> params;
    std::span<const Tensor> outputs;
    std::span<const Tensor> gradOutputs; // Loss: empty, the gradient starts there
    // To be written. An undefined tensor means that gradient is not needed.
    std::span<const Tensor> gradInputs;
    // One per trainable param, in declaration order; undefined where not needed. A frozen
    // node's (graph::Node::trainable false, fine-tuning) are all undefined: its kernel must
    // compute no parameter gradient and write none, only the gradInputs that are defined.
    std::span<const Tensor> gradParams;
    const Tensor* targets = nullptr;

    // Whether any parameter gradient is wanted: false for a frozen node.
    bool wantsParamGrads() const {
        return std::any_of(gradParams.begin(), gradParams.end(),
                           [](const Tensor& g) { return g.defined(); });
    }
};

class OpKernel {
public:
    virtual ~OpKernel() = default;

    // What backward reads, so the plan can free activations early.
    virtual bool backwardReadsInputs() const { return true; }
    virtual bool backwardReadsOutputs() const { return false; }

    virtual Status forward(const ForwardArgs& args) = 0;
    virtual Status backward(const BackwardArgs& args) = 0;
};

// Typed access to a node's validated attributes (defaults filled in): the base of every
// backend's kernels.
class KernelAttributes {
protected:
    explicit KernelAttributes(graph::AttrMap attrs)
        : m_attrs(std::move(attrs)) {}

    std::int64_t attrInt(std::string_view name) const { return get<std::int64_t>(name); }
    double attrFloat(std::string_view name) const { return get<double>(name); }
    bool attrBool(std::string_view name) const { return get<bool>(name); }
    const std::string& attrString(std::string_view name) const { return get<std::string>(name); }
    const graph::IntList& attrInts(std::string_view name) const {
        return get<graph::IntList>(name);
    }

private:
    template <class T>
    const T& get(std::string_view name) const {
        return std::get<T>(m_attrs.find(name)->second);
    }
    graph::AttrMap m_attrs;
};

// The Input node's kernel on every backend: the plan copies each batch into the node's
// output, so there is nothing to compute.
class InputKernel final : public OpKernel {
public:
    bool backwardReadsInputs() const override { return false; }
    Status forward(const ForwardArgs&) override { return Status::success(); }
    Status backward(const BackwardArgs&) override { return Status::success(); }
};

} // namespace nw::engine
