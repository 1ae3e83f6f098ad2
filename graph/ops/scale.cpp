#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema scaleSchema() {
    OpSchema s;
    s.name = "Scale";
    s.category = "Core";
    s.doc = "Element-wise x · scale + shift, with a learned scale and shift of any shape that "
            "broadcasts over each sample (LayerScale, a per-channel affine, input rescaling, "
            "the constant arithmetic of imported models).";
    s.notes = "`shape` is the shape of `scale` and `shift`, aligned with the trailing dimensions "
              "of the sample (numpy's rule): each of its dimensions is 1 or the input's. "
              "`[C, 1, 1]` over `[N, C, H, W]` scales each channel; `[1]` is one number for "
              "all. Output: the input's shape. Parameters: `M` per one used (`scale`, `shift`), "
              "`M` = product of `shape`. FLOPs: `E` per one used.";
    s.attrs = {
        AttrSpec::ints("shape", {1}, 1, 7, 1, 1 << 30,
                       "Shape of scale and shift, broadcast over the sample's trailing "
                       "dimensions."),
        AttrSpec::boolean("use_scale", true, "Multiply by a learned scale (starts at 1)."),
        AttrSpec::boolean("use_shift", true, "Add a learned shift (starts at 0)."),
    };
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "same shape as the input"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        const auto shape = ctx.ints("shape");
        const int k = static_cast<int>(shape.size());
        if (k > x.rank() - 1) {
            return fail("shape", "shape " + Shape{shape}.toString() +
                                     " has more dimensions "
                                     "than a sample of " +
                                     x.toString());
        }
        for (int d = 0; d < k; ++d) {
            const std::int64_t want = x[x.rank() - k + d], have = shape[std::size_t(d)];
            if (have != 1 && have != want) {
                return fail("shape", "shape " + Shape{shape}.toString() +
                                         " does not broadcast "
                                         "over " +
                                         x.toString() + ": dimension " + std::to_string(d) +
                                         " is " + std::to_string(have) + " against " +
                                         std::to_string(want) + " (each must be 1 or the input's)");
            }
        }
        if (!ctx.b("use_scale") && !ctx.b("use_shift")) {
            return fail("use_scale", "with neither scale nor shift the op does nothing");
        }
        auto n = elementsOf(x);
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.outputs = {x};
        out.cost.flops = *n * ((ctx.b("use_scale") ? 1 : 0) + (ctx.b("use_shift") ? 1 : 0));
        return out;
    };
    s.params = [](const InferContext& ctx) {
        const auto shape = ctx.ints("shape");
        std::vector<ParamSpec> p;
        if (ctx.b("use_scale")) {
            p.push_back({"scale", shape, Init::Ones, 0, 0, true, false});
        }
        if (ctx.b("use_shift")) {
            p.push_back({"shift", shape, Init::Zeros, 0, 0, true, false});
        }
        return p;
    };
    return s;
}

} // namespace nw::graph::ops
