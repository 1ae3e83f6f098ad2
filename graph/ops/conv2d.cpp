#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

namespace {

// Conv2D over [N, C, H, W] and Conv3D over [N, C, D, H, W]: one schema, `spatial` dims.
OpSchema convSchema(int spatial) {
    const bool two = spatial == 2;
    const IntList ones(static_cast<std::size_t>(spatial), 1);
    OpSchema s;
    s.name = two ? "Conv2D" : "Conv3D";
    s.category = "Convolution";
    s.doc = two ? "2-D convolution over [N, C, H, W] images: `filters` learned kernels of "
                  "kernel_size, with stride, padding, dilation and channel groups."
                : "3-D convolution over [N, C, D, H, W] volumes (video, scans): `filters` "
                  "learned kernels of kernel_size, with stride, padding, dilation and channel "
                  "groups.";
    s.notes = two ? "Input `[N, C, H, W]`. Output `[N, filters, H', W']`, where `explicit`: `H' = "
                    "floor((H + 2·pad − (dil·(k − 1) + 1)) / stride) + 1` (error if below 1), "
                    "and `same`: `H' = ceil(H / stride)`; likewise `W'`. `C` and `filters` must "
                    "divide by `groups`. Parameters: `filters·(C/groups)·kh·kw (+ filters)`. "
                    "FLOPs: `2·filters·(C/groups)·kh·kw·H'·W' (+ filters·H'·W')`; bracketed "
                    "terms only with `use_bias`."
                  : "Input `[N, C, D, H, W]`. Output `[N, filters, D', H', W']`, each as Conv2D's "
                    "`H'`. `C` and `filters` must divide by `groups`. Parameters: "
                    "`filters·(C/groups)·kd·kh·kw (+ filters)`. FLOPs: "
                    "`2·filters·(C/groups)·kd·kh·kw·D'·H'·W' (+ filters·D'·H'·W')`; bracketed "
                    "terms only with `use_bias`. The CPU runs it (oneDNN); other devices place "
                    "it there.";
    s.attrs = {
        AttrSpec::integer("filters", 32, 1, 65536, "Number of output channels."),
        AttrSpec::ints("kernel_size", IntList(static_cast<std::size_t>(spatial), 3), spatial,
                       spatial, 1, 255,
                       two ? "Kernel height and width." : "Kernel depth, height and width."),
        AttrSpec::ints("stride", ones, spatial, spatial, 1, 255,
                       two ? "Step between windows (rows, columns)."
                           : "Step between windows (depth, rows, columns)."),
        AttrSpec::choice("padding_mode", "explicit", {"explicit", "same"},
                         "explicit: pad by `padding`; same: pad so the output is "
                         "ceil(input / stride), as TensorFlow's 'same'."),
        AttrSpec::ints("padding", IntList(static_cast<std::size_t>(spatial), 0), spatial, spatial,
                       0, 255,
                       two ? "Zeros added on each side (rows, columns); used when padding_mode "
                             "is explicit."
                           : "Zeros added on each side (depth, rows, columns); used when "
                             "padding_mode is explicit."),
        AttrSpec::ints("dilation", ones, spatial, spatial, 1, 255, "Spacing between kernel taps."),
        AttrSpec::integer("groups", 1, 1, 65536,
                          "Channel groups: input channels and filters must both divide by it "
                          "(groups = channels is a depthwise convolution)."),
        AttrSpec::boolean("use_bias", true, "Add a learned bias per output channel."),
        weightInitAttr(),
    };
    s.inputs = {{"input", two ? "[N, C, H, W] images." : "[N, C, D, H, W] volumes."}};
    s.outputs = {{"output", two ? "[N, filters, H', W']" : "[N, filters, D', H', W']"}};
    s.infer = [spatial](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e =
                requireRank(x, 2 + spatial, spatial == 2 ? "[N, C, H, W]" : "[N, C, D, H, W]")) {
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
        std::int64_t outHW[3] = {1, 1, 1};
        for (int d = 0; d < spatial; ++d) {
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
        std::int64_t window = 1, positions = 1;
        for (int d = 0; d < spatial; ++d) {
            window *= k[std::size_t(d)];
            positions *= outHW[d];
        }
        auto weights = product({filters, c / groups, window});
        auto macs = weights ? product({*weights, positions}) : std::nullopt;
        auto outElems = product({filters, positions});
        if (!macs || !outElems || *macs > INT64_MAX / 2) {
            return fail("filters", "the convolution is too large to count");
        }
        bool bias = ctx.b("use_bias");
        Inferred out;
        IntList dims{filters};
        dims.insert(dims.end(), outHW, outHW + spatial);
        out.outputs = {Shape::batched(dims)};
        out.cost.flops = 2 * *macs + (bias ? *outElems : 0);
        return out;
    };
    // weight [filters, C/groups, (kd,) kh, kw] (PyTorch's layout), bias [filters].
    s.params = [](const InferContext& ctx) {
        std::int64_t filters = ctx.i("filters"), groups = ctx.i("groups");
        std::int64_t perGroup = ctx.input(0)[1] / groups;
        const auto& k = ctx.ints("kernel_size");
        std::int64_t window = 1;
        for (auto v : k) {
            window *= v;
        }
        std::int64_t fanIn = perGroup * window, fanOut = filters / groups * window;
        IntList shape{filters, perGroup};
        shape.insert(shape.end(), k.begin(), k.end());
        std::vector<ParamSpec> p{{"weight", shape, weightInit(ctx), fanIn, fanOut}};
        if (ctx.b("use_bias")) {
            p.push_back({"bias", {filters}, biasInit(ctx), fanIn, fanOut, true, false});
        }
        return p;
    };
    return s;
}

} // namespace

OpSchema conv2dSchema() {
    return convSchema(2);
}

OpSchema conv3dSchema() {
    return convSchema(3);
}

} // namespace nw::graph::ops
