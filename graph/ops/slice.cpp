#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema sliceSchema() {
    OpSchema s;
    s.name = "Slice";
    s.category = "Shape";
    s.doc = "Keeps the range [start, end) of one axis of each sample (ShuffleNet's channel "
            "split): a strided copy.";
    s.notes = "Input `[N, ...]`. `axis` may not resolve to the batch axis 0; negative counts from "
              "the end. Output: the input with that axis `end − start` long, elements `start` "
              "to `end − 1` (step 1). `start < end ≤` the axis length, else an error: out-of-range "
              "bounds are not clamped. `[N, 116, 28, 28]` with `axis` 1, `start` 58, `end` 116 "
              "gives `[N, 58, 28, 28]`, the second half of the channels. Backward: the output "
              "gradient in the range, zero elsewhere. Parameters: 0. FLOPs: 0 (a copy).";
    s.attrs = {
        AttrSpec::integer("axis", 1, -8, 7,
                          "Axis to slice (1 = channels); negative counts from the end. Cannot be "
                          "the batch axis 0."),
        AttrSpec::integer("start", 0, 0, 1 << 30, "First index kept."),
        AttrSpec::integer("end", 1, 1, 1 << 30, "One past the last index kept."),
    };
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "[N, ...] with `axis` end − start long"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        auto axis = normaliseAxis(ctx.i("axis"), x.rank());
        if (!axis || *axis == 0) {
            return fail("axis", "axis " + std::to_string(ctx.i("axis")) +
                                    " is not a non-batch axis of " + x.toString());
        }
        const std::int64_t dim = x[*axis], start = ctx.i("start"), end = ctx.i("end");
        if (end > dim) {
            return fail("end", "end " + std::to_string(end) + " is past the length " +
                                   std::to_string(dim) + " of axis " + std::to_string(*axis) +
                                   " of " + x.toString());
        }
        if (start >= end) {
            return fail("start", "start " + std::to_string(start) + " is not below end " +
                                     std::to_string(end) + ": the slice would be empty");
        }
        Shape y = x;
        y.dims[static_cast<std::size_t>(*axis)] = end - start;
        return Inferred{{y}, {}, {}};
    };
    return s;
}

} // namespace nw::graph::ops
