// LRN across channels on oneDNN's lrn primitive, x and y [N, C, H, W] in our layout. oneDNN's
// formula divides alpha by local_size as ONNX's does (y = x / (k + alpha/size · Σ x²)^beta,
// the window centred on each channel), so the attributes pass through unchanged. Backward
// reads x and the workspace forward saved.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class LrnKernel final : public CpuKernel {
public:
    LrnKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c) {
        auto xd = plainDesc(c.inputs[0]);
        const memory::dim size = attrInt("size");
        const auto alpha = static_cast<float>(attrFloat("alpha"));
        const auto beta = static_cast<float>(attrFloat("beta"));
        const auto bias = static_cast<float>(attrFloat("bias"));
        lrn_forward::primitive_desc fwdPd(lrn_forward::desc(prop_kind::forward_training,
                                                            algorithm::lrn_across_channels, xd,
                                                            size, alpha, beta, bias),
                                          m_ctx.engine);
        m_fwd = lrn_forward(fwdPd);
        m_bwd = lrn_backward(lrn_backward::primitive_desc(
            lrn_backward::desc(algorithm::lrn_across_channels, xd, xd, size, alpha, beta, bias),
            m_ctx.engine, fwdPd));
        if (fwdPd.workspace_desc().get_size() > 0) {
            m_workspace = memory(fwdPd.workspace_desc(), m_ctx.engine);
        }
    }

    Status forward(const ForwardArgs& a) override {
        return run("LRN forward", [&] {
            std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0])},
                                                 {DNNL_ARG_DST, wrap(m_ctx, a.outputs[0])}};
            if (m_workspace) {
                args.emplace(DNNL_ARG_WORKSPACE, m_workspace);
            }
            m_fwd.execute(m_ctx.stream, args);
        });
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run("LRN backward", [&] {
            std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0])},
                                                 {DNNL_ARG_DIFF_DST, wrap(m_ctx, a.gradOutputs[0])},
                                                 {DNNL_ARG_DIFF_SRC, wrap(m_ctx, a.gradInputs[0])}};
            if (m_workspace) {
                args.emplace(DNNL_ARG_WORKSPACE, m_workspace);
            }
            m_bwd.execute(m_ctx.stream, args);
        });
    }

private:
    lrn_forward m_fwd;
    lrn_backward m_bwd;
    memory m_workspace; // empty when the implementation keeps none
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLrnKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<LrnKernel>(b, c);
}

} // namespace nw::engine::cpu
