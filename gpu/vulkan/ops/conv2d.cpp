// Conv2D as implicit GEMM on shaders/gemm.comp (no im2col buffer). x: [N, C, H, W],
// weight: [F, C/groups, kh, kw] (PyTorch's layout), bias: [F], y: [N, F, H', W']. Padding is
// explicit or "same" (the total split as the CPU backend splits it: the smaller half first).
#include "gpu/vulkan/ops/gemm.h"
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class Conv2dKernel final : public VulkanKernel {
public:
    Conv2dKernel(VulkanBackend& backend, const KernelConfig& c, GemmRecorder gemm)
        : VulkanKernel(backend, c)
        , m_bias(attrBool("use_bias"))
        , m_gemm(std::move(gemm)) {
        const Dims& x = c.inputs[0];
        const Dims& y = c.outputs[0];
        const auto& k = attrInts("kernel_size");
        const auto& stride = attrInts("stride");
        const auto& dil = attrInts("dilation");
        bool same = attrString("padding_mode") == "same";
        std::int64_t pad[2];
        for (int d = 0; d < 2; ++d) {
            std::int64_t effective = dil[d] * (k[d] - 1) + 1;
            pad[d] =
                same
                    ? std::max<std::int64_t>((y[2 + d] - 1) * stride[d] + effective - x[2 + d], 0) /
                          2
                    : attrInts("padding")[d];
        }
        m_g = {u32(x[0]),   u32(x[1]),      u32(x[2]),      u32(x[3]),
               u32(y[1]),   u32(y[2]),      u32(y[3]),      u32(k[0]),
               u32(k[1]),   u32(stride[0]), u32(stride[1]), u32(pad[0]),
               u32(pad[1]), u32(dil[0]),    u32(dil[1]),    u32(attrInt("groups"))};
    }

    Status forward(const ForwardArgs& a) override {
        return m_gemm.conv(ConvPass::Forward, m_g, a.inputs[0], a.params[0], a.outputs[0],
                           m_bias ? a.params[1] : Tensor(), m_node + " forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor& dy = a.gradOutputs[0];
        if (a.gradInputs[0].defined()) {
            if (auto s = m_gemm.conv(ConvPass::DataGradient, m_g, dy, a.params[0], a.gradInputs[0],
                                     Tensor(), m_node + " data gradient");
                !s) {
                return s;
            }
        }
        if (!a.wantsParamGrads()) { // frozen
            return Status::success();
        }
        if (auto s = m_gemm.conv(ConvPass::WeightGradient, m_g, dy, a.inputs[0], a.gradParams[0],
                                 Tensor(), m_node + " weight gradient");
            !s) {
            return s;
        }
        if (!m_bias) {
            return Status::success();
        }
        return m_gemm.channelSum(dy, a.gradParams[1], m_g.batch, m_g.f, m_g.oh * m_g.ow,
                                 m_node + " bias gradient");
    }

private:
    bool m_bias;
    GemmRecorder m_gemm;
    ConvGeometry m_g;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeConv2dKernel(VulkanBackend& b, const KernelConfig& c) {
    auto gemm = GemmRecorder::create(b);
    if (!gemm) {
        return gemm.error();
    }
    return makeKernel<Conv2dKernel>(b, c, std::move(*gemm));
}

} // namespace nw::gpu::vulkan
