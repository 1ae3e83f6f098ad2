#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema embeddingSchema() {
    OpSchema s;
    s.name = "Embedding";
    s.category = "Sequence";
    s.doc = "Looks each token id up in a learned table: [N, T] ids -> [N, T, dimension].";
    s.notes = "Input `[N, T]`: token ids as numbers (an Input node's values), each an integer in "
              "`[0, vocabulary)`; any other value stops the step with an error naming the node "
              "and the value. Output `[N, T, dimension]`. Parameter `weight [vocabulary, "
              "dimension]` (PyTorch's `nn.Embedding` layout), initialised N(0, 1); with "
              "`padding_index` ≥ 0 that row starts at zero and never gets a gradient. No "
              "gradient flows to the ids. Parameters: `vocabulary·dimension`. FLOPs: 0 (a "
              "lookup).";
    s.attrs = {
        AttrSpec::integer("vocabulary", 1000, 1, 1 << 24, "Number of distinct token ids."),
        AttrSpec::integer("dimension", 64, 1, 1 << 16, "Length of each token's vector."),
        AttrSpec::integer("padding_index", -1, -1, (1 << 24) - 1,
                          "A token id whose vector stays zero (-1: none)."),
    };
    s.inputs = {{"input", "[N, T] token ids, integers in [0, vocabulary)"}};
    s.outputs = {{"output", "[N, T, dimension]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (x.rank() != 2) {
            return fail("input", "expects token ids [N, T], got " + x.toString());
        }
        std::int64_t vocabulary = ctx.i("vocabulary"), dimension = ctx.i("dimension");
        if (ctx.i("padding_index") >= vocabulary) {
            return fail("padding_index", std::to_string(ctx.i("padding_index")) +
                                             " is not a token id of a vocabulary of " +
                                             std::to_string(vocabulary));
        }
        if (!product({vocabulary, dimension}) || !product({x[1], dimension})) {
            return fail("dimension", "a " + std::to_string(vocabulary) + " x " +
                                         std::to_string(dimension) + " table is too large");
        }
        Inferred out;
        out.outputs = {Shape::batched({x[1], dimension})};
        return out;
    };
    // weight [vocabulary, dimension].
    s.params = [](const InferContext& ctx) {
        ParamSpec weight{"weight", {ctx.i("vocabulary"), ctx.i("dimension")}, Init::StdNormal};
        weight.zeroRow = ctx.i("padding_index");
        return std::vector<ParamSpec>{weight};
    };
    return s;
}

} // namespace nw::graph::ops
