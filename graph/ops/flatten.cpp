#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema flattenSchema() {
    OpSchema s;
    s.name = "Flatten";
    s.category = "Shape";
    s.doc = "Collapses every dimension but the batch: [N, C, H, W] -> [N, C*H*W].";
    s.notes = "`[N, C, H, W]` → `[N, C·H·W]`; in general `[N, ...]` → `[N, E]`. Parameters: 0. "
              "FLOPs: 0.";
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "[N, elements per sample]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        auto n = elementsOf(ctx.input(0));
        if (!n) {
            return n.error();
        }
        return Inferred{{Shape::batched({*n})}, {}, {}};
    };
    return s;
}

} // namespace nw::graph::ops
