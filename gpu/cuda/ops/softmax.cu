// Softmax along `axis`, as engine/cpu/ops/softmax.cpp: x viewed as [outer, K, inner] with K
// the axis, the rows' kernels in softmax_rows.cuh (shared with MultiHeadAttention):
//   forward:  y = exp(x - max) / sum(exp(x - max))
//   backward: dx = y * (dy - sum_k(dy * y)), from the output y
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/softmax_rows.cuh"

namespace nw::gpu::cuda {

namespace {

class SoftmaxKernel final : public CudaKernel {
public:
    SoftmaxKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c) {
        const Dims& x = c.inputs[0];
        const auto rank = static_cast<std::int64_t>(x.size());
        const std::int64_t axis = attrInt("axis");
        const auto ax = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
        std::int64_t outer = 1;
        for (std::size_t d = 0; d < x.size(); ++d) {
            (d < ax ? outer : d == ax ? m_shape.k : m_shape.inner) *= x[d];
        }
        m_shape.rows = outer * m_shape.inner;
    }

    bool backwardReadsInputs() const override { return false; }
    bool backwardReadsOutputs() const override { return true; }

    Status forward(const ForwardArgs& a) override {
        queueSoftmaxForward(m_shape, f32(a.inputs[0]), f32(a.outputs[0]), stream());
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        queueSoftmaxBackward(m_shape, f32(a.outputs[0]), f32(a.gradOutputs[0]),
                             f32(a.gradInputs[0]), stream());
        return launched("backward");
    }

private:
    SoftmaxRows m_shape;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeSoftmaxKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<SoftmaxKernel>(b, c);
}

} // namespace nw::gpu::cuda
