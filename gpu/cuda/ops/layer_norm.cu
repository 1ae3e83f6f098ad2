// LayerNorm as the CPU (engine/cpu/ops/layer_norm.cpp) and Vulkan kernels: the trailing dims
// of x whose element count is gamma's size are normalised together, so x: [N, ...] is seen as
// [outer, inner] (row-major). Params: gamma [inner], beta [inner]. Biased variance, eps inside
// the sqrt; forward saves each row's mean and rstd = 1 / sqrt(var + eps) for backward.
//   forward:  y = (x - mean) * rstd * gamma + beta
//   backward: g = dy * gamma, dx = rstd * (g - mean_j(g) - xhat * mean_j(g * xhat)),
//             dgamma[j] = sum_r dy * xhat, dbeta[j] = sum_r dy (a fixed-order column sum)
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"

#include <algorithm>

namespace nw::gpu::cuda {

namespace {

// Rows at least this long get a block of kBlock threads each, shorter ones a warp.
constexpr std::int64_t kBlockRowFrom = 1024;

// The sum of v over a row's group of kThreads threads (a warp or the whole block), returned
// to every thread of the group in a fixed order (deterministic).
template <int kThreads>
__device__ float2 groupSum(float2 v) {
    for (int o = 16; o > 0; o /= 2) {
        v.x += __shfl_xor_sync(0xffffffffu, v.x, o);
        v.y += __shfl_xor_sync(0xffffffffu, v.y, o);
    }
    if constexpr (kThreads == 32) {
        return v;
    } else {
        static_assert(kThreads == kBlock);
        __shared__ float2 warpSums[kBlock / 32];
        if (threadIdx.x % 32 == 0) {
            warpSums[threadIdx.x / 32] = v;
        }
        __syncthreads();
        float2 total = warpSums[0];
        for (int w = 1; w < kBlock / 32; ++w) {
            total.x += warpSums[w].x;
            total.y += warpSums[w].y;
        }
        __syncthreads(); // warpSums is reused by the next call
        return total;
    }
}

struct Rows {
    std::int64_t outer, inner;
};

// Calls fn(row, lane) for each row of the groups of kThreads threads of this thread: the
// whole group visits the same rows, so groupSum inside fn sees every thread of the group.
template <int kThreads, class Fn>
__device__ void forEachRow(Rows s, Fn fn) {
    constexpr int kRowsPerBlock = kBlock / kThreads;
    const int lane = threadIdx.x % kThreads;
    for (std::int64_t r = std::int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / kThreads;
         r < s.outer; r += std::int64_t(gridDim.x) * kRowsPerBlock) {
        fn(r, lane);
    }
}

template <int kThreads>
__global__ void forwardKernel(Rows s, float eps, const float* x, const float* gamma,
                              const float* beta, float* y, float* mean, float* rstd) {
    forEachRow<kThreads>(s, [&](std::int64_t r, int lane) {
        const float* xr = x + r * s.inner;
        float sum = 0;
        for (std::int64_t j = lane; j < s.inner; j += kThreads) {
            sum += xr[j];
        }
        const float mu = groupSum<kThreads>({sum, 0}).x / float(s.inner);
        float squares = 0;
        for (std::int64_t j = lane; j < s.inner; j += kThreads) {
            const float d = xr[j] - mu;
            squares += d * d;
        }
        const float rs = 1.0f / sqrtf(groupSum<kThreads>({squares, 0}).x / float(s.inner) + eps);
        float* yr = y + r * s.inner;
        for (std::int64_t j = lane; j < s.inner; j += kThreads) {
            yr[j] = (xr[j] - mu) * rs * gamma[j] + beta[j];
        }
        if (lane == 0) {
            mean[r] = mu;
            rstd[r] = rs;
        }
    });
}

template <int kThreads>
__global__ void inputGradKernel(Rows s, const float* x, const float* dy, const float* gamma,
                                const float* mean, const float* rstd, float* dx) {
    forEachRow<kThreads>(s, [&](std::int64_t r, int lane) {
        const float *xr = x + r * s.inner, *dyr = dy + r * s.inner;
        const float mu = mean[r], rs = rstd[r];
        float2 acc{0, 0}; // (sum g, sum g * xhat)
        for (std::int64_t j = lane; j < s.inner; j += kThreads) {
            const float g = dyr[j] * gamma[j];
            acc.x += g;
            acc.y += g * (xr[j] - mu) * rs;
        }
        const float2 sums = groupSum<kThreads>(acc);
        const float meanG = sums.x / float(s.inner), meanGx = sums.y / float(s.inner);
        float* dxr = dx + r * s.inner;
        for (std::int64_t j = lane; j < s.inner; j += kThreads) {
            const float xhat = (xr[j] - mu) * rs;
            dxr[j] = rs * (dyr[j] * gamma[j] - meanG - xhat * meanGx);
        }
    });
}

// Parameter gradients, stage 1: block (kColumns, kSlices) sums its kColumns columns over the
// rows of chunk blockIdx.y into partial[chunk, j] = (sum dy * xhat, sum dy).
constexpr int kColumns = 32, kSlices = kBlock / kColumns;

__global__ void paramPartialsKernel(Rows s, std::int64_t rowsPerChunk, const float* x,
                                    const float* dy, const float* mean, const float* rstd,
                                    float2* partial) {
    __shared__ float2 slices[kSlices][kColumns];
    const std::int64_t j = std::int64_t(blockIdx.x) * kColumns + threadIdx.x;
    const std::int64_t first = std::int64_t(blockIdx.y) * rowsPerChunk;
    const std::int64_t end = std::min(s.outer, first + rowsPerChunk);
    float2 acc{0, 0};
    if (j < s.inner) {
        for (std::int64_t r = first + threadIdx.y; r < end; r += kSlices) {
            const float g = dy[r * s.inner + j];
            acc.x += g * (x[r * s.inner + j] - mean[r]) * rstd[r];
            acc.y += g;
        }
    }
    slices[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && j < s.inner) {
        for (int k = 1; k < kSlices; ++k) {
            acc.x += slices[k][threadIdx.x].x;
            acc.y += slices[k][threadIdx.x].y;
        }
        partial[std::int64_t(blockIdx.y) * s.inner + j] = acc;
    }
}

// Stage 2: dgamma[j], dbeta[j] = the chunks' partial sums in chunk order; either may be null.
__global__ void paramSumKernel(std::int64_t inner, int chunks, const float2* partial, float* dgamma,
                               float* dbeta) {
    NW_GRID_STRIDE(j, inner) {
        float2 acc = partial[j];
        for (int c = 1; c < chunks; ++c) {
            acc.x += partial[c * inner + j].x;
            acc.y += partial[c * inner + j].y;
        }
        if (dgamma) {
            dgamma[j] = acc.x;
        }
        if (dbeta) {
            dbeta[j] = acc.y;
        }
    }
}

// Stage 1 splits the rows into at most kMaxChunks chunks of at least kMinChunkRows rows.
constexpr std::int64_t kMaxChunks = 128, kMinChunkRows = 64;

class LayerNormKernel final : public CudaKernel {
public:
    LayerNormKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_rows{engine::numelOf(c.inputs[0]) / c.params.at(0).shape.at(0),
                 c.params.at(0).shape.at(0)} // the schema's gamma [normalised elements]
        , m_eps(static_cast<float>(attrFloat("epsilon")))
        , m_chunks(std::clamp<std::int64_t>((m_rows.outer + kMinChunkRows - 1) / kMinChunkRows, 1,
                                            kMaxChunks))
        , m_rowsPerChunk((m_rows.outer + m_chunks - 1) / m_chunks)
        , m_mean(scratch({m_rows.outer}))
        , m_rstd(scratch({m_rows.outer}))
        , m_partial(scratch({m_chunks, m_rows.inner, 2})) {}

    Status forward(const ForwardArgs& a) override {
        if (m_rows.outer == 0) {
            return Status::success();
        }
        const float *x = f32(a.inputs[0]), *gamma = f32(a.params[0]), *beta = f32(a.params[1]);
        float* y = f32(a.outputs[0]);
        if (blockPerRow()) {
            forwardKernel<kBlock><<<rowGrid(), kBlock, 0, stream()>>>(m_rows, m_eps, x, gamma, beta,
                                                                      y, f32(m_mean), f32(m_rstd));
        } else {
            forwardKernel<32><<<rowGrid(), kBlock, 0, stream()>>>(m_rows, m_eps, x, gamma, beta, y,
                                                                  f32(m_mean), f32(m_rstd));
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (m_rows.outer == 0) {
            return Status::success();
        }
        const Tensor &x = a.inputs[0], &dy = a.gradOutputs[0], &dx = a.gradInputs[0];
        const Tensor &dgamma = a.gradParams[0], &dbeta = a.gradParams[1];
        if (dgamma.defined() || dbeta.defined()) {
            auto* partial = static_cast<float2*>(CudaBackend::data(m_partial));
            const dim3 grid(unsigned((m_rows.inner + kColumns - 1) / kColumns), unsigned(m_chunks));
            paramPartialsKernel<<<grid, dim3(kColumns, kSlices), 0, stream()>>>(
                m_rows, m_rowsPerChunk, f32(x), f32(dy), f32(m_mean), f32(m_rstd), partial);
            paramSumKernel<<<gridFor(m_rows.inner), kBlock, 0, stream()>>>(
                m_rows.inner, int(m_chunks), partial, dgamma.defined() ? f32(dgamma) : nullptr,
                dbeta.defined() ? f32(dbeta) : nullptr);
            if (auto s = launched("parameter gradients"); !s) {
                return s;
            }
        }
        if (!dx.defined()) {
            return Status::success();
        }
        const float* gamma = f32(a.params[0]);
        if (blockPerRow()) {
            inputGradKernel<kBlock><<<rowGrid(), kBlock, 0, stream()>>>(
                m_rows, f32(x), f32(dy), gamma, f32(m_mean), f32(m_rstd), f32(dx));
        } else {
            inputGradKernel<32><<<rowGrid(), kBlock, 0, stream()>>>(
                m_rows, f32(x), f32(dy), gamma, f32(m_mean), f32(m_rstd), f32(dx));
        }
        return launched("backward");
    }

private:
    bool blockPerRow() const { return m_rows.inner >= kBlockRowFrom; }
    // Blocks for the row kernels: a row per block or per warp, looping past the grid cap.
    unsigned rowGrid() const { return gridFor(m_rows.outer, blockPerRow() ? 1 : kBlock / 32); }

    Rows m_rows;
    float m_eps;
    std::int64_t m_chunks;       // row chunks of the parameter-gradient sums
    std::int64_t m_rowsPerChunk; // rows of each chunk (the last may have fewer)
    Tensor m_mean;               // [outer] each row's mean in the last forward
    Tensor m_rstd;               // [outer] its 1 / sqrt(biased variance + eps)
    Tensor m_partial;            // [chunks, inner, 2] stage-1 sums (dgamma, dbeta) as float2
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLayerNormKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<LayerNormKernel>(b, c);
}

} // namespace nw::gpu::cuda
