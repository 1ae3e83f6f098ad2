// Conv2D and Conv3D on oneDNN convolution. x: [N, C, (D,) H, W], weight: [F, C/groups,
// (kd,) kh, kw] (PyTorch's layout), bias: [F], y: [N, F, (D',) H', W']. The primitives choose their
// own blocked layouts (format_tag::any); LayoutBridge reorders from and to our plain tensors where
// they differ.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class Conv2dKernel final : public CpuKernel {
public:
    Conv2dKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c) {
        const Dims& x = c.inputs[0];
        const Dims& y = c.outputs[0];
        std::int64_t groups = attrInt("groups");
        m_filters = attrInt("filters");
        const auto& k = attrInts("kernel_size");
        const auto& stride = attrInts("stride");
        const auto& dil = attrInts("dilation");
        m_bias = attrBool("use_bias");
        m_weightShape = c.params.at(0).shape; // the schema's [F, C/groups, kh, kw]

        const int spatial = static_cast<int>(x.size()) - 2;
        DnnlDims padL(spatial), padR(spatial), strides(spatial), dilation(spatial);
        bool same = attrString("padding_mode") == "same";
        for (int d = 0; d < spatial; ++d) {
            strides[d] = stride[d];
            dilation[d] = dil[d] - 1; // oneDNN: 0 is no dilation
            std::int64_t effective = dil[d] * (k[d] - 1) + 1;
            if (same) {
                std::int64_t total =
                    std::max<std::int64_t>((y[2 + d] - 1) * stride[d] + effective - x[2 + d], 0);
                padL[d] = total / 2;
                padR[d] = total - total / 2;
            } else {
                padL[d] = padR[d] = attrInts("padding")[d]; // oneDNN floors like the schema
            }
        }
        // oneDNN's grouped weights: [groups, F/groups, C/groups, (kd,) kh, kw], the same memory
        // as plainDesc(m_weightShape) (OHWI for 2-D, row-major for 3-D) seen through explicit
        // strides.
        const std::int64_t og = m_filters / groups, ig = x[1] / groups;
        Dims dnnlW = m_weightShape;
        memory::desc plainW = plainDesc(m_weightShape);
        if (groups > 1) {
            const DnnlDims w = plainStrides(m_weightShape);
            dnnlW = {groups, og, ig};
            DnnlDims grouped{og * w[0], w[0], w[1]};
            for (int d = 0; d < spatial; ++d) {
                dnnlW.push_back(k[d]);
                grouped.push_back(w[2 + d]);
            }
            plainW = memory::desc(toDnnl(dnnlW), memory::data_type::f32, grouped);
        }
        // The primitive picks its layouts (blocked on AVX-512 for training); forcing our nhwc
        // measured slower in backward than the reorders it saves.
        // Gradients and outputs are fp32; under bf16 the products' inputs (x, w, dy) are bf16
        // copies, converted by the layout bridges, and accumulate in fp32.
        auto xAny = anyDesc(x), yAny = anyDesc(y), wAny = anyDesc(dnnlW);
        const auto low = productType(backend);
        auto xLow = anyDesc(x, low), yLow = anyDesc(y, low), wLow = anyDesc(dnnlW, low);
        auto bd = plainDesc({m_filters});
        auto fwdDesc = m_bias ? convolution_forward::desc(prop_kind::forward_training,
                                                          algorithm::convolution_direct, xLow, wLow,
                                                          bd, yAny, strides, dilation, padL, padR)
                              : convolution_forward::desc(prop_kind::forward_training,
                                                          algorithm::convolution_direct, xLow, wLow,
                                                          yAny, strides, dilation, padL, padR);
        convolution_forward::primitive_desc fwdPd(
            fwdDesc, activationAttr(c.fusedActivation, c.fusedActivationAttrs), m_ctx.engine);
        m_fwd = convolution_forward(fwdPd);
        m_fwdX = LayoutBridge(m_ctx, plainDesc(x), fwdPd.src_desc());
        m_fwdW = LayoutBridge(m_ctx, plainW, fwdPd.weights_desc());
        m_fwdY = LayoutBridge(m_ctx, plainDesc(y), fwdPd.dst_desc());
        if (!c.fusedActivation.empty()) {
            return; // an inference kernel: no backward
        }

        convolution_backward_data::primitive_desc bdPd(
            convolution_backward_data::desc(algorithm::convolution_direct, xAny, wLow, yLow,
                                            strides, dilation, padL, padR),
            m_ctx.engine, fwdPd);
        m_bwdData = convolution_backward_data(bdPd);
        m_bdDx = LayoutBridge(m_ctx, plainDesc(x), bdPd.diff_src_desc());
        m_bdW = LayoutBridge(m_ctx, plainW, bdPd.weights_desc());
        m_bdDy = LayoutBridge(m_ctx, plainDesc(y), bdPd.diff_dst_desc());

        auto bwDesc =
            m_bias ? convolution_backward_weights::desc(algorithm::convolution_direct, xLow, wAny,
                                                        bd, yLow, strides, dilation, padL, padR)
                   : convolution_backward_weights::desc(algorithm::convolution_direct, xLow, wAny,
                                                        yLow, strides, dilation, padL, padR);
        convolution_backward_weights::primitive_desc bwPd(bwDesc, m_ctx.engine, fwdPd);
        m_bwdWeights = convolution_backward_weights(bwPd);
        m_bwX = LayoutBridge(m_ctx, plainDesc(x), bwPd.src_desc());
        m_bwDy = LayoutBridge(m_ctx, plainDesc(y), bwPd.diff_dst_desc());
        m_bwDw = LayoutBridge(m_ctx, plainW, bwPd.diff_weights_desc());
        m_plainW = plainW;
    }

    Status forward(const ForwardArgs& a) override {
        return run("convolution forward", [&] {
            std::unordered_map<int, memory> args{
                {DNNL_ARG_SRC, m_fwdX.input(m_ctx, a.inputs[0])},
                {DNNL_ARG_WEIGHTS, m_fwdW.input(m_ctx, a.params[0])},
                {DNNL_ARG_DST, m_fwdY.output(m_ctx, a.outputs[0])}};
            if (m_bias) {
                args.emplace(DNNL_ARG_BIAS, wrap(m_ctx, a.params[1]));
            }
            m_fwd.execute(m_ctx.stream, args);
            m_fwdY.commit(m_ctx, a.outputs[0]);
        });
    }

    Status backward(const BackwardArgs& a) override {
        return run("convolution backward", [&] {
            if (a.gradInputs[0].defined()) {
                m_bwdData.execute(m_ctx.stream,
                                  {{DNNL_ARG_DIFF_DST, m_bdDy.input(m_ctx, a.gradOutputs[0])},
                                   {DNNL_ARG_WEIGHTS, m_bdW.input(m_ctx, a.params[0])},
                                   {DNNL_ARG_DIFF_SRC, m_bdDx.output(m_ctx, a.gradInputs[0])}});
                m_bdDx.commit(m_ctx, a.gradInputs[0]);
            }
            if (!a.wantsParamGrads()) { // frozen
                return;
            }
            std::unordered_map<int, memory> args{
                {DNNL_ARG_SRC, m_bwX.input(m_ctx, a.inputs[0])},
                {DNNL_ARG_DIFF_DST, m_bwDy.input(m_ctx, a.gradOutputs[0])},
                {DNNL_ARG_DIFF_WEIGHTS, m_bwDw.output(m_ctx, a.gradParams[0])}};
            if (m_bias) {
                args.emplace(DNNL_ARG_DIFF_BIAS, wrap(m_ctx, a.gradParams[1]));
            }
            m_bwdWeights.execute(m_ctx.stream, args);
            m_bwDw.commit(m_ctx, a.gradParams[0]);
        });
    }

private:
    std::int64_t m_filters = 0;
    bool m_bias = true;
    Dims m_weightShape;
    memory::desc m_plainW;
    convolution_forward m_fwd;
    convolution_backward_data m_bwdData;
    convolution_backward_weights m_bwdWeights;
    LayoutBridge m_fwdX, m_fwdW, m_fwdY, m_bdDx, m_bdW, m_bdDy, m_bwX, m_bwDy, m_bwDw;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeConv2dKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<Conv2dKernel>(b, c);
}

} // namespace nw::engine::cpu
