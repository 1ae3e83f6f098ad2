// The explicit list of CUDA kernels: one line per op.
#include "gpu/cuda/cuda_backend.h"
#include "gpu/cuda/ops/kernels.h"

namespace nw::gpu::cuda {

graph::OpTable<KernelFactory> makeCudaKernelTable() {
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
        .unsupported("Conv3D", "no CUDA 3-D convolution yet (cuDNN's, through the graph API "
                               "as Conv2D); the node runs on the CPU")
        .unsupported("Constant", "no CUDA kernel yet (a tensor repeated over the batch and "
                                 "its gradient's sum); the node runs on the CPU")
        .unsupported("Cast", "no CUDA kernel yet (rounding to the narrow number formats); the "
                             "node runs on the CPU")
        .unsupported("Scale", "no CUDA kernel yet (a broadcast multiply-add and the "
                              "reductions of its parameter gradients); the node runs on the CPU")
        .add("Concat", makeConcatKernel)
        .add("Embedding", makeEmbeddingKernel)
        .add("PositionalEncoding", makePositionalEncodingKernel)
        .add("SequencePool", makeSequencePoolKernel)
        .add("MatMul", makeMatMulKernel)
        .add("Transpose", makeTransposeKernel)
        .add("Loss", makeLossKernel)
        .add("LSTM", makeLstmKernel)
        .add("GRU", makeGruKernel)
        .add("MultiHeadAttention", makeMultiHeadAttentionKernel);
    return t;
}

} // namespace nw::gpu::cuda
