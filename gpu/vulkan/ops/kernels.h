#pragma once
// Factories of the Vulkan kernels, one per op file in gpu/vulkan/ops/ (mirroring
// engine/cpu/ops/); registry.cpp lists them.

#include "engine/core/kernel.h"

#include <memory>

namespace nw::gpu::vulkan {

class VulkanBackend;

#define NW_VULKAN_KERNEL(name)                                                                     \
    Expected<std::unique_ptr<engine::OpKernel>> name(VulkanBackend& backend,                       \
                                                     const engine::KernelConfig& config)

NW_VULKAN_KERNEL(makeInputKernel);
NW_VULKAN_KERNEL(makeDenseKernel);
NW_VULKAN_KERNEL(makeMatMulKernel);
NW_VULKAN_KERNEL(makePositionalEncodingKernel);
NW_VULKAN_KERNEL(makeSequencePoolKernel);
NW_VULKAN_KERNEL(makeTransposeKernel);
NW_VULKAN_KERNEL(makeConv2dKernel);
NW_VULKAN_KERNEL(makeMaxPool2dKernel);
NW_VULKAN_KERNEL(makeAvgPool2dKernel);
NW_VULKAN_KERNEL(makeGlobalAvgPoolKernel);
NW_VULKAN_KERNEL(makeGlobalMaxPoolKernel);
NW_VULKAN_KERNEL(makeBatchNormKernel);
NW_VULKAN_KERNEL(makeLayerNormKernel);
NW_VULKAN_KERNEL(makeLrnKernel);
NW_VULKAN_KERNEL(makeDropoutKernel);
NW_VULKAN_KERNEL(makeActivationKernel); // ReLU, LeakyReLU, ELU, ReLU6, HardSigmoid,
                                        // HardSwish, GELU, Sigmoid, Tanh
NW_VULKAN_KERNEL(makeSoftmaxKernel);
NW_VULKAN_KERNEL(makeReshapeKernel); // Flatten and Reshape: a copy with a new shape
NW_VULKAN_KERNEL(makePadKernel);
NW_VULKAN_KERNEL(makeSliceKernel); // on concat.comp
NW_VULKAN_KERNEL(makeAddKernel);
NW_VULKAN_KERNEL(makeMulKernel);
NW_VULKAN_KERNEL(makeScaleKernel);
NW_VULKAN_KERNEL(makeConstantKernel);
NW_VULKAN_KERNEL(makeCastKernel);
NW_VULKAN_KERNEL(makeConcatKernel);
NW_VULKAN_KERNEL(makeLossKernel);

#undef NW_VULKAN_KERNEL

} // namespace nw::gpu::vulkan
