// The explicit list of CUDA kernels: one line per op.
#include "gpu/cuda/cuda_backend.h"
#include "gpu/cuda/ops/kernels.h"

namespace nw::gpu::cuda {

namespace {
constexpr const char* kNotYet = "no CUDA kernel yet; the node runs on the CPU";
}

graph::OpTable<KernelFactory> makeCudaKernelTable() {
    graph::OpTable<KernelFactory> t;
    t.add("Input", makeInputKernel)
        .unsupported("Dense", kNotYet)
        .unsupported("Conv2D", kNotYet)
        .unsupported("MaxPool2D", kNotYet)
        .unsupported("AvgPool2D", kNotYet)
        .unsupported("GlobalAvgPool", kNotYet)
        .unsupported("BatchNorm", kNotYet)
        .unsupported("LayerNorm", kNotYet)
        .unsupported("Dropout", kNotYet)
        .unsupported("ReLU", kNotYet)
        .unsupported("LeakyReLU", kNotYet)
        .unsupported("ELU", kNotYet)
        .unsupported("GELU", kNotYet)
        .unsupported("Sigmoid", kNotYet)
        .unsupported("Tanh", kNotYet)
        .unsupported("Softmax", kNotYet)
        .add("Flatten", makeReshapeKernel)
        .add("Reshape", makeReshapeKernel)
        .unsupported("Add", kNotYet)
        .unsupported("Concat", kNotYet)
        .unsupported("Embedding", kNotYet)
        .unsupported("PositionalEncoding", kNotYet)
        .unsupported("SequencePool", kNotYet)
        .unsupported("MatMul", kNotYet)
        .unsupported("Transpose", kNotYet)
        .unsupported("Loss", kNotYet)
        .unsupported("LSTM", kNotYet)
        .unsupported("GRU", kNotYet)
        .unsupported("MultiHeadAttention", kNotYet);
    return t;
}

} // namespace nw::gpu::cuda
