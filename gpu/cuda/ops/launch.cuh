#pragma once
// Launch shapes for our own kernels: grid-stride loops over n elements, 256 threads a block,
// the grid capped so a block loops instead of the launch failing.

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

namespace nw::gpu::cuda {

constexpr int kBlock = 256;

inline unsigned gridFor(std::int64_t n, int block = kBlock) {
    std::int64_t g = (n + block - 1) / block;
    return static_cast<unsigned>(std::clamp<std::int64_t>(g, 1, 65535 * 8));
}

// for (i in [0, n)) over the whole grid.
#define NW_GRID_STRIDE(i, n)                                                                       \
    for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);             \
         i += std::int64_t(blockDim.x) * gridDim.x)

// Sum of `v` over a block of kBlock threads; the total is valid in thread 0.
__device__ inline float blockSum(float v) {
    __shared__ float warpSums[kBlock / 32];
    for (int o = 16; o > 0; o /= 2) {
        v += __shfl_down_sync(0xffffffffu, v, o);
    }
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) {
        warpSums[warp] = v;
    }
    __syncthreads();
    v = threadIdx.x < blockDim.x / 32 ? warpSums[lane] : 0.0f;
    if (warp == 0) {
        for (int o = 16; o > 0; o /= 2) {
            v += __shfl_down_sync(0xffffffffu, v, o);
        }
    }
    __syncthreads(); // warpSums may be reused by the next call
    return v;
}

} // namespace nw::gpu::cuda
