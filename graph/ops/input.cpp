#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema inputSchema() {
    OpSchema s;
    s.name = "Input";
    s.category = "Input/Output";
    s.doc = "Feeds a batch of samples into the network. Its shape excludes the batch "
            "dimension: [1, 28, 28] for 28x28 grey images.";
    s.notes = "Output `[N, shape...]`. Parameters: 0. FLOPs: 0.";
    s.attrs = {AttrSpec::ints("shape", {1, 28, 28}, 1, 7, 1, 1 << 24,
                              "Shape of one sample, without the batch dimension (C, H, W for "
                              "images, F for feature vectors).")};
    s.outputs = {{"output", "The batch, [N, shape...]."}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        Shape out = Shape::batched(ctx.ints("shape"));
        if (!out.perSampleElements()) {
            return fail("shape", "shape " + out.toString() + " has too many elements");
        }
        return Inferred{{out}, {}, {}};
    };
    return s;
}

} // namespace nw::graph::ops
