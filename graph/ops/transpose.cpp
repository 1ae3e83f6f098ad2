#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

#include <algorithm>

namespace nw::graph::ops {

OpSchema transposeSchema() {
    OpSchema s;
    s.name = "Transpose";
    s.category = "Tensor";
    s.doc = "Permutes the axes of each sample: output axis i is input axis perm[i].";
    s.notes = "`perm` lists every axis of the tensor, the batch included (as ONNX's and "
              "PyTorch's `permute` do), and must start with 0: the batch stays first. "
              "`[N, T, C]` with `perm` `[0, 2, 1]` (the default) gives `[N, C, T]`. Parameters: "
              "0. FLOPs: 0 (a copy).";
    s.attrs = {
        AttrSpec::ints("perm", {0, 2, 1}, 2, 6, 0, 5,
                       "Input axis of each output axis, batch (axis 0) first."),
    };
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "[N, ...] permuted"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        const IntList& perm = ctx.ints("perm");
        if (static_cast<int>(perm.size()) != x.rank()) {
            return fail("perm", attrValueToString(perm) + " has " + std::to_string(perm.size()) +
                                    " axes, the input " + x.toString() + " " +
                                    std::to_string(x.rank()));
        }
        IntList sorted = perm;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < sorted.size(); ++i) {
            if (sorted[i] != static_cast<std::int64_t>(i)) {
                return fail("perm", attrValueToString(perm) + " is not a permutation of the " +
                                        std::to_string(x.rank()) + " axes");
            }
        }
        if (perm[0] != 0) {
            return fail("perm", attrValueToString(perm) + " moves the batch: it must start with 0");
        }
        Inferred out;
        Shape y = x;
        for (std::size_t i = 0; i < perm.size(); ++i) {
            y.dims[i] = x.dims[static_cast<std::size_t>(perm[i])];
        }
        out.outputs = {y};
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
