// Normalisation layers at inference: batch norm with the running statistics (ReLU fused),
// layer norm over the last dims, local response normalisation across channels.
#include "engine/bundle/runtime/layer_builders.h"

namespace nw::rt::layers {

using namespace dnnl;
using bundle::Dims;
using bundle::Layer;

// x: [C] or [C, H, W], read in its producer's layout; scale, shift, mean, variance: [C].
void batchNorm(Preparer& p, const Layer& l) {
    p.expectInputs(1);
    const Dims& x = p.inShape(0);
    if (x.size() != 1 && x.size() != 3) {
        p.fail("expects [C] or [C, H, W] samples, got " + dimsText(x));
    }
    Dims c{x[0]};
    memory src = p.inputF32(0);
    auto flags = normalization_flags::use_global_stats | normalization_flags::use_scale |
                 normalization_flags::use_shift;
    if (l.activation == "relu") {
        flags = flags | normalization_flags::fuse_norm_relu;
    } else if (!l.activation.empty()) {
        p.fail("only ReLU fuses into batch norm");
    }
    batch_normalization_forward::primitive_desc pd(
        {prop_kind::forward_inference, src.get_desc(), float(p.real("epsilon", 1e-5)), flags},
        p.engine());
    memory dst(pd.dst_desc(), p.engine());
    auto cd = plainDesc(c);
    p.step(batch_normalization_forward(pd),
           {{DNNL_ARG_SRC, src},
            {DNNL_ARG_DST, dst},
            {DNNL_ARG_SCALE, p.constant(p.blob("scale", c), cd, cd)},
            {DNNL_ARG_SHIFT, p.constant(p.blob("shift", c), cd, cd)},
            {DNNL_ARG_MEAN, p.constant(p.blob("mean", c), cd, cd)},
            {DNNL_ARG_VARIANCE, p.constant(p.blob("variance", c), cd, cd)}});
    p.output(dst, x);
}

// x: any shape, plain; the last `normalized_dims` dims (their product `inner`) are normalised
// as rows of [N * rest, inner]; scale, shift: [inner].
void layerNorm(Preparer& p, const Layer&) {
    p.expectInputs(1);
    const Dims& x = p.inShape(0);
    auto k = std::size_t(p.ints("normalized_dims", 1)[0]);
    if (k < 1 || k > x.size()) {
        p.fail("cannot normalise " + std::to_string(k) + " dims of " + dimsText(x));
    }
    std::int64_t inner = 1;
    for (std::size_t i = x.size() - k; i < x.size(); ++i) {
        inner *= x[i];
    }
    std::int64_t rows = p.batch() * bundle::elementCount(x) / inner;
    memory plain = p.inputPlain(0);
    auto flat = plainDesc({rows, inner});
    memory src = p.view(plain, flat);
    layer_normalization_forward::primitive_desc pd(
        {prop_kind::forward_inference, flat, float(p.real("epsilon", 1e-5)),
         normalization_flags::use_scale | normalization_flags::use_shift},
        p.engine());
    memory dst(flat, p.engine());
    auto sd = plainDesc({inner});
    p.step(layer_normalization_forward(pd),
           {{DNNL_ARG_SRC, src},
            {DNNL_ARG_DST, dst},
            {DNNL_ARG_SCALE, p.constant(p.blob("scale", {inner}), sd, sd)},
            {DNNL_ARG_SHIFT, p.constant(p.blob("shift", {inner}), sd, sd)},
            {DNNL_ARG_MEAN, memory(pd.mean_desc(), p.engine())},
            {DNNL_ARG_VARIANCE, memory(pd.variance_desc(), p.engine())}});
    p.output(p.view(dst, plainDesc(p.batched(x))), x);
}

// x: [C, H, W], read in its producer's layout; ints size (odd), reals alpha, beta, bias:
// oneDNN's across-channel LRN, whose alpha is divided by the size as ONNX's is.
void lrn(Preparer& p, const Layer&) {
    p.expectInputs(1);
    const Dims& x = p.inShape(0);
    if (x.size() != 3) {
        p.fail("expects [C, H, W] samples, got " + dimsText(x));
    }
    const std::int64_t size = p.ints("size", 1)[0];
    const double bias = p.real("bias", 1.0);
    if (size < 1 || size % 2 == 0 || !(bias > 0)) {
        p.fail("needs an odd size and a positive bias, got size " + std::to_string(size));
    }
    memory src = p.inputF32(0);
    lrn_forward::primitive_desc pd({prop_kind::forward_inference, algorithm::lrn_across_channels,
                                    src.get_desc(), size, float(p.real("alpha", 1e-4)),
                                    float(p.real("beta", 0.75)), float(bias)},
                                   p.engine());
    memory dst(pd.dst_desc(), p.engine());
    p.step(lrn_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    p.output(dst, x);
}

} // namespace nw::rt::layers
