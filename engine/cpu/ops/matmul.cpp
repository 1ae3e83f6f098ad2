// MatMul on oneDNN matmul. a: [N, ..., M, K], b: [N, ..., K, P], y: [N, ..., M, P], the
// leading dims equal (batch dims of the primitive). Backward, two more products over strided
// (transposed, not copied) views:
//   da = dy b^T  ([.., M, P] x [.., P, K]);   db = a^T dy  ([.., K, M] x [.., M, P]).
// Every tensor is described with its own strides (plainStrides: a 4-D one is channels-last),
// so no layout reorders are needed.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <utility>

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

// `dims` with its plain strides, the last two dims swapped when `transposed`.
memory::desc stridedDesc(const Dims& dims, bool transposed) {
    DnnlDims d = toDnnl(dims), s = plainStrides(dims);
    if (transposed) {
        std::swap(d[d.size() - 1], d[d.size() - 2]);
        std::swap(s[s.size() - 1], s[s.size() - 2]);
    }
    return memory::desc(d, memory::data_type::f32, s);
}

matmul product(const DnnlContext& ctx, const memory::desc& a, const memory::desc& b,
               const memory::desc& y) {
    return matmul(matmul::primitive_desc(matmul::desc(a, b, y), ctx.engine));
}

class MatMulKernel final : public CpuKernel {
public:
    MatMulKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_a(stridedDesc(c.inputs[0], false))
        , m_b(stridedDesc(c.inputs[1], false))
        , m_y(stridedDesc(c.outputs[0], false))
        , m_aT(stridedDesc(c.inputs[0], true))
        , m_bT(stridedDesc(c.inputs[1], true)) {
        m_fwd = product(m_ctx, m_a, m_b, m_y);
        m_dataA = product(m_ctx, m_y, m_bT, m_a);
        m_dataB = product(m_ctx, m_aT, m_y, m_b);
    }

    Status forward(const ForwardArgs& a) override {
        return run("matmul forward", [&] {
            m_fwd.execute(m_ctx.stream, {{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0], m_a)},
                                         {DNNL_ARG_WEIGHTS, wrap(m_ctx, a.inputs[1], m_b)},
                                         {DNNL_ARG_DST, wrap(m_ctx, a.outputs[0], m_y)}});
        });
    }

    Status backward(const BackwardArgs& a) override {
        return run("matmul backward", [&] {
            memory dy = wrap(m_ctx, a.gradOutputs[0], m_y);
            if (a.gradInputs[0].defined()) {
                m_dataA.execute(m_ctx.stream, {{DNNL_ARG_SRC, dy},
                                               {DNNL_ARG_WEIGHTS, wrap(m_ctx, a.inputs[1], m_bT)},
                                               {DNNL_ARG_DST, wrap(m_ctx, a.gradInputs[0], m_a)}});
            }
            if (a.gradInputs[1].defined()) {
                m_dataB.execute(m_ctx.stream, {{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0], m_aT)},
                                               {DNNL_ARG_WEIGHTS, dy},
                                               {DNNL_ARG_DST, wrap(m_ctx, a.gradInputs[1], m_b)}});
            }
        });
    }

private:
    memory::desc m_a, m_b, m_y, m_aT, m_bT;
    matmul m_fwd, m_dataA, m_dataB;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMatMulKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<MatMulKernel>(b, c);
}

} // namespace nw::engine::cpu
