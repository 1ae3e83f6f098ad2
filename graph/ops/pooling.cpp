#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

namespace {

// MaxPool2D and AvgPool2D share attributes and shape rules.
OpSchema windowPool(const char* name, const char* doc, const char* notes) {
    OpSchema s;
    s.name = name;
    s.category = "Pooling";
    s.doc = doc;
    s.notes = notes;
    s.attrs = {
        AttrSpec::ints("kernel_size", {2, 2}, 2, 2, 1, 255, "Window height and width."),
        AttrSpec::ints("stride", {2, 2}, 2, 2, 1, 255, "Step between windows (rows, columns)."),
        AttrSpec::ints("padding", {0, 0}, 2, 2, 0, 127,
                       "Implicit padding on each side; at most half the kernel."),
    };
    s.inputs = {{"input", "[N, C, H, W]"}};
    s.outputs = {{"output", "[N, C, H', W']"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e = requireRank(x, 4, "[N, C, H, W]")) {
            return *e;
        }
        const auto& k = ctx.ints("kernel_size");
        const auto& st = ctx.ints("stride");
        const auto& pad = ctx.ints("padding");
        std::int64_t outHW[2];
        for (int d = 0; d < 2; ++d) {
            if (2 * pad[d] > k[d]) {
                return fail("padding", "padding (" + std::to_string(pad[d]) +
                                           ") must be at most half the kernel (" +
                                           std::to_string(k[d]) + ")");
            }
            outHW[d] = windowOutput(x[2 + d], k[d], st[d], pad[d], pad[d]);
            if (outHW[d] < 1) {
                return fail("kernel_size", "the window (" + std::to_string(k[d]) +
                                               ") is larger than the padded input of " +
                                               x.toString());
            }
        }
        auto flops = product({x[1], outHW[0], outHW[1], k[0], k[1]});
        if (!flops) {
            return fail("input", "tensor " + x.toString() + " is too large");
        }
        Inferred out;
        out.outputs = {Shape::batched({x[1], outHW[0], outHW[1]})};
        out.cost.flops = *flops;
        return out;
    };
    return s;
}

} // namespace

OpSchema maxPool2dSchema() {
    return windowPool("MaxPool2D", "Largest value of each window, per channel.",
                      "Input `[N, C, H, W]`. Output `[N, C, H', W']`, "
                      "`H' = floor((H + 2·pad − k) / stride) + 1`, likewise `W'`; error if "
                      "below 1 or if `2·pad > k`. Parameters: 0. FLOPs: `C·H'·W'·kh·kw`.");
}

OpSchema avgPool2dSchema() {
    return windowPool("AvgPool2D", "Mean of each window, per channel (padding counts as zeros).",
                      "Input `[N, C, H, W]`. Output `[N, C, H', W']`, "
                      "`H' = floor((H + 2·pad − k) / stride) + 1`, likewise `W'`; error if "
                      "below 1 or if `2·pad > k`. Parameters: 0. FLOPs: `C·H'·W'·kh·kw`.");
}

OpSchema globalAvgPoolSchema() {
    OpSchema s;
    s.name = "GlobalAvgPool";
    s.category = "Pooling";
    s.doc = "Mean over all positions of each channel: [N, C, H, W] -> [N, C].";
    s.notes = "Input `[N, C, H, W]`. Output `[N, C]`. Parameters: 0. FLOPs: `E` (= `C·H·W`).";
    s.inputs = {{"input", "[N, C, H, W]"}};
    s.outputs = {{"output", "[N, C]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e = requireRank(x, 4, "[N, C, H, W]")) {
            return *e;
        }
        auto n = elementsOf(x);
        if (!n) {
            return n.error();
        }
        Inferred out;
        out.outputs = {Shape::batched({x[1]})};
        out.cost.flops = *n;
        return out;
    };
    return s;
}

} // namespace nw::graph::ops
