// Constant as the CPU (engine/cpu/ops/constant.cpp): its value, row-major like every Vulkan
// tensor, tiled over the batch (shaders/elementwise.comp, OP 5); backward sums dy over the
// samples into the value's gradient (split_sum.comp's channel sums, as PositionalEncoding).
#include "gpu/vulkan/ops/gemm.h"
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

#include <bit>

namespace nw::gpu::vulkan {

namespace {

class ConstantKernel final : public VulkanKernel {
public:
    ConstantKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_batch(u32(c.outputs[0].at(0)))
        , m_sample(u32(engine::numelOf(c.outputs[0]) / c.outputs[0].at(0)))
        , m_tile(pipeline("elementwise", {5}))
        , m_sums(builtOrThrow(GemmRecorder::create(backend))) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const std::uint32_t n = m_batch * m_sample;
        Push push;
        push.addr(a.outputs[0])
            .addr(a.params[0])
            .addr(a.params[0])
            .u32(n)
            .f32(std::bit_cast<float>(m_sample));
        return dispatch(m_tile, VulkanBackend::groupsFor(n), push, {a.params[0]}, {a.outputs[0]},
                        "forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.wantsParamGrads()) { // frozen
            return Status::success();
        }
        // dy seen as [N, M, 1]: one channel per element of the value, summed over the samples.
        return m_sums.channelSum(a.gradOutputs[0], a.gradParams[0], m_batch, m_sample, 1,
                                 m_node + " value gradient");
    }

private:
    std::uint32_t m_batch, m_sample;
    const Pipeline& m_tile;
    GemmRecorder m_sums;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeConstantKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<ConstantKernel>(b, c);
}

} // namespace nw::gpu::vulkan
