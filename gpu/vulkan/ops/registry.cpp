// The explicit list of Vulkan kernels: one line per op.
#include "gpu/vulkan/ops/kernels.h"
#include "gpu/vulkan/vulkan_backend.h"

namespace nw::gpu::vulkan {

graph::OpTable<KernelFactory> makeVulkanKernelTable() {
    graph::OpTable<KernelFactory> t;
    t.add("Input", makeInputKernel)
        .unsupported("Dense", "not yet")
        .unsupported("Conv2D", "not yet")
        .unsupported("MaxPool2D", "not yet")
        .unsupported("AvgPool2D", "not yet")
        .unsupported("GlobalAvgPool", "not yet")
        .unsupported("BatchNorm", "not yet")
        .unsupported("LayerNorm", "not yet")
        .unsupported("Dropout", "not yet")
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
        .unsupported("Loss", "not yet");
    return t;
}

} // namespace nw::gpu::vulkan
