#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema softmaxSchema() {
    OpSchema s;
    s.name = "Softmax";
    s.category = "Activation";
    s.doc = "exp(x) normalised to sum to 1 along `axis`. Not needed before a softmax "
            "cross-entropy loss, which takes logits.";
    s.notes = "`axis` must be an axis of the input and may not resolve to the batch axis 0. "
              "Parameters: 0. FLOPs: `4·E`.";
    s.attrs = {AttrSpec::integer("axis", -1, -8, 7,
                                 "Axis to normalise; negative counts from the end. Cannot be "
                                 "the batch axis 0.")};
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "same shape as the input"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        auto axis = normaliseAxis(ctx.i("axis"), ctx.input(0).rank());
        if (!axis || *axis == 0) {
            return fail("axis", "axis " + std::to_string(ctx.i("axis")) +
                                    " is not a non-batch axis of " + ctx.input(0).toString());
        }
        return elementwise(ctx, 4);
    };
    return s;
}

} // namespace nw::graph::ops
