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
NW_CUDA_KERNEL(makeConv2dKernel);
NW_CUDA_KERNEL(makeMaxPool2dKernel);     // pooling.cu
NW_CUDA_KERNEL(makeAvgPool2dKernel);     // pooling.cu
NW_CUDA_KERNEL(makeGlobalAvgPoolKernel); // pooling.cu
NW_CUDA_KERNEL(makeGlobalMaxPoolKernel); // pooling.cu
NW_CUDA_KERNEL(makeBatchNormKernel);
NW_CUDA_KERNEL(makeDropoutKernel);
NW_CUDA_KERNEL(makeLayerNormKernel);
NW_CUDA_KERNEL(makeLrnKernel);
NW_CUDA_KERNEL(makePadKernel);
NW_CUDA_KERNEL(makeSliceKernel);
NW_CUDA_KERNEL(makeAddKernel);    // merge.cu
NW_CUDA_KERNEL(makeMulKernel);    // mul.cu
NW_CUDA_KERNEL(makeConcatKernel); // merge.cu
NW_CUDA_KERNEL(makeTransposeKernel);
NW_CUDA_KERNEL(makePositionalEncodingKernel);
NW_CUDA_KERNEL(makeSequencePoolKernel);
NW_CUDA_KERNEL(makeEmbeddingKernel);
NW_CUDA_KERNEL(makeDenseKernel);
NW_CUDA_KERNEL(makeMatMulKernel);
NW_CUDA_KERNEL(makeActivationKernel); // ReLU, LeakyReLU, ELU, ReLU6, HardSigmoid,
                                      // HardSwish, GELU, Sigmoid, Tanh
NW_CUDA_KERNEL(makeSoftmaxKernel);
NW_CUDA_KERNEL(makeLossKernel);
NW_CUDA_KERNEL(makeMultiHeadAttentionKernel);
NW_CUDA_KERNEL(makeLstmKernel); // recurrent.cu
NW_CUDA_KERNEL(makeGruKernel);  // recurrent.cu

#undef NW_CUDA_KERNEL

} // namespace nw::gpu::cuda
