#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

OpSchema conv2dSchema() {
    OpSchema s;
    s.name = "Conv2D";
    s.category = "Convolution";
    s.doc = "2-D convolution over [N, C, H, W] images: `filters` learned kernels of "
            "kernel_size, with stride, padding, dilation and channel groups.";
    s.notes = "Input `[N, C, H, W]`. Output `[N, filters, H', W']`, where `explicit`: `H' = "
              "floor((H + 2·pad − (dil·(k − 1) + 1)) / stride) + 1` (error if below 1), and "
              "`same`: `H' = ceil(H / stride)`; likewise `W'`. `C` and `filters` must divide by "
              "`groups`. Parameters: `filters·(C/groups)·kh·kw (+ filters)`. FLOPs: "
              "`2·filters·(C/groups)·kh·kw·H'·W' (+ filters·H'·W')`; bracketed terms only with "
              "`use_bias`.";
    s.attrs = {
        AttrSpec::integer("filters", 32, 1, 65536, "Number of output channels."),
        AttrSpec::ints("kernel_size", {3, 3}, 2, 2, 1, 255, "Kernel height and width."),
        AttrSpec::ints("stride", {1, 1}, 2, 2, 1, 255, "Step between windows (rows, columns)."),
        AttrSpec::choice("padding_mode", "explicit", {"explicit", "same"},
                         "explicit: pad by `padding`; same: pad so the output is "
                         "ceil(input / stride), as TensorFlow's 'same'."),
        AttrSpec::ints("padding", {0, 0}, 2, 2, 0, 255,
                       "Zeros added on each side (rows, columns); used when padding_mode is "
                       "explicit."),
        AttrSpec::ints("dilation", {1, 1}, 2, 2, 1, 255, "Spacing between kernel taps."),
        AttrSpec::integer("groups", 1, 1, 65536,
                          "Channel groups: input channels and filters must both divide by it "
                          "(groups = channels is a depthwise convolution)."),
        AttrSpec::boolean("use_bias", true, "Add a learned bias per output channel."),
        weightInitAttr(),
    };
    s.inputs = {{"input", "[N, C, H, W] images."}};
    s.outputs = {{"output", "[N, filters, H', W']"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e = requireRank(x, 4, "[N, C, H, W]")) {
            return *e;
        }
        std::int64_t c = x[1];
        std::int64_t filters = ctx.i("filters");
        std::int64_t groups = ctx.i("groups");
        if (c % groups != 0) {
            return fail("groups", "input channels (" + std::to_string(c) +
                                      ") must divide by groups (" + std::to_string(groups) + ")");
        }
        if (filters % groups != 0) {
            return fail("groups", "filters (" + std::to_string(filters) +
                                      ") must divide by groups (" + std::to_string(groups) + ")");
        }
        const auto& k = ctx.ints("kernel_size");
        const auto& st = ctx.ints("stride");
        const auto& dil = ctx.ints("dilation");
        const auto& pad = ctx.ints("padding");
        bool same = ctx.s("padding_mode") == "same";
        std::int64_t outHW[2];
        for (int d = 0; d < 2; ++d) {
            std::int64_t in = x[2 + d];
            if (same) {
                outHW[d] = (in + st[d] - 1) / st[d];
                continue;
            }
            outHW[d] = windowOutput(in, k[d], st[d], pad[d], pad[d], dil[d]);
            if (outHW[d] < 1) {
                return fail("kernel_size",
                            "the kernel (" + std::to_string(dil[d] * (k[d] - 1) + 1) +
                                " with dilation) is larger than the padded input (" +
                                std::to_string(in + 2 * pad[d]) + ") of " + x.toString());
            }
        }
        auto weights = product({filters, c / groups, k[0], k[1]});
        auto macs = weights ? product({*weights, outHW[0], outHW[1]}) : std::nullopt;
        auto outElems = product({filters, outHW[0], outHW[1]});
        if (!macs || !outElems || *macs > INT64_MAX / 2) {
            return fail("filters", "the convolution is too large to count");
        }
        bool bias = ctx.b("use_bias");
        Inferred out;
        out.outputs = {Shape::batched({filters, outHW[0], outHW[1]})};
        out.cost.flops = 2 * *macs + (bias ? *outElems : 0);
        return out;
    };
    // weight [filters, C/groups, kh, kw] (PyTorch's layout), bias [filters].
    s.params = [](const InferContext& ctx) {
        std::int64_t filters = ctx.i("filters"), groups = ctx.i("groups");
        std::int64_t perGroup = ctx.input(0)[1] / groups;
        const auto& k = ctx.ints("kernel_size");
        std::int64_t fanIn = perGroup * k[0] * k[1], fanOut = filters / groups * k[0] * k[1];
        std::vector<ParamSpec> p{
            {"weight", {filters, perGroup, k[0], k[1]}, weightInit(ctx), fanIn, fanOut}};
        if (ctx.b("use_bias")) {
            p.push_back({"bias", {filters}, biasInit(ctx), fanIn, fanOut, true, false});
        }
        return p;
    };
    return s;
}

} // namespace nw::graph::ops
