// The ONNX import's mappers of the ops with weights or windows: Conv, the poolings, Pad,
// BatchNormalization, LayerNormalization, LRN, Gemm and MatMul. Layouts are the exporter's
// (op_mapping.cpp), read back.
#include "graph/onnx/import_mappers.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

namespace nw::graph::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;
using Params = std::vector<std::pair<std::string, HostTensor>>;

// Conv pads [top, left, bottom, right] for TensorFlow's "same" over input [h, w], as the
// exporter writes them.
std::array<std::int64_t, 4> samePads(const Shape& x, const Dims& k, const Dims& stride,
                                     const Dims& dil) {
    std::array<std::int64_t, 4> pads{};
    for (int d = 0; d < 2; ++d) {
        const std::int64_t in = x[2 + d], out = (in + stride[d] - 1) / stride[d];
        const std::int64_t total =
            std::max<std::int64_t>((out - 1) * stride[d] + dil[d] * (k[d] - 1) + 1 - in, 0);
        pads[d] = total / 2;
        pads[2 + d] = total - total / 2;
    }
    return pads;
}

// The shape of activation `x`, which must be [N, C, H, W]; or why not.
Why nchwShapeOf(const MapContext& c, int x, Shape& s) {
    auto known = c.shapeOf(x);
    if (!known) {
        return unknownInput();
    }
    if (known->rank() != 4) {
        return fail("expects [N, C, H, W], got " + known->toString());
    }
    s = std::move(*known);
    return mapped();
}

// Whether consumer `n` of a [N, C, 1, 1] value only drops the two unit axes: Flatten(axis 1)
// (our exporter's GlobalAvgPool), or a Reshape to a known [N, C].
bool dropsUnitAxes(const ImportState& st, const onnx::NodeProto& n, std::int64_t channels) {
    if (n.op_type() == "Flatten") {
        const auto* a = MapContext::attrOf(n, "axis");
        return !a || a->i() == 1;
    }
    if (n.op_type() == "Reshape" && n.input_size() == 2) {
        const Constant* shape = st.constant(n.input(1));
        if (!shape) {
            return false;
        }
        auto y =
            reshapeTarget(Shape::batched({channels, 1, 1}), shape->ints(), false, st.staticBatch);
        return y && *y == Shape::batched({channels});
    }
    return false;
}

// A 1-D window over [N, C, T] runs as the 2-D op over [N, C, 1, T]: Reshape `x` to that (once
// noted), and `back` Reshapes the 2-D result [N, F, 1, T'] to [N, F, T'].
Why liftTo2D(MapContext& c, int& x, const char* what) {
    Shape s;
    if (auto why = shapedInput(c, 0, x, s)) {
        return why;
    }
    if (s.rank() != 3) {
        return fail(std::string("a 1-D ") + what + " expects [N, C, T], got " + s.toString());
    }
    const PlannedNode& from = c.state.plan[static_cast<std::size_t>(x)];
    if (from.op == "Reshape" && c.shapeOf(from.inputs[0]) == Shape::batched({s[1], 1, s[2]})) {
        x = from.inputs[0]; // the 2-D result of the 1-D op before
    } else {
        x = c.add("Reshape", {{"shape", Dims{s[1], 1, s[2]}}}, {x}, {}, "_2d");
        if (auto bad = c.state.check(static_cast<std::size_t>(x))) {
            return *bad;
        }
    }
    const std::string note = std::string("1-D ") + what +
                             "s over [N, C, T] import as the 2-D op over [N, C, 1, T] between "
                             "two Reshapes";
    if (std::find(c.state.notes.begin(), c.state.notes.end(), note) == c.state.notes.end()) {
        c.state.notes.push_back(note);
    }
    return mapped();
}

Why back(MapContext& c, int y) {
    if (auto bad = c.state.check(static_cast<std::size_t>(y))) {
        return *bad;
    }
    const Shape s = *c.shapeOf(y);
    return done(c, c.add("Reshape", {{"shape", Dims{s[1], s[3]}}}, {y}, {}, "_1d"));
}

} // namespace

// Conv over [N, C, D, H, W] as Conv3D: symmetric pads (or VALID), the rest as given.
Why mapConv3D(MapContext& c, const Constant& w, const Constant* b) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    const Dims k = c.attrInts("kernel_shape", Dims(w.dims.begin() + 2, w.dims.end()));
    const Dims stride = c.attrInts("strides", {1, 1, 1}), dil = c.attrInts("dilations", {1, 1, 1});
    const std::string autoPad = c.attrString("auto_pad", "NOTSET");
    Dims pads = c.attrInts("pads", Dims(6, 0));
    if (autoPad == "VALID") {
        pads.assign(6, 0);
    } else if (autoPad != "NOTSET") {
        return fail("auto_pad '" + autoPad + "' over a 3-D convolution does not map");
    }
    if (k != Dims(w.dims.begin() + 2, w.dims.end()) || stride.size() != 3 || dil.size() != 3 ||
        pads.size() != 6 || pads[0] != pads[3] || pads[1] != pads[4] || pads[2] != pads[5]) {
        return fail("kernel_shape, strides, dilations or pads " + dimsText(pads) +
                    " do not describe a 3-D convolution with pads alike on both sides");
    }
    AttrMap a{{"filters", w.dims[0]},
              {"kernel_size", k},
              {"stride", stride},
              {"dilation", dil},
              {"groups", c.attrInt("group", 1)},
              {"use_bias", b != nullptr},
              {"padding", Dims{pads[0], pads[1], pads[2]}}};
    Params params{{"weight", hostTensor(w)}};
    if (b) {
        auto bias = biasVector(*b, w.dims[0]);
        if (!bias) {
            return fail("its bias is " + b->dimsText() + " for " + std::to_string(w.dims[0]) +
                        " filters");
        }
        params.emplace_back("bias", std::move(*bias));
    }
    return done(c, c.add("Conv3D", std::move(a), {x}, std::move(params)));
}

Why mapConv(MapContext& c) {
    const Constant* w = c.constant(1);
    if (!w || !w->isFloat) {
        return fail("its weight is not a constant");
    }
    if (w->dims.size() < 3 || w->dims.size() > 5) {
        return fail(std::to_string(int(w->dims.size()) - 2) +
                    "-D convolutions have no Netwright op (Conv2D and Conv3D; 1-D ones run as "
                    "Conv2D)");
    }
    const Constant* b = c.constant(2);
    if (c.hasInput(2) && !b) {
        return fail("its bias is not a constant");
    }
    if (w->dims.size() == 5) {
        return mapConv3D(c, *w, b);
    }
    const bool lifted = w->dims.size() == 3;
    int x;
    if (auto why = lifted ? liftTo2D(c, x, "convolution") : activationInput(c, 0, x)) {
        return why;
    }
    Constant weight = *w;
    Dims k = c.attrInts("kernel_shape", Dims(w->dims.begin() + 2, w->dims.end()));
    Dims stride = c.attrInts("strides", Dims(k.size(), 1));
    Dims dil = c.attrInts("dilations", Dims(k.size(), 1));
    Dims pads = c.attrInts("pads", Dims(2 * k.size(), 0));
    if (lifted) { // the unit axis first: [F, C, k] -> [F, C, 1, k]
        weight.dims.insert(weight.dims.begin() + 2, 1);
        for (Dims* d : {&k, &stride, &dil}) {
            d->insert(d->begin(), 1);
        }
        if (pads.size() == 2) {
            pads = {0, pads[0], 0, pads[1]};
        }
    }
    if (k != Dims{weight.dims[2], weight.dims[3]} || stride.size() != 2 || dil.size() != 2 ||
        std::min({stride[0], stride[1], dil[0], dil[1]}) < 1) {
        return fail("kernel_shape, strides or dilations do not describe a " +
                    std::string(lifted ? "1-D" : "2-D") + " convolution");
    }
    AttrMap a{{"filters", w->dims[0]},
              {"kernel_size", k},
              {"stride", stride},
              {"dilation", dil},
              {"groups", c.attrInt("group", 1)},
              {"use_bias", b != nullptr}};
    const std::string autoPad = c.attrString("auto_pad", "NOTSET");
    if (autoPad == "SAME_UPPER") {
        a["padding_mode"] = std::string("same");
    } else if (autoPad == "SAME_LOWER" || (autoPad == "NOTSET" && pads.size() == 4 &&
                                           (pads[0] != pads[2] || pads[1] != pads[3]))) {
        Shape s;
        if (auto why = nchwShapeOf(c, x, s)) {
            return why;
        }
        auto same = samePads(s, k, stride, dil);
        if (autoPad == "NOTSET" && Dims(same.begin(), same.end()) == pads) {
            a["padding_mode"] = std::string("same"); // how our exporter writes "same"
        } else if (autoPad == "SAME_LOWER" && same[0] == same[2] && same[1] == same[3]) {
            a["padding"] = Dims{same[0], same[1]};
        } else {
            return fail("pads " + (autoPad == "NOTSET" ? dimsText(pads) : autoPad) +
                        " are asymmetric: Netwright pads both sides alike, or as 'same' (the "
                        "extra row and column at the end)");
        }
    } else if (autoPad == "NOTSET" || autoPad == "VALID") {
        if (pads.size() != 4) {
            return fail("pads " + dimsText(pads) + " are not [top, left, bottom, right]");
        }
        a["padding"] = autoPad == "VALID" ? Dims{0, 0} : Dims{pads[0], pads[1]};
    } else {
        return fail("auto_pad '" + autoPad + "' is not an ONNX value");
    }
    Params params{{"weight", hostTensor(weight)}};
    if (b) {
        auto bias = biasVector(*b, w->dims[0]);
        if (!bias) {
            return fail("its bias is " + b->dimsText() + " for " + std::to_string(w->dims[0]) +
                        " filters");
        }
        params.emplace_back("bias", std::move(*bias));
    }
    const int y = c.add("Conv2D", std::move(a), {x}, std::move(params));
    return lifted ? back(c, y) : done(c, y);
}

namespace {

// Our MaxPool2D / AvgPool2D over `x` with ONNX's window (pads [top, left, bottom, right]),
// ceil_mode and count_include_pad (ONNX's default 0, ours true, where padding makes it matter).
int addPool2D(MapContext& c, int x, bool isMax, const Dims& k, const Dims& stride, const Dims& dil,
              const Dims& pads, const std::string& suffix) {
    AttrMap a{{"kernel_size", k}, {"stride", stride}};
    if (pads[0] == pads[2] && pads[1] == pads[3]) {
        a["padding"] = Dims{pads[0], pads[1]};
    } else {
        a["padding"] = Dims{pads[0], pads[2], pads[1], pads[3]}; // top, bottom, left, right
    }
    if (dil[0] != 1 || dil[1] != 1) {
        a["dilation"] = dil;
    }
    if (c.attrInt("ceil_mode", 0) != 0) {
        a["ceil_mode"] = true;
    }
    const bool padded = *std::max_element(pads.begin(), pads.end()) > 0;
    if (!isMax && padded && c.attrInt("count_include_pad", 0) == 0) {
        a["count_include_pad"] = false;
    }
    return c.add(isMax ? "MaxPool2D" : "AvgPool2D", std::move(a), {x}, {}, suffix);
}

// 3-D pooling over [N, C, D, H, W], which is separable: our 2-D pool over H and W of
// [N, C·D, H, W], then over D of [N, C, D, H'·W'] with a window (kd, 1), between Reshapes.
// (The max of maxima is the maximum; an average of averages is the average, the real cells of
// a box being the product of its axes' — also without count_include_pad.)
Why mapPool3D(MapContext& c, bool isMax, const Dims& k, const Dims& stride, const Dims& dil,
              const Dims& pads) {
    int x;
    Shape s;
    if (auto why = shapedInput(c, 0, x, s)) {
        return why;
    }
    if (s.rank() != 5 || stride.size() != 3 || dil.size() != 3 || pads.size() != 6) {
        return fail("3-D pooling expects [N, C, D, H, W] and three of each window attribute");
    }
    const std::string autoPad = c.attrString("auto_pad", "NOTSET");
    if (autoPad != "NOTSET" && autoPad != "VALID") {
        return fail("auto_pad '" + autoPad + "' over 3-D pooling does not map");
    }
    const Dims p = autoPad == "VALID" ? Dims(6, 0) : pads; // [d, h, w] begins, then ends
    const int planes =
        c.add("Reshape", {{"shape", Dims{s[1] * s[2], s[3], s[4]}}}, {x}, {}, "_planes");
    const int hw = addPool2D(c, planes, isMax, {k[1], k[2]}, {stride[1], stride[2]},
                             {dil[1], dil[2]}, {p[1], p[2], p[4], p[5]}, "_hw");
    if (auto bad = c.state.check(static_cast<std::size_t>(planes))) {
        return *bad;
    }
    const Shape pooled = *c.shapeOf(hw); // [N, C·D, H', W']
    const int depth =
        c.add("Reshape", {{"shape", Dims{s[1], s[2], pooled[2] * pooled[3]}}}, {hw}, {}, "_depth");
    const int d =
        addPool2D(c, depth, isMax, {k[0], 1}, {stride[0], 1}, {dil[0], 1}, {p[0], 0, p[3], 0}, "");
    if (auto bad = c.state.check(static_cast<std::size_t>(depth))) {
        return *bad;
    }
    const Shape out = *c.shapeOf(d); // [N, C, D', H'·W']
    return done(
        c, c.add("Reshape", {{"shape", Dims{s[1], out[2], pooled[2], pooled[3]}}}, {d}, {}, "_3d"));
}

} // namespace

// MaxPool and AveragePool over NCHW: explicit pads (symmetric as `padding` [rows, columns],
// else [top, bottom, left, right]) or auto_pad, MaxPool's dilations, ceil_mode as it is,
// and AveragePool's count_include_pad where padding makes it matter (ONNX's default is 0,
// Netwright's true).
Why mapPool(MapContext& c, bool isMax) {
    if (auto why = refuseExtraOutputs(c, "the indices")) {
        return why;
    }
    Dims k = c.attrInts("kernel_shape");
    const bool lifted = k.size() == 1;
    Dims stride = c.attrInts("strides", Dims(k.size(), 1));
    Dims dil = c.attrInts("dilations", Dims(k.size(), 1));
    Dims pads = c.attrInts("pads", Dims(2 * k.size(), 0));
    if (k.size() == 3) {
        if (c.attrInt("storage_order", 0) != 0) {
            return fail("storage_order 1 has no Netwright equivalent");
        }
        return mapPool3D(c, isMax, k, stride, dil, pads);
    }
    if (lifted) {
        for (Dims* d : {&k, &stride, &dil}) {
            d->insert(d->begin(), 1);
        }
        if (pads.size() == 2) {
            pads = {0, pads[0], 0, pads[1]};
        }
    }
    int x;
    if (auto why = lifted ? liftTo2D(c, x, "pooling") : activationInput(c, 0, x)) {
        return why;
    }
    if (k.size() != 2 || stride.size() != 2 || dil.size() != 2 ||
        std::min({k[0], k[1], stride[0], stride[1], dil[0], dil[1]}) < 1) {
        return fail("only 1-D, 2-D and 3-D pooling over [N, C, T], [N, C, H, W] and "
                    "[N, C, D, H, W] map");
    }
    if (c.attrInt("storage_order", 0) != 0) {
        return fail("storage_order 1 has no Netwright equivalent");
    }
    const std::string autoPad = c.attrString("auto_pad", "NOTSET");
    if (autoPad == "VALID") {
        pads = {0, 0, 0, 0};
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
        Shape s;
        if (auto why = nchwShapeOf(c, x, s)) {
            return why;
        }
        auto same = samePads(s, k, stride, dil); // the odd one at the end: SAME_UPPER
        if (autoPad == "SAME_LOWER") {
            std::swap(same[0], same[2]);
            std::swap(same[1], same[3]);
        }
        pads.assign(same.begin(), same.end());
    } else if (autoPad != "NOTSET") {
        return fail("auto_pad '" + autoPad + "' is not an ONNX value");
    }
    if (pads.size() != 4 || *std::min_element(pads.begin(), pads.end()) < 0) {
        return fail("pads " + dimsText(pads) + " are not [top, left, bottom, right]");
    }
    const int y = addPool2D(c, x, isMax, k, stride, dil, pads, "");
    return lifted ? back(c, y) : done(c, y);
}

// GlobalAveragePool / GlobalMaxPool [N, C, H, W] -> [N, C, 1, 1]: our GlobalAvgPool /
// GlobalMaxPool [N, C], then a Reshape back to [C, 1, 1] unless every consumer drops the unit
// axes anyway.
Why mapGlobalPool(MapContext& c, bool isMax) {
    const char* op = isMax ? "GlobalMaxPool" : "GlobalAvgPool";
    int x;
    Shape s;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    if (auto why = nchwShapeOf(c, x, s)) {
        return why;
    }
    const std::string& out = c.node.output(0);
    const auto& consumers = c.state.consumers(out);
    bool absorbing = out != c.state.output() && !consumers.empty();
    for (const onnx::NodeProto* n : consumers) {
        absorbing = absorbing && dropsUnitAxes(c.state, *n, s[1]);
    }
    if (absorbing) {
        for (const onnx::NodeProto* n : consumers) {
            c.absorb(*n);
        }
        c.nameGroup();
    }
    const int pooled = c.add(op, {}, {x});
    if (!absorbing) {
        return done(c, c.add("Reshape", {{"shape", Dims{s[1], 1, 1}}}, {pooled}, {}, "_nchw"));
    }
    for (const onnx::NodeProto* n : consumers) {
        c.define(n->output(0), pooled);
    }
    return mapped();
}

// Pad of a 4-D tensor by constant, non-negative pads on H and W only, the pads the input
// (opset 11 on, over the axes of the optional input `axes`, opset 18 on) or the attribute
// (before); modes constant (the fill: the input constant_value or, before opset 11, the
// attribute value), reflect and edge.
Why mapPad(MapContext& c) {
    int x;
    Shape s;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    const std::string mode = c.attrString("mode", "constant");
    if (mode == "wrap") {
        return fail("mode 'wrap' has no Netwright equivalent (constant, reflect and edge map)");
    }
    if (mode != "constant" && mode != "reflect" && mode != "edge") {
        return fail("mode '" + mode + "' is not an ONNX value");
    }
    Dims pads = c.attrInts("pads");
    if (c.hasInput(1)) {
        const Constant* p = c.constant(1);
        if (!p || p->isFloat || p->hasBatchDim()) {
            return fail("its pads are not a constant (only constant pads map)");
        }
        pads = p->ints();
    }
    if (auto why = nchwShapeOf(c, x, s)) {
        return why;
    }
    if (c.hasInput(3)) {
        const Constant* a = c.constant(3);
        if (!a || a->isFloat) {
            return fail("its axes are not a constant");
        }
        const Dims axes = a->ints();
        if (pads.size() != 2 * axes.size()) {
            return fail("pads " + dimsText(pads) + " do not pad the axes " + dimsText(axes));
        }
        Dims all(8, 0);
        for (std::size_t k = 0; k < axes.size(); ++k) {
            const std::int64_t ax = axes[k] < 0 ? axes[k] + 4 : axes[k];
            if (ax < 0 || ax > 3) {
                return fail("axis " + std::to_string(axes[k]) + " is not one of " + s.toString());
            }
            all[std::size_t(ax)] = pads[k];
            all[std::size_t(ax) + 4] = pads[axes.size() + k];
        }
        pads = all;
    }
    if (pads.size() != 8) {
        return fail("pads " + dimsText(pads) + " are not the 8 of a 4-D tensor [N, C, H, W]");
    }
    if (*std::min_element(pads.begin(), pads.end()) < 0) {
        return fail("pads " + dimsText(pads) + " are negative (a crop); Netwright's Pad only adds");
    }
    if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) {
        return fail("pads " + dimsText(pads) +
                    " pad the batch or the channels; Netwright pads H and W only");
    }
    AttrMap a{{"padding", Dims{pads[2], pads[6], pads[3], pads[7]}}, {"mode", mode}};
    if (mode == "constant") {
        float value = c.attrFloat("value", 0.0f);
        if (c.hasInput(2)) {
            const Constant* v = c.constant(2);
            if (!v || !v->isFloat || v->numel() != 1) {
                return fail("its constant_value is not a constant scalar");
            }
            value = v->f[0];
        }
        a["value"] = shortestDouble(value);
    }
    return done(c, c.add("Pad", std::move(a), {x}));
}

// LRN over [N, C, H, W] with an odd size; the attributes are ONNX's own.
Why mapLrn(MapContext& c) {
    int x;
    Shape s;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    if (auto why = nchwShapeOf(c, x, s)) {
        return why;
    }
    if (!c.attr("size")) {
        return fail("has no size (ONNX requires one)");
    }
    const std::int64_t size = c.attrInt("size", 0);
    if (size < 1 || size % 2 == 0) {
        return fail("size " + std::to_string(size) +
                    " is not odd: Netwright's LRN centres its window on each channel");
    }
    return done(c, c.add("LRN",
                         {{"size", size},
                          {"alpha", shortestDouble(c.attrFloat("alpha", 1e-4f))},
                          {"beta", shortestDouble(c.attrFloat("beta", 0.75f))},
                          {"bias", shortestDouble(c.attrFloat("bias", 1.0f))}},
                         {x}));
}

Why mapBatchNorm(MapContext& c) {
    int x;
    Shape s;
    if (auto why = shapedInput(c, 0, x, s)) {
        return why;
    }
    const bool lifted = s.rank() == 3; // BatchNorm1d over [N, C, T]
    const bool volume = s.rank() == 5; // BatchNorm3d over [N, C, D, H, W]: as [N, C, D·H, W]
    if (c.attrInt("training_mode", 0) != 0) {
        return fail("training_mode = 1: only the inference form maps");
    }
    if (auto why = refuseExtraOutputs(c, "running statistics")) {
        return why;
    }
    Params params;
    const char* names[] = {"gamma", "beta", "running_mean", "running_var"};
    for (int k = 0; k < 4; ++k) {
        const Constant* p = c.constant(k + 1);
        if (!p || !p->isFloat || p->dims.size() != 1) {
            return fail("its scale, bias, mean and variance must be constant vectors [C]");
        }
        params.emplace_back(names[k], hostTensor(*p));
    }
    AttrMap a{{"epsilon", shortestDouble(c.attrFloat("epsilon", 1e-5f))}};
    if (c.attr("momentum")) { // ONNX weights the running value, we the batch: m' = 1 - m
        const double m = 1.0 - shortestDouble(c.attrFloat("momentum", 0.9f));
        a["momentum"] = std::round(m * 1e7) / 1e7;
    }
    if (lifted) {
        if (auto why = liftTo2D(c, x, "batch norm")) {
            return why;
        }
    }
    if (volume) {
        x = c.add("Reshape", {{"shape", Dims{s[1], s[2] * s[3], s[4]}}}, {x}, {}, "_2d");
    }
    const int y = c.add("BatchNorm", std::move(a), {x}, std::move(params));
    if (volume) {
        return done(c, c.add("Reshape", {{"shape", Dims{s[1], s[2], s[3], s[4]}}}, {y}, {}, "_3d"));
    }
    return lifted ? back(c, y) : done(c, y);
}

Why mapLayerNorm(MapContext& c) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    if (auto why = refuseExtraOutputs(c, "mean and inverse deviation")) {
        return why;
    }
    auto s = c.shapeOf(x);
    if (!s) {
        return unknownInput();
    }
    std::int64_t axis = c.attrInt("axis", -1);
    axis = axis < 0 ? axis + s->rank() : axis;
    if (axis < 1 || axis >= s->rank()) {
        return fail("axis " + std::to_string(c.attrInt("axis", -1)) + " of " + s->toString() +
                    " normalises the batch or nothing");
    }
    std::int64_t m = 1;
    for (int d = static_cast<int>(axis); d < s->rank(); ++d) {
        m *= (*s)[d];
    }
    const Constant* scale = c.constant(1);
    const Constant* bias = c.constant(2);
    if (!scale || !scale->isFloat || scale->numel() != m || (c.hasInput(2) && !bias) ||
        (bias && (!bias->isFloat || bias->numel() != m))) {
        return fail("its scale and bias must be constants of the normalised shape (" +
                    std::to_string(m) + " values)");
    }
    Params params{{"gamma", {{m}, scale->f}},
                  {"beta", {{m}, bias ? bias->f : std::vector<float>(std::size_t(m), 0.0f)}}};
    return done(c, c.add("LayerNorm",
                         {{"epsilon", shortestDouble(c.attrFloat("epsilon", 1e-5f))},
                          {"normalized_dims", s->rank() - axis}},
                         {x}, std::move(params)));
}

Why mapGemm(MapContext& c) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    const Constant* b = c.constant(1);
    if (!b || !b->isFloat || b->dims.size() != 2) {
        return fail("its B is not a constant matrix (only x · W + b maps, as Dense)");
    }
    if (c.attrInt("transA", 0) != 0) {
        return fail("transA = 1 transposes the activation; Dense computes x · W^T + b");
    }
    // alpha · x · B + beta · C is Dense with the weights scaled by alpha, the bias by beta.
    Constant w = c.attrInt("transB", 0) != 0 ? *b : transposed(*b, {1, 0});
    const float alpha = c.attrFloat("alpha", 1.0f), beta = c.attrFloat("beta", 1.0f);
    for (float& v : w.f) {
        v *= alpha;
    }
    const Constant* given = c.constant(2);
    if (c.hasInput(2) && (!given || !biasVector(*given, w.dims[0]))) {
        return fail("its C is not a constant bias of " + std::to_string(w.dims[0]) + " values");
    }
    std::optional<Constant> bias;
    if (given) {
        bias = *given;
        for (float& v : bias->f) {
            v *= beta;
        }
    }
    return done(c, addDense(c, x, w, bias ? &*bias : nullptr));
}

Why mapMatMul(MapContext& c) {
    int a, b;
    if (auto why = activationInput(c, 0, a)) {
        return why;
    }
    if (c.constant(1)) { // not Dense's 2-D matrix: a batched one, as a Constant node
        Shape s;
        if (auto why = shapedInput(c, 0, a, s)) {
            return why;
        }
        if (auto why = constantInput(c, 1, s, b)) {
            return fail("multiplies by a constant " + c.constant(1)->dimsText() +
                        " (a 2-D float matrix maps as Dense, one of the activation's rank as a "
                        "Constant node)");
        }
        return done(c, c.add("MatMul", {}, {a, b}));
    }
    if (auto why = activationInput(c, 1, b)) {
        return why;
    }
    return done(c, c.add("MatMul", {}, {a, b}));
}

} // namespace nw::graph::onnx_import
