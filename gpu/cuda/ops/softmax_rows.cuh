#pragma once
// Softmax over rows, shared by Softmax and MultiHeadAttention. x is viewed as [outer, K, inner]
// with K the softmax axis, so a "row" is the K elements of one (outer, inner) pair, `inner`
// apart:
//   forward:  y = exp(x - max) / sum(exp(x - max))  (the row's max subtracted: no overflow)
//   backward: dx = y * (dy - sum_k(dy * y)), from the output y
// The last axis (inner = 1) gives each row a warp, its lanes reading neighbouring elements;
// an inner axis gives each row a thread, neighbouring threads reading neighbouring rows.
// Either way the loads are coalesced. Every element is read, then written, by one thread, after
// its row's reduction: y may be x and dx may be dy (in place).

#include "gpu/cuda/ops/launch.cuh"

#include <cstdint>

namespace nw::gpu::cuda {

struct SoftmaxRows {
    std::int64_t rows = 0; // outer * inner
    std::int64_t k = 1;
    std::int64_t inner = 1;
};

namespace softmax_rows {

// The max or sum of `v` over the `Lanes` threads of a row (a warp, or one thread).
template <int Lanes>
__device__ float rowMax(float v) {
    if constexpr (Lanes > 1) {
        for (int o = Lanes / 2; o > 0; o /= 2) {
            v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
        }
    }
    return v;
}
template <int Lanes>
__device__ float rowSum(float v) {
    if constexpr (Lanes > 1) {
        for (int o = Lanes / 2; o > 0; o /= 2) {
            v += __shfl_xor_sync(0xffffffffu, v, o);
        }
    }
    return v;
}

// for (row in [0, rows)) with `Lanes` threads per row, `lane` the thread's index in it. Every
// thread of a warp takes the same rows, so the shuffles inside see the whole warp.
#define NW_FOR_ROW(row, lane, s)                                                                   \
    const int lane = int(threadIdx.x % Lanes);                                                     \
    for (std::int64_t row = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / Lanes;         \
         row < (s).rows; row += std::int64_t(blockDim.x) * gridDim.x / Lanes)

template <int Lanes>
__global__ void forwardKernel(SoftmaxRows s, const float* x, float* y) {
    NW_FOR_ROW(row, lane, s) {
        const std::int64_t base = (row / s.inner) * s.k * s.inner + row % s.inner;
        float m = -INFINITY;
        for (std::int64_t j = lane; j < s.k; j += Lanes) {
            m = fmaxf(m, x[base + j * s.inner]);
        }
        m = rowMax<Lanes>(m);
        float sum = 0.0f;
        for (std::int64_t j = lane; j < s.k; j += Lanes) {
            const float e = expf(x[base + j * s.inner] - m);
            y[base + j * s.inner] = e;
            sum += e;
        }
        sum = rowSum<Lanes>(sum);
        for (std::int64_t j = lane; j < s.k; j += Lanes) {
            y[base + j * s.inner] /= sum; // each thread rescales what it wrote
        }
    }
}

template <int Lanes>
__global__ void backwardKernel(SoftmaxRows s, const float* y, const float* dy, float* dx) {
    NW_FOR_ROW(row, lane, s) {
        const std::int64_t base = (row / s.inner) * s.k * s.inner + row % s.inner;
        float dot = 0.0f;
        for (std::int64_t j = lane; j < s.k; j += Lanes) {
            const std::int64_t i = base + j * s.inner;
            dot += dy[i] * y[i];
        }
        dot = rowSum<Lanes>(dot);
        for (std::int64_t j = lane; j < s.k; j += Lanes) {
            const std::int64_t i = base + j * s.inner;
            dx[i] = y[i] * (dy[i] - dot);
        }
    }
}

#undef NW_FOR_ROW

} // namespace softmax_rows

// Queues y = softmax(x) over the rows of `s` on `stream`.
inline void queueSoftmaxForward(const SoftmaxRows& s, const float* x, float* y,
                                cudaStream_t stream) {
    if (s.inner == 1) {
        softmax_rows::forwardKernel<32><<<gridFor(s.rows * 32), kBlock, 0, stream>>>(s, x, y);
    } else {
        softmax_rows::forwardKernel<1><<<gridFor(s.rows), kBlock, 0, stream>>>(s, x, y);
    }
}

// Queues dx = the softmax's input gradient, from its output y and output gradient dy.
inline void queueSoftmaxBackward(const SoftmaxRows& s, const float* y, const float* dy, float* dx,
                                 cudaStream_t stream) {
    if (s.inner == 1) {
        softmax_rows::backwardKernel<32><<<gridFor(s.rows * 32), kBlock, 0, stream>>>(s, y, dy, dx);
    } else {
        softmax_rows::backwardKernel<1><<<gridFor(s.rows), kBlock, 0, stream>>>(s, y, dy, dx);
    }
}

} // namespace nw::gpu::cuda
