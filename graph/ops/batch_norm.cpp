#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema batchNormSchema() {
    OpSchema s;
    s.name = "BatchNorm";
    s.category = "Normalization";
    s.doc = "Batch normalisation over the channel axis (1) of [N, C] or [N, C, H, W]: "
            "learned scale and shift per channel, running mean and variance for inference.";
    s.notes = "Parameters: `2·C` trainable (`gamma`, `beta`) + `2·C` non-trainable "
              "(`running_mean`, `running_var`). FLOPs: `2·E` (folded into one scale and shift at "
              "inference).";
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
        out.cost.flops = 2 * *n; // folded into one scale and shift at inference
        return out;
    };
    // Per channel: the learned scale and shift, then the running statistics (state).
    s.params = [](const InferContext& ctx) {
        std::vector<std::int64_t> c{ctx.input(0)[1]};
        return std::vector<ParamSpec>{{"gamma", c, Init::Ones, 0, 0, true, false},
                                      {"beta", c, Init::Zeros, 0, 0, true, false},
                                      {"running_mean", c, Init::Zeros, 0, 0, false, false},
                                      {"running_var", c, Init::Ones, 0, 0, false, false}};
    };
    return s;
}

} // namespace nw::graph::ops
