// Slice as the CPU (engine/cpu/ops/slice.cpp), on Concat's block copy (shaders/concat.comp):
// with row-major tensors seen as [outer, axis * inner], the output is the block of columns
// [start * inner, end * inner) of every row of the input. Forward copies the block out
// (concat's BACKWARD 1 map); backward zeroes dx and copies dy into the block (its forward map).
#include "gpu/vulkan/ops/kernel_base.h"
#include "gpu/vulkan/ops/kernels.h"

namespace nw::gpu::vulkan {

namespace {

class SliceKernel final : public VulkanKernel {
public:
    SliceKernel(VulkanBackend& backend, const KernelConfig& c)
        : VulkanKernel(backend, c)
        , m_intoBlock(pipeline("concat", {0}))
        , m_fromBlock(pipeline("concat", {1})) {
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
        m_rowX = x[ax] * inner;
        m_rowY = c.outputs[0][ax] * inner;
        m_offset = attrInt("start") * inner;
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        return run(m_fromBlock, a.outputs[0], a.inputs[0], {a.inputs[0]}, {a.outputs[0]},
                   "forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Tensor& dx = a.gradInputs[0];
        if (!dx.defined()) {
            return Status::success();
        }
        if (auto s = m_backend.fill(dx, 0.0f); !s) {
            return s;
        }
        return run(m_intoBlock, a.gradOutputs[0], dx, {a.gradOutputs[0]}, {dx}, "backward");
    }

private:
    // concat.comp over `block` [outer, rowY] at column m_offset of `full` [outer, rowX].
    Status run(const Pipeline& pipe, const Tensor& block, const Tensor& full,
               std::initializer_list<Tensor> reads, std::initializer_list<Tensor> writes,
               const char* what) {
        Push p;
        p.addr(block).addr(full).u32(u32(m_outer)).u32(u32(m_rowY)).u32(u32(m_rowX));
        p.u32(u32(m_offset));
        return dispatch(pipe, VulkanBackend::groupsFor(m_outer * m_rowY), p, reads, writes, what);
    }

    const Pipeline& m_intoBlock; // full[o, offset + j] = block[o, j]
    const Pipeline& m_fromBlock; // block[o, j] = full[o, offset + j]
    std::int64_t m_outer = 1;    // the dims before the axis, batch included
    std::int64_t m_rowX = 0;     // the input's axis length * inner
    std::int64_t m_rowY = 0;     // the output's
    std::int64_t m_offset = 0;   // start * inner
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeSliceKernel(VulkanBackend& b, const KernelConfig& c) {
    return makeKernel<SliceKernel>(b, c);
}

} // namespace nw::gpu::vulkan
