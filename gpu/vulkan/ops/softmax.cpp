// Softmax along `axis` on shaders/softmax.comp, as the CPU (engine/cpu/ops/softmax.cpp):
// x viewed as [outer, K, inner] with K the axis; backward reads the output.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class SoftmaxKernel final : public VulkanKernel {
public:
    SoftmaxKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_forward(pipeline("softmax", {0}))
        , m_backward(pipeline("softmax", {1})) {
        const Dims& x = c.inputs[0];
        auto rank = static_cast<std::int64_t>(x.size());
        std::int64_t axis = attrInt("axis");
        auto ax = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
        for (std::size_t d = 0; d < x.size(); ++d) {
            (d < ax ? m_outer : d == ax ? m_k : m_inner) *= x[d];
        }
    }

    bool backwardReadsInputs() const override { return false; }
    bool backwardReadsOutputs() const override { return true; }

    Status forward(const ForwardArgs& a) override {
        Push p;
        p.addr(a.inputs[0]).addr(a.inputs[0]).addr(a.outputs[0]);
        sizes(p);
        return dispatch(m_forward, VulkanBackend::groupsFor(m_outer * m_inner), p, {a.inputs[0]},
                        {a.outputs[0]}, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        Push p;
        p.addr(a.outputs[0]).addr(a.gradOutputs[0]).addr(a.gradInputs[0]);
        sizes(p);
        return dispatch(m_backward, VulkanBackend::groupsFor(m_outer * m_inner), p,
                        {a.outputs[0], a.gradOutputs[0]}, {a.gradInputs[0]}, "backward");
    }

private:
    void sizes(Push& p) const { p.u32(u32(m_outer * m_inner)).u32(u32(m_k)).u32(u32(m_inner)); }

    const Pipeline& m_forward;
    const Pipeline& m_backward;
    std::int64_t m_outer = 1;
    std::int64_t m_k = 1;
    std::int64_t m_inner = 1;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeSoftmaxKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<SoftmaxKernel>(b, c);
}

} // namespace nw::gpu::vulkan
