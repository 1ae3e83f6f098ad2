// Pad on shaders/pad.comp, as the CPU computes it (engine/cpu/ops/pad.cpp): x [N, C, H, W]
// -> y [N, C, H + top + bottom, W + left + right], the mode a specialization constant.
// Backward gathers, one invocation per input cell, over the output cells that read it.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

std::uint32_t modeOf(const std::string& mode) {
    return mode == "reflect" ? 1u : mode == "edge" ? 2u : 0u;
}

class PadKernel final : public VulkanKernel {
public:
    PadKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_x(c.inputs[0])
        , m_y(c.outputs[0])
        , m_top(attrInts("padding")[0])
        , m_left(attrInts("padding")[2])
        , m_value(static_cast<float>(attrFloat("value")))
        , m_forward(pipeline("pad", {modeOf(attrString("mode")), 0}))
        , m_backward(pipeline("pad", {modeOf(attrString("mode")), 1})) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        Push p = push(a.inputs[0], a.outputs[0]);
        return dispatch(m_forward, VulkanBackend::groupsFor(engine::numelOf(m_y)), p, {a.inputs[0]},
                        {a.outputs[0]}, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        Push p = push(a.gradInputs[0], a.gradOutputs[0]);
        return dispatch(m_backward, VulkanBackend::groupsFor(engine::numelOf(m_x)), p,
                        {a.gradOutputs[0]}, {a.gradInputs[0]}, "backward");
    }

private:
    // The push block of pad.comp: x (or dx), y (or dy), then the sizes and the fill.
    Push push(const Tensor& x, const Tensor& y) const {
        Push p;
        p.addr(x).addr(y).u32(u32(m_x[0] * m_x[1]));
        for (std::int64_t v : {m_x[2], m_x[3], m_y[2], m_y[3], m_top, m_left}) {
            p.i32(static_cast<std::int32_t>(v));
        }
        p.f32(m_value);
        return p;
    }

    Dims m_x, m_y;
    std::int64_t m_top, m_left;
    float m_value;
    const Pipeline& m_forward;
    const Pipeline& m_backward;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makePadKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<PadKernel>(b, c);
}

} // namespace nw::gpu::vulkan
