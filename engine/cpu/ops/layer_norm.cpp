// LayerNorm on oneDNN layer normalization. The trailing `normalized_dims` dimensions of
// x: [N, ...] are normalised together, so the kernel sees x as [outer, inner].
// Params: gamma [inner], beta [inner] (the normalised dims, flattened).
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class LayerNormKernel final : public CpuKernel {
public:
    LayerNormKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c) {
        const Dims& x = c.inputs[0];
        m_inner = c.params.at(0).shape.at(0); // the schema's gamma [normalised elements]
        m_flat = plainDesc({numelOf(x) / m_inner, m_inner});
        auto eps = static_cast<float>(attrFloat("epsilon"));
        auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
        layer_normalization_forward::primitive_desc fwdPd(
            layer_normalization_forward::desc(prop_kind::forward_training, m_flat, eps, flags),
            m_ctx.engine);
        m_fwd = layer_normalization_forward(fwdPd);
        m_bwd = layer_normalization_backward(layer_normalization_backward::primitive_desc(
            layer_normalization_backward::desc(prop_kind::backward, m_flat, m_flat, eps, flags),
            m_ctx.engine, fwdPd));
        m_mean = memory(fwdPd.mean_desc(), m_ctx.engine);
        m_variance = memory(fwdPd.variance_desc(), m_ctx.engine);
        m_scratchDx = memory(m_flat, m_ctx.engine);
        m_scratchDscale = memory(plainDesc({m_inner}), m_ctx.engine);
        m_scratchDshift = memory(plainDesc({m_inner}), m_ctx.engine);
        // A 4-D tensor is stored channels-last; the [outer, inner] view needs row-major.
        for (auto* b : {&m_x, &m_y, &m_dy, &m_dx}) {
            *b = LayoutBridge(m_ctx, plainDesc(x), rowMajorDesc(x));
        }
    }

    Status forward(const ForwardArgs& a) override {
        return run("layer-norm forward", [&] {
            memory y = m_y.output(m_ctx, a.outputs[0]);
            m_fwd.execute(m_ctx.stream, {{DNNL_ARG_SRC, flat(m_x.input(m_ctx, a.inputs[0]))},
                                         {DNNL_ARG_DST, flat(y)},
                                         {DNNL_ARG_SCALE, wrap(m_ctx, a.params[0])},
                                         {DNNL_ARG_SHIFT, wrap(m_ctx, a.params[1])},
                                         {DNNL_ARG_MEAN, m_mean},
                                         {DNNL_ARG_VARIANCE, m_variance}});
            m_y.commit(m_ctx, a.outputs[0]);
        });
    }

    Status backward(const BackwardArgs& a) override {
        return run("layer-norm backward", [&] {
            bool wantDx = a.gradInputs[0].defined();
            memory dx = wantDx ? flat(m_dx.output(m_ctx, a.gradInputs[0])) : m_scratchDx;
            // Frozen: oneDNN's backward computes dgamma and dbeta with dx; into scratch.
            const bool paramGrads = a.wantsParamGrads();
            memory dscale = paramGrads ? wrap(m_ctx, a.gradParams[0]) : m_scratchDscale;
            memory dshift = paramGrads ? wrap(m_ctx, a.gradParams[1]) : m_scratchDshift;
            m_bwd.execute(m_ctx.stream,
                          {{DNNL_ARG_SRC, flat(m_x.input(m_ctx, a.inputs[0]))},
                           {DNNL_ARG_MEAN, m_mean},
                           {DNNL_ARG_VARIANCE, m_variance},
                           {DNNL_ARG_DIFF_DST, flat(m_dy.input(m_ctx, a.gradOutputs[0]))},
                           {DNNL_ARG_SCALE, wrap(m_ctx, a.params[0])},
                           // oneDNN 2.6 wants the shift too when use_shift is set
                           {DNNL_ARG_SHIFT, wrap(m_ctx, a.params[1])},
                           {DNNL_ARG_DIFF_SRC, dx},
                           {DNNL_ARG_DIFF_SCALE, dscale},
                           {DNNL_ARG_DIFF_SHIFT, dshift}});
            if (wantDx) {
                m_dx.commit(m_ctx, a.gradInputs[0]);
            }
        });
    }

private:
    // The same memory seen as [outer, inner].
    memory flat(const memory& m) const { return memory(m_flat, m_ctx.engine, m.get_data_handle()); }

    std::int64_t m_inner = 1;
    LayoutBridge m_x, m_y, m_dy, m_dx;
    memory::desc m_flat;
    layer_normalization_forward m_fwd;
    layer_normalization_backward m_bwd;
    memory m_mean;
    memory m_variance;
    memory m_scratchDx;
    memory m_scratchDscale, m_scratchDshift; // [inner] a frozen node's gamma and beta gradients
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLayerNormKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<LayerNormKernel>(b, c);
}

} // namespace nw::engine::cpu
