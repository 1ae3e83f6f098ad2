#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema denseSchema() {
    OpSchema s;
    s.name = "Dense";
    s.category = "Core";
    s.doc = "Fully connected layer: y = x W^T + b. Input [N, F], output [N, units].";
    s.attrs = {
        AttrSpec::integer("units", 128, 1, 1 << 20, "Number of output features."),
        AttrSpec::boolean("use_bias", true, "Add a learned bias to each output feature."),
    };
    s.inputs = {{"input", "[N, F] features; add a Flatten before it for images."}};
    s.outputs = {{"output", "[N, units]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (x.rank() != 2) {
            return fail("input", "expects a 2-D tensor [N, features], got " + x.toString() +
                                     (x.rank() > 2 ? "; add a Flatten before it" : ""));
        }
        std::int64_t in = x[1];
        std::int64_t units = ctx.i("units");
        bool bias = ctx.b("use_bias");
        auto weights = product({in, units});
        auto flops = product({2, in, units});
        if (!weights || !flops) {
            return fail("units", "a " + std::to_string(in) + " x " + std::to_string(units) +
                                     " weight matrix is too large");
        }
        Inferred out;
        out.outputs = {Shape::batched({units})};
        out.cost.trainableParams = *weights + (bias ? units : 0);
        out.cost.flops = *flops + (bias ? units : 0);
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
