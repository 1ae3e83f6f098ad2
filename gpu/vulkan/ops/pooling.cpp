// MaxPool2D, AvgPool2D, GlobalAvgPool and GlobalMaxPool on shaders/pooling.comp, as the CPU
// computes them (engine/cpu/ops/pooling.cpp), over graph/ops/pool_window.h's windows: max
// ignores padding (and dilates its taps); average divides by the window's cells in the input
// and, with count_include_pad, in its padding, never the ceil_mode overhang.
// x: [N, C, H, W]; y: [N, C, H', W'] ([N, C] for the global pools, an H x W window).
// MaxPool keeps each window's argmax (i32 [N, C, H', W']) from forward for backward.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"
#include "graph/ops/pool_window.h"

namespace nw::gpu::vulkan {

namespace {

class PoolKernel final : public VulkanKernel {
public:
    PoolKernel(VulkanBackend& backend, const KernelConfig& c, bool max, bool global)
        : VulkanKernel(backend, c)
        , m_x(c.inputs[0])
        , m_max(max)
        , m_forward(pipeline("pooling", {max ? 1u : 0u, 0}))
        , m_backward(pipeline("pooling", {max ? 1u : 0u, 1})) {
        if (global) {
            m_window.rows = {m_x[2], m_x[2], 1};
            m_window.cols = {m_x[3], m_x[3], 1};
        } else {
            m_window = graph::ops::poolWindow(c.attrs, m_x[2], m_x[3]);
        }
        m_oh = m_window.rows.outputs();
        m_ow = m_window.cols.outputs();
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
        const graph::ops::PoolAxis &r = m_window.rows, &c = m_window.cols;
        Push p;
        p.addr(x).addr(y).addr(idx).u32(u32(m_x[0] * m_x[1]));
        for (std::int64_t v : {m_x[2], m_x[3], m_oh, m_ow, r.kernel, c.kernel, r.stride, c.stride,
                               r.padBegin, c.padBegin, r.padEnd, c.padEnd, r.dilation, c.dilation,
                               std::int64_t(m_window.includePad)}) {
            p.i32(static_cast<std::int32_t>(v));
        }
        return p;
    }

    Dims m_x;
    bool m_max;
    graph::ops::PoolWindow m_window{};
    std::int64_t m_oh = 1;
    std::int64_t m_ow = 1;
    Tensor m_argmax; // the max pools only
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

Expected<std::unique_ptr<OpKernel>> makeGlobalMaxPoolKernel(VulkanBackend& b,
                                                            const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, true, true);
}

} // namespace nw::gpu::vulkan
