#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema batchNormSchema() {
    OpSchema s;
    s.name = "BatchNorm";
    s.category = "Normalization";
    s.doc = "Batch normalisation over the channel axis (1) of [N, C] or [N, C, H, W]: "
            "learned scale and shift per channel, running mean and variance for inference.";
    s.attrs = {
        varianceEpsilonAttr(),
        AttrSpec::real("momentum", 0.1, 0.0, 1.0,
                       "Weight of the current batch in the running statistics (PyTorch's "
                       "convention)."),
    };
    s.inputs = {{"input", "[N, C] or [N, C, H, W]"}};
    s.outputs = {{"output", "same shape as the input"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (x.rank() != 2 && x.rank() != 4) {
            return fail("input", "expects [N, C] or [N, C, H, W], got " + x.toString());
        }
        auto n = elementsOf(x);
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.outputs = {x};
        out.cost.trainableParams = 2 * x[1];    // scale (gamma) and shift (beta)
        out.cost.nonTrainableParams = 2 * x[1]; // running mean and variance
        out.cost.flops = 2 * *n;                // folded into one scale and shift at inference
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
