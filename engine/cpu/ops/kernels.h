#pragma once
// Factories of the CPU kernels, one per op file in engine/cpu/ops/; registry.cpp lists them.

#include "engine/core/kernel.h"

#include <memory>

namespace nw::engine::cpu {

class CpuBackend;

#define NW_CPU_KERNEL(name)                                                                        \
    Expected<std::unique_ptr<OpKernel>> name(CpuBackend& backend, const KernelConfig& config)

NW_CPU_KERNEL(makeInputKernel);
NW_CPU_KERNEL(makeDenseKernel);
NW_CPU_KERNEL(makeConv2dKernel);
NW_CPU_KERNEL(makeMaxPool2dKernel);
NW_CPU_KERNEL(makeAvgPool2dKernel);
NW_CPU_KERNEL(makeGlobalAvgPoolKernel);
NW_CPU_KERNEL(makeGlobalMaxPoolKernel);
NW_CPU_KERNEL(makeBatchNormKernel);
NW_CPU_KERNEL(makeLayerNormKernel);
NW_CPU_KERNEL(makeLrnKernel);
NW_CPU_KERNEL(makeDropoutKernel);
NW_CPU_KERNEL(makeActivationKernel); // ReLU, LeakyReLU, ELU, ReLU6, HardSigmoid,
                                     // HardSwish, GELU, Sigmoid, Tanh
NW_CPU_KERNEL(makeSoftmaxKernel);
NW_CPU_KERNEL(makeReshapeKernel); // Flatten and Reshape: a copy with a new shape
NW_CPU_KERNEL(makePadKernel);
NW_CPU_KERNEL(makeSliceKernel);
NW_CPU_KERNEL(makeAddKernel);
NW_CPU_KERNEL(makeMulKernel);
NW_CPU_KERNEL(makeScaleKernel);
NW_CPU_KERNEL(makeCastKernel);
NW_CPU_KERNEL(makeConstantKernel);
NW_CPU_KERNEL(makeConcatKernel);
NW_CPU_KERNEL(makeLossKernel);
NW_CPU_KERNEL(makeEmbeddingKernel);
NW_CPU_KERNEL(makePositionalEncodingKernel);
NW_CPU_KERNEL(makeSequencePoolKernel);
NW_CPU_KERNEL(makeMatMulKernel);
NW_CPU_KERNEL(makeTransposeKernel);
NW_CPU_KERNEL(makeMultiHeadAttentionKernel);
NW_CPU_KERNEL(makeLstmKernel);
NW_CPU_KERNEL(makeGruKernel);

#undef NW_CPU_KERNEL

} // namespace nw::engine::cpu
