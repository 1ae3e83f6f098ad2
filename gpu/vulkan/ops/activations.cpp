// ReLU, LeakyReLU, ELU, ReLU6, HardSigmoid, HardSwish, GELU, Sigmoid, Tanh on
// shaders/activation.comp: forward y = f(x), backward dx = dy * f'(x), over x of any shape
// viewed flat. `alpha` and `beta`: the shader's two parameters (see its KIND table).
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class ActivationKernel final : public VulkanKernel {
public:
    ActivationKernel(VulkanBackend& backend, const KernelConfig& c, std::uint32_t kind, float alpha,
                     float beta = 0.0f)
        : VulkanKernel(backend, c)
        , m_numel(engine::numelOf(c.inputs[0]))
        , m_alpha(alpha)
        , m_beta(beta)
        , m_forward(pipeline("activation", {kind, 0}))
        , m_backward(pipeline("activation", {kind, 1})) {}

    Status forward(const ForwardArgs& a) override {
        Push p;
        p.addr(a.inputs[0]).addr(a.outputs[0]).addr(a.outputs[0]).u32(u32(m_numel));
        p.f32(m_alpha).f32(m_beta);
        return dispatch(m_forward, VulkanBackend::groupsFor(m_numel), p, {a.inputs[0]},
                        {a.outputs[0]}, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        Push p;
        p.addr(a.inputs[0]).addr(a.gradOutputs[0]).addr(a.gradInputs[0]).u32(u32(m_numel));
        p.f32(m_alpha).f32(m_beta);
        return dispatch(m_backward, VulkanBackend::groupsFor(m_numel), p,
                        {a.inputs[0], a.gradOutputs[0]}, {a.gradInputs[0]}, "backward");
    }

private:
    std::int64_t m_numel;
    float m_alpha;
    float m_beta;
    const Pipeline& m_forward;
    const Pipeline& m_backward;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeActivationKernel(VulkanBackend& b, const KernelConfig& c) {
    auto real = [&c](const char* name) {
        return static_cast<float>(std::get<double>(c.attrs.find(name)->second));
    };
    if (c.op == "ReLU") {
        return makeKernel<ActivationKernel>(b, c, 0u, 0.0f);
    }
    if (c.op == "LeakyReLU") {
        return makeKernel<ActivationKernel>(b, c, 0u, real("alpha"));
    }
    if (c.op == "ELU") {
        return makeKernel<ActivationKernel>(b, c, 1u, real("alpha"));
    }
    if (c.op == "ReLU6") {
        return makeKernel<ActivationKernel>(b, c, 6u, 0.0f, 6.0f);
    }
    if (c.op == "HardSigmoid") {
        return makeKernel<ActivationKernel>(b, c, 7u, real("alpha"), real("beta"));
    }
    if (c.op == "HardSwish") {
        return makeKernel<ActivationKernel>(b, c, 8u, 0.0f);
    }
    if (c.op == "GELU") {
        bool tanh = std::get<std::string>(c.attrs.find("approximate")->second) == "tanh";
        return makeKernel<ActivationKernel>(b, c, tanh ? 3u : 2u, 0.0f);
    }
    if (c.op == "Sigmoid") {
        return makeKernel<ActivationKernel>(b, c, 4u, 0.0f);
    }
    if (c.op == "Tanh") {
        return makeKernel<ActivationKernel>(b, c, 5u, 0.0f);
    }
    return Error::internal("node '" + c.nodeId + "': " + c.op + " is not an activation");
}

} // namespace nw::gpu::vulkan
