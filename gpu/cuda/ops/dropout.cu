// Dropout, bit for bit the CPU's masks (engine/cpu/ops/dropout.cpp): the Philox mask of
// dropout_mask.cuh over stream streamId("dropout/<node>"), element i of step s kept when
// uniform(seed, stream, s * numel + i) >= rate, never stored (backward recomputes the
// forward's). Kept elements are scaled by 1 / (1 - rate); inference or rate 0 is a copy.
#include "base/rng.h"
#include "gpu/cuda/ops/dropout_mask.cuh"
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/tensor_copy.h"

namespace nw::gpu::cuda {

namespace {

class DropoutKernel final : public CudaKernel {
public:
    DropoutKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_rate(static_cast<float>(attrFloat("rate")))
        , m_numel(engine::numelOf(c.inputs[0]))
        , m_mask{c.seed, streamId("dropout/" + c.nodeId), m_rate,
                 static_cast<std::uint64_t>(c.shards), static_cast<std::uint64_t>(c.shard)} {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        if (!a.training || m_rate == 0.0f) {
            return copyTensor(a.inputs[0], a.outputs[0], stream(), "node '" + m_node + "' forward");
        }
        m_lastStep = a.step;
        return apply(a.inputs[0], a.outputs[0], a.step, "forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        if (m_rate == 0.0f) {
            return copyTensor(a.gradOutputs[0], a.gradInputs[0], stream(),
                              "node '" + m_node + "' backward");
        }
        return apply(a.gradOutputs[0], a.gradInputs[0], m_lastStep, "backward");
    }

private:
    Status apply(const Tensor& in, const Tensor& out, std::uint64_t step, const char* what) {
        queueDropoutMask(m_mask, step, m_backend.liveStep(), f32(in), f32(out), m_numel, stream());
        return launched(what);
    }

    float m_rate;
    std::int64_t m_numel;
    DropoutMask m_mask;
    std::uint64_t m_lastStep = 0; // the step of the last training forward
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeDropoutKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<DropoutKernel>(b, c);
}

} // namespace nw::gpu::cuda
