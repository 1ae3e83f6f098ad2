// The reference interpreter's int64 shape arithmetic and its Slice and Split (see
// reference_shapes.h). Every strided pick goes through one index map: the offsets in the
// source of each output element, row-major.
#include "graph/onnx/reference_shapes.h"

#include "graph/onnx/import_tensor.h"
#include "graph/onnx/slice_bounds.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>
#include <set>

namespace nw::graph::onnx_export {

namespace {

using Dims = std::vector<std::int64_t>;
using I = std::int64_t;

I numel(const Dims& d) {
    return std::accumulate(d.begin(), d.end(), I{1}, std::multiplies<>());
}

const onnx::AttributeProto* findAttr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute()) {
        if (a.name() == name) {
            return &a;
        }
    }
    return nullptr;
}

I attrInt(const onnx::NodeProto& n, const std::string& name, I def) {
    const auto* a = findAttr(n, name);
    return a ? a->i() : def;
}

std::optional<Dims> attrInts(const onnx::NodeProto& n, const std::string& name) {
    const auto* a = findAttr(n, name);
    return a ? std::optional<Dims>(Dims(a->ints().begin(), a->ints().end())) : std::nullopt;
}

Error failure(const onnx::NodeProto& n, const std::string& why) {
    return Error::internal("reference runner: " + n.op_type() + " (node '" + n.name() + "') " +
                           why);
}

// `axis` in [-rank, rank) as [0, rank), or nullopt.
std::optional<I> normalised(I axis, I rank) {
    if (axis < -rank || axis >= rank) {
        return std::nullopt;
    }
    return axis < 0 ? axis + rank : axis;
}

struct Ints {
    Dims dims;
    Dims data;
};

// The int64 tensors of the run.
struct IntEnv {
    IntValues& ints;
    IntValues& dims;

    bool has(const std::string& name) const { return ints.count(name) > 0; }
    Ints get(const std::string& name) const {
        const Dims& data = ints.at(name);
        auto d = dims.find(name);
        return {d != dims.end() ? d->second : Dims{static_cast<I>(data.size())}, data};
    }
    void set(const std::string& name, Ints t) {
        dims[name] = std::move(t.dims);
        ints[name] = std::move(t.data);
    }
};

// Input `k` of `n` as int64 values: an int64 tensor, or a float one of integral values;
// nullopt when the input is absent.
std::optional<Dims> indexInput(const onnx::NodeProto& n, int k, const std::vector<const Value*>& in,
                               const IntValues& ints) {
    if (k >= n.input_size() || n.input(k).empty()) {
        return std::nullopt;
    }
    if (auto it = ints.find(n.input(k)); it != ints.end()) {
        return it->second;
    }
    if (static_cast<std::size_t>(k) < in.size() && in[std::size_t(k)]) {
        Dims out;
        for (float f : in[std::size_t(k)]->data) {
            out.push_back(static_cast<I>(std::llround(f)));
        }
        return out;
    }
    return std::nullopt;
}

// Where each element of a slice of `dims` comes from: the output dims and, row-major, the
// source offset of each output element. `axes` empty: 0, 1, ...; `steps` empty: all 1.
Expected<std::pair<Dims, Dims>> sliceSource(const onnx::NodeProto& n, const Dims& dims,
                                            const Dims& starts, const Dims& ends, Dims axes,
                                            Dims steps) {
    const I rank = static_cast<I>(dims.size());
    if (axes.empty()) {
        for (std::size_t k = 0; k < starts.size(); ++k) {
            axes.push_back(static_cast<I>(k));
        }
    }
    if (steps.empty()) {
        steps.assign(starts.size(), 1);
    }
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size()) {
        return failure(n, "has starts, ends, axes and steps of different lengths");
    }
    Dims first(dims.size(), 0), step(dims.size(), 1), count = dims;
    for (std::size_t k = 0; k < starts.size(); ++k) {
        auto a = normalised(axes[k], rank);
        if (!a) {
            return failure(n, "has the axis " + std::to_string(axes[k]) + " out of range");
        }
        auto r = onnx_slice::axisRange(starts[k], ends[k], steps[k], dims[std::size_t(*a)]);
        if (!r) {
            return failure(n, "has a step of 0");
        }
        first[std::size_t(*a)] = r->first;
        step[std::size_t(*a)] = r->step;
        count[std::size_t(*a)] = r->count;
    }
    const Dims in = onnx_import::stridesOf(dims);
    Dims source(static_cast<std::size_t>(numel(count)));
    for (std::size_t o = 0; o < source.size(); ++o) {
        I rest = static_cast<I>(o), from = 0;
        for (std::size_t d = dims.size(); d-- > 0;) {
            const I idx = rest % count[d];
            rest /= count[d];
            from += (first[d] + idx * step[d]) * in[d];
        }
        source[o] = from;
    }
    return std::make_pair(count, source);
}

template <class T>
std::vector<T> pick(const std::vector<T>& from, const Dims& source) {
    std::vector<T> out(source.size());
    for (std::size_t k = 0; k < source.size(); ++k) {
        out[k] = from[static_cast<std::size_t>(source[k])];
    }
    return out;
}

Expected<Ints> gather(const onnx::NodeProto& n, const Ints& data, const Ints& indices) {
    const I rank = static_cast<I>(data.dims.size());
    auto axis = normalised(attrInt(n, "axis", 0), rank);
    if (!axis) {
        return failure(n, "has an axis out of range");
    }
    const I extent = data.dims[std::size_t(*axis)];
    const I outer = numel(Dims(data.dims.begin(), data.dims.begin() + *axis));
    const I inner = numel(Dims(data.dims.begin() + *axis + 1, data.dims.end()));
    Ints out;
    out.dims.assign(data.dims.begin(), data.dims.begin() + *axis);
    out.dims.insert(out.dims.end(), indices.dims.begin(), indices.dims.end());
    out.dims.insert(out.dims.end(), data.dims.begin() + *axis + 1, data.dims.end());
    for (I o = 0; o < outer; ++o) {
        for (I idx : indices.data) {
            if (idx < -extent || idx >= extent) {
                return failure(n, "has the index " + std::to_string(idx) + " out of range");
            }
            idx = idx < 0 ? idx + extent : idx;
            for (I k = 0; k < inner; ++k) {
                out.data.push_back(data.data[std::size_t((o * extent + idx) * inner + k)]);
            }
        }
    }
    return out;
}

// Unsqueeze (or Squeeze) of `x` by `axes` (empty for Squeeze: every axis of length 1).
Expected<Ints> squeezed(const onnx::NodeProto& n, Ints x, const Dims& axes, bool unsqueeze) {
    const I rank = static_cast<I>(x.dims.size()) + (unsqueeze ? static_cast<I>(axes.size()) : 0);
    std::vector<bool> marked(std::size_t(rank), false);
    for (I a : axes) {
        auto k = normalised(a, rank);
        if (!k || marked[std::size_t(*k)]) {
            return failure(n, "has the axis " + std::to_string(a) + " out of range or repeated");
        }
        marked[std::size_t(*k)] = true;
    }
    Dims dims;
    for (I k = 0, from = 0; k < rank; ++k) {
        if (unsqueeze) {
            dims.push_back(marked[std::size_t(k)] ? 1 : x.dims[std::size_t(from++)]);
        } else if (!(axes.empty() ? x.dims[std::size_t(k)] == 1 : marked[std::size_t(k)])) {
            dims.push_back(x.dims[std::size_t(k)]);
        }
    }
    x.dims = std::move(dims);
    return x;
}

Expected<Ints> concat(const onnx::NodeProto& n, const std::vector<Ints>& parts) {
    const I rank = static_cast<I>(parts[0].dims.size());
    auto axis = normalised(attrInt(n, "axis", 0), rank);
    if (!axis) {
        return failure(n, "has an axis out of range");
    }
    Ints out{parts[0].dims, {}};
    out.dims[std::size_t(*axis)] = 0;
    for (const Ints& p : parts) {
        if (static_cast<I>(p.dims.size()) != rank) {
            return failure(n, "joins tensors of different ranks");
        }
        out.dims[std::size_t(*axis)] += p.dims[std::size_t(*axis)];
    }
    const I outer = numel(Dims(out.dims.begin(), out.dims.begin() + *axis));
    for (I o = 0; o < outer; ++o) {
        for (const Ints& p : parts) {
            const I chunk = outer == 0 ? 0 : numel(p.dims) / outer;
            out.data.insert(out.data.end(), p.data.begin() + o * chunk,
                            p.data.begin() + (o + 1) * chunk);
        }
    }
    return out;
}

// Add, Sub, Mul, Div under numpy's broadcasting; Div truncates toward zero.
Expected<Ints> arithmetic(const onnx::NodeProto& n, const Ints& a, const Ints& b) {
    const std::size_t rank = std::max(a.dims.size(), b.dims.size());
    auto padded = [rank](const Dims& d) {
        Dims p(rank - d.size(), 1);
        p.insert(p.end(), d.begin(), d.end());
        return p;
    };
    const Dims da = padded(a.dims), db = padded(b.dims);
    Ints y;
    y.dims.resize(rank);
    for (std::size_t k = 0; k < rank; ++k) {
        if (da[k] != db[k] && da[k] != 1 && db[k] != 1) {
            return failure(n, "has operands that do not broadcast");
        }
        y.dims[k] = da[k] == 1 ? db[k] : da[k];
    }
    const Dims sa = onnx_import::stridesOf(da), sb = onnx_import::stridesOf(db);
    const std::string& op = n.op_type();
    for (I o = 0; o < numel(y.dims); ++o) {
        I rest = o, ia = 0, ib = 0;
        for (std::size_t k = rank; k-- > 0;) {
            const I idx = rest % y.dims[k];
            rest /= y.dims[k];
            ia += (da[k] == 1 ? 0 : idx) * sa[k];
            ib += (db[k] == 1 ? 0 : idx) * sb[k];
        }
        const I x = a.data[std::size_t(ia)], z = b.data[std::size_t(ib)];
        if (op == "Div" && z == 0) {
            return failure(n, "divides by zero");
        }
        y.data.push_back(op == "Add" ? x + z : op == "Sub" ? x - z : op == "Mul" ? x * z : x / z);
    }
    return y;
}

// Reshape: 0 copies the input's dim (unless allowzero), -1 takes what is left.
Expected<Ints> reshaped(const onnx::NodeProto& n, Ints x, Dims shape) {
    I known = 1, infer = -1;
    for (std::size_t k = 0; k < shape.size(); ++k) {
        if (shape[k] == 0 && attrInt(n, "allowzero", 0) == 0 && k < x.dims.size()) {
            shape[k] = x.dims[k];
        }
        if (shape[k] == -1) {
            infer = static_cast<I>(k);
        } else {
            known *= shape[k];
        }
    }
    if (infer >= 0 && known > 0) {
        shape[std::size_t(infer)] = numel(x.dims) / known;
    }
    if (numel(shape) != numel(x.dims)) {
        return failure(n, "reshapes to a shape of another size");
    }
    x.dims = std::move(shape);
    return x;
}

Expected<bool> runConstant(const onnx::NodeProto& n, IntEnv& env,
                           std::map<std::string, Value>& values) {
    const std::string& out = n.output(0);
    if (const auto* a = findAttr(n, "value")) {
        auto t = onnx_import::decodeTensor(a->t(), "the value of node '" + n.name() + "'");
        if (!t) {
            return Error::internal("reference runner: " + t.error().message);
        }
        if (t->isFloat) {
            values[out] = Value{t->dims, t->f};
        } else {
            env.set(out, {t->dims, t->i});
        }
    } else if (const auto* f = findAttr(n, "value_float")) {
        values[out] = Value{{}, {f->f()}};
    } else if (const auto* fs = findAttr(n, "value_floats")) {
        values[out] = Value{{fs->floats_size()}, {fs->floats().begin(), fs->floats().end()}};
    } else if (const auto* i = findAttr(n, "value_int")) {
        env.set(out, {{}, {i->i()}});
    } else if (const auto* is = findAttr(n, "value_ints")) {
        env.set(out, {{is->ints_size()}, {is->ints().begin(), is->ints().end()}});
    } else {
        return failure(n, "has no tensor, float or int value");
    }
    return true;
}

Expected<bool> runShape(const onnx::NodeProto& n, IntEnv& env,
                        const std::map<std::string, Value>& values) {
    Dims dims;
    if (auto it = values.find(n.input(0)); it != values.end()) {
        dims = it->second.dims;
    } else if (env.has(n.input(0))) {
        dims = env.get(n.input(0)).dims;
    } else {
        return failure(n, "reads a value not computed yet");
    }
    const I rank = static_cast<I>(dims.size());
    auto bound = [rank](I v) { return std::clamp<I>(v < 0 ? v + rank : v, 0, rank); };
    const I start = bound(attrInt(n, "start", 0)), end = bound(attrInt(n, "end", rank));
    Dims out(dims.begin() + start, dims.begin() + std::max(start, end));
    env.set(n.output(0), {{static_cast<I>(out.size())}, out});
    return true;
}

} // namespace

Expected<bool> runIntegerNode(const onnx::NodeProto& n, IntValues& ints, IntValues& intDims,
                              std::map<std::string, Value>& values) {
    IntEnv env{ints, intDims};
    const std::string& op = n.op_type();
    if (op == "Constant") {
        return runConstant(n, env, values);
    }
    if (op == "Shape") {
        return runShape(n, env, values);
    }
    static const std::set<std::string, std::less<>> kOps{
        "Identity", "Cast", "Gather", "Unsqueeze", "Squeeze", "Concat",
        "Add",      "Sub",  "Mul",    "Div",       "Slice",   "Reshape"};
    if (!kOps.count(op) || n.input_size() == 0) {
        return false;
    }
    std::vector<Ints> in;
    for (const auto& name : n.input()) {
        if (name.empty()) {
            in.push_back({});
            continue;
        }
        if (!env.has(name)) {
            return false; // a float input: the float ops run the node
        }
        in.push_back(env.get(name));
    }
    auto input = [&](std::size_t k) -> const Ints* {
        return k < in.size() && !n.input(int(k)).empty() ? &in[k] : nullptr;
    };
    Expected<Ints> y = Ints{};
    if (op == "Identity") {
        y = in[0];
    } else if (op == "Cast") {
        const auto to = static_cast<std::int32_t>(attrInt(n, "to", onnx::TensorProto::INT64));
        if (onnx_import::isFloatType(to)) {
            values[n.output(0)] =
                Value{in[0].dims, std::vector<float>(in[0].data.begin(), in[0].data.end())};
            return true;
        }
        y = in[0];
        if (to == onnx::TensorProto::BOOL) {
            for (auto& v : y->data) {
                v = v != 0;
            }
        }
    } else if (op == "Gather") {
        if (!input(1)) {
            return failure(n, "has no indices");
        }
        y = gather(n, in[0], in[1]);
    } else if (op == "Unsqueeze" || op == "Squeeze") {
        const Dims axes = input(1) ? in[1].data : attrInts(n, "axes").value_or(Dims{});
        y = squeezed(n, in[0], axes, op == "Unsqueeze");
    } else if (op == "Concat") {
        y = concat(n, in);
    } else if (op == "Slice") {
        if (!input(1) || !input(2)) {
            return failure(n, "has no starts or ends");
        }
        auto source = sliceSource(n, in[0].dims, in[1].data, in[2].data,
                                  input(3) ? in[3].data : Dims{}, input(4) ? in[4].data : Dims{});
        if (!source) {
            return source.error();
        }
        y = Ints{source->first, pick(in[0].data, source->second)};
    } else if (op == "Reshape") {
        if (!input(1)) {
            return failure(n, "has no shape");
        }
        y = reshaped(n, in[0], in[1].data);
    } else {
        if (!input(1)) {
            return failure(n, "has one operand");
        }
        y = arithmetic(n, in[0], in[1]);
    }
    if (!y) {
        return y.error();
    }
    env.set(n.output(0), std::move(*y));
    return true;
}

Expected<Value> runSlice(const onnx::NodeProto& n, const std::vector<const Value*>& in,
                         const IntValues& ints) {
    if (in.empty() || !in[0]) {
        return failure(n, "has no data");
    }
    auto starts = indexInput(n, 1, in, ints), ends = indexInput(n, 2, in, ints);
    if (!starts || !ends) {
        return failure(n, "has no starts or ends (the attribute form before opset 10 is not read)");
    }
    auto source =
        sliceSource(n, in[0]->dims, *starts, *ends, indexInput(n, 3, in, ints).value_or(Dims{}),
                    indexInput(n, 4, in, ints).value_or(Dims{}));
    if (!source) {
        return source.error();
    }
    return Value{source->first, pick(in[0]->data, source->second)};
}

Expected<std::vector<Value>> runSplit(const onnx::NodeProto& n, const std::vector<const Value*>& in,
                                      const IntValues& ints) {
    if (in.empty() || !in[0]) {
        return failure(n, "has no data");
    }
    const Value& x = *in[0];
    const I rank = static_cast<I>(x.dims.size());
    auto axis = normalised(attrInt(n, "axis", 0), rank);
    if (!axis) {
        return failure(n, "has an axis out of range");
    }
    const I dim = x.dims[std::size_t(*axis)];
    Dims sizes = indexInput(n, 1, in, ints).value_or(attrInts(n, "split").value_or(Dims{}));
    if (sizes.empty()) {
        const I parts = attrInt(n, "num_outputs", n.output_size());
        const I part = parts > 0 ? (dim + parts - 1) / parts : 0;
        for (I k = 0; k < parts; ++k) {
            sizes.push_back(std::max<I>(0, std::min(part, dim - k * part)));
        }
    }
    if (static_cast<int>(sizes.size()) != n.output_size() ||
        std::accumulate(sizes.begin(), sizes.end(), I{0}) != dim) {
        return failure(n, "has split sizes that do not cover the axis of " + std::to_string(dim) +
                              " in " + std::to_string(n.output_size()) + " outputs");
    }
    std::vector<Value> out;
    I offset = 0;
    for (I size : sizes) {
        auto source = sliceSource(n, x.dims, {offset}, {offset + size}, {*axis}, {1});
        if (!source) {
            return source.error();
        }
        out.push_back(Value{source->first, pick(x.data, source->second)});
        offset += size;
    }
    return out;
}

} // namespace nw::graph::onnx_export
