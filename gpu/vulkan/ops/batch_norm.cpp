// BatchNorm on shaders/batch_norm.comp, over axis 1 of x: [N, C] or [N, C, H, W] (row-major,
// seen as [N, C, S], S = H * W). Params: gamma [C], beta [C]; state: running_mean [C],
// running_var [C], updated PyTorch-style: r = (1 - momentum) * r + momentum * batch statistic,
// the variance unbiased. Training forward normalises with the batch mean and biased variance
// and saves them (mean, 1 / sqrt(var + eps)) for backward; inference uses the running
// statistics. Backward (batch statistics) writes dgamma, dbeta and, when wanted, dx.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

#include <algorithm>

namespace nw::gpu::vulkan {

namespace {

enum Pass : std::uint32_t { kStatistics = 0, kNormalise = 1, kGradSums = 2, kInputGrad = 3 };

class BatchNormKernel final : public VulkanKernel {
public:
    BatchNormKernel(VulkanBackend& backend, const KernelConfig& c, std::uint32_t relu)
        : VulkanKernel(backend, c)
        , m_channels(c.params.at(0).shape.at(0)) // the schema's gamma [C]
        , m_batch(c.inputs[0][0])
        , m_spatial(engine::numelOf(c.inputs[0]) / (m_batch * m_channels))
        , m_eps(static_cast<float>(attrFloat("epsilon")))
        , m_momentum(static_cast<float>(attrFloat("momentum")))
        , m_statistics(pipeline("batch_norm", {kStatistics, 0, 0}))
        , m_train(pipeline("batch_norm", {kNormalise, 0, 0}))
        , m_infer(pipeline("batch_norm", {kNormalise, 1, relu}))
        , m_gradSums(pipeline("batch_norm", {kGradSums, 0, 0}))
        , m_inputGrad(pipeline("batch_norm", {kInputGrad, 0, 0}))
        , m_mean(scratch({m_channels}))
        , m_invStd(scratch({m_channels}))
        , m_dgamma(scratch({m_channels}))
        , m_dbeta(scratch({m_channels})) {}

    Status forward(const ForwardArgs& a) override {
        const Tensor& x = a.inputs[0];
        const Tensor& y = a.outputs[0];
        const Tensor &gamma = a.params[0], &beta = a.params[1];
        const Tensor &runMean = a.params[2], &runVar = a.params[3];
        Push p = push(x, y, gamma, beta, runMean, runVar, x, x, x);
        if (!a.training) {
            return dispatch(m_infer, VulkanBackend::groupsFor(numel()), p,
                            {x, gamma, beta, runMean, runVar}, {y}, "forward");
        }
        if (auto s = dispatch(m_statistics, channelGroups(), p, {x, runMean, runVar},
                              {m_mean, m_invStd, runMean, runVar}, "statistics");
            !s) {
            return s;
        }
        return dispatch(m_train, VulkanBackend::groupsFor(numel()), p,
                        {x, gamma, beta, m_mean, m_invStd}, {y}, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor& x = a.inputs[0];
        const Tensor& dy = a.gradOutputs[0];
        const Tensor& dx = a.gradInputs[0];
        const Tensor& gamma = a.params[0];
        // Frozen: dx still needs the sums that are dgamma and dbeta; they go to scratch.
        const bool paramGrads = a.wantsParamGrads();
        const Tensor& dgamma = paramGrads ? a.gradParams[0] : m_dgamma;
        const Tensor& dbeta = paramGrads ? a.gradParams[1] : m_dbeta;
        Push sums = push(x, dy, gamma, gamma, gamma, gamma, x, dgamma, dbeta);
        if (auto s = dispatch(m_gradSums, channelGroups(), sums, {x, dy, m_mean, m_invStd},
                              {dgamma, dbeta}, "gradient sums");
            !s) {
            return s;
        }
        if (!dx.defined()) {
            return Status::success();
        }
        Push p = push(x, dy, gamma, gamma, gamma, gamma, dx, dgamma, dbeta);
        return dispatch(m_inputGrad, VulkanBackend::groupsFor(numel()), p,
                        {x, dy, gamma, m_mean, m_invStd, dgamma, dbeta}, {dx}, "backward");
    }

private:
    // The shader's push constants; the saved statistics are the kernel's own.
    Push push(const Tensor& x, const Tensor& y, const Tensor& gamma, const Tensor& beta,
              const Tensor& runMean, const Tensor& runVar, const Tensor& dx, const Tensor& dgamma,
              const Tensor& dbeta) const {
        std::int64_t perChannel = m_batch * m_spatial;
        float unbias = perChannel > 1 ? float(perChannel) / float(perChannel - 1) : 1.0f;
        Push p;
        p.addr(x).addr(y).addr(gamma).addr(beta).addr(m_mean).addr(m_invStd);
        p.addr(runMean).addr(runVar).addr(dx).addr(dgamma).addr(dbeta);
        p.u32(u32(m_channels)).u32(u32(m_spatial)).u32(u32(m_batch));
        p.f32(m_eps).f32(m_momentum).f32(unbias);
        return p;
    }

    std::int64_t numel() const { return m_batch * m_channels * m_spatial; }
    // One workgroup per channel (looping when there are more channels than workgroups).
    std::array<std::uint32_t, 3> channelGroups() const {
        return {u32(std::min<std::int64_t>(m_channels, 65535)), 1, 1};
    }

    std::int64_t m_channels;
    std::int64_t m_batch;
    std::int64_t m_spatial;
    float m_eps;
    float m_momentum;
    const Pipeline& m_statistics;
    const Pipeline& m_train;
    const Pipeline& m_infer;
    const Pipeline& m_gradSums;
    const Pipeline& m_inputGrad;
    Tensor m_mean;   // [C] the last training batch's mean
    Tensor m_invStd; // [C] its 1 / sqrt(biased variance + eps)
    Tensor m_dgamma; // [C] the gradient sums when gamma's gradient is not wanted (frozen)
    Tensor m_dbeta;  // [C] likewise for beta
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeBatchNormKernel(VulkanBackend& b, const KernelConfig& c) {
    // An inference plan may fold a following ReLU into the normalisation.
    if (!c.fusedActivation.empty() && c.fusedActivation != "ReLU") {
        return Error::internal("node '" + c.nodeId + "': BatchNorm cannot fuse " +
                               c.fusedActivation);
    }
    return makeKernel<BatchNormKernel>(b, c, c.fusedActivation == "ReLU" ? 1u : 0u);
}

} // namespace nw::gpu::vulkan
