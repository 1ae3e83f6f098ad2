#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema sequencePoolSchema() {
    OpSchema s;
    s.name = "SequencePool";
    s.category = "Sequence";
    s.doc = "Reduces a sequence [N, T, C] to one vector per sample [N, C]: the mean or the "
            "maximum over the steps, or the last step.";
    s.notes = "Input `[N, T, C]`. Output `[N, C]`. `mean`: the average over T; `max`: the "
              "largest value of each channel over T (its gradient goes to the first step "
              "holding it); `last`: step `T − 1`. Parameters: 0. FLOPs: `T·C` for mean and "
              "max, 0 for last.";
    s.attrs = {
        AttrSpec::choice("mode", "mean", {"mean", "max", "last"}, "How the steps are combined."),
    };
    s.inputs = {{"input", "[N, T, C]"}};
    s.outputs = {{"output", "[N, C]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e = requireRank(x, 3, "[N, T, C]")) {
            return *e;
        }
        auto n = elementsOf(x);
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.outputs = {Shape::batched({x[2]})};
        out.cost.flops = ctx.s("mode") == "last" ? 0 : *n;
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
