// BatchNorm over axis 1 of x: [N, C] or [N, C, H, W] (row-major, seen as [N, C, S]), as the
// CPU computes it (engine/cpu/ops/batch_norm.cpp on oneDNN). Params in the schema's order:
// gamma [C], beta [C]; state: running_mean [C], running_var [C], updated PyTorch-style:
// r = (1 - momentum) * r + momentum * batch statistic, the variance unbiased (M / (M - 1),
// M = N * S). Training forward normalises with the batch mean and biased variance and keeps
// them (mean, 1 / sqrt(var + eps)) for backward; inference uses the running statistics.
// Backward (batch statistics) writes dgamma, dbeta and, when wanted, dx.
//
// Reductions run one block per channel, in a fixed order: the same bits every run.
#include "gpu/cuda/ops/channels.cuh"
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"

namespace nw::gpu::cuda {

namespace {

struct Statistics {
    float* mean;   // [C] the batch mean
    float* invStd; // [C] 1 / sqrt(biased variance + eps)
};

// Batch statistics per channel, two passes (the mean, then the squared deviations), and the
// running statistics' update.
__global__ void statisticsKernel(const float* x, ChannelLayout l, float eps, float momentum,
                                 float unbias, Statistics st, float* runMean, float* runVar) {
    const std::int64_t count = l.perChannel();
    for (std::int64_t c = blockIdx.x; c < l.channels; c += gridDim.x) {
        float sum = 0.0f;
        for (std::int64_t m = threadIdx.x; m < count; m += blockDim.x) {
            sum += x[l.at(c, m)];
        }
        const float mean = blockSumAll(sum) / float(count);
        float squares = 0.0f;
        for (std::int64_t m = threadIdx.x; m < count; m += blockDim.x) {
            float d = x[l.at(c, m)] - mean;
            squares += d * d;
        }
        const float var = blockSum(squares) / float(count);
        if (threadIdx.x == 0) {
            st.mean[c] = mean;
            st.invStd[c] = 1.0f / sqrtf(var + eps);
            runMean[c] = (1.0f - momentum) * runMean[c] + momentum * mean;
            runVar[c] = (1.0f - momentum) * runVar[c] + momentum * var * unbias;
        }
    }
}

// y = (x - mean) * invStd * gamma + beta, with the batch statistics (training).
__global__ void normaliseKernel(const float* x, float* y, ChannelLayout l, const float* gamma,
                                const float* beta, const float* mean, const float* invStd) {
    NW_GRID_STRIDE(i, l.numel()) {
        const std::int64_t c = l.channelOf(i);
        y[i] = (x[i] - mean[c]) * invStd[c] * gamma[c] + beta[c];
    }
}

// The same with the running statistics (inference).
__global__ void normaliseRunningKernel(const float* x, float* y, ChannelLayout l,
                                       const float* gamma, const float* beta, const float* runMean,
                                       const float* runVar, float eps) {
    NW_GRID_STRIDE(i, l.numel()) {
        const std::int64_t c = l.channelOf(i);
        y[i] = (x[i] - runMean[c]) / sqrtf(runVar[c] + eps) * gamma[c] + beta[c];
    }
}

// dbeta[c] = sum dy, dgamma[c] = sum dy * xhat with xhat = (x - mean) * invStd.
__global__ void gradientSumsKernel(const float* x, const float* dy, ChannelLayout l,
                                   const float* mean, const float* invStd, float* dgamma,
                                   float* dbeta) {
    const std::int64_t count = l.perChannel();
    for (std::int64_t c = blockIdx.x; c < l.channels; c += gridDim.x) {
        const float mu = mean[c], inv = invStd[c];
        float sumDy = 0.0f, sumDyXhat = 0.0f;
        for (std::int64_t m = threadIdx.x; m < count; m += blockDim.x) {
            const std::int64_t i = l.at(c, m);
            sumDy += dy[i];
            sumDyXhat += dy[i] * (x[i] - mu) * inv;
        }
        sumDy = blockSum(sumDy);
        sumDyXhat = blockSum(sumDyXhat);
        if (threadIdx.x == 0) {
            dbeta[c] = sumDy;
            dgamma[c] = sumDyXhat;
        }
    }
}

// dx = gamma * invStd * (dy - dbeta / M - xhat * dgamma / M)
__global__ void inputGradientKernel(const float* x, const float* dy, float* dx, ChannelLayout l,
                                    const float* gamma, const float* mean, const float* invStd,
                                    const float* dgamma, const float* dbeta) {
    const float invCount = 1.0f / float(l.perChannel());
    NW_GRID_STRIDE(i, l.numel()) {
        const std::int64_t c = l.channelOf(i);
        const float xhat = (x[i] - mean[c]) * invStd[c];
        dx[i] = gamma[c] * invStd[c] * (dy[i] - dbeta[c] * invCount - xhat * dgamma[c] * invCount);
    }
}

class BatchNormKernel final : public CudaKernel {
public:
    BatchNormKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_layout(ChannelLayout::of(c.inputs[0].data(), c.inputs[0].size()))
        , m_eps(static_cast<float>(attrFloat("epsilon")))
        , m_momentum(static_cast<float>(attrFloat("momentum")))
        , m_mean(scratch({m_layout.channels}))
        , m_invStd(scratch({m_layout.channels}))
        , m_dgamma(scratch({m_layout.channels}))
        , m_dbeta(scratch({m_layout.channels})) {}

    Status forward(const ForwardArgs& a) override {
        const float* x = f32(a.inputs[0]);
        float* y = f32(a.outputs[0]);
        const float* gamma = f32(a.params[0]);
        const float* beta = f32(a.params[1]);
        float* runMean = f32(a.params[2]);
        float* runVar = f32(a.params[3]);
        const unsigned grid = gridFor(m_layout.numel());
        if (!a.training) {
            normaliseRunningKernel<<<grid, kBlock, 0, stream()>>>(x, y, m_layout, gamma, beta,
                                                                  runMean, runVar, m_eps);
            return launched("forward");
        }
        const std::int64_t count = m_layout.perChannel();
        const float unbias = count > 1 ? float(count) / float(count - 1) : 1.0f;
        statisticsKernel<<<channelGrid(m_layout.channels), kBlock, 0, stream()>>>(
            x, m_layout, m_eps, m_momentum, unbias, {f32(m_mean), f32(m_invStd)}, runMean, runVar);
        normaliseKernel<<<grid, kBlock, 0, stream()>>>(x, y, m_layout, gamma, beta, f32(m_mean),
                                                       f32(m_invStd));
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        const float* x = f32(a.inputs[0]);
        const float* dy = f32(a.gradOutputs[0]);
        // The sums are needed for dx even when gamma and beta are frozen.
        float* dgamma = f32(a.gradParams[0].defined() ? a.gradParams[0] : m_dgamma);
        float* dbeta = f32(a.gradParams[1].defined() ? a.gradParams[1] : m_dbeta);
        gradientSumsKernel<<<channelGrid(m_layout.channels), kBlock, 0, stream()>>>(
            x, dy, m_layout, f32(m_mean), f32(m_invStd), dgamma, dbeta);
        if (a.gradInputs[0].defined()) {
            inputGradientKernel<<<gridFor(m_layout.numel()), kBlock, 0, stream()>>>(
                x, dy, f32(a.gradInputs[0]), m_layout, f32(a.params[0]), f32(m_mean), f32(m_invStd),
                dgamma, dbeta);
        }
        return launched("backward");
    }

private:
    ChannelLayout m_layout; // x: [N, C, S]
    float m_eps;
    float m_momentum;
    Tensor m_mean;   // [C] the last training batch's mean
    Tensor m_invStd; // [C] its 1 / sqrt(biased variance + eps)
    Tensor m_dgamma; // [C] the gradient sums when gamma's gradient is not wanted
    Tensor m_dbeta;  // [C] likewise for beta
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeBatchNormKernel(CudaBackend& b, const KernelConfig& c) {
    // The CUDA backend's canFuseActivation says no, so a plan never asks for a fusion.
    if (!c.fusedActivation.empty()) {
        return Error::internal("node '" + c.nodeId + "': the CUDA BatchNorm kernel cannot fuse " +
                               c.fusedActivation);
    }
    return makeKernel<BatchNormKernel>(b, c);
}

} // namespace nw::gpu::cuda
