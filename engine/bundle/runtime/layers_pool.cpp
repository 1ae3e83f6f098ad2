// Pooling layers: max (optionally dilated) and average (padding included, or excluded) over a
// window, and the global average and maximum.
#include "engine/bundle/runtime/layer_builders.h"

namespace nw::rt::layers {

using namespace dnnl;
using bundle::Dims;
using bundle::Layer;

namespace {

// x: [C, H, W]. `global`: the window is the whole map and the output [C] (no attributes);
// else kernel and stride ([h, w] each), pad ([h, w], both sides alike, or [top, bottom, left,
// right]; the output rounds down), dilation ([h, w], max only) and exclude_pad ([1]: an
// average over the input cells only) give [C, H', W'].
void pool(Preparer& p, const Layer& l, algorithm algo, bool global) {
    p.expectInputs(1);
    const Dims& x = p.inShape(0);
    if (x.size() != 3) {
        p.fail("expects [C, H, W] samples, got " + dimsText(x));
    }
    std::vector<std::int64_t> k{x[1], x[2]}, s{1, 1}, dil{1, 1}, padL{0, 0}, padR{0, 0};
    if (!global) {
        k = p.ints("kernel", 2);
        s = p.ints("stride", 2);
        auto pad = l.ints.find("pad");
        if (pad == l.ints.end() || (pad->second.size() != 2 && pad->second.size() != 4)) {
            p.fail("attribute pad needs 2 or 4 values");
        }
        const auto& v = pad->second;
        padL = {v[0], v.size() == 4 ? v[2] : v[1]};
        padR = v.size() == 4 ? std::vector<std::int64_t>{v[1], v[3]} : padL;
        if (l.ints.count("dilation")) {
            dil = p.ints("dilation", 2);
        }
        if (l.ints.count("exclude_pad") && p.ints("exclude_pad", 1)[0] != 0) {
            algo = algorithm::pooling_avg_exclude_padding;
        }
    }
    Dims y{x[0], 0, 0};
    for (int i = 0; i < 2; ++i) {
        const std::int64_t span = dil[i] * (k[i] - 1) + 1;
        if (k[i] < 1 || s[i] < 1 || dil[i] < 1 || padL[i] < 0 || padR[i] < 0 || padL[i] >= span ||
            padR[i] >= span || x[1 + i] + padL[i] + padR[i] < span) {
            p.fail("bad window for " + dimsText(x));
        }
        y[1 + i] = (x[1 + i] + padL[i] + padR[i] - span) / s[i] + 1;
    }
    // Pooling keeps a quantised input quantised, at its scale.
    auto [src, scale] = p.produced(0);
    DT type = src.get_desc().data_type();
    // The global pool writes plain [N, C, 1, 1] so that it reads as [N, C] afterwards.
    auto dstDesc = global ? plainDesc(p.batched(y), type) : anyDesc(p.batched(y), type);
    pooling_v2_forward::primitive_desc pd({prop_kind::forward_inference,
                                           algo,
                                           src.get_desc(),
                                           dstDesc,
                                           {s[0], s[1]},
                                           {k[0], k[1]},
                                           {dil[0] - 1, dil[1] - 1}, // oneDNN: 0 is none
                                           {padL[0], padL[1]},
                                           {padR[0], padR[1]}},
                                          p.engine());
    memory dst(pd.dst_desc(), p.engine());
    p.step(pooling_v2_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    if (global) {
        return p.output(p.view(dst, plainDesc({p.batch(), x[0]}, type)), {x[0]}, scale);
    }
    p.output(dst, y, scale);
}

} // namespace

void maxPool(Preparer& p, const Layer& l) {
    pool(p, l, algorithm::pooling_max, false);
}

void avgPool(Preparer& p, const Layer& l) {
    pool(p, l, algorithm::pooling_avg_include_padding, false);
}

void globalAvgPool(Preparer& p, const Layer& l) {
    pool(p, l, algorithm::pooling_avg_include_padding, true);
}

void globalMaxPool(Preparer& p, const Layer& l) {
    pool(p, l, algorithm::pooling_max, true);
}

} // namespace nw::rt::layers
