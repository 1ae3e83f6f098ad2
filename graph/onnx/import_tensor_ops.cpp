// The ONNX import's mappers of the ops without weights: activations, Softmax, Dropout and
// Identity, Cast, the shape ops (Flatten, Reshape, Squeeze, Unsqueeze, Transpose), the joins
// (Concat, Add, Sum), Mul, the reductions and Gather.
#include "graph/onnx/import_mappers.h"
#include "graph/ops/positional_encoding.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

namespace nw::graph::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;

// A Reshape (or Squeeze, Unsqueeze) of `x` to the batched shape `y`: nothing when it changes
// nothing.
Why reshapeTo(MapContext& c, int x, const Shape& in, const Shape& y) {
    if (y == in) {
        return done(c, x);
    }
    return done(c, c.add("Reshape", {{"shape", Dims(y.dims.begin() + 1, y.dims.end())}}, {x}));
}

// Input 0 of a Squeeze, Unsqueeze or reduction as activation `x` of shape `s`, and the axes the
// op acts on: the attribute in older opsets, the constant input 1 in newer ones (13 for Squeeze
// and Unsqueeze, 18 for the reductions). Or why not.
Why axesInput(const MapContext& c, int& x, Shape& s, Dims& axes) {
    if (auto why = shapedInput(c, 0, x, s)) {
        return why;
    }
    axes = c.attrInts("axes");
    if (c.hasInput(1)) {
        const Constant* k = c.constant(1);
        if (!k) {
            return fail("its axes are not a constant");
        }
        axes = k->ints();
    }
    return mapped();
}

// Constant `c` broadcast over each sample of `s` (numpy's rule, the batch never): its shape
// without the leading 1s (at least [1]) in `dims`, its values as floats in `v`; or why not.
Why broadcastConstant(const Constant& c, const Shape& s, Dims& dims, std::vector<float>& v) {
    const std::string what = "the constant " + c.dimsText();
    if (c.hasBatchDim()) {
        return fail(what + " holds the batch size");
    }
    dims = c.dims;
    if (dims.size() > static_cast<std::size_t>(s.rank())) {
        return fail(what + " has more dimensions than " + s.toString());
    }
    if (dims.size() == static_cast<std::size_t>(s.rank())) {
        if (dims[0] != 1) {
            return fail(what + " varies along the batch axis of " + s.toString() +
                        "; Netwright applies one constant to every sample");
        }
        dims.erase(dims.begin());
    }
    while (dims.size() > 1 && dims.front() == 1) {
        dims.erase(dims.begin());
    }
    if (dims.empty()) {
        dims = {1};
    }
    for (std::size_t d = 0; d < dims.size(); ++d) {
        const std::int64_t have = s[s.rank() - static_cast<int>(dims.size() - d)];
        if (dims[d] != 1 && dims[d] != have) {
            return fail(what + " does not broadcast over " + s.toString() +
                        (have == 1 ? " without enlarging it" : ""));
        }
    }
    v.resize(static_cast<std::size_t>(c.numel()));
    for (std::size_t i = 0; i < v.size(); ++i) {
        v[i] = static_cast<float>(c.at(static_cast<std::int64_t>(i)));
    }
    return mapped();
}

// Gather along an axis of the sample by constant indices: each run of consecutive indices a
// Slice, the runs joined by a Concat, and a Reshape that puts the indices' shape in place of
// the axis ([2, 1, 0] of the channels reverses them; a scalar index drops the axis).
Why gatherBySlices(MapContext& c, int x, const Shape& s, std::int64_t axis, const Constant& index) {
    const std::int64_t a = axis < 0 ? axis + s.rank() : axis;
    if (a <= 0 || a >= s.rank()) {
        return fail("gathers along axis " + std::to_string(axis) + " of " + s.toString() +
                    ": Netwright keeps every sample of the batch");
    }
    const std::int64_t n = s[int(a)];
    Dims idx = index.ints();
    for (auto& i : idx) {
        i = i < 0 ? i + n : i;
        if (i < 0 || i >= n) {
            return fail("gathers index " + std::to_string(i) + " of an axis of " +
                        std::to_string(n));
        }
    }
    if (idx.empty()) {
        return fail("gathers nothing");
    }
    std::vector<int> parts;
    for (std::size_t k = 0; k < idx.size();) {
        std::size_t e = k + 1;
        while (e < idx.size() && idx[e] == idx[e - 1] + 1) {
            ++e;
        }
        parts.push_back(c.add("Slice", {{"axis", a}, {"start", idx[k]}, {"end", idx[e - 1] + 1}},
                              {x}, {}, "_part" + std::to_string(parts.size())));
        k = e;
    }
    const int y = parts.size() == 1 ? parts[0] : c.add("Concat", {{"axis", a}}, parts);
    Shape joined = s;
    joined.dims[std::size_t(a)] = std::int64_t(idx.size());
    Dims out(s.dims.begin() + 1, s.dims.begin() + a);
    out.insert(out.end(), index.dims.begin(), index.dims.end());
    out.insert(out.end(), s.dims.begin() + a + 1, s.dims.end());
    return reshapeTo(c, y, joined, Shape::batched(out));
}

std::int64_t product(const Dims& d) {
    std::int64_t p = 1;
    for (auto v : d) {
        p *= v;
    }
    return p;
}

} // namespace

Why mapUnary(MapContext& c, const char* op, AttrMap attrs) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    return done(c, c.add(op, std::move(attrs), {x}));
}

Why mapIdentity(MapContext& c) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    return done(c, x);
}

Why mapDropout(MapContext& c) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    if (auto why = refuseExtraOutputs(c, "the mask")) {
        return why;
    }
    float ratio = c.attrFloat("ratio", 0.5f); // before opset 12
    if (c.hasInput(1)) {
        const Constant* r = c.constant(1);
        if (!r || r->numel() != 1) {
            return fail("its ratio is not a constant");
        }
        ratio = static_cast<float>(r->at(0));
    }
    if (c.hasInput(2)) {
        const Constant* t = c.constant(2);
        if (t && t->numel() == 1 && t->at(0) != 0.0 && ratio == 0.0f) {
            return done(c, x); // dropping nothing, always: the identity
        }
        if (!t || t->at(0) != 0.0) {
            return fail("training_mode is not a constant false (a dropout that also runs in "
                        "inference; Netwright's runs in training only)");
        }
    }
    return done(c, c.add("Dropout", {{"rate", shortestDouble(ratio)}}, {x}));
}

// Cast to a float type is the identity for our f32 tensors; to an integer type only token ids
// on their way into an Embedding's Gather are.
Why mapCast(MapContext& c) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    const auto to = static_cast<std::int32_t>(c.attrInt("to", onnx::TensorProto::FLOAT));
    if (to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE) {
        return done(c, x); // the engine computes in float32 either way
    }
    // A cast of the graph input to a type that holds each of its values (float8 to float16,
    // int4 to int8) changes nothing.
    if (x == 0 && holdsExactly(to, c.state.inputElemType)) {
        return done(c, x);
    }
    if (auto format = numberFormatOf(to)) { // rounds: our Cast, the values staying float32
        const CastRounding r = castRoundingOf(c.node);
        static const char* const kModes[] = {"up", "down", "nearest"};
        return done(c, c.add("Cast",
                             {{"to", std::string(numberFormatName(*format))},
                              {"saturate", r.saturate},
                              {"round_mode", std::string(kModes[int(r.rounding)])}},
                             {x}));
    }
    if (isFloatType(to) || elementBytes(to) == 0 || to == onnx::TensorProto::BOOL) {
        return fail("casts an activation to " + elementTypeName(to) +
                    ", which rounds or changes its values; Netwright computes in float32 and "
                    "has no such cast");
    }
    const std::string& out = c.node.output(0);
    for (const onnx::NodeProto* n : c.state.consumers(out)) {
        if (n->op_type() != "Gather" || n->input_size() < 2 || n->input(1) != out ||
            !c.state.constant(n->input(0))) {
            return fail("casts an activation to integers, which maps only as the token ids of a "
                        "Gather from a constant table (Embedding)");
        }
    }
    return done(c, x);
}

Why mapSoftmax(MapContext& c) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    // Before opset 13 Softmax flattens to 2-D at `axis` (default 1): ours only when that is
    // the last axis.
    const bool coerced = c.state.opset < 13;
    const std::int64_t axis = c.attrInt("axis", coerced ? 1 : -1);
    if (coerced) {
        auto s = c.shapeOf(x);
        if (!s) {
            return unknownInput();
        }
        const std::int64_t normalised = axis < 0 ? axis + s->rank() : axis;
        if (normalised != s->rank() - 1) {
            return fail("before opset 13 Softmax normalises axes " + std::to_string(axis) +
                        ".. together; Netwright's normalises one axis (maps when it is the last)");
        }
    }
    return done(c, c.add("Softmax", {{"axis", axis}}, {x}));
}

Why mapFlatten(MapContext& c) {
    const std::int64_t axis = c.attrInt("axis", 1);
    if (axis != 1) {
        return fail("axis " + std::to_string(axis) +
                    " merges the batch with other dims; Netwright's Flatten keeps it (axis 1)");
    }
    return mapUnary(c, "Flatten");
}

Why mapReshape(MapContext& c) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    const Constant* target = c.constant(1);
    if (!target) {
        auto a = c.activation(1);
        return a && *a == kUnknown ? unknownInput()
                                   : fail("its target shape is computed from the data at run "
                                          "time; only shapes that fold to constants map");
    }
    auto s = c.shapeOf(x);
    if (!s) {
        return unknownInput();
    }
    auto y = reshapeTarget(*s, target->ints(), c.attrInt("allowzero", 0) != 0, c.state.staticBatch);
    if (!y) {
        return fail(y.error());
    }
    return reshapeTo(c, x, *s, *y);
}

// Squeeze / Unsqueeze of an activation: a Reshape, when the batch axis stays where it is.
Why mapSqueeze(MapContext& c, bool unsqueeze) {
    int x;
    Shape s;
    Dims axes;
    if (auto why = axesInput(c, x, s, axes)) {
        return why;
    }
    const std::int64_t rank = s.rank() + (unsqueeze ? static_cast<std::int64_t>(axes.size()) : 0);
    std::vector<bool> marked(static_cast<std::size_t>(rank), false);
    for (std::int64_t a : axes) {
        const std::int64_t n = a < 0 ? a + rank : a;
        if (n <= 0 || n >= rank || marked[static_cast<std::size_t>(n)]) {
            return fail("axis " + std::to_string(a) +
                        " is the batch axis, repeated or out of range");
        }
        marked[static_cast<std::size_t>(n)] = true;
    }
    Dims out{Shape::kBatch};
    for (std::int64_t k = 1, from = 1; k < rank; ++k) {
        if (unsqueeze) {
            out.push_back(marked[std::size_t(k)] ? 1 : s[static_cast<int>(from++)]);
        } else if (axes.empty() ? s[static_cast<int>(k)] != 1 : !marked[std::size_t(k)]) {
            out.push_back(s[static_cast<int>(k)]);
        } else if (s[static_cast<int>(k)] != 1) {
            return fail("axis " + std::to_string(k) + " of " + s.toString() + " is not 1");
        }
    }
    if (out.size() < 2) {
        return fail("squeezes " + s.toString() + " down to the batch alone");
    }
    return reshapeTo(c, x, s, Shape{out});
}

Why mapTranspose(MapContext& c) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    Dims perm = c.attrInts("perm");
    if (perm.empty() || perm[0] != 0) {
        return fail("perm " + (perm.empty() ? std::string("(reversed)") : dimsText(perm)) +
                    " moves the batch axis; Netwright keeps it first");
    }
    return done(c, c.add("Transpose", {{"perm", perm}}, {x}));
}

// Concat, Sum, Add: several activations into one of our variadic ops; Concat's constant
// inputs (a class token before the patches) as Constant nodes.
Why mapJoin(MapContext& c, const char* op, AttrMap attrs) {
    std::optional<Shape> like; // an activation's, for the constants' rank
    for (int k = 0; k < c.node.input_size() && !like; ++k) {
        if (auto ref = c.activation(k); ref && *ref >= 0) {
            like = c.shapeOf(*ref);
        }
    }
    std::vector<int> in;
    for (int k = 0; k < c.node.input_size(); ++k) {
        int x;
        if (std::string(op) == "Concat" && c.constant(k) && like) {
            if (auto why = constantInput(c, k, *like, x)) {
                return why;
            }
        } else if (auto why = activationInput(c, k, x)) {
            return why;
        }
        in.push_back(x);
    }
    if (in.size() == 1) {
        return done(c, in[0]);
    }
    return done(c, c.add(op, std::move(attrs), std::move(in)));
}

Why mapConcat(MapContext& c) {
    if (!c.attr("axis")) {
        return fail("has no axis");
    }
    return mapJoin(c, "Concat", {{"axis", c.attrInt("axis", 1)}});
}

// Add of two activations; of an activation [N, T, C] and a constant table [T, C]: a
// PositionalEncoding, sinusoidal when the table is exactly ours; of any other constant: Scale.
Why mapAdd(MapContext& c) {
    const Constant* table = c.constant(1) ? c.constant(1) : c.constant(0);
    if (!table) {
        return mapJoin(c, "Add", {});
    }
    int x;
    Shape s;
    if (auto why = shapedInput(c, c.constant(1) ? 0 : 1, x, s)) {
        return why;
    }
    Dims dims = table->dims;
    while (dims.size() > 2 && dims.front() == 1) {
        dims.erase(dims.begin());
    }
    if (s.rank() != 3 || !table->isFloat || dims != Dims{s[1], s[2]}) {
        return mapArithmetic(c, '+');
    }
    const std::vector<float> sinusoidal = ops::sinusoidalTable(dims[0], dims[1]);
    if (std::memcmp(sinusoidal.data(), table->f.data(), sinusoidal.size() * sizeof(float)) == 0) {
        return done(c, c.add("PositionalEncoding", {{"kind", std::string("sinusoidal")}}, {x}));
    }
    return done(c, c.add("PositionalEncoding", {{"kind", std::string("learned")}}, {x},
                         {{"position", {dims, table->f}}}));
}

// Expand of a constant to [N, dims...] (the batch from the input's Shape): a Constant node of
// the value broadcast to dims — our exporter's Constant, a class token expanded over the
// batch. Of an activation to a shape of its rank: a Mul by a frozen Constant of ones, which
// broadcasts its dims of 1 (the identity when nothing grows).
Why mapExpand(MapContext& c) {
    const Constant* target = c.constant(1);
    if (!target) {
        return fail("its shape is not a constant");
    }
    Dims t = target->ints();
    const bool batched = !t.empty() && t[0] == kBatchDim;
    if (const Constant* k = c.constant(0)) {
        if (!batched || !k->isFloat || k->dims.size() > t.size() || t.size() < 2) {
            return fail("expands a constant to " + dimsText(t) +
                        " (maps only to [N, ...], N the batch)");
        }
        Dims out(t.begin() + 1, t.end()), in = k->dims;
        in.insert(in.begin(), t.size() - in.size(), 1);
        for (std::size_t d = 1; d < t.size(); ++d) { // numpy's rule, 1 broadcasting
            if (in[d] != 1 && out[d - 1] != 1 && in[d] != out[d - 1]) {
                return fail("expands " + k->dimsText() + " to " + dimsText(t));
            }
            out[d - 1] = std::max(in[d], out[d - 1]);
        }
        if (in[0] != 1) {
            return fail("expands a constant " + k->dimsText() + " that varies along the batch");
        }
        std::vector<float> v(std::size_t(std::max<std::int64_t>(1, product(out))));
        const auto outStrides = stridesOf(out);
        const Dims src(in.begin() + 1, in.end());
        const auto inStrides = stridesOf(src);
        for (std::size_t o = 0; o < v.size(); ++o) {
            std::int64_t rest = std::int64_t(o), at = 0;
            for (std::size_t d = 0; d < out.size(); ++d) {
                const std::int64_t i = rest / outStrides[d];
                rest %= outStrides[d];
                at += src[d] == 1 ? 0 : i * inStrides[d];
            }
            v[o] = k->f[std::size_t(at)];
        }
        const int ref = c.add("Constant", {{"shape", out}}, {}, {{"value", {out, std::move(v)}}});
        c.state.plan.back().trainable = c.state.learnedConstant(c.node.input(0));
        return done(c, ref);
    }
    int x;
    Shape s;
    if (auto why = shapedInput(c, 0, x, s)) {
        return why;
    }
    if (std::int64_t(t.size()) < s.rank()) { // numpy aligns from the right: 1s in front
        t.insert(t.begin(), std::size_t(s.rank()) - t.size(), 1);
    }
    if (!batched && t[0] != 1) {
        return fail("expands " + s.toString() + " to " + dimsText(t) +
                    " (maps to a shape of at least its rank whose first axis is the batch)");
    }
    if (std::int64_t(t.size()) > s.rank()) { // numpy's new leading axes, after the batch
        Dims grown(t.size() - std::size_t(s.rank()), 1);
        grown.insert(grown.end(), s.dims.begin() + 1, s.dims.end());
        x = c.add("Reshape", {{"shape", grown}}, {x}, {}, "_rank");
        s = Shape::batched(grown);
    }
    Dims out;
    for (int d = 1; d < s.rank(); ++d) {
        const std::int64_t want = t[std::size_t(d)];
        if (want != 1 && s[d] != 1 && want != s[d]) {
            return fail("expands " + s.toString() + " to " + dimsText(t));
        }
        out.push_back(std::max(want, s[d]));
    }
    if (Shape::batched(out) == s) {
        return done(c, x);
    }
    const int ones =
        c.add("Constant", {{"shape", out}}, {},
              {{"value", {out, std::vector<float>(std::size_t(product(out)), 1.0f)}}}, "_ones");
    c.state.plan.back().trainable = false;
    return done(c, c.add("Mul", {}, {x, ones}));
}

// Mul of two activations of one rank, each dim equal or 1 in one of them (our Mul's rule: a
// squeeze-and-excitation gate [N, C, 1, 1] over [N, C, H, W]); by a constant: Scale.
Why mapMul(MapContext& c) {
    if (c.constant(0) || c.constant(1)) {
        return mapArithmetic(c, '*');
    }
    int a, b;
    Shape sa, sb;
    if (auto why = shapedInputs(c, a, sa, b, sb)) {
        return why;
    }
    if (sa.rank() != sb.rank()) {
        return fail("multiplies " + sa.toString() + " by " + sb.toString() +
                    ": numpy's broadcasting would align the batch axis of the lower-rank input "
                    "with another axis; Netwright's Mul takes inputs of one rank");
    }
    const OpSchema* mul = c.state.registry.find("Mul");
    const std::vector<Shape> shapes{sa, sb};
    if (auto inferred = mul->inferNode(InferContext(mul->defaults(), shapes)); !inferred) {
        return fail(inferred.error().message);
    }
    return done(c, c.add("Mul", {}, {a, b}));
}

// x / c of integers, which truncates: x · (1/c), then our Cast to the integer type (exact
// while |x| < 2^24: an integer quotient's product rounds back to it, another stays between
// its neighbours).
static Why integerDivide(MapContext& c, int x, const Shape& s, const Constant& divisor) {
    static const std::map<std::int32_t, const char*> kFormats{
        {onnx::TensorProto::INT8, "int8"},   {onnx::TensorProto::UINT8, "uint8"},
        {onnx::TensorProto::INT16, "int16"}, {onnx::TensorProto::UINT16, "uint16"},
        {onnx::TensorProto::INT32, "int32"}, {onnx::TensorProto::UINT32, "uint32"},
        {onnx::TensorProto::INT64, "int32"}, {onnx::TensorProto::UINT64, "uint32"}};
    auto format = kFormats.find(divisor.elemType);
    if (format == kFormats.end()) {
        return fail("divides " + elementTypeName(divisor.elemType) + " values");
    }
    Dims dims;
    std::vector<float> v;
    if (auto why = broadcastConstant(divisor, s, dims, v)) {
        return why;
    }
    for (float& f : v) {
        if (f == 0) {
            return fail("divides integers by 0");
        }
        f = 1.0f / f;
    }
    const int scaled = c.add("Scale", {{"shape", dims}, {"use_shift", false}}, {x},
                             {{"scale", HostTensor{dims, std::move(v)}}}, "_scale");
    c.state.plan.back().trainable = false;
    return done(c, c.add("Cast", {{"to", std::string(format->second)}}, {scaled}));
}

// x + c, x − c, c − x, x · c and x / c with one constant c broadcast over each sample: a Scale
// node x · scale + shift, which also takes the chain of such ops that follows when each is the
// only reader of the one before and its constant has the same shape ((x − mean) / std is one
// Scale, and so is our exporter's Mul and Add). Learned when a constant is a tensor
// initializer (a model's parameter, as LayerScale's), frozen when each is one number or the
// graph computes it. x − y of two activations of one shape: Add(x, Scale(y, −1)).
Why mapArithmetic(MapContext& c, char op) {
    if (!c.constant(0) && !c.constant(1)) {
        int x, y;
        Shape sx, sy;
        if (auto why = shapedInputs(c, x, sx, y, sy)) {
            return why;
        }
        if (op != '-' || sy != sx) {
            return fail(std::string(op == '-' ? "subtracts " : "divides ") + sx.toString() +
                        (op == '-' ? " and " : " by ") + sy.toString() +
                        (op == '-' ? ": Netwright subtracts activations of one shape only"
                                   : ": Netwright divides by constants only"));
        }
        const int negated = c.add("Scale", {{"shape", Dims{1}}, {"use_shift", false}}, {y},
                                  {{"scale", {{1}, {-1.0f}}}}, "_negate");
        c.state.plan.back().trainable = false;
        return done(c, c.add("Add", {}, {x, negated}));
    }
    int k = c.constant(1) ? 1 : 0; // the constant's input
    int x;
    Shape s;
    if (auto why = shapedInput(c, 1 - k, x, s)) {
        return why;
    }
    Dims dims;
    std::vector<float> v;
    if (auto why = broadcastConstant(*c.constant(k), s, dims, v)) {
        return why;
    }
    if (op == '/' && k == 0) {
        return fail("divides the constant " + c.constant(k)->dimsText() +
                    " by an activation; Netwright has no reciprocal op");
    }
    if (op == '/' && !isFloatType(c.constant(k)->elemType)) {
        return integerDivide(c, x, s, *c.constant(k));
    }
    std::vector<float> scale(v.size(), 1.0f), shift(v.size(), 0.0f);
    bool useScale = false, useShift = false, learned = false;
    const onnx::NodeProto* n = &c.node;
    for (;;) {
        for (std::size_t i = 0; i < v.size(); ++i) { // y = x · scale + shift, then y op v
            float& a = scale[i];
            float& b = shift[i];
            switch (op) {
            case '+':
                b += v[i];
                break;
            case '-':
                k == 1 ? b -= v[i] : (a = -a, b = v[i] - b);
                break;
            case '*':
                a *= v[i], b *= v[i];
                break;
            default:
                a /= v[i], b /= v[i];
                break; // '/' by the constant
            }
        }
        useScale = useScale || op == '*' || op == '/' || (op == '-' && k == 0);
        useShift = useShift || op == '+' || op == '-';
        learned = learned || c.state.learnedConstant(n->input(k));
        // The next op of the chain: the only reader, of these four, with a constant of `dims`.
        const onnx::NodeProto* next = c.state.soleConsumer(n->output(0));
        static const std::string kOps = "AddSubMulDiv";
        if (!next || next->input_size() != 2 || next->op_type().size() != 3 ||
            kOps.find(next->op_type()) == std::string::npos) {
            break;
        }
        const int nk = next->input(0) == n->output(0) ? 1 : 0;
        const Constant* nc = c.state.constant(next->input(nk));
        Dims nd;
        std::vector<float> nv;
        const char nop = "+-*/"[kOps.find(next->op_type()) / 3];
        if (!nc || next->input(1 - nk) != n->output(0) || (nop == '/' && nk == 0) ||
            (nop == '/' && !isFloatType(nc->elemType)) || broadcastConstant(*nc, s, nd, nv) ||
            nd != dims) {
            break;
        }
        c.absorb(*next);
        n = next;
        op = nop;
        k = nk;
        v = std::move(nv);
    }
    std::vector<std::pair<std::string, HostTensor>> params;
    if (useScale) {
        params.emplace_back("scale", HostTensor{dims, std::move(scale)});
    }
    if (useShift) {
        params.emplace_back("shift", HostTensor{dims, std::move(shift)});
    }
    if (!c.absorbed.empty()) {
        c.nameGroup();
    }
    c.add("Scale", {{"shape", dims}, {"use_scale", useScale}, {"use_shift", useShift}}, {x},
          std::move(params));
    c.state.plan.back().trainable = learned;
    c.define(n->output(0), static_cast<int>(c.state.plan.size()) - 1);
    return mapped();
}

// ReduceMean / ReduceMax over the steps of [N, T, C] (SequencePool), or over the positions of
// [N, C, H, W] (GlobalAvgPool / GlobalMaxPool).
Why mapReduce(MapContext& c, bool isMax) {
    int x;
    Shape s;
    Dims axes;
    if (auto why = axesInput(c, x, s, axes)) {
        return why;
    }
    for (auto& a : axes) {
        a = a < 0 ? a + s.rank() : a;
    }
    std::sort(axes.begin(), axes.end());
    const bool keep = c.attrInt("keepdims", 1) != 0;
    if (s.rank() == 3 && axes == Dims{1}) {
        const int pooled =
            c.add("SequencePool", {{"mode", std::string(isMax ? "max" : "mean")}}, {x});
        return keep ? done(c, c.add("Reshape", {{"shape", Dims{1, s[2]}}}, {pooled}, {}, "_keep"))
                    : done(c, pooled);
    }
    if (s.rank() == 4 && axes == Dims{2, 3}) {
        const int pooled = c.add(isMax ? "GlobalMaxPool" : "GlobalAvgPool", {}, {x});
        return keep
                   ? done(c, c.add("Reshape", {{"shape", Dims{s[1], 1, 1}}}, {pooled}, {}, "_keep"))
                   : done(c, pooled);
    }
    // Axes of the sample: moved last by a Transpose unless they are already, then [N, P, R, 1]
    // for the global pool (P the kept dims, R the reduced ones); or [N, R, Q] for SequencePool
    // when they come first. A Reshape to the kept dims follows.
    const bool sampleAxes = !axes.empty() && axes.front() >= 1 && axes.back() < s.rank() &&
                            std::adjacent_find(axes.begin(), axes.end()) == axes.end();
    if (sampleAxes) {
        Dims kept, out; // kept: the sample axes not reduced; out: the ONNX output, no batch
        std::int64_t p = 1, r = 1;
        for (int d = 1; d < s.rank(); ++d) {
            const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
            (reduced ? r : p) *= s[d];
            if (!reduced) {
                kept.push_back(d);
            }
            if (!reduced || keep) {
                out.push_back(reduced ? 1 : s[d]);
            }
        }
        const bool contiguous = axes.back() - axes.front() + 1 == std::int64_t(axes.size());
        const bool last = contiguous && axes.back() == s.rank() - 1;
        const bool first = contiguous && axes.front() == 1;
        int in = x;
        if (!last && !first) { // the reduced axes last, the batch first
            Dims perm{0};
            perm.insert(perm.end(), kept.begin(), kept.end());
            perm.insert(perm.end(), axes.begin(), axes.end());
            in = c.add("Transpose", {{"perm", perm}}, {x}, {}, "_order");
        }
        const bool pool = !first || last;
        in = c.add("Reshape", {{"shape", pool ? Dims{p, r, 1} : Dims{r, p}}}, {in}, {}, "_window");
        AttrMap attrs;
        if (!pool) {
            attrs["mode"] = std::string(isMax ? "max" : "mean");
        }
        const int pooled =
            c.add(pool ? (isMax ? "GlobalMaxPool" : "GlobalAvgPool") : "SequencePool",
                  std::move(attrs), {in});
        return reshapeTo(c, pooled, Shape::batched({p}), Shape::batched(out));
    }
    return fail("reduces axes " + dimsText(axes) + " of " + s.toString() +
                " (maps over axes of the sample that are contiguous and first or last)");
}

// Gather from a constant table [V, D] by token ids (Embedding), or of the last step of a
// sequence [N, T, C] (SequencePool "last"; our exporter follows it with a Squeeze).
Why mapGather(MapContext& c) {
    const std::int64_t axis = c.attrInt("axis", 0);
    if (const Constant* table = c.constant(0)) {
        int ids;
        if (auto why = activationInput(c, 1, ids)) {
            return why;
        }
        if (axis != 0 || !table->isFloat || table->dims.size() != 2) {
            return fail("gathers from a constant " + table->dimsText() +
                        " (maps as Embedding: rows of a float table [V, D], axis 0)");
        }
        return done(c, c.add("Embedding",
                             {{"vocabulary", table->dims[0]}, {"dimension", table->dims[1]}}, {ids},
                             {{"weight", hostTensor(*table)}}));
    }
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    const Constant* index = c.constant(1);
    auto s = c.shapeOf(x);
    if (!s && index) {
        return unknownInput();
    }
    if (!index) {
        return fail("gathers from an activation by computed indices");
    }
    const bool lastStep = index->numel() == 1 && s->rank() == 3 && (axis == 1 || axis == -2) &&
                          (index->ints()[0] == -1 || index->ints()[0] == (*s)[1] - 1);
    if (!lastStep) {
        return gatherBySlices(c, x, *s, axis, *index);
    }
    const std::string& out = c.node.output(0);
    const onnx::NodeProto* squeeze = c.state.soleConsumer(out);
    if (!index->dims.empty() && squeeze && squeeze->op_type() == "Squeeze") {
        const Constant* axes =
            squeeze->input_size() > 1 ? c.state.constant(squeeze->input(1)) : nullptr;
        const auto* attr = MapContext::attrOf(*squeeze, "axes");
        const Dims a = axes   ? axes->ints()
                       : attr ? Dims(attr->ints().begin(), attr->ints().end())
                              : Dims{};
        if (a == Dims{1} || a == Dims{-2}) {
            c.absorb(*squeeze);
            c.nameGroup();
            const int last = c.add("SequencePool", {{"mode", std::string("last")}}, {x});
            c.define(squeeze->output(0), last);
            return mapped();
        }
    }
    const int last = c.add("SequencePool", {{"mode", std::string("last")}}, {x});
    if (index->dims.empty()) {
        return done(c, last); // a scalar index drops the axis itself
    }
    return done(c, c.add("Reshape", {{"shape", Dims{1, (*s)[2]}}}, {last}, {}, "_step"));
}

} // namespace nw::graph::onnx_import
