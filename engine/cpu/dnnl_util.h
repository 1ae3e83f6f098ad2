#pragma once
// oneDNN plumbing shared by the CPU kernels: the engine and stream, memory descriptors for
// our plain (row-major) tensors, and LayoutBridge, which hands a primitive the memory layout
// it asked for (format_tag::any) and reorders only when that differs from ours.

#include "engine/core/tensor.h"
#include "graph/attribute.h"

#include <dnnl.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nw::engine::cpu {

struct DnnlContext {
    dnnl::engine engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream stream{engine};
};

using Tag = dnnl::memory::format_tag;
using DnnlDims = dnnl::memory::dims;

inline DnnlDims toDnnl(const Dims& d) {
    return DnnlDims(d.begin(), d.end());
}

// How the CPU backend stores a tensor of `dims`: row-major (nc, ncw, ...), except 4-D
// tensors, which are channels-last (nhwc). Host copies (copyFromHost / copyToHost) convert,
// so outside the backend every tensor reads as row-major.
dnnl::memory::desc plainDesc(const Dims& dims);
// The row-major descriptor (nchw for 4-D): the layout host code and the graph's semantics use.
dnnl::memory::desc rowMajorDesc(const Dims& dims);
// The element strides of plainDesc(dims), per dim: row-major, or channels-last for 4-D. A
// strided descriptor over them (permuted, or with the last two dims swapped) views a tensor
// transposed without copying it.
DnnlDims plainStrides(const Dims& dims);
// Descriptor for the same dims that lets the primitive choose its layout (and, for a bf16
// product, its element type: LayoutBridge converts on the way in).
dnnl::memory::desc anyDesc(const Dims& dims,
                           dnnl::memory::data_type type = dnnl::memory::data_type::f32);
// The element type a kernel's matrix products and convolutions take their inputs in on
// `backend`: bf16 under training.precision bf16, else f32.
class CpuBackend;
dnnl::memory::data_type productType(const CpuBackend& backend);

// A dnnl::memory over a tensor's host memory, viewed with `desc` (plain by default).
dnnl::memory wrap(const DnnlContext& ctx, const Tensor& t);
dnnl::memory wrap(const DnnlContext& ctx, const Tensor& t, const dnnl::memory::desc& desc);

// One oneDNN eltwise step: dst = algo(src) with the algorithm's alpha and beta.
struct Eltwise {
    dnnl::algorithm algo = dnnl::algorithm::eltwise_relu;
    float alpha = 0.0f;
    float beta = 0.0f;
};
// An activation op ("ReLU", "GELU", ...) as the eltwise steps applied in order: one for most;
// HardSigmoid is two (linear alpha x + beta, then clip_v2 to [0, 1]: oneDNN 2.6 has no
// hardsigmoid). Empty for ops that are not element-wise activations.
std::vector<Eltwise> eltwiseFor(std::string_view op, const graph::AttrMap& attrs);

// Post-ops that apply `activation` (empty: none) to a primitive's output.
dnnl::primitive_attr activationAttr(const std::string& activation, const graph::AttrMap& attrs);

// Runs `fn` and turns a dnnl::error into an Error naming the node.
template <class Fn>
Status guarded(const std::string& nodeId, const char* what, Fn&& fn) {
    try {
        fn();
        return Status::success();
    } catch (const dnnl::error& e) {
        return Error::internal("node '" + nodeId + "': oneDNN " + what + " failed: " + e.what());
    }
}

// Between a plain tensor and a primitive's chosen layout for one argument.
class LayoutBridge {
public:
    LayoutBridge() = default;
    // `plain` is our layout, `want` the primitive's (queried from its primitive_desc).
    LayoutBridge(const DnnlContext& ctx, const dnnl::memory::desc& plain,
                 const dnnl::memory::desc& want);

    bool needsReorder() const { return m_scratch.has_value(); }

    // An input: the tensor's memory in the wanted layout (reordered into scratch if needed).
    dnnl::memory input(const DnnlContext& ctx, const Tensor& t);
    // An output: where the primitive should write; call commit() after it ran.
    dnnl::memory output(const DnnlContext& ctx, const Tensor& t);
    void commit(const DnnlContext& ctx, const Tensor& t);

private:
    dnnl::memory::desc m_plain;
    std::optional<dnnl::memory> m_scratch;
    dnnl::reorder m_toWanted;
    dnnl::reorder m_toPlain;
};

} // namespace nw::engine::cpu
