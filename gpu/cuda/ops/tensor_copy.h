#pragma once
// Whole-tensor device copies and zero fills queued on a kernel's stream: the gradients that
// are a plain copy of another (Add, Dropout at rate 0, PositionalEncoding) or all zero.

#include "engine/core/tensor.h"
#include "gpu/cuda/cuda_backend.h"
#include "gpu/cuda/runtime/cuda_check.h"

#include <string>

namespace nw::gpu::cuda {

// to = from, both CUDA tensors of to.bytes(); `what` names the copy if the call fails.
inline Status copyTensor(const engine::Tensor& from, const engine::Tensor& to, cudaStream_t stream,
                         const std::string& what) {
    return check(cudaMemcpyAsync(CudaBackend::data(to), CudaBackend::data(from), to.bytes(),
                                 cudaMemcpyDeviceToDevice, stream),
                 what);
}

// t = 0 (all bits clear, so 0.0f for f32).
inline Status zeroTensor(const engine::Tensor& t, cudaStream_t stream, const std::string& what) {
    return check(cudaMemsetAsync(CudaBackend::data(t), 0, t.bytes(), stream), what);
}

} // namespace nw::gpu::cuda
