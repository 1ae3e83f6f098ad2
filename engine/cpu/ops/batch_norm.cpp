// BatchNorm on oneDNN batch normalization, over axis 1 of [N, C] or [N, C, H, W].
// Params: gamma [C], beta [C]; state: running_mean [C], running_var [C] (PyTorch's update:
// r = (1 - momentum) * r + momentum * batch statistic, the variance unbiased).
//
// Synchronised (KernelConfig::syncStats, data-parallel training): the statistics are the
// global batch's. Forward reduces each channel's sum and sum of squares over the ranks and
// normalises by them (oneDNN with use_global_stats); backward reduces the sums Σdy and
// Σdy·x̂ (dbeta and dgamma) and computes
//   dx = γ/σ · (dy − Σdy / M − x̂ · Σdy·x̂ / M),   M the global batch's elements per channel,
// which is the single process's gradient at the global batch (each rank's loss is its shard's
// mean, so its dy are K times the global loss's). dgamma and dbeta stay the rank's own sums:
// the gradient averaging makes them the global batch's.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"
#include "engine/distributed/communicator.h"

#include <cmath>
#include <vector>

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class BatchNormKernel final : public CpuKernel {
public:
    BatchNormKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_channels(c.params.at(0).shape.at(0)) // the schema's gamma [C]
        , m_momentum(static_cast<float>(attrFloat("momentum")))
        , m_sync(c.syncStats) {
        const Dims& x = c.inputs[0];
        m_perChannel = numelOf(x) / m_channels;
        m_batch = x.at(0);
        m_channelsLast = x.size() == 4;
        m_epsilon = static_cast<float>(attrFloat("epsilon"));
        auto eps = m_epsilon;
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
        if (m_sync) { // training, normalised by the global statistics it is given
            m_trainGlobal = batch_normalization_forward(batch_normalization_forward::primitive_desc(
                batch_normalization_forward::desc(prop_kind::forward_training, xd, eps,
                                                  flags | normalization_flags::use_global_stats),
                m_ctx.engine));
        }
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
        Status ran = run("batch-norm forward", [&] {
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
            if (m_sync) {
                if (Status st = globalStatistics(CpuBackend::f32(a.inputs[0])); !st) {
                    m_syncError = st;
                    return;
                }
                m_trainGlobal.execute(m_ctx.stream, args);
            } else {
                m_train.execute(m_ctx.stream, args);
            }
            m_ctx.stream.wait();
            updateRunningStats(CpuBackend::f32(a.params[2]), CpuBackend::f32(a.params[3]));
        });
        Status sync = takeSyncError();
        return ran ? sync : ran;
    }

    Status backward(const BackwardArgs& a) override {
        Status ran = run("batch-norm backward", [&] {
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
            if (m_sync) {
                m_ctx.stream.wait();
                m_syncError =
                    globalInputGradient(a, static_cast<const float*>(dscale.get_data_handle()),
                                        static_cast<const float*>(dshift.get_data_handle()));
            }
        });
        Status sync = takeSyncError();
        return ran ? sync : ran;
    }

private:
    Status takeSyncError() {
        Status s = m_syncError;
        m_syncError = Status::success();
        return s;
    }

    // S, the elements per sample and channel, and where element (n, c, i) of [N, C, ...] is:
    // 4-D tensors live channels-last (plainDesc), at (n S + i) C + c; others row-major, at
    // (n C + c) S + i.
    std::int64_t spatial() const { return m_perChannel / m_batch; }
    std::int64_t at(std::int64_t n, std::int64_t c, std::int64_t i, std::int64_t S) const {
        return m_channelsLast ? (n * S + i) * m_channels + c : (n * m_channels + c) * S + i;
    }

    // The global batch's mean and (biased) variance into m_mean / m_variance.
    Status globalStatistics(const float* x) {
        const std::int64_t C = m_channels, S = spatial();
        std::vector<double> sums(static_cast<std::size_t>(2 * C + 1), 0.0);
        for (std::int64_t n = 0; n < m_batch; ++n) {
            for (std::int64_t i = 0; i < S; ++i) {
                for (std::int64_t c = 0; c < C; ++c) {
                    const double v = x[at(n, c, i, S)];
                    sums[std::size_t(c)] += v;
                    sums[std::size_t(C + c)] += v * v;
                }
            }
        }
        sums[std::size_t(2 * C)] = double(m_perChannel);
        if (Status st = m_sync->allreduceHost(sums); !st) {
            return st;
        }
        m_globalCount = sums[std::size_t(2 * C)];
        auto* mean = static_cast<float*>(m_mean.get_data_handle());
        auto* var = static_cast<float*>(m_variance.get_data_handle());
        for (std::int64_t c = 0; c < C; ++c) {
            const double mu = sums[std::size_t(c)] / m_globalCount;
            mean[c] = float(mu);
            var[c] = float(std::max(0.0, sums[std::size_t(C + c)] / m_globalCount - mu * mu));
        }
        return Status::success();
    }

    // dx from the global sums of dbeta (Σdy) and dgamma (Σdy·x̂), over this rank's local ones.
    Status globalInputGradient(const BackwardArgs& a, const float* dgamma, const float* dbeta) {
        const std::int64_t C = m_channels, S = spatial();
        std::vector<double> sums(static_cast<std::size_t>(2 * C));
        for (std::int64_t c = 0; c < C; ++c) {
            sums[std::size_t(c)] = dbeta[c];
            sums[std::size_t(C + c)] = dgamma[c];
        }
        if (Status st = m_sync->allreduceHost(sums); !st) {
            return st;
        }
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        const float* x = CpuBackend::f32(a.inputs[0]);
        const float* dy = CpuBackend::f32(a.gradOutputs[0]);
        const float* gamma = CpuBackend::f32(a.params[0]);
        float* dx = CpuBackend::f32(a.gradInputs[0]);
        const auto* mean = static_cast<const float*>(m_mean.get_data_handle());
        const auto* var = static_cast<const float*>(m_variance.get_data_handle());
        for (std::int64_t c = 0; c < C; ++c) {
            const double invStd = 1.0 / std::sqrt(double(var[c]) + m_epsilon);
            const double meanDy = sums[std::size_t(c)] / m_globalCount;
            const double meanDyXhat = sums[std::size_t(C + c)] / m_globalCount;
            const double scale = gamma[c] * invStd;
            for (std::int64_t n = 0; n < m_batch; ++n) {
                for (std::int64_t i = 0; i < S; ++i) {
                    const std::int64_t k = at(n, c, i, S);
                    const double xhat = (x[k] - mean[c]) * invStd;
                    dx[k] = float(scale * (dy[k] - meanDy - xhat * meanDyXhat));
                }
            }
        }
        return Status::success();
    }

    void updateRunningStats(float* runningMean, float* runningVar) {
        const auto* mean = static_cast<const float*>(m_mean.get_data_handle());
        const auto* var = static_cast<const float*>(m_variance.get_data_handle());
        const double count = m_sync ? m_globalCount : double(m_perChannel);
        float unbias = count > 1 ? float(count / (count - 1)) : 1.0f;
        for (std::int64_t c = 0; c < m_channels; ++c) {
            runningMean[c] = (1 - m_momentum) * runningMean[c] + m_momentum * mean[c];
            runningVar[c] = (1 - m_momentum) * runningVar[c] + m_momentum * var[c] * unbias;
        }
    }

    std::int64_t m_channels;
    std::int64_t m_perChannel = 1; // elements per channel in a batch: N*H*W
    float m_momentum;
    float m_epsilon = 0;
    std::int64_t m_batch = 1;
    bool m_channelsLast = false; // 4-D: nhwc (plainDesc)
    Communicator* m_sync;        // synchronised statistics over its ranks; null: the batch's
    double m_globalCount = 0;    // elements per channel of the global batch (m_sync only)
    Status m_syncError;          // a failed reduction inside run()'s callback
    batch_normalization_forward m_trainGlobal; // m_sync only
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
