#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema matMulSchema() {
    OpSchema s;
    s.name = "MatMul";
    s.category = "Tensor";
    s.doc = "Matrix product of the last two axes: [N, ..., M, K] x [N, ..., K, P] -> "
            "[N, ..., M, P].";
    s.notes = "Inputs `a [N, ..., M, K]` and `b [N, ..., K, P]`, both at least 3-D, with the "
              "same rank and the same leading dims (no broadcasting: each sample, and each "
              "index of the dims between, multiplies its own pair of matrices). Output "
              "`[N, ..., M, P]`. Parameters: 0. FLOPs: `2·B·M·K·P`, `B` the product of the dims "
              "between the batch and M.";
    s.inputs = {{"a", "[N, ..., M, K]"}, {"b", "[N, ..., K, P]"}};
    s.outputs = {{"output", "[N, ..., M, P]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape &a = ctx.input(0), &b = ctx.input(1);
        if (a.rank() < 3) {
            return fail("a", "expects matrices [N, ..., M, K], got " + a.toString());
        }
        if (b.rank() != a.rank()) {
            return fail("b", "expects a tensor of the rank of a " + a.toString() + ", got " +
                                 b.toString());
        }
        int r = a.rank();
        for (int d = 1; d < r - 2; ++d) {
            if (a[d] != b[d]) {
                return fail("b", "leading dims of " + b.toString() + " differ from a " +
                                     a.toString() + " (no broadcasting)");
            }
        }
        if (a[r - 1] != b[r - 2]) {
            return fail("b", "a " + a.toString() + " has K = " + std::to_string(a[r - 1]) +
                                 " columns, b " + b.toString() + " has " +
                                 std::to_string(b[r - 2]) + " rows");
        }
        auto n = elementsOf(a, "a");
        if (!n) {
            return n.error();
        }
        auto flops = product({2, *n, b[r - 1]}); // 2 * (B*M*K) * P
        if (!flops) {
            return fail("b", "the product of " + a.toString() + " and " + b.toString() +
                                 " is too large");
        }
        Inferred out;
        Shape y = a;
        y.dims.back() = b[r - 1];
        out.outputs = {y};
        out.cost.flops = *flops;
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
