// Loss on shaders/loss.comp (per-row or per-element terms; [N, T, K] logits are N·T rows)
// and reduce.comp (their mean into the [1] output), with the definitions of
// engine/cpu/ops/loss.cpp.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class LossKernel final : public VulkanKernel {
public:
    LossKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_shape(c.inputs[0])
        , m_numel(engine::numelOf(c.inputs[0]))
        , m_classes(c.inputs[0].back())
        , m_rows(m_numel / m_classes)
        , m_smoothing(static_cast<float>(attrFloat("label_smoothing")))
        , m_classification(attrString("loss") == "softmax_cross_entropy")
        , m_bce(attrString("loss") == "binary_cross_entropy_with_logits")
        , m_terms(scratch({m_classification ? m_rows : m_numel}))
        , m_probs(m_classification ? scratch(m_shape) : Tensor())
        , m_forward(pipeline("loss", {m_classification ? 0u : 2u, m_bce ? 1u : 0u}))
        , m_backward(pipeline("loss", {m_classification ? 1u : 3u, m_bce ? 1u : 0u}))
        , m_mean(pipeline("reduce", {1})) {}

    Status forward(const ForwardArgs& a) override {
        if (!a.targets || !a.targets->defined()) {
            return Error::internal("node '" + m_node + "': the loss needs targets");
        }
        if (auto s = checkTargets(*a.targets); !s) {
            return s;
        }
        std::int64_t count = m_classification ? m_rows : m_numel;
        Push p = push(a.inputs[0], *a.targets, m_terms, u32(count), 1.0f);
        if (m_classification) {
            m_backend.expectStatus();
        }
        if (auto s = dispatch(m_forward, VulkanBackend::groupsFor(count), p,
                              {a.inputs[0], *a.targets}, {m_terms, m_probs}, "loss terms");
            !s) {
            return s;
        }
        Push mean;
        mean.addr(m_terms).addr(a.outputs[0]).u32(u32(count)).f32(1.0f / float(count));
        return dispatch(m_mean, {1, 1, 1}, mean, {m_terms}, {a.outputs[0]}, "loss mean");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        std::int64_t count = m_classification ? m_rows : m_numel;
        float scale = 1.0f / float(count);
        Push p = push(a.inputs[0], *a.targets, a.gradInputs[0], u32(count), scale);
        return dispatch(m_backward, VulkanBackend::groupsFor(m_numel), p,
                        {a.inputs[0], *a.targets, m_probs}, {a.gradInputs[0]}, "loss backward");
    }

private:
    Push push(const Tensor& x, const Tensor& targets, const Tensor& out, std::uint32_t n,
              float scale) const {
        Push p;
        p.addr(x).addr(m_classification ? x : targets).addr(m_classification ? targets : x);
        p.addr(m_probs.defined() ? m_probs : x).addr(out).addr(m_backend.statusAddress());
        p.u32(n).u32(m_classification ? u32(m_classes) : 1u).f32(m_smoothing).f32(scale);
        return p;
    }

    Status checkTargets(const Tensor& t) const {
        bool ok = m_classification ? t.dtype() == DType::I32 && t.numel() == m_rows
                                   : t.dtype() == DType::F32 && t.numel() == m_numel;
        if (!ok) {
            return Error::internal("node '" + m_node + "': targets " + t.toString() +
                                   " do not fit the prediction " + engine::dimsToString(m_shape));
        }
        return Status::success();
    }

    Dims m_shape;
    std::int64_t m_numel;
    std::int64_t m_classes; // the last axis
    std::int64_t m_rows;    // softmax cross-entropy: one class label per row of m_classes
    float m_smoothing;
    bool m_classification;
    bool m_bce;
    Tensor m_terms; // per row or per element, before the mean
    Tensor m_probs; // softmax of the last forward (classification), for backward
    const Pipeline& m_forward;
    const Pipeline& m_backward;
    const Pipeline& m_mean;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLossKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<LossKernel>(b, c);
}

} // namespace nw::gpu::vulkan
