// SequencePool as the CPU (engine/cpu/ops/sequence_pool.cpp), on shaders/sequence_pool.comp:
// x [N, T, C] -> y [N, C] by the mean, the max (its step saved for backward) or the last
// step; backward writes every element of dx once from dy.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

std::uint32_t modeOf(const std::string& mode) {
    return mode == "max" ? 1 : mode == "last" ? 2 : 0;
}

class SequencePoolKernel final : public VulkanKernel {
public:
    SequencePoolKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_n(u32(c.inputs[0].at(0)))
        , m_t(u32(c.inputs[0].at(1)))
        , m_c(u32(c.inputs[0].at(2)))
        , m_forward(pipeline("sequence_pool", {modeOf(attrString("mode")), 0}))
        , m_backward(pipeline("sequence_pool", {modeOf(attrString("mode")), 1}))
        , m_argmax(scratch({c.inputs[0].at(0), c.inputs[0].at(2)}, DType::I32)) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        Push p;
        p.addr(a.inputs[0]).addr(a.outputs[0]).addr(m_argmax).u32(m_n).u32(m_t).u32(m_c);
        return dispatch(m_forward, VulkanBackend::groupsFor(std::int64_t(m_n) * m_c), p,
                        {a.inputs[0]}, {a.outputs[0], m_argmax}, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        Push p;
        p.addr(a.gradInputs[0]).addr(a.gradOutputs[0]).addr(m_argmax).u32(m_n).u32(m_t).u32(m_c);
        return dispatch(m_backward, VulkanBackend::groupsFor(std::int64_t(m_n) * m_t * m_c), p,
                        {a.gradOutputs[0], m_argmax}, {a.gradInputs[0]}, "backward");
    }

private:
    std::uint32_t m_n, m_t, m_c;
    const Pipeline& m_forward;
    const Pipeline& m_backward;
    Tensor m_argmax; // i32 [N, C]: the step of each maximum (max mode)
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeSequencePoolKernel(VulkanBackend& b,
                                                           const KernelConfig& c) {
    return makeKernel<SequencePoolKernel>(b, c);
}

} // namespace nw::gpu::vulkan
