// Slice: y = x[..., start:end, ...] along one non-batch axis, as one oneDNN reorder from a
// sub-memory view of x (which follows the backend's storage, channels-last for 4-D tensors).
// Backward zeroes dx and reorders dy into the same view: every element outside the range gets
// no gradient from this consumer (the plan adds the gradients of x's other consumers).
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <cstring>

namespace nw::engine::cpu {

namespace {

class SliceKernel final : public CpuKernel {
public:
    SliceKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_x(plainDesc(c.inputs[0]))
        , m_y(plainDesc(c.outputs[0]))
        , m_bytes(static_cast<std::size_t>(numelOf(c.inputs[0])) * sizeof(float)) {
        const Dims& x = c.inputs[0];
        const auto rank = static_cast<std::int64_t>(x.size());
        const std::int64_t axis = attrInt("axis") < 0 ? attrInt("axis") + rank : attrInt("axis");
        DnnlDims offsets(x.size(), 0);
        offsets[static_cast<std::size_t>(axis)] = attrInt("start");
        m_range = m_x.submemory_desc(toDnnl(c.outputs[0]), offsets);
        m_fwd =
            dnnl::reorder(dnnl::reorder::primitive_desc(m_ctx.engine, m_range, m_ctx.engine, m_y));
        m_bwd =
            dnnl::reorder(dnnl::reorder::primitive_desc(m_ctx.engine, m_y, m_ctx.engine, m_range));
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        return run("slice forward", [&] {
            dnnl::memory x(m_range, m_ctx.engine, CpuBackend::data(a.inputs[0]));
            dnnl::memory y = wrap(m_ctx, a.outputs[0], m_y);
            m_fwd.execute(m_ctx.stream, x, y);
        });
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run("slice backward", [&] {
            std::memset(CpuBackend::data(a.gradInputs[0]), 0, m_bytes);
            dnnl::memory dx(m_range, m_ctx.engine, CpuBackend::data(a.gradInputs[0]));
            dnnl::memory dy = wrap(m_ctx, a.gradOutputs[0], m_y);
            m_bwd.execute(m_ctx.stream, dy, dx);
        });
    }

private:
    dnnl::memory::desc m_x;     // the input, as the backend stores it
    dnnl::memory::desc m_y;     // the output, likewise
    dnnl::memory::desc m_range; // the slice's elements within the input
    std::size_t m_bytes;        // of the input (and of its gradient)
    dnnl::reorder m_fwd, m_bwd;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeSliceKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<SliceKernel>(b, c);
}

} // namespace nw::engine::cpu
