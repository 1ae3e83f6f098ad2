// The explicit list of Vulkan kernels: one line per op.
#include "gpu/vulkan/ops/kernels.h"
#include "gpu/vulkan/vulkan_backend.h"

namespace nw::gpu::vulkan {

graph::OpTable<KernelFactory> makeVulkanKernelTable() {
    graph::OpTable<KernelFactory> t;
    t.add("Input", makeInputKernel)
        .add("Dense", makeDenseKernel)
        .add("Conv2D", makeConv2dKernel)
        .add("MaxPool2D", makeMaxPool2dKernel)
        .add("AvgPool2D", makeAvgPool2dKernel)
        .add("GlobalAvgPool", makeGlobalAvgPoolKernel)
        .add("GlobalMaxPool", makeGlobalMaxPoolKernel)
        .add("BatchNorm", makeBatchNormKernel)
        .add("LayerNorm", makeLayerNormKernel)
        .add("LRN", makeLrnKernel)
        .add("Dropout", makeDropoutKernel)
        .add("ReLU", makeActivationKernel)
        .add("LeakyReLU", makeActivationKernel)
        .add("ELU", makeActivationKernel)
        .add("ReLU6", makeActivationKernel)
        .add("HardSigmoid", makeActivationKernel)
        .add("HardSwish", makeActivationKernel)
        .add("GELU", makeActivationKernel)
        .add("Sigmoid", makeActivationKernel)
        .add("Tanh", makeActivationKernel)
        .add("Softmax", makeSoftmaxKernel)
        .add("Flatten", makeReshapeKernel)
        .add("Reshape", makeReshapeKernel)
        .add("Pad", makePadKernel)
        .add("Slice", makeSliceKernel)
        .add("Add", makeAddKernel)
        .add("Mul", makeMulKernel)
        .add("Constant", makeConstantKernel)
        .unsupported("Conv3D", "no Vulkan 3-D convolution yet (its implicit GEMM over five "
                               "dims); the node runs on the CPU")
        .add("Cast", makeCastKernel)
        .add("Scale", makeScaleKernel)
        .add("Concat", makeConcatKernel)
        .unsupported("Embedding", "no Vulkan gather kernel yet (a lookup per token, a "
                                  "scatter-add backward); the node runs on the CPU")
        .add("PositionalEncoding", makePositionalEncodingKernel)
        .add("SequencePool", makeSequencePoolKernel)
        .add("MatMul", makeMatMulKernel)
        .add("Transpose", makeTransposeKernel)
        .add("Loss", makeLossKernel)
        .unsupported("LSTM", "no Vulkan recurrent kernels yet (T dependent steps of GEMMs and "
                             "gate arithmetic, and their backward through time); the node runs "
                             "on the CPU")
        .unsupported("GRU", "no Vulkan recurrent kernels yet (T dependent steps of GEMMs and "
                            "gate arithmetic, and their backward through time); the node runs "
                            "on the CPU")
        .unsupported("MultiHeadAttention",
                     "no Vulkan attention kernels yet (batched matmuls, softmax and their "
                     "backward); the node runs on the CPU");
    return t;
}

} // namespace nw::gpu::vulkan
