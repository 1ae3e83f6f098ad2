// BatchNorm on oneDNN batch normalization, over axis 1 of [N, C] or [N, C, H, W].
// Params: gamma [C], beta [C]; state: running_mean [C], running_var [C] (PyTorch's update:
// r = (1 - momentum) * r + momentum * batch statistic, the variance unbiased).
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class BatchNormKernel final : public CpuKernel {
public:
    BatchNormKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_channels(c.params.at(0).shape.at(0)) // the schema's gamma [C]
        , m_momentum(static_cast<float>(attrFloat("momentum"))) {
        const Dims& x = c.inputs[0];
        m_perChannel = numelOf(x) / m_channels;
        auto eps = static_cast<float>(attrFloat("epsilon"));
        auto xd = plainDesc(x);
        auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
        batch_normalization_forward::primitive_desc trainPd(
            batch_normalization_forward::desc(prop_kind::forward_training, xd, eps, flags),
            m_ctx.engine);
        m_train = batch_normalization_forward(trainPd);
        auto inferFlags = flags | normalization_flags::use_global_stats;
        if (c.fusedActivation == "ReLU") {
            inferFlags = inferFlags | normalization_flags::fuse_norm_relu;
        }
        m_infer = batch_normalization_forward(batch_normalization_forward::primitive_desc(
            batch_normalization_forward::desc(prop_kind::forward_inference, xd, eps, inferFlags),
            m_ctx.engine));
        m_bwd = batch_normalization_backward(batch_normalization_backward::primitive_desc(
            batch_normalization_backward::desc(prop_kind::backward, xd, xd, eps, flags),
            m_ctx.engine, trainPd));
        m_mean = memory(trainPd.mean_desc(), m_ctx.engine);
        m_variance = memory(trainPd.variance_desc(), m_ctx.engine);
        m_scratchDx = memory(xd, m_ctx.engine);
        m_scratchDscale = memory(plainDesc({m_channels}), m_ctx.engine);
        m_scratchDshift = memory(plainDesc({m_channels}), m_ctx.engine);
    }

    Status forward(const ForwardArgs& a) override {
        return run("batch-norm forward", [&] {
            std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0])},
                                                 {DNNL_ARG_DST, wrap(m_ctx, a.outputs[0])},
                                                 {DNNL_ARG_SCALE, wrap(m_ctx, a.params[0])},
                                                 {DNNL_ARG_SHIFT, wrap(m_ctx, a.params[1])}};
            if (!a.training) {
                args.emplace(DNNL_ARG_MEAN, wrap(m_ctx, a.params[2]));
                args.emplace(DNNL_ARG_VARIANCE, wrap(m_ctx, a.params[3]));
                m_infer.execute(m_ctx.stream, args);
                return;
            }
            args.emplace(DNNL_ARG_MEAN, m_mean);
            args.emplace(DNNL_ARG_VARIANCE, m_variance);
            m_train.execute(m_ctx.stream, args);
            m_ctx.stream.wait();
            updateRunningStats(CpuBackend::f32(a.params[2]), CpuBackend::f32(a.params[3]));
        });
    }

    Status backward(const BackwardArgs& a) override {
        return run("batch-norm backward", [&] {
            memory dx = a.gradInputs[0].defined() ? wrap(m_ctx, a.gradInputs[0]) : m_scratchDx;
            // Frozen: dx needs the sums that are dgamma and dbeta; they go to scratch.
            const bool paramGrads = a.wantsParamGrads();
            memory dscale = paramGrads ? wrap(m_ctx, a.gradParams[0]) : m_scratchDscale;
            memory dshift = paramGrads ? wrap(m_ctx, a.gradParams[1]) : m_scratchDshift;
            m_bwd.execute(m_ctx.stream, {{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0])},
                                         {DNNL_ARG_MEAN, m_mean},
                                         {DNNL_ARG_VARIANCE, m_variance},
                                         {DNNL_ARG_DIFF_DST, wrap(m_ctx, a.gradOutputs[0])},
                                         {DNNL_ARG_SCALE, wrap(m_ctx, a.params[0])},
                                         // oneDNN 2.6 wants the shift too when use_shift is set
                                         {DNNL_ARG_SHIFT, wrap(m_ctx, a.params[1])},
                                         {DNNL_ARG_DIFF_SRC, dx},
                                         {DNNL_ARG_DIFF_SCALE, dscale},
                                         {DNNL_ARG_DIFF_SHIFT, dshift}});
        });
    }

private:
    void updateRunningStats(float* runningMean, float* runningVar) {
        const auto* mean = static_cast<const float*>(m_mean.get_data_handle());
        const auto* var = static_cast<const float*>(m_variance.get_data_handle());
        float unbias = m_perChannel > 1 ? float(m_perChannel) / float(m_perChannel - 1) : 1.0f;
        for (std::int64_t c = 0; c < m_channels; ++c) {
            runningMean[c] = (1 - m_momentum) * runningMean[c] + m_momentum * mean[c];
            runningVar[c] = (1 - m_momentum) * runningVar[c] + m_momentum * var[c] * unbias;
        }
    }

    std::int64_t m_channels;
    std::int64_t m_perChannel = 1; // elements per channel in a batch: N*H*W
    float m_momentum;
    batch_normalization_forward m_train;
    batch_normalization_forward m_infer;
    batch_normalization_backward m_bwd;
    memory m_mean;
    memory m_variance;
    memory m_scratchDx;
    memory m_scratchDscale, m_scratchDshift; // [C] a frozen node's gamma and beta gradients
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeBatchNormKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<BatchNormKernel>(b, c);
}

} // namespace nw::engine::cpu
