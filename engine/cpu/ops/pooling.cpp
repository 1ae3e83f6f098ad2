// MaxPool2D, AvgPool2D and GlobalAvgPool on oneDNN pooling, in our plain NCHW layout.
// x: [N, C, H, W]; y: [N, C, H', W'] ([N, C] for GlobalAvgPool, a [N, C, 1, 1] pooling).
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class PoolKernel final : public CpuKernel {
public:
    PoolKernel(CpuBackend& backend, const KernelConfig& c, algorithm algo, bool global)
        : CpuKernel(backend, c)
        , m_max(algo == algorithm::pooling_max) {
        const Dims& x = c.inputs[0];
        Dims y = global ? Dims{x[0], x[1], 1, 1} : c.outputs[0];
        DnnlDims kernel, strides, pad;
        if (global) {
            kernel = {x[2], x[3]};
            strides = {1, 1};
            pad = {0, 0};
        } else {
            const auto& k = attrInts("kernel_size");
            const auto& s = attrInts("stride");
            const auto& p = attrInts("padding");
            kernel = {k[0], k[1]};
            strides = {s[0], s[1]};
            pad = {p[0], p[1]};
        }
        m_yDesc = plainDesc(y);
        auto xd = plainDesc(x);
        pooling_forward::primitive_desc fwdPd(pooling_forward::desc(prop_kind::forward_training,
                                                                    algo, xd, m_yDesc, strides,
                                                                    kernel, pad, pad),
                                              m_ctx.engine);
        m_fwd = pooling_forward(fwdPd);
        pooling_backward::primitive_desc bwdPd(
            pooling_backward::desc(algo, xd, m_yDesc, strides, kernel, pad, pad), m_ctx.engine,
            fwdPd);
        m_bwd = pooling_backward(bwdPd);
        if (m_max) {
            m_workspace = memory(fwdPd.workspace_desc(), m_ctx.engine);
        }
    }

    bool backwardReadsInputs() const override { return false; } // max uses its workspace

    Status forward(const ForwardArgs& a) override {
        return run("pooling forward", [&] {
            std::unordered_map<int, memory> args{
                {DNNL_ARG_SRC, wrap(m_ctx, a.inputs[0])},
                {DNNL_ARG_DST, wrap(m_ctx, a.outputs[0], m_yDesc)}};
            if (m_max) {
                args.emplace(DNNL_ARG_WORKSPACE, m_workspace);
            }
            m_fwd.execute(m_ctx.stream, args);
        });
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        return run("pooling backward", [&] {
            std::unordered_map<int, memory> args{
                {DNNL_ARG_DIFF_DST, wrap(m_ctx, a.gradOutputs[0], m_yDesc)},
                {DNNL_ARG_DIFF_SRC, wrap(m_ctx, a.gradInputs[0])}};
            if (m_max) {
                args.emplace(DNNL_ARG_WORKSPACE, m_workspace);
            }
            m_bwd.execute(m_ctx.stream, args);
        });
    }

private:
    bool m_max;
    memory::desc m_yDesc;
    memory m_workspace;
    pooling_forward m_fwd;
    pooling_backward m_bwd;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMaxPool2dKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, algorithm::pooling_max, false);
}

Expected<std::unique_ptr<OpKernel>> makeAvgPool2dKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, algorithm::pooling_avg_include_padding, false);
}

Expected<std::unique_ptr<OpKernel>> makeGlobalAvgPoolKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, algorithm::pooling_avg_include_padding, true);
}

} // namespace nw::engine::cpu
