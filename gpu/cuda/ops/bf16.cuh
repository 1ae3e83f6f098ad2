#pragma once
// bf16 copies for training.precision "bf16" (MathMode::Bf16): a library that computes on bf16
// operands (cuDNN's convolutions) reads copies of our f32 tensors rounded to bf16, and its
// bf16 results are widened back into f32 tensors. Rounding is to nearest even, as oneDNN's
// reorders do on the CPU. The copies are kernel scratch: U8 tensors of kBf16Bytes per element
// (DType has no bf16, since no tensor of a plan is ever bf16).

#include "gpu/cuda/ops/launch.cuh"

#include <cstdint>
#include <cuda_bf16.h>

namespace nw::gpu::cuda {

constexpr std::int64_t kBf16Bytes = sizeof(__nv_bfloat16);

__device__ inline void convertValue(float from, __nv_bfloat16& to) {
    to = __float2bfloat16_rn(from);
}
__device__ inline void convertValue(__nv_bfloat16 from, float& to) {
    to = __bfloat162float(from);
}

// to[i] = from[i] in To's type, i in [0, n).
template <class From, class To>
__global__ void convertKernel(const From* from, To* to, std::int64_t n) {
    NW_GRID_STRIDE(i, n) {
        convertValue(from[i], to[i]);
    }
}

// Queues to[i] = bf16(from[i]) for n elements on `stream`; `to` holds n * kBf16Bytes bytes.
inline void queueToBf16(const float* from, void* to, std::int64_t n, cudaStream_t stream) {
    convertKernel<<<gridFor(n), kBlock, 0, stream>>>(from, static_cast<__nv_bfloat16*>(to), n);
}

// Queues to[i] = float(from[i]) for n elements on `stream` (exact: f32 holds every bf16).
inline void queueFromBf16(const void* from, float* to, std::int64_t n, cudaStream_t stream) {
    convertKernel<<<gridFor(n), kBlock, 0, stream>>>(static_cast<const __nv_bfloat16*>(from), to,
                                                     n);
}

} // namespace nw::gpu::cuda
