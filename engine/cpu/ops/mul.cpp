// Mul: y = a · b element-wise, a and b of one rank, a dimension of 1 in either broadcasting
// over the other's (graph/ops/mul.cpp). On oneDNN binary (mul), whose src1 may broadcast:
// forward is one product with the full-shaped input as src0 (both broadcast: y = 1, then
// y *= a, y *= b). Backward: da = dy · b and db = dy · a; for an input that was broadcast, the
// product goes to a scratch tensor of y's shape and a oneDNN reduction (sum) over the
// broadcast dims writes the gradient.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <algorithm>
#include <array>

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

binary mulPrimitive(const DnnlContext& ctx, const memory::desc& src0, const memory::desc& src1,
                    const memory::desc& dst) {
    return binary(
        binary::primitive_desc(binary::desc(algorithm::binary_mul, src0, src1, dst), ctx.engine));
}

class MulKernel final : public CpuKernel {
public:
    MulKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_numel(numelOf(c.outputs[0])) {
        const Dims& y = c.outputs[0];
        m_yDesc = plainDesc(y);
        for (std::size_t i = 0; i < 2; ++i) {
            m_xDesc[i] = plainDesc(c.inputs[i]);
            m_full[i] = c.inputs[i] == y;
        }
        if (m_full[0] || m_full[1]) {
            const std::size_t big = m_full[0] ? 0 : 1;
            m_forward = mulPrimitive(m_ctx, m_yDesc, m_xDesc[1 - big], m_yDesc);
            m_forwardBig = big;
        } else { // y = 1, then y *= a and y *= b in place
            m_scaleByA = mulPrimitive(m_ctx, m_yDesc, m_xDesc[0], m_yDesc);
            m_scaleByB = mulPrimitive(m_ctx, m_yDesc, m_xDesc[1], m_yDesc);
        }
        bool anyBroadcast = false;
        for (std::size_t i = 0; i < 2; ++i) {
            // Gradient i: dy · (the other input), then summed over i's broadcast dims.
            m_gradProduct[i] = mulPrimitive(m_ctx, m_yDesc, m_xDesc[1 - i], m_yDesc);
            if (!m_full[i]) {
                anyBroadcast = true;
                m_gradReduce[i] = reduction(reduction::primitive_desc(
                    reduction::desc(algorithm::reduction_sum, m_yDesc, m_xDesc[i], 0.0f, 0.0f),
                    m_ctx.engine));
            }
        }
        if (anyBroadcast) {
            m_scratch = memory(m_yDesc, m_ctx.engine);
        }
    }

    Status forward(const ForwardArgs& a) override {
        return run("mul forward", [&] {
            memory y = wrap(m_ctx, a.outputs[0], m_yDesc);
            if (m_full[0] || m_full[1]) {
                const std::size_t big = m_forwardBig, small = 1 - big;
                m_forward.execute(m_ctx.stream,
                                  {{DNNL_ARG_SRC_0, wrap(m_ctx, a.inputs[big], m_yDesc)},
                                   {DNNL_ARG_SRC_1, wrap(m_ctx, a.inputs[small], m_xDesc[small])},
                                   {DNNL_ARG_DST, y}});
                return;
            }
            float* out = CpuBackend::f32(a.outputs[0]);
            std::fill(out, out + m_numel, 1.0f);
            m_scaleByA.execute(m_ctx.stream,
                               {{DNNL_ARG_SRC_0, y},
                                {DNNL_ARG_SRC_1, wrap(m_ctx, a.inputs[0], m_xDesc[0])},
                                {DNNL_ARG_DST, y}});
            m_scaleByB.execute(m_ctx.stream,
                               {{DNNL_ARG_SRC_0, y},
                                {DNNL_ARG_SRC_1, wrap(m_ctx, a.inputs[1], m_xDesc[1])},
                                {DNNL_ARG_DST, y}});
        });
    }

    Status backward(const BackwardArgs& a) override {
        return run("mul backward", [&] {
            memory dy = wrap(m_ctx, a.gradOutputs[0], m_yDesc);
            for (std::size_t i = 0; i < 2; ++i) {
                if (!a.gradInputs[i].defined()) {
                    continue;
                }
                memory other = wrap(m_ctx, a.inputs[1 - i], m_xDesc[1 - i]);
                memory dx = wrap(m_ctx, a.gradInputs[i], m_xDesc[i]);
                memory product = m_full[i] ? dx : m_scratch;
                m_gradProduct[i].execute(
                    m_ctx.stream,
                    {{DNNL_ARG_SRC_0, dy}, {DNNL_ARG_SRC_1, other}, {DNNL_ARG_DST, product}});
                if (!m_full[i]) {
                    m_gradReduce[i].execute(m_ctx.stream,
                                            {{DNNL_ARG_SRC, m_scratch}, {DNNL_ARG_DST, dx}});
                }
            }
        });
    }

private:
    std::int64_t m_numel;
    memory::desc m_yDesc;
    std::array<memory::desc, 2> m_xDesc;
    std::array<bool, 2> m_full{};
    binary m_forward; // one input has y's shape: y = big · small
    std::size_t m_forwardBig = 0;
    binary m_scaleByA, m_scaleByB; // both broadcast
    std::array<binary, 2> m_gradProduct;
    std::array<reduction, 2> m_gradReduce; // for an input that was broadcast
    memory m_scratch;                      // dy · other, y's shape, when one was broadcast
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMulKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<MulKernel>(b, c);
}

} // namespace nw::engine::cpu
