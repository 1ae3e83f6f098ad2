// Cast as the CPU (engine/cpu/ops/cast.cpp) on shaders/cast.comp, the format a specialization
// constant; backward passes dy straight through (a copy).
#include "base/number_formats.h"
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class CastKernel final : public VulkanKernel {
public:
    CastKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_numel(engine::numelOf(c.inputs[0]))
        , m_saturate(attrBool("saturate"))
        , m_rounding(attrString("round_mode") == "down"      ? 1u
                     : attrString("round_mode") == "nearest" ? 2u
                                                             : 0u)
        , m_cast(pipeline("cast", {u32(static_cast<int>(*numberFormatNamed(attrString("to"))))})) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        Push p;
        p.addr(a.outputs[0])
            .addr(a.inputs[0])
            .u32(u32(m_numel))
            .u32(m_saturate ? 1u : 0u)
            .u32(m_rounding);
        return dispatch(m_cast, VulkanBackend::groupsFor(m_numel), p, {a.inputs[0]}, {a.outputs[0]},
                        "forward");
    }

    Status backward(const BackwardArgs& a) override {
        return a.gradInputs[0].defined() ? m_backend.copy(a.gradOutputs[0], a.gradInputs[0])
                                         : Status::success();
    }

private:
    std::int64_t m_numel;
    bool m_saturate;
    std::uint32_t m_rounding;
    const Pipeline& m_cast;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeCastKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<CastKernel>(b, c);
}

} // namespace nw::gpu::vulkan
