// Flatten and Reshape: the same elements in the same order under a new shape, so forward
// and backward are copies.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <cstring>

namespace nw::engine::cpu {

namespace {

class ReshapeKernel final : public CpuKernel {
public:
    ReshapeKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_bytes(static_cast<std::size_t>(numelOf(c.inputs[0])) * sizeof(float)) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        std::memcpy(CpuBackend::data(a.outputs[0]), CpuBackend::data(a.inputs[0]), m_bytes);
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        if (a.gradInputs[0].defined()) {
            std::memcpy(CpuBackend::data(a.gradInputs[0]), CpuBackend::data(a.gradOutputs[0]),
                        m_bytes);
        }
        return Status::success();
    }

private:
    std::size_t m_bytes;
};

// Input: the plan copies each batch into the Input node's output; nothing to compute.
class InputKernel final : public OpKernel {
public:
    bool backwardReadsInputs() const override { return false; }
    Status forward(const ForwardArgs&) override { return Status::success(); }
    Status backward(const BackwardArgs&) override { return Status::success(); }
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeReshapeKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<ReshapeKernel>(b, c);
}

Expected<std::unique_ptr<OpKernel>> makeInputKernel(CpuBackend&, const KernelConfig&) {
    return std::unique_ptr<OpKernel>(std::make_unique<InputKernel>());
}

} // namespace nw::engine::cpu
