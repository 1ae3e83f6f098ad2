#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema addSchema() {
    OpSchema s;
    s.name = "Add";
    s.category = "Merge";
    s.doc = "Element-wise sum of two or more tensors of the same shape (residual "
            "connections).";
    s.notes = "Inputs `in 0`, `in 1`, … (at least 2), all the same shape; output: that shape. "
              "Parameters: 0. FLOPs: `E·(inputs − 1)`.";
    s.inputs = {{"in", "Tensors of one shape.", true, 2}};
    s.outputs = {{"output", "the common shape"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& first = ctx.input(0);
        for (std::size_t i = 1; i < ctx.inputs().size(); ++i) {
            if (ctx.inputs()[i] != first) {
                return fail("in " + std::to_string(i),
                            "shape mismatch: input 'in " + std::to_string(i) + "' is " +
                                ctx.inputs()[i].toString() + " but input 'in 0' is " +
                                first.toString());
            }
        }
        auto n = elementsOf(first, "in 0");
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.outputs = {first};
        out.cost.flops = *n * static_cast<std::int64_t>(ctx.inputs().size() - 1);
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
