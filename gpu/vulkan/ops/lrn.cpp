// LRN across channels on shaders/lrn.comp, as the CPU computes it (engine/cpu/ops/lrn.cpp,
// ONNX's formula): x, y [N, C, H, W] row-major. Forward also keeps each element's scale
// s = bias + alpha/size · Σ x² ([N, C, H, W]) for backward, which reads x, dy and s.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class LrnKernel final : public VulkanKernel {
public:
    LrnKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_x(c.inputs[0])
        , m_size(attrInt("size"))
        , m_alpha(static_cast<float>(attrFloat("alpha")))
        , m_beta(static_cast<float>(attrFloat("beta")))
        , m_bias(static_cast<float>(attrFloat("bias")))
        , m_forward(pipeline("lrn", {0}))
        , m_backward(pipeline("lrn", {1}))
        , m_scale(scratch(m_x)) {}

    Status forward(const ForwardArgs& a) override {
        const Tensor &x = a.inputs[0], &y = a.outputs[0];
        return dispatch(m_forward, VulkanBackend::groupsFor(engine::numelOf(m_x)), push(x, y, x),
                        {x}, {y, m_scale}, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor &x = a.inputs[0], &dy = a.gradOutputs[0], &dx = a.gradInputs[0];
        if (!dx.defined()) {
            return Status::success();
        }
        return dispatch(m_backward, VulkanBackend::groupsFor(engine::numelOf(m_x)), push(x, dy, dx),
                        {x, dy, m_scale}, {dx}, "backward");
    }

private:
    // The push block of lrn.comp: x, y (or dy), the scale, dx, then the sizes and attributes.
    Push push(const Tensor& x, const Tensor& y, const Tensor& dx) const {
        Push p;
        p.addr(x).addr(y).addr(m_scale).addr(dx);
        p.u32(u32(engine::numelOf(m_x))).i32(static_cast<std::int32_t>(m_x[1]));
        p.u32(u32(m_x[2] * m_x[3])).i32(static_cast<std::int32_t>((m_size - 1) / 2));
        p.f32(m_alpha / float(m_size)).f32(m_beta).f32(m_bias);
        return p;
    }

    Dims m_x;
    std::int64_t m_size;
    float m_alpha, m_beta, m_bias;
    const Pipeline& m_forward;
    const Pipeline& m_backward;
    Tensor m_scale;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLrnKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<LrnKernel>(b, c);
}

} // namespace nw::gpu::vulkan
