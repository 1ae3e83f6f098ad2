#pragma once
// Dropout's counter-based mask, bit for bit the CPU's (engine/cpu/ops/dropout.cpp, and the
// attention dropout of multi_head_attention.cpp): element i of step s is kept when
// philox::uniform(seed, stream, s * n + i) >= rate, kept elements scaled by 1 / (1 - rate).
// The mask is never stored: backward recomputes the forward's from the same step.

#include "base/philox.h"
#include "gpu/cuda/ops/launch.cuh"

#include <cstdint>

namespace nw::gpu::cuda {

struct DropoutMask {
    std::uint64_t seed = 0;   // the run's seed
    std::uint64_t stream = 0; // streamId of the node's stream ("dropout/<node>")
    float rate = 0.0f;        // in [0, 1)
    // Data-parallel training (KernelConfig::shard): the tensor is part `shard` of `shards` of
    // the global batch's, whose element numbers it takes.
    std::uint64_t shards = 1;
    std::uint64_t shard = 0;
};

// out = in * mask / (1 - rate), in and out [n], base = step * n the stream index of element 0
// (step * n * shards + n * shard for a shard of a data-parallel batch)
// (wrapping like the CPU's). Thread j draws Philox block base / 4 + j once and uses its 4
// words for the elements whose stream index falls in that block. `liveStep`, when set (a
// captured step, Backend::beginCapture), is read instead of `step`, so a replay uses its own.
template <class T>
__global__ void dropoutMaskKernel(const T* in, T* out, std::int64_t n, DropoutMask m,
                                  std::uint64_t step, const std::uint64_t* liveStep, T keepScale) {
    // The CPU's block of index base + i is ((base + i) mod 2^64) / 4: a 62-bit number.
    constexpr std::uint64_t kBlockMask = (std::uint64_t(1) << 62) - 1;
    const auto un = static_cast<std::uint64_t>(n);
    const std::uint64_t base = (liveStep ? *liveStep : step) * un * m.shards + un * m.shard;
    const std::int64_t lead = std::int64_t(base & 3); // stream slots before element 0
    const std::int64_t blocks = (n + lead + 3) / 4;
    NW_GRID_STRIDE(j, blocks) {
        const std::uint64_t block = (base / 4 + std::uint64_t(j)) & kBlockMask;
        const philox::Words w = philox::streamBlock(m.seed, m.stream, block);
#pragma unroll
        for (int k = 0; k < 4; ++k) {
            const std::int64_t i = 4 * j + k - lead;
            if (i >= 0 && i < n) {
                out[i] = philox::toUnit(w.w[k]) >= m.rate ? in[i] * keepScale : T(0);
            }
        }
    }
}

// Queues out = in * mask(step) / (1 - rate) over n elements on `stream`; out may be in.
// `liveStep`: CudaBackend::liveStep(), the device step of a captured step (null when eager).
inline void queueDropoutMask(const DropoutMask& m, std::uint64_t step,
                             const std::uint64_t* liveStep, const float* in, float* out,
                             std::int64_t n, cudaStream_t stream) {
    if (n == 0) {
        return;
    }
    const std::int64_t mostBlocks = (n + 3 + 3) / 4; // whatever the step's lead
    dropoutMaskKernel<float><<<gridFor(mostBlocks), kBlock, 0, stream>>>(
        in, out, n, m, step, liveStep, 1.0f / (1.0f - m.rate));
}

} // namespace nw::gpu::cuda
