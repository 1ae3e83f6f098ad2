#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema denseSchema() {
    OpSchema s;
    s.name = "Dense";
    s.category = "Core";
    s.doc = "Fully connected layer: y = x W^T + b. Input [N, F], output [N, units].";
    s.notes = "Input `[N, F]` (must be 2-D; add a Flatten before it for images). Output `[N, "
              "units]`. Parameters: `F·units (+ units)`. FLOPs: `2·F·units (+ units)`; the "
              "bracketed terms only with `use_bias`.";
    s.attrs = {
        AttrSpec::integer("units", 128, 1, 1 << 20, "Number of output features."),
        AttrSpec::boolean("use_bias", true, "Add a learned bias to each output feature."),
        weightInitAttr(),
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
        out.cost.flops = *flops + (bias ? units : 0);
        return out;
    };
    // weight [units, features] (PyTorch's layout), bias [units].
    s.params = [](const InferContext& ctx) {
        std::int64_t in = ctx.input(0)[1], units = ctx.i("units");
        std::vector<ParamSpec> p{{"weight", {units, in}, weightInit(ctx), in, units}};
        if (ctx.b("use_bias")) {
            p.push_back({"bias", {units}, biasInit(ctx), in, units, true, false});
        }
        return p;
    };
    return s;
}

} // namespace nw::graph::ops
