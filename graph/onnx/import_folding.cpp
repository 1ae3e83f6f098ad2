// Constant folding at import: the shape arithmetic exporters emit in front of a Reshape
// (PyTorch: Shape -> Gather -> Unsqueeze -> Concat), and the constant expressions in front of
// weights (our exporter's Transpose of a Dense weight, Concat of recurrent biases), evaluated
// here on host vectors. The batch of a Shape stays symbolic (kBatchDim): it may be moved
// around, not computed with.
#include "graph/onnx/import_state.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

namespace nw::graph::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;
using TP = onnx::TensorProto;

std::int64_t numelOf(const Dims& d) {
    return std::accumulate(d.begin(), d.end(), std::int64_t{1}, std::multiplies<>());
}

// `axis` in [-rank, rank) as [0, rank), or nullopt.
std::optional<std::int64_t> normalised(std::int64_t axis, std::int64_t rank) {
    if (axis < -rank || axis >= rank) {
        return std::nullopt;
    }
    return axis < 0 ? axis + rank : axis;
}

// A constant of the same kind as `like` with `dims` and the elements of `like` at `source`.
Constant gathered(const Constant& like, Dims dims, const std::vector<std::int64_t>& source) {
    Constant out;
    out.dims = std::move(dims);
    out.isFloat = like.isFloat;
    out.elemType = like.elemType;
    for (std::int64_t s : source) {
        if (like.isFloat) {
            out.f.push_back(like.f[static_cast<std::size_t>(s)]);
        } else {
            out.i.push_back(like.i[static_cast<std::size_t>(s)]);
        }
    }
    return out;
}

// The axes of Squeeze / Unsqueeze / Reduce*: the attribute before opset 13, input 1 after.
std::optional<Dims> axesOf(const MapContext& c) {
    if (const auto* a = c.attr("axes")) {
        return Dims(a->ints().begin(), a->ints().end());
    }
    if (const Constant* k = c.constant(1)) {
        return k->ints();
    }
    return std::nullopt;
}

Why foldConstant(MapContext& c) {
    const onnx::AttributeProto* a = nullptr;
    if ((a = c.attr("value"))) {
        auto t = decodeTensor(a->t(), c.state.label(c.node) + "'s value");
        if (!t) {
            return t.error().message;
        }
        c.state.setConstant(c.node.output(0), std::move(*t));
    } else if ((a = c.attr("value_float"))) {
        c.state.setConstant(c.node.output(0), Constant::floats({}, {a->f()}));
    } else if ((a = c.attr("value_floats"))) {
        c.state.setConstant(
            c.node.output(0),
            Constant::floats({a->floats_size()}, {a->floats().begin(), a->floats().end()}));
    } else if ((a = c.attr("value_int"))) {
        c.state.setConstant(c.node.output(0), Constant::int64s({}, {a->i()}));
    } else if ((a = c.attr("value_ints"))) {
        c.state.setConstant(
            c.node.output(0),
            Constant::int64s({a->ints_size()}, {a->ints().begin(), a->ints().end()}));
    } else {
        return std::string("only tensor, float and int values are read (not sparse or string)");
    }
    return mapped();
}

Why foldShape(MapContext& c) {
    Dims dims;
    if (const Constant* k = c.constant(0)) {
        dims = k->dims;
    } else {
        auto shape = c.shapeOf(*c.activation(0));
        if (!shape) {
            return unknownInput();
        }
        dims = shape->dims;
        dims[0] = kBatchDim;
    }
    const auto rank = static_cast<std::int64_t>(dims.size());
    std::int64_t start = c.attrInt("start", 0), end = c.attrInt("end", rank);
    start = std::clamp(start < 0 ? start + rank : start, std::int64_t{0}, rank);
    end = std::clamp(end < 0 ? end + rank : end, std::int64_t{0}, rank);
    Dims out(dims.begin() + start, dims.begin() + std::max(start, end));
    const auto n = static_cast<std::int64_t>(out.size());
    c.state.setConstant(c.node.output(0), Constant::int64s({n}, std::move(out)));
    return mapped();
}

Why foldCast(MapContext& c, const Constant& x) {
    const auto to = static_cast<std::int32_t>(c.attrInt("to", TP::FLOAT));
    Constant out = x;
    out.elemType = to;
    if (isFloatType(to) && !x.isFloat) {
        if (x.hasBatchDim()) {
            return std::string("casts the batch size to a float");
        }
        out.isFloat = true;
        out.f.assign(x.i.begin(), x.i.end());
        out.i.clear();
    } else if (!isFloatType(to) && x.isFloat) {
        out.isFloat = false;
        out.i.clear();
        for (float v : x.f) { // the narrow integers' rule (0 out of range) where it applies
            const auto format = numberFormatOf(to);
            out.i.push_back(format ? std::int64_t(roundTo(*format, v)) : std::int64_t(v));
        }
        out.f.clear();
    }
    if (auto format = numberFormatOf(to); format && out.isFloat) { // rounds, as the op does
        const CastRounding r = castRoundingOf(c.node);
        for (float& v : out.f) {
            v = roundTo(*format, v, r.saturate, r.rounding);
        }
    }
    if (to == TP::BOOL) {
        for (auto& v : out.i) {
            v = v != 0;
        }
    }
    c.state.setConstant(c.node.output(0), std::move(out));
    return mapped();
}

Why foldGather(MapContext& c, const Constant& data, const Constant& indices) {
    const auto rank = static_cast<std::int64_t>(data.dims.size());
    auto axis = normalised(c.attrInt("axis", 0), rank);
    if (!axis || indices.isFloat) {
        return std::string("gathers with an invalid axis or float indices");
    }
    const std::int64_t extent = data.dims[static_cast<std::size_t>(*axis)];
    Dims outDims(data.dims.begin(), data.dims.begin() + *axis);
    outDims.insert(outDims.end(), indices.dims.begin(), indices.dims.end());
    outDims.insert(outDims.end(), data.dims.begin() + *axis + 1, data.dims.end());
    const std::int64_t outer = numelOf(Dims(data.dims.begin(), data.dims.begin() + *axis));
    const std::int64_t inner = numelOf(Dims(data.dims.begin() + *axis + 1, data.dims.end()));
    std::vector<std::int64_t> source;
    for (std::int64_t o = 0; o < outer; ++o) {
        for (std::int64_t idx : indices.i) {
            if (idx < -extent || idx >= extent || idx == kBatchDim) {
                return "index " + std::to_string(idx) + " is out of range";
            }
            idx = idx < 0 ? idx + extent : idx;
            for (std::int64_t k = 0; k < inner; ++k) {
                source.push_back((o * extent + idx) * inner + k);
            }
        }
    }
    c.state.setConstant(c.node.output(0), gathered(data, std::move(outDims), source));
    return mapped();
}

Why foldUnsqueeze(MapContext& c, const Constant& x) {
    auto axes = axesOf(c);
    if (!axes) {
        return std::string("has no axes");
    }
    const auto rank = static_cast<std::int64_t>(x.dims.size() + axes->size());
    std::vector<bool> inserted(static_cast<std::size_t>(rank), false);
    for (std::int64_t a : *axes) {
        auto n = normalised(a, rank);
        if (!n || inserted[static_cast<std::size_t>(*n)]) {
            return "axis " + std::to_string(a) + " is invalid";
        }
        inserted[static_cast<std::size_t>(*n)] = true;
    }
    Constant out = x;
    out.dims.clear();
    std::size_t from = 0;
    for (std::int64_t k = 0; k < rank; ++k) {
        out.dims.push_back(inserted[static_cast<std::size_t>(k)] ? 1 : x.dims[from++]);
    }
    c.state.setConstant(c.node.output(0), std::move(out));
    return mapped();
}

Why foldSqueeze(MapContext& c, const Constant& x) {
    const auto rank = static_cast<std::int64_t>(x.dims.size());
    std::vector<bool> drop(x.dims.size(), false);
    if (auto axes = axesOf(c)) {
        for (std::int64_t a : *axes) {
            auto n = normalised(a, rank);
            if (!n || x.dims[static_cast<std::size_t>(*n)] != 1) {
                return "axis " + std::to_string(a) + " is not of size 1";
            }
            drop[static_cast<std::size_t>(*n)] = true;
        }
    } else {
        for (std::size_t k = 0; k < x.dims.size(); ++k) {
            drop[k] = x.dims[k] == 1;
        }
    }
    Constant out = x;
    out.dims.clear();
    for (std::size_t k = 0; k < x.dims.size(); ++k) {
        if (!drop[k]) {
            out.dims.push_back(x.dims[k]);
        }
    }
    c.state.setConstant(c.node.output(0), std::move(out));
    return mapped();
}

Why foldConcat(MapContext& c, const std::vector<const Constant*>& parts) {
    const auto rank = static_cast<std::int64_t>(parts[0]->dims.size());
    auto axis = normalised(c.attrInt("axis", 0), rank);
    if (!axis) {
        return std::string("axis is invalid");
    }
    bool anyFloat = false;
    for (const Constant* p : parts) {
        anyFloat |= p->isFloat;
        for (std::int64_t k = 0; k < rank; ++k) {
            if (static_cast<std::int64_t>(p->dims.size()) != rank ||
                (k != *axis && p->dims[std::size_t(k)] != parts[0]->dims[std::size_t(k)])) {
                return std::string("joins constants of different shapes");
            }
        }
    }
    Constant out;
    out.isFloat = anyFloat;
    out.elemType = parts[0]->elemType;
    out.dims = parts[0]->dims;
    out.dims[static_cast<std::size_t>(*axis)] = 0;
    const std::int64_t outer = numelOf(Dims(out.dims.begin(), out.dims.begin() + *axis));
    for (const Constant* p : parts) {
        out.dims[static_cast<std::size_t>(*axis)] += p->dims[static_cast<std::size_t>(*axis)];
    }
    for (std::int64_t o = 0; o < outer; ++o) {
        for (const Constant* p : parts) {
            const std::int64_t block = outer == 0 ? 0 : p->numel() / outer;
            for (std::int64_t k = o * block; k < (o + 1) * block; ++k) {
                if (anyFloat) {
                    out.f.push_back(static_cast<float>(p->at(k)));
                } else {
                    out.i.push_back(p->i[static_cast<std::size_t>(k)]);
                }
            }
        }
    }
    c.state.setConstant(c.node.output(0), std::move(out));
    return mapped();
}

Why foldReshape(MapContext& c, const Constant& x, const Constant& shape) {
    Dims target = shape.ints();
    const bool allowZero = c.attrInt("allowzero", 0) != 0;
    std::int64_t known = 1;
    int infer = -1;
    for (std::size_t k = 0; k < target.size(); ++k) {
        if (target[k] == 0 && !allowZero && k < x.dims.size()) {
            target[k] = x.dims[k];
        }
        if (target[k] == -1) {
            infer = static_cast<int>(k);
        } else if (target[k] < 0) {
            return std::string("reshapes a constant with the batch size");
        } else {
            known *= target[k];
        }
    }
    if (infer >= 0 && known > 0) {
        target[static_cast<std::size_t>(infer)] = x.numel() / known;
    }
    if (numelOf(target) != x.numel()) {
        return std::string("reshapes a constant to a shape of another size");
    }
    Constant out = x;
    out.dims = target;
    c.state.setConstant(c.node.output(0), std::move(out));
    return mapped();
}

// Slice (opset 10+: starts, ends, axes, steps as inputs; before: attributes).
Why foldSlice(MapContext& c, const Constant& x) {
    Dims starts, ends, axes, steps;
    if (c.state.opset < 10) {
        starts = c.attrInts("starts");
        ends = c.attrInts("ends");
        axes = c.attrInts("axes");
    } else {
        starts = c.constant(1)->ints();
        ends = c.constant(2)->ints();
        if (c.constant(3)) {
            axes = c.constant(3)->ints();
        }
        if (c.constant(4)) {
            steps = c.constant(4)->ints();
        }
    }
    const auto rank = static_cast<std::int64_t>(x.dims.size());
    if (axes.empty()) {
        for (std::size_t k = 0; k < starts.size(); ++k) {
            axes.push_back(static_cast<std::int64_t>(k));
        }
    }
    steps.resize(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size()) {
        return std::string("has starts, ends and axes of different lengths");
    }
    Dims begin(x.dims.size(), 0), step(x.dims.size(), 1), count = x.dims;
    for (std::size_t k = 0; k < starts.size(); ++k) {
        auto a = normalised(axes[k], rank);
        if (!a || steps[k] == 0) {
            return std::string("has an invalid axis or step");
        }
        const std::int64_t dim = x.dims[static_cast<std::size_t>(*a)];
        auto clampIndex = [&](std::int64_t v, bool forward) {
            v = v < 0 ? v + dim : v;
            return forward ? std::clamp(v, std::int64_t{0}, dim)
                           : std::clamp(v, std::int64_t{-1}, dim - 1);
        };
        const bool forward = steps[k] > 0;
        const std::int64_t s = clampIndex(std::max(starts[k], -dim * 2), forward);
        const std::int64_t e = clampIndex(std::max(ends[k], -dim * 2), forward);
        const std::int64_t span = forward ? e - s : s - e;
        const std::int64_t st = std::abs(steps[k]);
        begin[static_cast<std::size_t>(*a)] = s;
        step[static_cast<std::size_t>(*a)] = steps[k];
        count[static_cast<std::size_t>(*a)] = span <= 0 ? 0 : (span + st - 1) / st;
    }
    const Dims inStrides = stridesOf(x.dims), outStrides = stridesOf(count);
    std::vector<std::int64_t> source;
    for (std::int64_t o = 0; o < numelOf(count); ++o) {
        std::int64_t rest = o, src = 0;
        for (std::size_t k = 0; k < count.size(); ++k) {
            const std::int64_t idx = rest / outStrides[k];
            rest %= outStrides[k];
            src += (begin[k] + idx * step[k]) * inStrides[k];
        }
        source.push_back(src);
    }
    c.state.setConstant(c.node.output(0), gathered(x, count, source));
    return mapped();
}

// Add, Sub, Mul, Div with NumPy broadcasting.
Why foldArithmetic(MapContext& c, const Constant& a, const Constant& b) {
    if (a.hasBatchDim() || b.hasBatchDim()) {
        return std::string("computes with the batch size, which is known only at run time");
    }
    const std::size_t rank = std::max(a.dims.size(), b.dims.size());
    auto padded = [&](const Dims& d) {
        Dims p(rank - d.size(), 1);
        p.insert(p.end(), d.begin(), d.end());
        return p;
    };
    const Dims da = padded(a.dims), db = padded(b.dims);
    Dims out(rank);
    for (std::size_t k = 0; k < rank; ++k) {
        if (da[k] != db[k] && da[k] != 1 && db[k] != 1) {
            return std::string("operands do not broadcast");
        }
        out[k] = da[k] == 1 ? db[k] : da[k];
    }
    const Dims sa = stridesOf(da), sb = stridesOf(db), so = stridesOf(out);
    const std::string& op = c.node.op_type();
    const bool isFloat = a.isFloat || b.isFloat;
    Constant y;
    y.dims = out;
    y.isFloat = isFloat;
    y.elemType = isFloat ? TP::FLOAT : a.elemType;
    for (std::int64_t o = 0; o < numelOf(out); ++o) {
        std::int64_t rest = o, ia = 0, ib = 0;
        for (std::size_t k = 0; k < rank; ++k) {
            const std::int64_t idx = rest / so[k];
            rest %= so[k];
            ia += (da[k] == 1 ? 0 : idx) * sa[k];
            ib += (db[k] == 1 ? 0 : idx) * sb[k];
        }
        if (isFloat) {
            const double x = a.at(ia), z = b.at(ib);
            y.f.push_back(static_cast<float>(op == "Add"   ? x + z
                                             : op == "Sub" ? x - z
                                             : op == "Mul" ? x * z
                                                           : x / z));
        } else {
            const std::int64_t x = a.i[static_cast<std::size_t>(ia)];
            const std::int64_t z = b.i[static_cast<std::size_t>(ib)];
            if (op == "Div" && z == 0) {
                return std::string("divides by zero");
            }
            y.i.push_back(op == "Add" ? x + z : op == "Sub" ? x - z : op == "Mul" ? x * z : x / z);
        }
    }
    c.state.setConstant(c.node.output(0), std::move(y));
    return mapped();
}

} // namespace

bool isFoldable(const std::string& op) {
    static const char* const kOps[] = {"Constant",  "Identity", "Cast",   "Shape",     "Gather",
                                       "Unsqueeze", "Squeeze",  "Concat", "Transpose", "Reshape",
                                       "Slice",     "Add",      "Sub",    "Mul",       "Div"};
    return std::find(std::begin(kOps), std::end(kOps), op) != std::end(kOps);
}

Why foldNode(MapContext& c) {
    const std::string& op = c.node.op_type();
    if (op == "Constant") {
        return foldConstant(c);
    }
    if (op == "Shape") {
        return foldShape(c);
    }
    std::vector<const Constant*> in;
    for (int k = 0; k < c.node.input_size(); ++k) {
        in.push_back(c.constant(k)); // nullptr for an absent optional input
    }
    if (in.empty() || !in[0]) {
        return std::string("has no constant input");
    }
    const bool binary = op == "Gather" || op == "Reshape" || op == "Add" || op == "Sub" ||
                        op == "Mul" || op == "Div";
    if ((binary && (in.size() < 2 || !in[1])) ||
        (op == "Concat" && std::find(in.begin(), in.end(), nullptr) != in.end()) ||
        (op == "Slice" && c.state.opset >= 10 && (in.size() < 3 || !in[1] || !in[2]))) {
        return std::string("lacks a constant input");
    }
    if (op == "Identity") {
        c.state.setConstant(c.node.output(0), *in[0]);
        return mapped();
    }
    if (op == "Cast") {
        return foldCast(c, *in[0]);
    }
    if (op == "Gather") {
        return foldGather(c, *in[0], *in[1]);
    }
    if (op == "Unsqueeze") {
        return foldUnsqueeze(c, *in[0]);
    }
    if (op == "Squeeze") {
        return foldSqueeze(c, *in[0]);
    }
    if (op == "Concat") {
        return foldConcat(c, in);
    }
    if (op == "Transpose") {
        Dims perm = c.attrInts("perm");
        if (perm.empty()) {
            for (std::size_t k = in[0]->dims.size(); k-- > 0;) {
                perm.push_back(static_cast<std::int64_t>(k));
            }
        }
        Dims sorted = perm;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t k = 0; k < sorted.size(); ++k) {
            if (sorted.size() != in[0]->dims.size() || sorted[k] != static_cast<std::int64_t>(k)) {
                return std::string("perm is not a permutation of the axes");
            }
        }
        c.state.setConstant(c.node.output(0), transposed(*in[0], perm));
        return mapped();
    }
    if (op == "Reshape") {
        return foldReshape(c, *in[0], *in[1]);
    }
    if (op == "Slice") {
        return foldSlice(c, *in[0]);
    }
    return foldArithmetic(c, *in[0], *in[1]);
}

} // namespace nw::graph::onnx_import
