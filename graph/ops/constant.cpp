#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema constantSchema() {
    OpSchema s;
    s.name = "Constant";
    s.category = "Core";
    s.doc = "A tensor of its own, the same for every sample of the batch: a learned token "
            "(ViT's class token, concatenated before the patches), or a table an imported "
            "model concatenates with or multiplies by its activations.";
    s.notes = "No inputs. Output `[N, shape...]`: the parameter `value` `[shape]` for each "
              "sample. Parameters: the product of `shape` (`value`, from N(0, 0.02²) as "
              "learned tokens start). FLOPs: 0.";
    s.attrs = {AttrSpec::ints("shape", {1, 8}, 1, 7, 1, 1 << 24,
                              "Shape of the tensor, without the batch dimension.")};
    s.outputs = {{"output", "[N, shape...]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        Shape out = Shape::batched(ctx.ints("shape"));
        if (!out.perSampleElements()) {
            return fail("shape", "shape " + out.toString() + " has too many elements");
        }
        return Inferred{{out}, {}, {}};
    };
    s.params = [](const InferContext& ctx) {
        return std::vector<ParamSpec>{
            {"value", ctx.ints("shape"), Init::SmallNormal, 0, 0, true, false}};
    };
    return s;
}

} // namespace nw::graph::ops
