#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema layerNormSchema() {
    OpSchema s;
    s.name = "LayerNorm";
    s.category = "Normalization";
    s.doc = "Layer normalisation over the last `normalized_dims` dimensions of each sample, "
            "with a learned scale and shift per normalised element.";
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
        std::int64_t normalised = 1;
        for (int i = x.rank() - static_cast<int>(k); i < x.rank(); ++i) {
            normalised *= x[i]; // at most *n, so it cannot overflow
        }
        Inferred out;
        out.outputs = {x};
        out.cost.trainableParams = 2 * normalised;
        out.cost.flops = 5 * *n; // mean, variance, normalise, scale, shift
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
