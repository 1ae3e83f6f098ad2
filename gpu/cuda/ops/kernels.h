#pragma once
// Factories of the CUDA kernels, one per op file in gpu/cuda/ops/ (mirroring
// engine/cpu/ops/); registry.cpp lists them.

#include "engine/core/kernel.h"

#include <memory>

namespace nw::gpu::cuda {

class CudaBackend;

#define NW_CUDA_KERNEL(name)                                                                       \
    Expected<std::unique_ptr<engine::OpKernel>> name(CudaBackend& backend,                         \
                                                     const engine::KernelConfig& config)

NW_CUDA_KERNEL(makeInputKernel);
NW_CUDA_KERNEL(makeReshapeKernel); // Flatten and Reshape: a copy with a new shape

#undef NW_CUDA_KERNEL

} // namespace nw::gpu::cuda
