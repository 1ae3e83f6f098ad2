#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema lrnSchema() {
    OpSchema s;
    s.name = "LRN";
    s.category = "Normalization";
    s.doc = "Local response normalisation across channels (AlexNet, GoogLeNet): each value "
            "divided by (bias + alpha / size * the sum of squares over `size` neighbouring "
            "channels) ^ beta.";
    s.notes = "Input `[N, C, H, W]`, output the same shape: `y[c] = x[c] / (bias + alpha/size · "
              "Σ x[c']²)^beta`, the sum over `c'` from `c − (size − 1)/2` to `c + (size − 1)/2` "
              "within `[0, C)` (ONNX's LRN, with its attribute names and defaults). `size` is "
              "odd. Parameters: 0. FLOPs: `(2·size + 4)·E` (the window's squares and sums, "
              "the scale, the power and the division).";
    s.attrs = {
        AttrSpec::integer("size", 5, 1, 255, "Channels in each window (odd)."),
        AttrSpec::real("alpha", 1e-4, 0.0, 1000.0, "Scale of the mean of squares."),
        AttrSpec::real("beta", 0.75, 0.0, 10.0, "Exponent of the denominator."),
        AttrSpec::real("bias", 1.0, 0.0, 1000.0, "Added before the power; above 0.").exclusiveMin(),
    };
    s.inputs = {{"input", "[N, C, H, W]"}};
    s.outputs = {{"output", "same shape as the input"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e = requireRank(x, 4, "[N, C, H, W]")) {
            return *e;
        }
        const std::int64_t size = ctx.i("size");
        if (size % 2 == 0) {
            return fail("size", "must be odd (a window centred on each channel), got " +
                                    std::to_string(size));
        }
        auto n = elementsOf(x);
        if (!n) {
            return n.error();
        }
        auto flops = product({2 * size + 4, *n});
        if (!flops) {
            return fail("input", "tensor " + x.toString() + " is too large");
        }
        Inferred out;
        out.outputs = {x};
        out.cost.flops = *flops;
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
