#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema lossSchema() {
    OpSchema s;
    s.name = "Loss";
    s.category = "Input/Output";
    s.doc = "The network's output and its training loss against the dataset's targets. "
            "Its input is the model's prediction (logits for the cross-entropies).";
    s.notes = "**No output ports.** `softmax_cross_entropy` needs `[N, K]` (one class label per "
              "sample) or `[N, T, K]` (one per sequence step: language models) with K ≥ 2, the "
              "classes on the last axis; the loss is the mean over every label. A non-zero "
              "`label_smoothing` is an error with any other loss. Parameters: 0. FLOPs: `4·E`.";
    s.attrs = {
        AttrSpec::choice("loss", "softmax_cross_entropy",
                         {"softmax_cross_entropy", "mse", "binary_cross_entropy_with_logits"},
                         "softmax_cross_entropy: class labels against [N, K] logits (or "
                         "[N, T, K], a label per step); mse: "
                         "mean squared error against targets of the prediction's shape; "
                         "binary_cross_entropy_with_logits: 0/1 targets against logits."),
        AttrSpec::real("label_smoothing", 0.0, 0.0, 1.0,
                       "Softmax cross-entropy only: weight moved from the true class to a "
                       "uniform distribution.")
            .exclusiveMax(),
    };
    s.inputs = {{"prediction", "The model's output, [N, K] for classification, [N, T, K] for a "
                               "label per sequence step."}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        const auto& loss = ctx.s("loss");
        if (loss == "softmax_cross_entropy") {
            if (x.rank() < 2) {
                return fail("prediction", "softmax_cross_entropy expects logits [N, classes] "
                                          "or [N, T, classes], got " +
                                              x.toString());
            }
            if (x[x.rank() - 1] < 2) {
                return fail("prediction", "softmax_cross_entropy needs at least 2 classes, "
                                          "got " +
                                              x.toString());
            }
        } else if (ctx.f("label_smoothing") != 0.0) {
            return fail("label_smoothing", "applies only to softmax_cross_entropy");
        }
        auto n = elementsOf(x, "prediction");
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.cost.flops = 4 * *n;
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
