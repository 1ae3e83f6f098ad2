// Input, Flatten and Reshape. Tensors are row-major on the device, so a reshape is a copy.
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class ReshapeKernel final : public VulkanKernel {
public:
    ReshapeKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        return m_backend.copy(a.inputs[0], a.outputs[0]);
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return m_backend.copy(a.gradOutputs[0], a.gradInputs[0]);
    }
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeReshapeKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<ReshapeKernel>(b, c);
}

Expected<std::unique_ptr<OpKernel>> makeInputKernel(VulkanBackend&, const KernelConfig&) {
    return std::unique_ptr<OpKernel>(std::make_unique<engine::InputKernel>());
}

} // namespace nw::gpu::vulkan
