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
        , m_in(c.inputs[0])
        , m_out(c.outputs[0]) {
        if (m_in.size() == 4 && m_out.size() == 4) {
            m_scratch = dnnl::memory(rowMajorDesc(m_in), m_ctx.engine);
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        return run("reshape", [&] { relayout(a.inputs[0], m_in, a.outputs[0], m_out); });
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run("reshape", [&] { relayout(a.gradOutputs[0], m_out, a.gradInputs[0], m_in); });
    }

private:
    // The same elements in row-major order under a new shape. Storage differs from row-major
    // only for 4-D tensors (channels-last), which go through a reorder.
    void relayout(const Tensor& src, const Dims& from, const Tensor& dst, const Dims& to) {
        if (from.size() != 4 && to.size() != 4) {
            std::memcpy(CpuBackend::data(dst), CpuBackend::data(src), src.bytes());
            return;
        }
        dnnl::memory in = wrap(m_ctx, src, plainDesc(from));
        dnnl::memory out = wrap(m_ctx, dst, plainDesc(to));
        if (to.size() != 4) { // channels-last -> row-major, straight into dst
            reorder(in, dnnl::memory(rowMajorDesc(from), m_ctx.engine, out.get_data_handle()));
        } else if (from.size() != 4) { // row-major src seen with dst's dims -> channels-last
            reorder(dnnl::memory(rowMajorDesc(to), m_ctx.engine, in.get_data_handle()), out);
        } else {
            reorder(in, m_scratch);
            reorder(dnnl::memory(rowMajorDesc(to), m_ctx.engine, m_scratch.get_data_handle()), out);
        }
    }
    void reorder(dnnl::memory from, dnnl::memory to) {
        dnnl::reorder(from, to).execute(m_ctx.stream, from, to);
    }

    Dims m_in;
    Dims m_out;
    dnnl::memory m_scratch; // row-major, for a 4-D to 4-D reshape
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeReshapeKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<ReshapeKernel>(b, c);
}

Expected<std::unique_ptr<OpKernel>> makeInputKernel(CpuBackend&, const KernelConfig&) {
    return std::unique_ptr<OpKernel>(std::make_unique<engine::InputKernel>());
}

} // namespace nw::engine::cpu
