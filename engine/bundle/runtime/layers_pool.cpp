// Pooling layers: max and average (padding included) over a window, and the global average.
#include "engine/bundle/runtime/layer_builders.h"

namespace nw::rt::layers {

using namespace dnnl;
using bundle::Dims;
using bundle::Layer;

namespace {

// x: [C, H, W]. `global`: the window is the whole map and the output [C] (no attributes);
// else kernel, stride and pad (each [h, w]) give [C, H', W'].
void pool(Preparer& p, algorithm algo, bool global) {
    p.expectInputs(1);
    const Dims& x = p.inShape(0);
    if (x.size() != 3) {
        p.fail("expects [C, H, W] samples, got " + dimsText(x));
    }
    std::vector<std::int64_t> k{x[1], x[2]}, s{1, 1}, pad{0, 0};
    if (!global) {
        k = p.ints("kernel", 2);
        s = p.ints("stride", 2);
        pad = p.ints("pad", 2);
    }
    Dims y{x[0], 0, 0};
    for (int i = 0; i < 2; ++i) {
        if (k[i] < 1 || s[i] < 1 || pad[i] < 0 || 2 * pad[i] > k[i] ||
            x[1 + i] + 2 * pad[i] < k[i]) {
            p.fail("bad window for " + dimsText(x));
        }
        y[1 + i] = (x[1 + i] + 2 * pad[i] - k[i]) / s[i] + 1;
    }
    // Pooling keeps a quantised input quantised, at its scale.
    auto [src, scale] = p.produced(0);
    DT type = src.get_desc().data_type();
    // The global pool writes plain [N, C, 1, 1] so that it reads as [N, C] afterwards.
    auto dstDesc = global ? plainDesc(p.batched(y), type) : anyDesc(p.batched(y), type);
    pooling_forward::primitive_desc pd({prop_kind::forward_inference,
                                        algo,
                                        src.get_desc(),
                                        dstDesc,
                                        {s[0], s[1]},
                                        {k[0], k[1]},
                                        {pad[0], pad[1]},
                                        {pad[0], pad[1]}},
                                       p.engine());
    memory dst(pd.dst_desc(), p.engine());
    p.step(pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    if (global) {
        return p.output(p.view(dst, plainDesc({p.batch(), x[0]}, type)), {x[0]}, scale);
    }
    p.output(dst, y, scale);
}

} // namespace

void maxPool(Preparer& p, const Layer&) {
    pool(p, algorithm::pooling_max, false);
}

void avgPool(Preparer& p, const Layer&) {
    pool(p, algorithm::pooling_avg_include_padding, false);
}

void globalAvgPool(Preparer& p, const Layer&) {
    pool(p, algorithm::pooling_avg_include_padding, true);
}

} // namespace nw::rt::layers
