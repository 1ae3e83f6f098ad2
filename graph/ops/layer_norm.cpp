#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema layerNormSchema() {
    OpSchema s;
    s.name = "LayerNorm";
    s.category = "Normalization";
    s.doc = "Layer normalisation over the last `normalized_dims` dimensions of each sample, "
            "with a learned scale and shift per normalised element.";
    s.notes = "`normalized_dims` is at most rank − 1, so the batch is never normalised. "
              "Parameters: `2·M` (`gamma`, `beta`), `M` = product of the normalised dimensions. "
              "FLOPs: `5·E` (mean, variance, normalise, scale, shift).";
    s.attrs = {
        varianceEpsilonAttr(),
        AttrSpec::integer("normalized_dims", 1, 1, 7,
                          "How many trailing dimensions are normalised together."),
    };
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "same shape as the input"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        auto k = ctx.i("normalized_dims");
        if (k > x.rank() - 1) {
            return fail("normalized_dims", "cannot normalise " + std::to_string(k) +
                                               " dimensions of " + x.toString() +
                                               " without crossing the batch");
        }
        auto n = elementsOf(x);
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.outputs = {x};
        out.cost.flops = 5 * *n; // mean, variance, normalise, scale, shift
        return out;
    };
    // gamma, beta: [product of the normalised dims] (flattened).
    s.params = [](const InferContext& ctx) {
        const Shape& x = ctx.input(0);
        std::int64_t inner = 1; // at most the per-sample elements, checked by infer
        for (int i = x.rank() - static_cast<int>(ctx.i("normalized_dims")); i < x.rank(); ++i) {
            inner *= x[i];
        }
        return std::vector<ParamSpec>{{"gamma", {inner}, Init::Ones, 0, 0, true, false},
                                      {"beta", {inner}, Init::Zeros, 0, 0, true, false}};
    };
    return s;
}

} // namespace nw::graph::ops
