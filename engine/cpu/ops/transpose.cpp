// Transpose as one oneDNN reorder: y [perm(x's dims)] is written from a strided view of x
// whose dim k has x's stride of dim perm[k]; backward runs the same reorder the other way,
// from dy into that view of dx.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class TransposeKernel final : public CpuKernel {
public:
    TransposeKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_y(plainDesc(c.outputs[0])) {
        const auto& perm = attrInts("perm");
        DnnlDims xStrides = plainStrides(c.inputs[0]), dims(perm.size()), strides(perm.size());
        for (std::size_t k = 0; k < perm.size(); ++k) {
            dims[k] = c.inputs[0].at(static_cast<std::size_t>(perm[k]));
            strides[k] = xStrides.at(static_cast<std::size_t>(perm[k]));
        }
        m_xView = memory::desc(dims, memory::data_type::f32, strides);
        m_fwd = reorder(reorder::primitive_desc(m_ctx.engine, m_xView, m_ctx.engine, m_y));
        m_bwd = reorder(reorder::primitive_desc(m_ctx.engine, m_y, m_ctx.engine, m_xView));
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        return run("transpose forward", [&] {
            memory x = wrap(m_ctx, a.inputs[0], m_xView), y = wrap(m_ctx, a.outputs[0], m_y);
            m_fwd.execute(m_ctx.stream, x, y);
        });
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run("transpose backward", [&] {
            memory dy = wrap(m_ctx, a.gradOutputs[0], m_y);
            memory dx = wrap(m_ctx, a.gradInputs[0], m_xView);
            m_bwd.execute(m_ctx.stream, dy, dx);
        });
    }

private:
    memory::desc m_y;     // the output, plain
    memory::desc m_xView; // the input seen in the output's dim order
    reorder m_fwd, m_bwd;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeTransposeKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<TransposeKernel>(b, c);
}

} // namespace nw::engine::cpu
