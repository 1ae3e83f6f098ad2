// Input, Flatten and Reshape: the Input's batch is copied in by the plan; a reshape is a
// device-to-device copy (row-major data keeps its order), and its gradient the copy back.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/runtime/cuda_check.h"

namespace nw::gpu::cuda {

namespace {

class ReshapeKernel final : public CudaKernel {
public:
    ReshapeKernel(CudaBackend& backend, const KernelConfig& config)
        : CudaKernel(backend, config) {}
    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        return copy(a.inputs[0], a.outputs[0], "forward");
    }
    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return copy(a.gradOutputs[0], a.gradInputs[0], "backward");
    }

private:
    Status copy(const Tensor& from, const Tensor& to, const char* what) {
        return check(cudaMemcpyAsync(CudaBackend::data(to), CudaBackend::data(from), to.bytes(),
                                     cudaMemcpyDeviceToDevice, stream()),
                     "node '" + m_node + "' " + what);
    }
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeInputKernel(CudaBackend&, const KernelConfig&) {
    return std::unique_ptr<OpKernel>(std::make_unique<engine::InputKernel>());
}

Expected<std::unique_ptr<OpKernel>> makeReshapeKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<ReshapeKernel>(b, c);
}

} // namespace nw::gpu::cuda
