#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema mulSchema() {
    OpSchema s;
    s.name = "Mul";
    s.category = "Merge";
    s.doc = "Element-wise product of two tensors of one rank, a dimension of 1 broadcasting "
            "(squeeze-and-excitation gates, gated units).";
    s.notes = "Inputs `a` and `b` of the same rank; each dimension equal in both, or 1 in one of "
              "them (broadcast over the other's); the batch is never broadcast. "
              "`[N, C, H, W] · [N, C, 1, 1]` scales each channel. Output: the larger of each "
              "dimension. Parameters: 0. FLOPs: `E` of the output.";
    s.inputs = {{"a", "A tensor."}, {"b", "A tensor of a's rank."}};
    s.outputs = {{"output", "the broadcast shape"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& a = ctx.input(0);
        const Shape& b = ctx.input(1);
        auto mismatch = [&](const std::string& why) {
            return fail("b", "shape mismatch: input 'a' is " + a.toString() + " but input 'b' is " +
                                 b.toString() + "; " + why);
        };
        if (a.rank() != b.rank()) {
            return mismatch("both must have the same rank");
        }
        Shape out = a;
        for (int d = 0; d < a.rank(); ++d) {
            if (a[d] == b[d]) {
                continue;
            }
            if (d == 0) {
                return mismatch("the batch dimension cannot broadcast");
            }
            if (a[d] != 1 && b[d] != 1) {
                return mismatch("dimension " + std::to_string(d) + " is " + std::to_string(a[d]) +
                                " against " + std::to_string(b[d]) +
                                " (each must be equal, or 1 in one of them)");
            }
            out.dims[static_cast<std::size_t>(d)] = std::max(a[d], b[d]);
        }
        auto n = elementsOf(out, "b");
        if (!n) {
            return n.error();
        }
        Inferred r;
        r.outputs = {out};
        r.cost.flops = *n;
        return r;
    };
    return s;
}

} // namespace nw::graph::ops
