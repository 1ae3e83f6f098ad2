// The element-wise activations on oneDNN eltwise: ReLU, LeakyReLU, ELU, ReLU6, HardSigmoid,
// HardSwish, GELU, Sigmoid, Tanh. Forward and backward over x of any shape, viewed flat.
// An activation is one eltwise step, or a chain of them (HardSigmoid: linear, then clip):
// backward recomputes the intermediate values from x and applies the steps' backward in
// reverse order.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class ActivationKernel final : public CpuKernel {
public:
    ActivationKernel(CpuBackend& backend, const KernelConfig& c, std::vector<Eltwise> steps)
        : CpuKernel(backend, c)
        , m_flat(plainDesc({numelOf(c.inputs[0])})) {
        for (const Eltwise& e : steps) {
            eltwise_forward::primitive_desc fwdPd(
                eltwise_forward::desc(prop_kind::forward_training, e.algo, m_flat, e.alpha, e.beta),
                m_ctx.engine);
            m_fwd.emplace_back(fwdPd);
            m_bwd.emplace_back(eltwise_backward::primitive_desc(
                eltwise_backward::desc(e.algo, m_flat, m_flat, e.alpha, e.beta), m_ctx.engine,
                fwdPd));
        }
        for (std::size_t k = 1; k < steps.size(); ++k) {
            m_between.emplace_back(m_flat, m_ctx.engine); // the input of step k
        }
    }

    // Step 0 reads x and writes y; later steps work on y in place.
    Status forward(const ForwardArgs& a) override {
        return run("activation forward", [&] {
            memory x = wrap(m_ctx, a.inputs[0], m_flat), y = wrap(m_ctx, a.outputs[0], m_flat);
            for (std::size_t k = 0; k < m_fwd.size(); ++k) {
                m_fwd[k].execute(m_ctx.stream, {{DNNL_ARG_SRC, k == 0 ? x : y}, {DNNL_ARG_DST, y}});
            }
        });
    }

    // dx = dy * f_n'(t_n) * ... * f_1'(x), t_k the input of step k; dx holds the running
    // product (eltwise backward in place).
    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run("activation backward", [&] {
            memory x = wrap(m_ctx, a.inputs[0], m_flat);
            memory dx = wrap(m_ctx, a.gradInputs[0], m_flat);
            for (std::size_t k = 0; k < m_between.size(); ++k) {
                m_fwd[k].execute(m_ctx.stream, {{DNNL_ARG_SRC, k == 0 ? x : m_between[k - 1]},
                                                {DNNL_ARG_DST, m_between[k]}});
            }
            memory dy = wrap(m_ctx, a.gradOutputs[0], m_flat);
            for (std::size_t k = m_bwd.size(); k-- > 0;) {
                m_bwd[k].execute(m_ctx.stream,
                                 {{DNNL_ARG_SRC, k == 0 ? x : m_between[k - 1]},
                                  {DNNL_ARG_DIFF_DST, k + 1 == m_bwd.size() ? dy : dx},
                                  {DNNL_ARG_DIFF_SRC, dx}});
            }
        });
    }

private:
    memory::desc m_flat;
    std::vector<eltwise_forward> m_fwd;
    std::vector<eltwise_backward> m_bwd;
    std::vector<memory> m_between; // the inputs of steps 1.. (recomputed by backward)
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeActivationKernel(CpuBackend& b, const KernelConfig& c) {
    auto steps = eltwiseFor(c.op, c.attrs);
    if (steps.empty()) {
        return Error::internal("node '" + c.nodeId + "': " + c.op + " is not an activation");
    }
    return makeKernel<ActivationKernel>(b, c, std::move(steps));
}

} // namespace nw::engine::cpu
