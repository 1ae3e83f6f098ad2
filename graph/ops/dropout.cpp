#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema dropoutSchema() {
    OpSchema s;
    s.name = "Dropout";
    s.category = "Core";
    s.doc = "During training, zeroes each element with probability `rate` and scales the "
            "rest by 1 / (1 - rate); the identity at inference.";
    s.notes = "Parameters: 0. FLOPs: 0.";
    s.attrs = {AttrSpec::real("rate", 0.5, 0.0, 1.0, "Probability of dropping an element.")
                   .exclusiveMax()};
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "same shape as the input"}};
    s.infer = [](const InferContext& ctx) { return elementwise(ctx, 0); };
    return s;
}

} // namespace nw::graph::ops
