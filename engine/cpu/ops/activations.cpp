// The element-wise activations on oneDNN eltwise: ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh.
// Forward and backward over x of any shape, viewed flat.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class ActivationKernel final : public CpuKernel {
public:
    ActivationKernel(CpuBackend& backend, const KernelConfig& c, Eltwise e)
        : CpuKernel(backend, c)
        , m_flat(plainDesc({numelOf(c.inputs[0])})) {
        eltwise_forward::primitive_desc fwdPd(
            eltwise_forward::desc(prop_kind::forward_training, e.algo, m_flat, e.alpha),
            m_ctx.engine);
        m_fwd = eltwise_forward(fwdPd);
        m_bwd = eltwise_backward(eltwise_backward::primitive_desc(
            eltwise_backward::desc(e.algo, m_flat, m_flat, e.alpha), m_ctx.engine, fwdPd));
    }

    Status forward(const ForwardArgs& a) override {
        return run("activation forward", [&] {
            m_fwd.execute(m_ctx.stream, {{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0], m_flat)},
                                         {DNNL_ARG_DST, wrap(m_ctx, a.outputs[0], m_flat)}});
        });
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run("activation backward", [&] {
            m_bwd.execute(m_ctx.stream,
                          {{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0], m_flat)},
                           {DNNL_ARG_DIFF_DST, wrap(m_ctx, a.gradOutputs[0], m_flat)},
                           {DNNL_ARG_DIFF_SRC, wrap(m_ctx, a.gradInputs[0], m_flat)}});
        });
    }

private:
    memory::desc m_flat;
    eltwise_forward m_fwd;
    eltwise_backward m_bwd;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeActivationKernel(CpuBackend& b, const KernelConfig& c) {
    auto e = eltwiseFor(c.op, c.attrs);
    if (!e) {
        return Error::internal("node '" + c.nodeId + "': " + c.op + " is not an activation");
    }
    return makeKernel<ActivationKernel>(b, c, *e);
}

} // namespace nw::engine::cpu
