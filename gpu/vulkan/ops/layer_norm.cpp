// LayerNorm on shaders/layer_norm.comp. The trailing dims of x whose element count is
// gamma's size are normalised together, so x: [N, ...] is seen as [outer, inner] (row-major
// on the device). Params: gamma [inner], beta [inner]. Biased variance, eps inside the sqrt;
// the forward saves each row's mean and 1 / sqrt(var + eps) for backward.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

#include <algorithm>

namespace nw::gpu::vulkan {

namespace {

enum Pass : std::uint32_t { kForward = 0, kInputGrad = 1, kParamGrads = 2 };

// Pass 2's columns per workgroup: a power of two, at most 32 (one 128-byte row segment),
// no more than the row holds, so that narrow rows spread their many rows over more
// invocations.
std::uint32_t columnsPerGroup(std::int64_t inner) {
    std::uint32_t columns = 1;
    while (columns < 32 && columns < inner) {
        columns *= 2;
    }
    return columns;
}

class LayerNormKernel final : public VulkanKernel {
public:
    LayerNormKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_inner(c.params.at(0).shape.at(0)) // the schema's gamma [normalised elements]
        , m_outer(engine::numelOf(c.inputs[0]) / m_inner)
        , m_eps(static_cast<float>(attrFloat("epsilon")))
        , m_forward(pipeline("layer_norm", {kForward}))
        , m_inputGrad(pipeline("layer_norm", {kInputGrad}))
        , m_columns(columnsPerGroup(m_inner))
        , m_paramGrads(pipeline("layer_norm", {kParamGrads, m_columns}))
        , m_mean(scratch({m_outer}))
        , m_invStd(scratch({m_outer})) {}

    Status forward(const ForwardArgs& a) override {
        const Tensor &x = a.inputs[0], &y = a.outputs[0];
        const Tensor &gamma = a.params[0], &beta = a.params[1];
        Push p = push(x, y, gamma, beta, x, x, x);
        return dispatch(m_forward, rowGroups(), p, {x, gamma, beta}, {y, m_mean, m_invStd},
                        "forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor &x = a.inputs[0], &dy = a.gradOutputs[0], &dx = a.gradInputs[0];
        const Tensor& gamma = a.params[0];
        const Tensor &dgamma = a.gradParams[0], &dbeta = a.gradParams[1];
        if (a.wantsParamGrads()) { // not frozen
            Push sums = push(x, dy, gamma, gamma, x, dgamma, dbeta);
            auto columnGroups =
                std::min<std::int64_t>((m_inner + m_columns - 1) / m_columns, 65535);
            if (auto s =
                    dispatch(m_paramGrads, {u32(columnGroups), 1, 1}, sums,
                             {x, dy, m_mean, m_invStd}, {dgamma, dbeta}, "parameter gradients");
                !s) {
                return s;
            }
        }
        if (!dx.defined()) {
            return Status::success();
        }
        Push p = push(x, dy, gamma, gamma, dx, gamma, gamma);
        return dispatch(m_inputGrad, rowGroups(), p, {x, dy, gamma, m_mean, m_invStd}, {dx},
                        "backward");
    }

private:
    // The shader's push constants; the saved statistics are the kernel's own.
    Push push(const Tensor& x, const Tensor& y, const Tensor& gamma, const Tensor& beta,
              const Tensor& dx, const Tensor& dgamma, const Tensor& dbeta) const {
        Push p;
        p.addr(x).addr(y).addr(gamma).addr(beta).addr(m_mean).addr(m_invStd);
        p.addr(dx).addr(dgamma).addr(dbeta);
        p.u32(u32(m_outer)).u32(u32(m_inner)).f32(m_eps);
        return p;
    }

    // One workgroup per row (looping when there are more rows than workgroups).
    std::array<std::uint32_t, 3> rowGroups() const {
        return {u32(std::min<std::int64_t>(m_outer, 65535)), 1, 1};
    }

    std::int64_t m_inner;
    std::int64_t m_outer;
    float m_eps;
    const Pipeline& m_forward;
    const Pipeline& m_inputGrad;
    std::uint32_t m_columns;
    const Pipeline& m_paramGrads;
    Tensor m_mean;   // [outer] each row's mean in the last forward
    Tensor m_invStd; // [outer] its 1 / sqrt(biased variance + eps)
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLayerNormKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<LayerNormKernel>(b, c);
}

} // namespace nw::gpu::vulkan
