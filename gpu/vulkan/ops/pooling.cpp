// MaxPool2D, AvgPool2D and GlobalAvgPool on shaders/pooling.comp, as the CPU computes them
// (engine/cpu/ops/pooling.cpp): max ignores padding, average divides by kh*kw always.
// x: [N, C, H, W]; y: [N, C, H', W'] ([N, C] for GlobalAvgPool, an H x W window).
// MaxPool keeps each window's argmax (i32 [N, C, H', W']) from forward for backward.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

struct Window {
    std::int64_t kh, kw, sh, sw, ph, pw;
};

class PoolKernel final : public VulkanKernel {
public:
    PoolKernel(VulkanBackend& backend, const KernelConfig& c, bool max, bool global)
        : VulkanKernel(backend, c)
        , m_x(c.inputs[0])
        , m_max(max)
        , m_forward(pipeline("pooling", {max ? 1u : 0u, 0}))
        , m_backward(pipeline("pooling", {max ? 1u : 0u, 1})) {
        if (global) {
            m_window = {m_x[2], m_x[3], 1, 1, 0, 0};
        } else {
            const auto& k = attrInts("kernel_size");
            const auto& s = attrInts("stride");
            const auto& p = attrInts("padding");
            m_window = {k[0], k[1], s[0], s[1], p[0], p[1]};
        }
        m_oh = (m_x[2] + 2 * m_window.ph - m_window.kh) / m_window.sh + 1;
        m_ow = (m_x[3] + 2 * m_window.pw - m_window.kw) / m_window.sw + 1;
        if (m_max) {
            m_argmax = scratch({m_x[0], m_x[1], m_oh, m_ow}, DType::I32);
        }
    }

    bool backwardReadsInputs() const override { return false; } // max keeps its argmax

    Status forward(const ForwardArgs& a) override {
        const Tensor& idx = m_max ? m_argmax : a.outputs[0]; // average: never read
        Push p = push(a.inputs[0], a.outputs[0], idx);
        return dispatch(m_forward, VulkanBackend::groupsFor(m_x[0] * m_x[1] * m_oh * m_ow), p,
                        {a.inputs[0]}, {a.outputs[0], m_argmax}, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        const Tensor& idx = m_max ? m_argmax : a.gradOutputs[0];
        Push p = push(a.gradInputs[0], a.gradOutputs[0], idx);
        return dispatch(m_backward, VulkanBackend::groupsFor(engine::numelOf(m_x)), p,
                        {a.gradOutputs[0], m_argmax}, {a.gradInputs[0]}, "backward");
    }

private:
    // The push block of pooling.comp: x (or dx), y (or dy), idx, then the sizes.
    Push push(const Tensor& x, const Tensor& y, const Tensor& idx) const {
        Push p;
        p.addr(x).addr(y).addr(idx).u32(u32(m_x[0] * m_x[1]));
        for (std::int64_t v : {m_x[2], m_x[3], m_oh, m_ow, m_window.kh, m_window.kw, m_window.sh,
                               m_window.sw, m_window.ph, m_window.pw}) {
            p.i32(static_cast<std::int32_t>(v));
        }
        return p;
    }

    Dims m_x;
    bool m_max;
    Window m_window{};
    std::int64_t m_oh = 1;
    std::int64_t m_ow = 1;
    Tensor m_argmax; // MaxPool only
    const Pipeline& m_forward;
    const Pipeline& m_backward;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMaxPool2dKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, true, false);
}

Expected<std::unique_ptr<OpKernel>> makeAvgPool2dKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, false, false);
}

Expected<std::unique_ptr<OpKernel>> makeGlobalAvgPoolKernel(VulkanBackend& b,
                                                            const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, false, true);
}

} // namespace nw::gpu::vulkan
