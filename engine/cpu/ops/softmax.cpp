// Softmax on oneDNN softmax along `axis`; backward reads the output.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class SoftmaxKernel final : public CpuKernel {
public:
    SoftmaxKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_desc(plainDesc(c.inputs[0])) {
        auto rank = static_cast<std::int64_t>(c.inputs[0].size());
        std::int64_t axis = attrInt("axis");
        int a = static_cast<int>(axis < 0 ? axis + rank : axis);
        softmax_forward::primitive_desc fwdPd(
            softmax_forward::desc(prop_kind::forward_training, m_desc, a), m_ctx.engine);
        m_fwd = softmax_forward(fwdPd);
        m_bwd = softmax_backward(softmax_backward::primitive_desc(
            softmax_backward::desc(m_desc, m_desc, a), m_ctx.engine, fwdPd));
    }

    bool backwardReadsInputs() const override { return false; }
    bool backwardReadsOutputs() const override { return true; }

    Status forward(const ForwardArgs& a) override {
        return run("softmax forward", [&] {
            m_fwd.execute(m_ctx.stream, {{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0])},
                                         {DNNL_ARG_DST, wrap(m_ctx, a.outputs[0])}});
        });
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run("softmax backward", [&] {
            m_bwd.execute(m_ctx.stream, {{DNNL_ARG_DST, wrap(m_ctx, a.outputs[0])},
                                         {DNNL_ARG_DIFF_DST, wrap(m_ctx, a.gradOutputs[0])},
                                         {DNNL_ARG_DIFF_SRC, wrap(m_ctx, a.gradInputs[0])}});
        });
    }

private:
    memory::desc m_desc;
    softmax_forward m_fwd;
    softmax_backward m_bwd;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeSoftmaxKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<SoftmaxKernel>(b, c);
}

} // namespace nw::engine::cpu
