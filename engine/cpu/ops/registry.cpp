#include "engine/cpu/ops/registry.h"

#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

// The explicit list of CPU kernels: one line per op.
graph::OpTable<KernelFactory> makeCpuKernelTable() {
    graph::OpTable<KernelFactory> t;
    t.add("Input", makeInputKernel)
        .add("Dense", makeDenseKernel)
        .add("Conv2D", makeConv2dKernel)
        .add("Conv3D", makeConv2dKernel)
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
        .add("Scale", makeScaleKernel)
        .add("Cast", makeCastKernel)
        .add("Constant", makeConstantKernel)
        .add("Concat", makeConcatKernel)
        .add("Embedding", makeEmbeddingKernel)
        .add("PositionalEncoding", makePositionalEncodingKernel)
        .add("SequencePool", makeSequencePoolKernel)
        .add("MatMul", makeMatMulKernel)
        .add("Transpose", makeTransposeKernel)
        .add("Loss", makeLossKernel)
        .add("MultiHeadAttention", makeMultiHeadAttentionKernel)
        .add("LSTM", makeLstmKernel)
        .add("GRU", makeGruKernel);
    return t;
}

const graph::OpCoverage& CpuBackend::opCoverage() const {
    return m_kernels;
}

bool CpuBackend::canFuseActivation(std::string_view producer, std::string_view activation) const {
    if (producer == "Conv2D" || producer == "Dense") { // oneDNN eltwise post-ops
        return activation == "ReLU" || activation == "LeakyReLU" || activation == "ELU" ||
               activation == "ReLU6" || activation == "HardSigmoid" || activation == "HardSwish" ||
               activation == "GELU" || activation == "Sigmoid" || activation == "Tanh";
    }
    return producer == "BatchNorm" && activation == "ReLU"; // fuse_norm_relu
}

Expected<std::unique_ptr<OpKernel>> CpuBackend::createKernel(const KernelConfig& config) {
    const KernelFactory* factory = m_kernels.find(config.op);
    if (!factory) {
        return Error::user("node '" + config.nodeId + "': the CPU backend has no kernel for " +
                           config.op);
    }
    return (*factory)(*this, config);
}

} // namespace nw::engine::cpu
