#pragma once
// Preparer: builds an Executor layer by layer, and is the context the layer builders
// (layer_builders.h) work in: the current layer's attributes and weights, its inputs in the
// layouts a primitive wants (a reorder step where the producer chose another), and the steps
// and output tensor it adds. Every check throws Invalid with a message naming the layer.
// Internal to libnetwright_rt; a friend of Executor, so that builders need not be.

#include "engine/bundle/runtime/executor.h"
#include "engine/bundle/runtime/layouts.h"

#include <optional>
#include <utility>
#include <vector>

namespace nw::rt {

// One oneDNN eltwise step: dst = algo(src) with its alpha and beta.
struct EltwiseStep {
    dnnl::algorithm algo;
    float alpha = 0.0f;
    float beta = 0.0f;
};
// A bundle activation ("relu", "leaky_relu", "elu", "relu6", "hard_sigmoid", "hard_swish",
// "gelu_erf", "gelu_tanh", "sigmoid", "tanh") as the eltwise steps applied in order, given the
// layer's alpha and beta (hard_sigmoid: linear, then clip to [0, 1]); empty for any other name.
std::vector<EltwiseStep> eltwiseFor(const std::string& name, float alpha, float beta);

class Preparer {
public:
    Preparer(Executor& ex, const bundle::Bundle& b, std::int64_t batch)
        : m_ex(ex)
        , m_bundle(b)
        , m_batch(batch) {}

    // Layers [first, last): their input is tensor `first`, given plain f32 (channels-last
    // for a [C, H, W] tensor between two parts of a plan). Defined in executor.cpp.
    void run(std::size_t first, std::size_t last);

    // The current layer: its checks, attributes and weights.
    [[noreturn]] void fail(const std::string& why) const;
    // Exactly n inputs, or at least n.
    void expectInputs(std::size_t n, bool atLeast = false) const;
    const std::vector<std::int64_t>& ints(const char* key, std::size_t n) const;
    double real(const char* key, double fallback) const;
    // The weight `key`, checked to hold [dims] of `type`; only "weight" may be pre-laid-out.
    const bundle::BlobRef& blob(const char* key, const bundle::Dims& dims,
                                bundle::DType type = bundle::DType::F32) const;
    std::vector<float> floats(const char* key, const bundle::Dims& dims) const;
    // The bytes of `ref` described as [dims]: row-major, or in the layout they were
    // pre-laid-out in. Not copied: the memory reads the bundle.
    dnnl::memory blobMemory(const bundle::BlobRef& ref, const bundle::Dims& dims, DT type) const;
    // The layer's activation as eltwise steps (an unknown one fails).
    std::vector<EltwiseStep> activationSteps() const;
    // The layer's fused activation as post-ops (none: an empty attribute).
    dnnl::primitive_attr postOps() const;

    // Shapes: per sample unless batched.
    std::int64_t batch() const { return m_batch; }
    bundle::Dims batched(const bundle::Dims& perSample) const;
    const bundle::Dims& inShape(std::size_t i) const { return m_shapes[tensorOf(i)]; }

    // Input `i` as its producer left it: memory and quantisation scale (0: f32).
    const std::pair<dnnl::memory, float>& produced(std::size_t i) const {
        return m_ex.m_tensors[tensorOf(i)];
    }
    // Input `i` of the layer as `want`, reordering when its producer chose another layout,
    // data type or scale.
    dnnl::memory input(std::size_t i, const dnnl::memory::desc& want, float scale = 0);
    // Input `i` in its producer's layout, as f32.
    dnnl::memory inputF32(std::size_t i);
    // Input `i` plain (row-major) f32.
    dnnl::memory inputPlain(std::size_t i);

    // A constant in the primitive's layout: `src` itself when it already is (weights
    // pre-laid-out in the bundle), else reordered once now and kept alive by the executor.
    dnnl::memory constant(const dnnl::memory& src, const dnnl::memory::desc& want);
    dnnl::memory constant(const void* data, const dnnl::memory::desc& plain,
                          const dnnl::memory::desc& want);
    dnnl::memory constant(const bundle::BlobRef& ref, const dnnl::memory::desc& plain,
                          const dnnl::memory::desc& want);
    // `base`'s data seen as `d`. Views of the model's input follow it from run to run.
    dnnl::memory view(const dnnl::memory& base, const dnnl::memory::desc& d);
    // A copy of `v` as a plain [size] f32 constant.
    dnnl::memory values(const std::vector<float>& v);

    // What the layer adds: a step, its output tensor (per-sample shape, quantisation scale,
    // 0: f32), and the weights as its primitive reads them (Executor::weights).
    void step(dnnl::primitive p, std::unordered_map<int, dnnl::memory> args);
    void output(const dnnl::memory& m, bundle::Dims perSample, float scale = 0);
    void recordWeights(const dnnl::memory& weights, bool hwcColumns);

    const dnnl::engine& engine() const { return m_ex.m_engine; }

private:
    // Tensor `t` as `want` with quantisation scale `scale`: itself when it already is, else
    // through a reorder step.
    dnnl::memory convert(std::size_t t, const dnnl::memory::desc& want, float scale);
    std::size_t tensorOf(std::size_t i) const { return std::size_t(m_layer->inputs[i]); }
    std::size_t layerIndex() const { return std::size_t(m_layer - m_bundle.header.layers.data()); }
    // Adds layer `l` through its builder (the table in executor.cpp).
    void build(const bundle::Layer& l);

    Executor& m_ex;
    const bundle::Bundle& m_bundle;
    std::int64_t m_batch;
    const bundle::Layer* m_layer = nullptr;
    std::vector<bundle::Dims> m_shapes; // per sample, for each of m_ex.m_tensors
};

} // namespace nw::rt
