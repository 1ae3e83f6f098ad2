// The explicit list of Vulkan kernels: one line per op.
#include "gpu/vulkan/ops/kernels.h"
#include "gpu/vulkan/vulkan_backend.h"

namespace nw::gpu::vulkan {

graph::OpTable<KernelFactory> makeVulkanKernelTable() {
    graph::OpTable<KernelFactory> t;
    t.add("Input", makeInputKernel)
        .add("Dense", makeDenseKernel)
        .add("Conv2D", makeConv2dKernel)
        .unsupported("MaxPool2D", "not yet")
        .unsupported("AvgPool2D", "not yet")
        .unsupported("GlobalAvgPool", "not yet")
        .add("BatchNorm", makeBatchNormKernel)
        .add("LayerNorm", makeLayerNormKernel)
        .add("Dropout", makeDropoutKernel)
        .add("ReLU", makeActivationKernel)
        .add("LeakyReLU", makeActivationKernel)
        .add("ELU", makeActivationKernel)
        .add("GELU", makeActivationKernel)
        .add("Sigmoid", makeActivationKernel)
        .add("Tanh", makeActivationKernel)
        .unsupported("Softmax", "not yet")
        .add("Flatten", makeReshapeKernel)
        .add("Reshape", makeReshapeKernel)
        .unsupported("Add", "not yet")
        .unsupported("Concat", "not yet")
        .add("Loss", makeLossKernel);
    return t;
}

} // namespace nw::gpu::vulkan
