#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"
#include "graph/ops/pool_window.h"

namespace nw::graph::ops {

namespace {

// MaxPool2D and AvgPool2D share their window attributes and shape rules (pool_window.h);
// AvgPool2D adds count_include_pad. The attributes after padding came
// later: files leave them out at their defaults, so files saved before keep their bytes.
OpSchema windowPool(const char* name, const char* doc, bool isMax) {
    OpSchema s;
    s.name = name;
    s.category = "Pooling";
    s.doc = doc;
    s.notes = std::string("Input `[N, C, H, W]`. Output `[N, C, H', W']`, `H' = floor((H + top + "
                          "bottom − ") +
              "(dil·(k − 1) + 1)) / stride) + 1`, likewise `W'` (2-value `padding`: top = bottom = "
              "rows, left = "
              "right = columns); with `ceil_mode` rounded up instead, dropping a last window "
              "that would start in the bottom padding (PyTorch's rule, ONNX's from opset 19). "
              "Error if below 1 or if a pad reaches the window's span (a window of padding "
              "alone). " +
              (isMax ? std::string("Padding never wins the maximum. ")
                     : std::string("The divisor counts the window's taps inside the input and, "
                                   "with `count_include_pad`, inside its padding; never the "
                                   "overhang that `ceil_mode` adds past the padding. ")) +
              "Parameters: 0. FLOPs: `C·H'·W'·kh·kw`.";
    s.attrs = {
        AttrSpec::ints("kernel_size", {2, 2}, 2, 2, 1, 255, "Window height and width."),
        AttrSpec::ints("stride", {2, 2}, 2, 2, 1, 255, "Step between windows (rows, columns)."),
        AttrSpec::ints("padding", {0, 0}, 2, 4, 0, 127,
                       "Implicit padding: [rows, columns] on both sides alike, or [top, bottom, "
                       "left, right]; each below the window's span."),
    };
    s.attrs.push_back(AttrSpec::ints("dilation", {1, 1}, 2, 2, 1, 255,
                                     "Spacing between window taps (rows, columns).")
                          .omittedAtDefault());
    s.attrs.push_back(AttrSpec::boolean("ceil_mode", false,
                                        "Round the output size up: a last, partial window "
                                        "covers the rows and columns that floor leaves out.")
                          .omittedAtDefault());
    if (!isMax) {
        s.attrs.push_back(
            AttrSpec::boolean("count_include_pad", true,
                              "Count the padding as zeros in each mean (PyTorch's default); "
                              "false: divide by the input cells only (ONNX's and Keras's).")
                .omittedAtDefault());
    }
    s.inputs = {{"input", "[N, C, H, W]"}};
    s.outputs = {{"output", "[N, C, H', W']"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e = requireRank(x, 4, "[N, C, H, W]")) {
            return *e;
        }
        const auto& pad = ctx.ints("padding");
        if (pad.size() != 2 && pad.size() != 4) {
            return fail("padding", "needs 2 values [rows, columns] or 4 [top, bottom, left, "
                                   "right], got " +
                                       attrValueToString(pad));
        }
        const PoolWindow win = poolWindow(ctx.attrs(), x[2], x[3]);
        std::int64_t outHW[2];
        for (int d = 0; d < 2; ++d) {
            const PoolAxis& a = win.axis(d);
            for (std::int64_t p : {a.padBegin, a.padEnd}) {
                if (p >= a.span()) {
                    return fail("padding", "padding (" + std::to_string(p) +
                                               ") must be below the window's span (" +
                                               std::to_string(a.span()) +
                                               "): a window of padding alone has no value");
                }
            }
            outHW[d] = a.outputs();
            if (outHW[d] < 1) {
                return fail("kernel_size", "the window (" + std::to_string(a.span()) +
                                               (a.dilation > 1 ? " with dilation" : "") +
                                               ") is larger than the padded input of " +
                                               x.toString());
            }
        }
        auto flops = product({x[1], outHW[0], outHW[1], win.rows.kernel, win.cols.kernel});
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
    return windowPool("MaxPool2D", "Largest value of each window, per channel.", true);
}

OpSchema avgPool2dSchema() {
    return windowPool("AvgPool2D",
                      "Mean of each window, per channel (padding counts as zeros unless "
                      "count_include_pad is false).",
                      false);
}

namespace {

// GlobalAvgPool and GlobalMaxPool: one value per channel, over all its positions.
OpSchema globalPool(const char* name, const char* doc) {
    OpSchema s;
    s.name = name;
    s.category = "Pooling";
    s.doc = doc;
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

} // namespace

OpSchema globalAvgPoolSchema() {
    return globalPool("GlobalAvgPool", "Mean over all positions of each channel: [N, C, H, W] -> "
                                       "[N, C].");
}

OpSchema globalMaxPoolSchema() {
    return globalPool("GlobalMaxPool", "Largest value over all positions of each channel: "
                                       "[N, C, H, W] -> [N, C].");
}

} // namespace nw::graph::ops
