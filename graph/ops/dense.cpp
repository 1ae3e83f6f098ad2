#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema denseSchema() {
    OpSchema s;
    s.name = "Dense";
    s.category = "Core";
    s.doc = "Fully connected layer over the last axis: y = x W^T + b. Input [N, ..., F], "
            "output [N, ..., units].";
    s.notes = "Input `[N, ..., F]`: the same weights apply to every row of the last axis, so "
              "`[N, F]` gives `[N, units]` and a sequence `[N, T, F]` gives `[N, T, units]`. A "
              "4-D input is refused: `[N, C, H, W]` is an image, which wants a Flatten first "
              "(a Reshape to `[N, rows, F]` applies Dense per row). Parameters: "
              "`F·units (+ units)`. FLOPs: `R·(2·F·units (+ units))`, `R` the rows per "
              "sample (the product of the dims between the batch and F); the bracketed terms "
              "only with `use_bias`.";
    s.attrs = {
        AttrSpec::integer("units", 128, 1, 1 << 20, "Number of output features."),
        AttrSpec::boolean("use_bias", true, "Add a learned bias to each output feature."),
        weightInitAttr(),
    };
    s.inputs = {{"input", "[N, ..., F] features (not a 4-D image: add a Flatten before it)."}};
    s.outputs = {{"output", "[N, ..., units]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (x.rank() < 2) {
            return fail("input", "expects a tensor [N, ..., features], got " + x.toString());
        }
        if (x.rank() == 4) {
            return fail("input", "got the image tensor " + x.toString() +
                                     "; add a Flatten before it (or a Reshape to [N, rows, "
                                     "features] to apply it to each row)");
        }
        std::int64_t in = x.dims.back();
        std::int64_t units = ctx.i("units");
        bool bias = ctx.b("use_bias");
        std::int64_t rows = 1;
        for (int d = 1; d + 1 < x.rank(); ++d) {
            rows *= x[d]; // at most the per-sample elements, which the graph checked
        }
        auto weights = product({in, units});
        auto perRow = product({2, in, units});
        auto flops = perRow ? product({rows, *perRow + (bias ? units : 0)}) : std::nullopt;
        if (!weights || !flops) {
            return fail("units", "a " + std::to_string(in) + " x " + std::to_string(units) +
                                     " weight matrix is too large");
        }
        Inferred out;
        Shape y = x;
        y.dims.back() = units;
        out.outputs = {y};
        out.cost.flops = *flops;
        return out;
    };
    // weight [units, features] (PyTorch's layout), bias [units].
    s.params = [](const InferContext& ctx) {
        std::int64_t in = ctx.input(0).dims.back(), units = ctx.i("units");
        std::vector<ParamSpec> p{{"weight", {units, in}, weightInit(ctx), in, units}};
        if (ctx.b("use_bias")) {
            p.push_back({"bias", {units}, biasInit(ctx), in, units, true, false});
        }
        return p;
    };
    return s;
}

} // namespace nw::graph::ops
