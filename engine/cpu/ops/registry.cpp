#include "engine/cpu/ops/registry.h"

#include "engine/cpu/cpu_backend.h"
#include "engine/cpu/ops/kernels.h"

#include <map>
#include <string>

namespace nw::engine::cpu {

namespace {

// The explicit list of CPU kernels: one line per registered op.
std::map<std::string, KernelFactory, std::less<>> makeRegistry() {
    return {
        {"Input", makeInputKernel},
        {"Dense", makeDenseKernel},
        {"Conv2D", makeConv2dKernel},
        {"MaxPool2D", makeMaxPool2dKernel},
        {"AvgPool2D", makeAvgPool2dKernel},
        {"GlobalAvgPool", makeGlobalAvgPoolKernel},
        {"BatchNorm", makeBatchNormKernel},
        {"LayerNorm", makeLayerNormKernel},
        {"Dropout", makeDropoutKernel},
        {"ReLU", makeActivationKernel},
        {"LeakyReLU", makeActivationKernel},
        {"ELU", makeActivationKernel},
        {"GELU", makeActivationKernel},
        {"Sigmoid", makeActivationKernel},
        {"Tanh", makeActivationKernel},
        {"Softmax", makeSoftmaxKernel},
        {"Flatten", makeReshapeKernel},
        {"Reshape", makeReshapeKernel},
        {"Add", makeAddKernel},
        {"Concat", makeConcatKernel},
        {"Loss", makeLossKernel},
    };
}

} // namespace

const KernelFactory* findKernelFactory(std::string_view op) {
    static const auto registry = makeRegistry();
    auto it = registry.find(op);
    return it == registry.end() ? nullptr : &it->second;
}

bool CpuBackend::supportsOp(std::string_view op) const {
    return findKernelFactory(op) != nullptr;
}

bool CpuBackend::canFuseActivation(std::string_view producer, std::string_view activation) const {
    if (producer == "Conv2D" || producer == "Dense") { // oneDNN eltwise post-ops
        return activation == "ReLU" || activation == "LeakyReLU" || activation == "ELU" ||
               activation == "GELU" || activation == "Sigmoid" || activation == "Tanh";
    }
    return producer == "BatchNorm" && activation == "ReLU"; // fuse_norm_relu
}

Expected<std::unique_ptr<OpKernel>> CpuBackend::createKernel(const KernelConfig& config) {
    const KernelFactory* factory = findKernelFactory(config.op);
    if (!factory) {
        return Error::user("node '" + config.nodeId + "': the CPU backend has no kernel for " +
                           config.op);
    }
    return (*factory)(*this, config);
}

} // namespace nw::engine::cpu
