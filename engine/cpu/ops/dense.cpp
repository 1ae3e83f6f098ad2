// Dense on oneDNN inner product. x: [N, ..., F] seen as [rows, F] (never 4-D, which the
// schema refuses, so always row-major), weight: [units, F], bias: [units], y: [N, ..., units]
// seen as [rows, units].
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

class DenseKernel final : public CpuKernel {
public:
    DenseKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_in(c.params.at(0).shape.at(1)) // the schema's weight [units, features]
        , m_units(attrInt("units"))
        , m_bias(attrBool("use_bias")) {
        std::int64_t rows = numelOf(c.inputs[0]) / m_in;
        Dims w{m_units, m_in}, b{m_units};
        m_x = plainDesc({rows, m_in});
        m_y = plainDesc({rows, m_units});
        auto xd = m_x, yd = m_y, wd = plainDesc(w), bd = plainDesc(b);
        // Under bf16 the products' inputs (x, W, dy) are bf16 copies made by the bridges;
        // outputs and gradients stay f32 (fp32 accumulation). Under fp32 the bridges are no-ops.
        const auto low = productType(backend);
        auto xLow = memory::desc(xd.dims(), low, Tag::ab),
             wLow = memory::desc(wd.dims(), low, Tag::ab),
             yLow = memory::desc(yd.dims(), low, Tag::ab);
        m_toLowX = LayoutBridge(m_ctx, xd, xLow);
        m_toLowW = LayoutBridge(m_ctx, wd, wLow);
        m_toLowDy = LayoutBridge(m_ctx, yd, yLow);
        auto fwdDesc =
            m_bias ? inner_product_forward::desc(prop_kind::forward_training, xLow, wLow, bd, yd)
                   : inner_product_forward::desc(prop_kind::forward_training, xLow, wLow, yd);
        m_fwdPd = inner_product_forward::primitive_desc(
            fwdDesc, activationAttr(c.fusedActivation, c.fusedActivationAttrs), m_ctx.engine);
        m_fwd = inner_product_forward(m_fwdPd);
        if (!c.fusedActivation.empty()) {
            return; // an inference kernel: no backward
        }
        m_bwdData = inner_product_backward_data(inner_product_backward_data::primitive_desc(
            inner_product_backward_data::desc(xd, wLow, yLow), m_ctx.engine, m_fwdPd));
        auto bwdWDesc = m_bias ? inner_product_backward_weights::desc(xLow, wd, bd, yLow)
                               : inner_product_backward_weights::desc(xLow, wd, yLow);
        m_bwdWeights = inner_product_backward_weights(
            inner_product_backward_weights::primitive_desc(bwdWDesc, m_ctx.engine, m_fwdPd));
    }

    Status forward(const ForwardArgs& a) override {
        return run("dense forward", [&] {
            std::unordered_map<int, memory> args{
                {DNNL_ARG_SRC, m_toLowX.input(m_ctx, a.inputs[0])},
                {DNNL_ARG_WEIGHTS, m_toLowW.input(m_ctx, a.params[0])},
                {DNNL_ARG_DST, wrap(m_ctx, a.outputs[0], m_y)}};
            if (m_bias) {
                args.emplace(DNNL_ARG_BIAS, wrap(m_ctx, a.params[1]));
            }
            m_fwd.execute(m_ctx.stream, args);
        });
    }

    Status backward(const BackwardArgs& a) override {
        return run("dense backward", [&] {
            memory dy = m_toLowDy.input(m_ctx, a.gradOutputs[0]);
            if (a.gradInputs[0].defined()) {
                m_bwdData.execute(m_ctx.stream,
                                  {{DNNL_ARG_DIFF_DST, dy},
                                   {DNNL_ARG_WEIGHTS, m_toLowW.input(m_ctx, a.params[0])},
                                   {DNNL_ARG_DIFF_SRC, wrap(m_ctx, a.gradInputs[0], m_x)}});
            }
            if (!a.wantsParamGrads()) { // frozen
                return;
            }
            std::unordered_map<int, memory> args{
                {DNNL_ARG_SRC, m_toLowX.input(m_ctx, a.inputs[0])},
                {DNNL_ARG_DIFF_DST, dy},
                {DNNL_ARG_DIFF_WEIGHTS, wrap(m_ctx, a.gradParams[0])}};
            if (m_bias) {
                args.emplace(DNNL_ARG_DIFF_BIAS, wrap(m_ctx, a.gradParams[1]));
            }
            m_bwdWeights.execute(m_ctx.stream, args);
        });
    }

private:
    std::int64_t m_in;
    std::int64_t m_units;
    bool m_bias;
    memory::desc m_x, m_y; // the input and output as [rows, F] and [rows, units]
    LayoutBridge m_toLowX, m_toLowW, m_toLowDy; // f32 -> bf16 copies under bf16; else no-ops
    inner_product_forward::primitive_desc m_fwdPd;
    inner_product_forward m_fwd;
    inner_product_backward_data m_bwdData;
    inner_product_backward_weights m_bwdWeights;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeDenseKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<DenseKernel>(b, c);
}

} // namespace nw::engine::cpu
