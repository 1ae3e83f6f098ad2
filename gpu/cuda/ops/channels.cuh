#pragma once
// Per-channel work on row-major [N, C, S] tensors (S = H * W for [N, C, H, W], 1 for
// [N, C]): the channel of a flat index, and the elements of one channel for the
// one-block-per-channel reductions of bias gradients and batch statistics.

#include "gpu/cuda/ops/launch.cuh"

#include <algorithm>
#include <cstdint>

namespace nw::gpu::cuda {

struct ChannelLayout {
    std::int64_t batch = 1;    // N
    std::int64_t channels = 1; // C
    std::int64_t spatial = 1;  // S

    // From a shape [N, C, ...]: S is the product of the dims after the channel.
    static ChannelLayout of(const std::int64_t* dims, std::size_t rank) {
        ChannelLayout l;
        l.batch = dims[0];
        l.channels = rank > 1 ? dims[1] : 1;
        for (std::size_t i = 2; i < rank; ++i) {
            l.spatial *= dims[i];
        }
        return l;
    }

    __host__ __device__ std::int64_t numel() const { return batch * channels * spatial; }
    // Elements per channel: N * S.
    __host__ __device__ std::int64_t perChannel() const { return batch * spatial; }
    // The channel of flat index i.
    __host__ __device__ std::int64_t channelOf(std::int64_t i) const {
        return (i / spatial) % channels;
    }
    // The flat index of element m in [0, N * S) of channel c (consecutive m are consecutive
    // in memory within one sample, so a block reading m = tid, tid + blockDim, ... coalesces).
    __host__ __device__ std::int64_t at(std::int64_t c, std::int64_t m) const {
        std::int64_t n = m / spatial;
        return (n * channels + c) * spatial + (m - n * spatial);
    }
};

// Blocks for a one-block-per-channel kernel (each block loops over c += gridDim.x).
inline unsigned channelGrid(std::int64_t channels) {
    return static_cast<unsigned>(std::clamp<std::int64_t>(channels, 1, 65535));
}

// blockSum, returned to every thread of the block.
__device__ inline float blockSumAll(float v) {
    __shared__ float total;
    v = blockSum(v);
    if (threadIdx.x == 0) {
        total = v;
    }
    __syncthreads();
    float t = total;
    __syncthreads(); // total may be rewritten by the next call
    return t;
}

} // namespace nw::gpu::cuda
