// Slice as the CPU (engine/cpu/ops/slice.cpp): with row-major tensors seen as
// [outer, axis * inner], the output [outer, width] is the block of columns
// [offset, offset + width) of the input [outer, row] (offset = start * inner). Backward writes
// every element of dx once: dy inside the block, zero outside it.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"

namespace nw::gpu::cuda {

namespace {

// y[r, c] = x[r, offset + c] for r < outer, c < width.
__global__ void sliceForward(const float* x, float* y, std::int64_t outer, std::int64_t row,
                             std::int64_t width, std::int64_t offset) {
    NW_GRID_STRIDE(e, outer * width) {
        const std::int64_t r = e / width, c = e % width;
        y[e] = x[r * row + offset + c];
    }
}

// dx[r, c] = dy[r, c - offset] inside the block, 0 elsewhere, for r < outer, c < row.
__global__ void sliceBackward(const float* dy, float* dx, std::int64_t outer, std::int64_t row,
                              std::int64_t width, std::int64_t offset) {
    NW_GRID_STRIDE(e, outer * row) {
        const std::int64_t r = e / row, c = e % row - offset;
        dx[e] = c >= 0 && c < width ? dy[r * width + c] : 0.0f;
    }
}

class SliceKernel final : public CudaKernel {
public:
    SliceKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c) {
        const Dims& x = c.inputs[0];
        const auto rank = static_cast<std::int64_t>(x.size());
        const std::int64_t axis = attrInt("axis") < 0 ? attrInt("axis") + rank : attrInt("axis");
        const auto ax = static_cast<std::size_t>(axis);
        std::int64_t inner = 1;
        for (std::size_t d = 0; d < x.size(); ++d) {
            if (d < ax) {
                m_outer *= x[d];
            } else if (d > ax) {
                inner *= x[d];
            }
        }
        m_row = x[ax] * inner;
        m_width = c.outputs[0][ax] * inner;
        m_offset = attrInt("start") * inner;
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        if (m_outer * m_width > 0) {
            sliceForward<<<gridFor(m_outer * m_width), kBlock, 0, stream()>>>(
                f32(a.inputs[0]), f32(a.outputs[0]), m_outer, m_row, m_width, m_offset);
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        if (m_outer * m_row > 0) {
            sliceBackward<<<gridFor(m_outer * m_row), kBlock, 0, stream()>>>(
                f32(a.gradOutputs[0]), f32(a.gradInputs[0]), m_outer, m_row, m_width, m_offset);
        }
        return launched("backward");
    }

private:
    std::int64_t m_outer = 1;  // the dims before the axis, batch included
    std::int64_t m_row = 0;    // the input's axis length * inner
    std::int64_t m_width = 0;  // the output's
    std::int64_t m_offset = 0; // start * inner
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeSliceKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<SliceKernel>(b, c);
}

} // namespace nw::gpu::cuda
