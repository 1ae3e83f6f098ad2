// The reference interpreter: one function per ONNX op the exporter emits. Shapes: NCHW for
// Conv and the pools; Gemm with transB = 1 only; MatMul with equal leading dims or a 2-D
// right operand.
#include "graph/onnx/reference_runner.h"

#include "graph/onnx/import_tensor.h"
#include "graph/onnx/reference_recurrent.h"
#include "graph/onnx/reference_shapes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>

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
double attrFloat(const onnx::NodeProto& n, const std::string& name, double def) {
    const auto* a = findAttr(n, name);
    return a ? a->f() : def;
}
Dims attrInts(const onnx::NodeProto& n, const std::string& name, Dims def) {
    const auto* a = findAttr(n, name);
    return a ? Dims(a->ints().begin(), a->ints().end()) : def;
}

// The inputs of one node, looked up by name; an empty name is an absent optional input.
struct Args {
    std::vector<const Value*> in;
    const onnx::NodeProto& node;
    const Value& x(std::size_t i = 0) const { return *in[i]; }
    bool has(std::size_t i) const { return i < in.size() && in[i] != nullptr; }
};

Value unary(const Value& x, const std::function<double(double)>& f) {
    Value y{x.dims, std::vector<float>(x.data.size())};
    for (std::size_t i = 0; i < x.data.size(); ++i) {
        y.data[i] = static_cast<float>(f(x.data[i]));
    }
    return y;
}

// Whether `small` broadcasts over `big` as a trailing block: its dims, leading 1s dropped,
// end `big`'s dims (a bias [C] over [N, T, C], a positional table [T, C] over [N, T, C]).
bool trailingBlock(const Dims& small, const Dims& big) {
    auto first = std::find_if(small.begin(), small.end(), [](I d) { return d != 1; });
    std::size_t k = static_cast<std::size_t>(small.end() - first);
    return k <= big.size() && std::equal(first, small.end(), big.end() - static_cast<long>(k));
}

// a op b under numpy's broadcasting: dims aligned from the right, missing ones 1, each pair
// equal or one of them 1 (Mul's [N, C, H, W] · [N, C, 1, 1]).
Expected<Value> broadcastBinary(const Value& a, const Value& b,
                                const std::function<double(double, double)>& f) {
    const std::size_t rank = std::max(a.dims.size(), b.dims.size());
    auto padded = [rank](const Dims& d) {
        Dims p(rank - d.size(), 1);
        p.insert(p.end(), d.begin(), d.end());
        return p;
    };
    const Dims da = padded(a.dims), db = padded(b.dims);
    Dims dy(rank), sa(rank), sb(rank); // sa, sb: strides over dy, 0 where broadcast
    I strideA = 1, strideB = 1;
    for (std::size_t k = rank; k-- > 0;) {
        if (da[k] != db[k] && da[k] != 1 && db[k] != 1) {
            return Error::internal("reference runner: shapes do not broadcast");
        }
        dy[k] = da[k] == 1 ? db[k] : da[k];
        sa[k] = da[k] == 1 ? 0 : strideA;
        sb[k] = db[k] == 1 ? 0 : strideB;
        strideA *= da[k];
        strideB *= db[k];
    }
    Value y{dy, std::vector<float>(static_cast<std::size_t>(numel(dy)))};
    for (std::size_t i = 0; i < y.data.size(); ++i) {
        I rest = static_cast<I>(i), oa = 0, ob = 0;
        for (std::size_t k = rank; k-- > 0;) {
            const I c = rest % dy[k];
            rest /= dy[k];
            oa += c * sa[k];
            ob += c * sb[k];
        }
        y.data[i] = static_cast<float>(
            f(a.data[static_cast<std::size_t>(oa)], b.data[static_cast<std::size_t>(ob)]));
    }
    return y;
}

// a op b where both have one shape, one of them is a scalar, or one is a trailing block of
// the other; any other pair under numpy's broadcasting.
Expected<Value> binary(const Value& a, const Value& b,
                       const std::function<double(double, double)>& f) {
    std::size_t na = a.data.size(), nb = b.data.size();
    bool aSmall = na < nb, ok = a.dims == b.dims || na == 1 || nb == 1;
    ok = ok || (aSmall ? trailingBlock(a.dims, b.dims) : trailingBlock(b.dims, a.dims));
    if (!ok) {
        return broadcastBinary(a, b, f);
    }
    Value y{na >= nb ? a.dims : b.dims, std::vector<float>(std::max(na, nb))};
    for (std::size_t i = 0; i < y.data.size(); ++i) {
        y.data[i] = static_cast<float>(f(a.data[i % na], b.data[i % nb]));
    }
    return y;
}

// Conv, MaxPool, AveragePool over NCHW with pads [top, left, bottom, right].
struct Window {
    Dims k, s, d, pads;
    I outH(I h) const { return (h + pads[0] + pads[2] - (d[0] * (k[0] - 1) + 1)) / s[0] + 1; }
    I outW(I w) const { return (w + pads[1] + pads[3] - (d[1] * (k[1] - 1) + 1)) / s[1] + 1; }
};

Window windowOf(const onnx::NodeProto& n, const Dims& kernel) {
    return {attrInts(n, "kernel_shape", kernel), attrInts(n, "strides", {1, 1}),
            attrInts(n, "dilations", {1, 1}), attrInts(n, "pads", {0, 0, 0, 0})};
}

Value conv(const Args& a) {
    const Value &x = a.x(0), &w = a.x(1);
    I n = x.dims[0], c = x.dims[1], h = x.dims[2], wd = x.dims[3], f = w.dims[0];
    I g = attrInt(a.node, "group", 1), cg = c / g, fg = f / g;
    Window win = windowOf(a.node, {w.dims[2], w.dims[3]});
    I oh = win.outH(h), ow = win.outW(wd);
    Value y{{n, f, oh, ow}, std::vector<float>(static_cast<std::size_t>(n * f * oh * ow))};
    for (I b = 0; b < n; ++b)
        for (I o = 0; o < f; ++o)
            for (I i = 0; i < oh; ++i)
                for (I j = 0; j < ow; ++j) {
                    double acc = a.has(2) ? a.x(2).data[o] : 0.0;
                    for (I ci = 0; ci < cg; ++ci)
                        for (I p = 0; p < win.k[0]; ++p)
                            for (I q = 0; q < win.k[1]; ++q) {
                                I r = i * win.s[0] - win.pads[0] + p * win.d[0];
                                I col = j * win.s[1] - win.pads[1] + q * win.d[1];
                                if (r < 0 || r >= h || col < 0 || col >= wd) {
                                    continue;
                                }
                                I ch = o / fg * cg + ci;
                                acc += double(x.data[((b * c + ch) * h + r) * wd + col]) *
                                       w.data[((o * cg + ci) * win.k[0] + p) * win.k[1] + q];
                            }
                    y.data[((b * f + o) * oh + i) * ow + j] = static_cast<float>(acc);
                }
    return y;
}

// MaxPool and AveragePool as ONNX defines them (the global pools: one window over the plane):
// pads [top, left, bottom, right] or auto_pad, dilations, ceil_mode (with opset 19's rule: a
// last window that would start in the end padding is dropped), count_include_pad (the taps
// inside the explicit padding count, the ceil overhang past it never does). Written from the
// specification on its own, not from graph/ops/pool_window.h, so that it checks that rule.
Value pool(const Args& a, bool isMax) {
    const Value& x = a.x();
    I n = x.dims[0], c = x.dims[1], h = x.dims[2], wd = x.dims[3];
    const Dims k = attrInts(a.node, "kernel_shape", {h, wd});
    const Dims s = attrInts(a.node, "strides", {1, 1}), d = attrInts(a.node, "dilations", {1, 1});
    Dims pads = attrInts(a.node, "pads", {0, 0, 0, 0});
    const bool ceilMode = attrInt(a.node, "ceil_mode", 0) != 0;
    const bool includePad = attrInt(a.node, "count_include_pad", 0) != 0;
    const auto* autoPadAttr = findAttr(a.node, "auto_pad");
    const std::string autoPad = autoPadAttr ? autoPadAttr->s() : "NOTSET";
    const I in[2] = {h, wd};
    I out[2];
    for (std::size_t e = 0; e < 2; ++e) {
        const I span = d[e] * (k[e] - 1) + 1;
        if (autoPad == "VALID") {
            pads[e] = pads[e + 2] = 0;
        } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
            const I o = (in[e] + s[e] - 1) / s[e];
            const I total = std::max<I>((o - 1) * s[e] + span - in[e], 0);
            pads[e] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            pads[e + 2] = total - pads[e];
        }
        const I room = in[e] + pads[e] + pads[e + 2] - span;
        out[e] = (ceilMode ? room + s[e] - 1 : room) / s[e] + 1;
        if (ceilMode && (out[e] - 1) * s[e] >= in[e] + pads[e]) {
            --out[e];
        }
    }
    const I oh = out[0], ow = out[1];
    Value y{{n, c, oh, ow}, std::vector<float>(static_cast<std::size_t>(n * c * oh * ow))};
    for (I bc = 0; bc < n * c; ++bc)
        for (I i = 0; i < oh; ++i)
            for (I j = 0; j < ow; ++j) {
                double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
                I cells = 0, padded = 0; // taps inside the input; inside it or its padding
                for (I p = 0; p < k[0]; ++p)
                    for (I q = 0; q < k[1]; ++q) {
                        I r = i * s[0] - pads[0] + p * d[0], col = j * s[1] - pads[1] + q * d[1];
                        padded += r < h + pads[2] && col < wd + pads[3];
                        if (r >= 0 && r < h && col >= 0 && col < wd) {
                            double v = x.data[(bc * h + r) * wd + col];
                            acc = isMax ? std::max(acc, v) : acc + v;
                            ++cells;
                        }
                    }
                y.data[(bc * oh + i) * ow + j] =
                    static_cast<float>(isMax ? acc : acc / double(includePad ? padded : cells));
            }
    return y;
}

// alpha · A' · B' + beta · C, A' = A or A^T, B' = B or B^T; C a bias of M values (or absent).
Value gemm(const Args& a) {
    const Value &x = a.x(0), &w = a.x(1);
    const bool ta = attrInt(a.node, "transA", 0) != 0, tb = attrInt(a.node, "transB", 0) != 0;
    const double alpha = attrFloat(a.node, "alpha", 1.0), beta = attrFloat(a.node, "beta", 1.0);
    const I n = ta ? x.dims[1] : x.dims[0], k = ta ? x.dims[0] : x.dims[1];
    const I m = tb ? w.dims[0] : w.dims[1];
    Value y{{n, m}, std::vector<float>(static_cast<std::size_t>(n * m))};
    for (I b = 0; b < n; ++b)
        for (I o = 0; o < m; ++o) {
            double acc = 0;
            for (I i = 0; i < k; ++i) {
                acc +=
                    double(x.data[ta ? i * n + b : b * k + i]) * w.data[tb ? o * k + i : i * m + o];
            }
            y.data[b * m + o] =
                static_cast<float>(alpha * acc + (a.has(2) ? beta * a.x(2).data[o] : 0.0));
        }
    return y;
}

Value batchNorm(const Args& a) {
    const Value& x = a.x();
    I c = x.dims[1], inner = numel(x.dims) / x.dims[0] / c;
    double eps = attrFloat(a.node, "epsilon", 1e-5);
    Value y{x.dims, std::vector<float>(x.data.size())};
    for (std::size_t i = 0; i < x.data.size(); ++i) {
        I ch = static_cast<I>(i) / inner % c;
        double norm = (x.data[i] - double(a.x(3).data[ch])) / std::sqrt(a.x(4).data[ch] + eps);
        y.data[i] = static_cast<float>(norm * a.x(1).data[ch] + a.x(2).data[ch]);
    }
    return y;
}

Value layerNorm(const Args& a) {
    const Value& x = a.x();
    I axis = attrInt(a.node, "axis", -1);
    axis = axis < 0 ? axis + static_cast<I>(x.dims.size()) : axis;
    I inner = numel(Dims(x.dims.begin() + axis, x.dims.end()));
    double eps = attrFloat(a.node, "epsilon", 1e-5);
    Value y{x.dims, std::vector<float>(x.data.size())};
    for (I o = 0; o < numel(x.dims) / inner; ++o) {
        const float* v = x.data.data() + o * inner;
        double mean = 0, var = 0;
        for (I i = 0; i < inner; ++i) {
            mean += v[i];
        }
        mean /= double(inner);
        for (I i = 0; i < inner; ++i) {
            var += (v[i] - mean) * (v[i] - mean);
        }
        double inv = 1.0 / std::sqrt(var / double(inner) + eps);
        for (I i = 0; i < inner; ++i) {
            y.data[o * inner + i] =
                static_cast<float>((v[i] - mean) * inv * a.x(1).data[i] + a.x(2).data[i]);
        }
    }
    return y;
}

Value softmax(const Args& a) {
    const Value& x = a.x();
    I axis = attrInt(a.node, "axis", -1);
    axis = axis < 0 ? axis + static_cast<I>(x.dims.size()) : axis;
    I len = x.dims[axis], inner = numel(Dims(x.dims.begin() + axis + 1, x.dims.end()));
    Value y{x.dims, std::vector<float>(x.data.size())};
    for (I o = 0; o < numel(x.dims) / (len * inner); ++o)
        for (I i = 0; i < inner; ++i) {
            auto at = [&](I k) { return (o * len + k) * inner + i; };
            double mx = -std::numeric_limits<double>::infinity(), sum = 0;
            for (I k = 0; k < len; ++k) {
                mx = std::max(mx, double(x.data[at(k)]));
            }
            for (I k = 0; k < len; ++k) {
                sum += std::exp(x.data[at(k)] - mx);
            }
            for (I k = 0; k < len; ++k) {
                y.data[at(k)] = static_cast<float>(std::exp(x.data[at(k)] - mx) / sum);
            }
        }
    return y;
}

Value concat(const Args& a) {
    Dims dims = a.x().dims;
    I rank = static_cast<I>(dims.size()), axis = attrInt(a.node, "axis", 1);
    axis = axis < 0 ? axis + rank : axis;
    I outer = numel(Dims(dims.begin(), dims.begin() + axis));
    dims[axis] = 0;
    for (const Value* v : a.in) {
        dims[axis] += v->dims[axis];
    }
    Value y{dims, {}};
    y.data.reserve(static_cast<std::size_t>(numel(dims)));
    for (I o = 0; o < outer; ++o)
        for (const Value* v : a.in) {
            I chunk = numel(v->dims) / outer;
            y.data.insert(y.data.end(), v->data.begin() + o * chunk,
                          v->data.begin() + (o + 1) * chunk);
        }
    return y;
}

using Int64s = std::map<std::string, Dims>;
using OpFn = Expected<Value> (*)(const Args&, const Int64s&);

Expected<Value> alphaUnary(const Args& a, bool elu) {
    double al = attrFloat(a.node, "alpha", elu ? 1.0 : 0.01);
    return unary(a.x(), [=](double v) { return v > 0 ? v : elu ? al * std::expm1(v) : al * v; });
}

// Clip: the bounds as scalar inputs (opset 11 on; either may be absent) or attributes
// (before); absent, they are -inf and +inf.
Expected<Value> clip(const Args& a) {
    double lo = attrFloat(a.node, "min", -std::numeric_limits<double>::infinity());
    double hi = attrFloat(a.node, "max", std::numeric_limits<double>::infinity());
    for (std::size_t k : {std::size_t{1}, std::size_t{2}}) {
        if (a.has(k)) {
            if (a.x(k).data.size() != 1) {
                return Error::internal("reference runner: Clip bounds must be scalars");
            }
            (k == 1 ? lo : hi) = a.x(k).data[0];
        }
    }
    return unary(a.x(), [=](double v) { return std::min(std::max(v, lo), hi); });
}

Expected<Value> hardSigmoid(const Args& a) {
    double al = attrFloat(a.node, "alpha", 0.2), be = attrFloat(a.node, "beta", 0.5);
    return unary(a.x(), [=](double v) { return std::clamp(al * v + be, 0.0, 1.0); });
}

Expected<Value> sum(const Args& a) {
    Value s = a.x(0);
    for (std::size_t k = 1; k < a.in.size(); ++k) {
        auto next = binary(s, a.x(k), std::plus<double>());
        if (!next) {
            return next.error();
        }
        s = std::move(*next);
    }
    return s;
}

Value flatten(const Args& a) {
    Value r = a.x();
    I axis = attrInt(a.node, "axis", 1);
    r.dims = {numel(Dims(r.dims.begin(), r.dims.begin() + axis)),
              numel(Dims(r.dims.begin() + axis, r.dims.end()))};
    return r;
}

// Reshape: 0 copies the input's dimension, -1 takes what is left.
Value reshape(const Args& a, const Int64s& int64s) {
    Value r = a.x();
    Dims shape = int64s.at(a.node.input(1));
    I known = 1, infer = -1;
    for (std::size_t k = 0; k < shape.size(); ++k) {
        shape[k] = shape[k] == 0 ? r.dims[k] : shape[k];
        if (shape[k] == -1) {
            infer = static_cast<I>(k);
        } else {
            known *= shape[k];
        }
    }
    if (infer >= 0) {
        shape[static_cast<std::size_t>(infer)] = numel(r.dims) / known;
    }
    r.dims = shape;
    return r;
}

Expected<Value> gemmChecked(const Args& a) {
    if (a.x(0).dims.size() != 2 || a.x(1).dims.size() != 2 ||
        (a.has(2) &&
         numel(a.x(2).dims) != (attrInt(a.node, "transB", 0) ? a.x(1).dims[0] : a.x(1).dims[1]))) {
        return Error::internal("reference runner: Gemm of 2-D A and B and a bias C only");
    }
    return gemm(a);
}

// MatMul: a [..., M, K] x b [..., K, P] with equal leading dims, or b [K, P] for all of them.
Expected<Value> matMul(const Args& a) {
    const Value &x = a.x(0), &w = a.x(1);
    std::size_t rx = x.dims.size(), rw = w.dims.size();
    if (rx < 2 || rw < 2 || (rw != 2 && rw != rx) || x.dims[rx - 1] != w.dims[rw - 2]) {
        return Error::internal("reference runner: MatMul of unsupported shapes");
    }
    I m = x.dims[rx - 2], k = x.dims[rx - 1], p = w.dims[rw - 1];
    I batches = numel(x.dims) / (m * k);
    if (rw != 2 && numel(w.dims) != batches * k * p) {
        return Error::internal("reference runner: MatMul leading dims differ");
    }
    Dims dims = x.dims;
    dims.back() = p;
    Value y{dims, std::vector<float>(static_cast<std::size_t>(batches * m * p))};
    for (I b = 0; b < batches; ++b) {
        const float* xb = x.data.data() + b * m * k;
        const float* wb = w.data.data() + (rw == 2 ? 0 : b * k * p);
        for (I i = 0; i < m; ++i)
            for (I j = 0; j < p; ++j) {
                double acc = 0;
                for (I q = 0; q < k; ++q) {
                    acc += double(xb[i * k + q]) * wb[q * p + j];
                }
                y.data[static_cast<std::size_t>((b * m + i) * p + j)] = static_cast<float>(acc);
            }
    }
    return y;
}

// Row-major strides of `dims`.
Dims stridesOf(const Dims& dims) {
    Dims s(dims.size(), 1);
    for (std::size_t d = dims.size(); d-- > 1;) {
        s[d - 1] = s[d] * dims[d];
    }
    return s;
}

Value transpose(const Args& a) {
    const Value& x = a.x();
    Dims identity(x.dims.size());
    std::iota(identity.begin(), identity.end(), I{0});
    Dims perm = attrInts(a.node, "perm", Dims(identity.rbegin(), identity.rend()));
    Dims dims(perm.size()), in = stridesOf(x.dims);
    for (std::size_t d = 0; d < perm.size(); ++d) {
        dims[d] = x.dims[static_cast<std::size_t>(perm[d])];
    }
    Value y{dims, std::vector<float>(x.data.size())};
    Dims idx(dims.size(), 0);
    for (std::size_t i = 0; i < y.data.size(); ++i) {
        I from = 0;
        for (std::size_t d = 0; d < dims.size(); ++d) {
            from += idx[d] * in[static_cast<std::size_t>(perm[d])];
        }
        y.data[i] = x.data[static_cast<std::size_t>(from)];
        for (std::size_t d = dims.size(); d-- > 0;) { // the next output index, row-major
            if (++idx[d] < dims[d]) {
                break;
            }
            idx[d] = 0;
        }
    }
    return y;
}

// The int64 values of input `i`: an int64 initializer, or a computed value (a Cast to int64
// keeps its integral floats).
Dims indicesOf(const Args& a, const Int64s& int64s, int i, Dims& dims) {
    auto it = int64s.find(a.node.input(i));
    if (it != int64s.end()) {
        dims = {static_cast<I>(it->second.size())};
        return it->second;
    }
    dims = a.x(static_cast<std::size_t>(i)).dims;
    const auto& v = a.x(static_cast<std::size_t>(i)).data;
    Dims out(v.size());
    std::transform(v.begin(), v.end(), out.begin(), [](float f) { return I(std::llround(f)); });
    return out;
}

// Gather along `axis`: out = data.dims[:axis] + indices.dims + data.dims[axis + 1:].
Expected<Value> gather(const Args& a, const Int64s& int64s) {
    const Value& x = a.x(0);
    Dims idxDims;
    Dims idx = indicesOf(a, int64s, 1, idxDims);
    I rank = static_cast<I>(x.dims.size()), axis = attrInt(a.node, "axis", 0);
    axis = axis < 0 ? axis + rank : axis;
    I len = x.dims[static_cast<std::size_t>(axis)];
    I outer = numel(Dims(x.dims.begin(), x.dims.begin() + axis));
    I inner = numel(Dims(x.dims.begin() + axis + 1, x.dims.end()));
    Dims dims(x.dims.begin(), x.dims.begin() + axis);
    dims.insert(dims.end(), idxDims.begin(), idxDims.end());
    dims.insert(dims.end(), x.dims.begin() + axis + 1, x.dims.end());
    Value y{dims, {}};
    y.data.reserve(static_cast<std::size_t>(numel(dims)));
    for (I o = 0; o < outer; ++o)
        for (I j : idx) {
            j = j < 0 ? j + len : j;
            if (j < 0 || j >= len) {
                return Error::internal("reference runner: Gather index out of range");
            }
            auto from = x.data.begin() + (o * len + j) * inner;
            y.data.insert(y.data.end(), from, from + inner);
        }
    return y;
}

// ReduceMean / ReduceMax over the `axes` attribute (opset 17), keepdims as given.
Value reduce(const Args& a, bool isMax) {
    const Value& x = a.x();
    I rank = static_cast<I>(x.dims.size());
    Dims axes = attrInts(a.node, "axes", {});
    std::vector<bool> reduced(x.dims.size(), axes.empty());
    for (I ax : axes) {
        reduced[static_cast<std::size_t>(ax < 0 ? ax + rank : ax)] = true;
    }
    Dims kept = x.dims, outDims;
    I count = 1;
    for (std::size_t d = 0; d < x.dims.size(); ++d) {
        if (reduced[d]) {
            count *= x.dims[d];
            kept[d] = 1;
        } else {
            outDims.push_back(x.dims[d]);
        }
    }
    bool keep = attrInt(a.node, "keepdims", 1) != 0;
    Value y{keep ? kept : outDims, {}};
    std::vector<double> acc(static_cast<std::size_t>(numel(kept)),
                            isMax ? -std::numeric_limits<double>::infinity() : 0.0);
    Dims in = stridesOf(x.dims), out = stridesOf(kept);
    for (std::size_t i = 0; i < x.data.size(); ++i) {
        I to = 0;
        for (std::size_t d = 0; d < x.dims.size(); ++d) {
            I coord = static_cast<I>(i) / in[d] % x.dims[d];
            to += reduced[d] ? 0 : coord * out[d];
        }
        double v = x.data[i];
        auto& r = acc[static_cast<std::size_t>(to)];
        r = isMax ? std::max(r, v) : r + v;
    }
    for (double v : acc) {
        y.data.push_back(static_cast<float>(isMax ? v : v / double(count)));
    }
    return y;
}

// Squeeze with its axes input (opset 13+).
Value squeeze(const Args& a, const Int64s& int64s) {
    Value r = a.x();
    Dims axesDims;
    Dims axes = a.node.input_size() > 1 ? indicesOf(a, int64s, 1, axesDims) : Dims{};
    I rank = static_cast<I>(r.dims.size());
    Dims dims;
    for (I d = 0; d < rank; ++d) {
        bool named = std::any_of(axes.begin(), axes.end(),
                                 [&](I ax) { return (ax < 0 ? ax + rank : ax) == d; });
        if (!(named || (axes.empty() && r.dims[static_cast<std::size_t>(d)] == 1))) {
            dims.push_back(r.dims[static_cast<std::size_t>(d)]);
        }
    }
    r.dims = dims;
    return r;
}

// LRN over axis 1 of [N, C, ...]: y = x / (bias + alpha / size * the sum of x^2 over channels
// c - floor((size - 1) / 2) .. c + ceil((size - 1) / 2))^beta.
Expected<Value> lrn(const Args& a) {
    const Value& x = a.x();
    const auto* size = findAttr(a.node, "size");
    if (!size || size->i() < 1 || x.dims.size() < 2) {
        return Error::internal("reference runner: LRN needs a size and [N, C, ...]");
    }
    const I c = x.dims[1], inner = numel(x.dims) / x.dims[0] / c, n = size->i();
    const double alpha = attrFloat(a.node, "alpha", 1e-4), beta = attrFloat(a.node, "beta", 0.75);
    const double bias = attrFloat(a.node, "bias", 1.0);
    Value y{x.dims, std::vector<float>(x.data.size())};
    for (std::size_t i = 0; i < x.data.size(); ++i) {
        const I ch = static_cast<I>(i) / inner % c, base = static_cast<I>(i) - ch * inner;
        double sum = 0;
        for (I k = std::max<I>(0, ch - (n - 1) / 2); k <= std::min(c - 1, ch + n / 2); ++k) {
            const double v = x.data[static_cast<std::size_t>(base + k * inner)];
            sum += v * v;
        }
        y.data[i] = static_cast<float>(x.data[i] / std::pow(bias + alpha / double(n) * sum, beta));
    }
    return y;
}

// Pad of any rank with non-negative pads [begin of each axis, end of each axis]: the input
// (opset 11 on) or the attribute `pads` (before), constant_value the scalar input or the
// attribute `value`, the axes they apply to the input `axes` (opset 18 on; all by default);
// modes constant, reflect and edge.
Expected<Value> pad(const Args& a, const Int64s& int64s) {
    const Value& x = a.x();
    const std::size_t rank = x.dims.size();
    Dims pads = attrInts(a.node, "pads", {});
    Dims ignored;
    if (a.node.input_size() > 1 && !a.node.input(1).empty()) {
        pads = indicesOf(a, int64s, 1, ignored);
    }
    if (a.node.input_size() > 3 && !a.node.input(3).empty()) {
        const Dims axes = indicesOf(a, int64s, 3, ignored);
        if (pads.size() != 2 * axes.size()) {
            return Error::internal("reference runner: Pad has " + std::to_string(pads.size()) +
                                   " pads for " + std::to_string(axes.size()) + " axes");
        }
        Dims all(2 * rank, 0);
        for (std::size_t k = 0; k < axes.size(); ++k) {
            const I ax = axes[k] < 0 ? axes[k] + static_cast<I>(rank) : axes[k];
            if (ax < 0 || ax >= static_cast<I>(rank)) {
                return Error::internal("reference runner: Pad axis out of range");
            }
            all[static_cast<std::size_t>(ax)] = pads[k];
            all[rank + static_cast<std::size_t>(ax)] = pads[axes.size() + k];
        }
        pads = all;
    }
    double value = attrFloat(a.node, "value", 0.0);
    if (a.has(2)) {
        value = a.x(2).data.at(0);
    }
    const auto* m = findAttr(a.node, "mode");
    const std::string mode = m ? m->s() : "constant";
    if (rank == 0 || pads.size() != 2 * rank || *std::min_element(pads.begin(), pads.end()) < 0 ||
        (mode != "constant" && mode != "reflect" && mode != "edge")) {
        return Error::internal("reference runner: Pad supports non-negative pads of every axis "
                               "and modes constant, reflect and edge only");
    }
    Dims dims(rank);
    for (std::size_t d = 0; d < rank; ++d) {
        dims[d] = x.dims[d] + pads[d] + pads[rank + d];
        if (mode == "reflect" && std::max(pads[d], pads[rank + d]) >= x.dims[d]) {
            return Error::internal("reference runner: Pad reflect by more than the dimension");
        }
    }
    const Dims in = stridesOf(x.dims), out = stridesOf(dims);
    Value y{dims, std::vector<float>(static_cast<std::size_t>(numel(dims)))};
    for (std::size_t o = 0; o < y.data.size(); ++o) {
        I from = 0;
        bool inside = true;
        for (std::size_t d = 0; d < rank; ++d) {
            I i = static_cast<I>(o) / out[d] % dims[d] - pads[d];
            const I size = x.dims[d];
            if (i < 0 || i >= size) {
                if (mode == "edge") {
                    i = std::clamp<I>(i, 0, size - 1);
                } else if (mode == "reflect") {
                    i = i < 0 ? -i : 2 * (size - 1) - i;
                } else {
                    inside = false;
                }
            }
            from += i * in[d];
        }
        y.data[o] = inside ? x.data[static_cast<std::size_t>(from)] : static_cast<float>(value);
    }
    return y;
}

struct OpEntry {
    const char* name;
    OpFn fn;
};

const OpEntry kOps[] = {
    {"Conv", [](const Args& a, const Int64s&) -> Expected<Value> { return conv(a); }},
    {"Gemm", [](const Args& a, const Int64s&) { return gemmChecked(a); }},
    {"MaxPool", [](const Args& a, const Int64s&) -> Expected<Value> { return pool(a, true); }},
    {"AveragePool", [](const Args& a, const Int64s&) -> Expected<Value> { return pool(a, false); }},
    {"GlobalAveragePool",
     [](const Args& a, const Int64s&) -> Expected<Value> { return pool(a, false); }},
    {"GlobalMaxPool",
     [](const Args& a, const Int64s&) -> Expected<Value> { return pool(a, true); }},
    {"BatchNormalization",
     [](const Args& a, const Int64s&) -> Expected<Value> { return batchNorm(a); }},
    {"LayerNormalization",
     [](const Args& a, const Int64s&) -> Expected<Value> { return layerNorm(a); }},
    {"Softmax", [](const Args& a, const Int64s&) -> Expected<Value> { return softmax(a); }},
    {"LRN", [](const Args& a, const Int64s&) { return lrn(a); }},
    {"Pad", [](const Args& a, const Int64s& i) { return pad(a, i); }},
    {"Concat", [](const Args& a, const Int64s&) -> Expected<Value> { return concat(a); }},
    {"Flatten", [](const Args& a, const Int64s&) -> Expected<Value> { return flatten(a); }},
    {"Reshape", [](const Args& a, const Int64s& i) -> Expected<Value> { return reshape(a, i); }},
    {"Expand", // x broadcast to the shape input, numpy's way
     [](const Args& a, const Int64s& i) -> Expected<Value> {
         const Dims& shape = i.at(a.node.input(1));
         Value zeros{shape, std::vector<float>(static_cast<std::size_t>(numel(shape)))};
         return broadcastBinary(a.x(), zeros, std::plus<>());
     }},
    {"Relu",
     [](const Args& a, const Int64s&) -> Expected<Value> {
         return unary(a.x(), [](double v) { return std::max(v, 0.0); });
     }},
    {"LeakyRelu", [](const Args& a, const Int64s&) { return alphaUnary(a, false); }},
    {"Elu", [](const Args& a, const Int64s&) { return alphaUnary(a, true); }},
    {"Clip", [](const Args& a, const Int64s&) { return clip(a); }},
    {"HardSigmoid", [](const Args& a, const Int64s&) { return hardSigmoid(a); }},
    {"HardSwish",
     [](const Args& a, const Int64s&) -> Expected<Value> {
         return unary(a.x(), [](double v) { return v * std::clamp(v / 6 + 0.5, 0.0, 1.0); });
     }},
    {"Sigmoid",
     [](const Args& a, const Int64s&) -> Expected<Value> {
         return unary(a.x(), [](double v) { return 1 / (1 + std::exp(-v)); });
     }},
    {"Tanh",
     [](const Args& a, const Int64s&) -> Expected<Value> {
         return unary(a.x(), [](double v) { return std::tanh(v); });
     }},
    {"Erf",
     [](const Args& a, const Int64s&) -> Expected<Value> {
         return unary(a.x(), [](double v) { return std::erf(v); });
     }},
    {"Identity", [](const Args& a, const Int64s&) -> Expected<Value> { return a.x(); }},
    {"Add", [](const Args& a, const Int64s&) { return binary(a.x(0), a.x(1), std::plus<>()); }},
    {"Mul",
     [](const Args& a, const Int64s&) { return binary(a.x(0), a.x(1), std::multiplies<>()); }},
    {"Sub", [](const Args& a, const Int64s&) { return binary(a.x(0), a.x(1), std::minus<>()); }},
    {"Div", [](const Args& a, const Int64s&) { return binary(a.x(0), a.x(1), std::divides<>()); }},
    {"Sum", [](const Args& a, const Int64s&) { return sum(a); }},
    {"MatMul", [](const Args& a, const Int64s&) { return matMul(a); }},
    {"Transpose", [](const Args& a, const Int64s&) -> Expected<Value> { return transpose(a); }},
    {"Gather", [](const Args& a, const Int64s& i) { return gather(a, i); }},
    {"Slice", [](const Args& a, const Int64s& i) { return runSlice(a.node, a.in, i); }},
    // Values are f32 here; a Cast to int64 of integral floats keeps them, one to a narrow
    // format rounds them (base/number_formats.h).
    {"Cast",
     [](const Args& a, const Int64s&) -> Expected<Value> {
         const auto format = onnx_import::numberFormatOf(
             static_cast<std::int32_t>(attrInt(a.node, "to", onnx::TensorProto::FLOAT)));
         if (!format) {
             return a.x();
         }
         const auto r = onnx_import::castRoundingOf(a.node);
         Value y = a.x();
         for (float& v : y.data) {
             v = roundTo(*format, v, r.saturate, r.rounding);
         }
         return y;
     }},
    {"ReduceMean",
     [](const Args& a, const Int64s&) -> Expected<Value> { return reduce(a, false); }},
    {"ReduceMax", [](const Args& a, const Int64s&) -> Expected<Value> { return reduce(a, true); }},
    {"Squeeze", [](const Args& a, const Int64s& i) -> Expected<Value> { return squeeze(a, i); }},
};

OpFn findOp(const std::string& op) {
    for (const OpEntry& e : kOps) {
        if (op == e.name) {
            return e.fn;
        }
    }
    return nullptr;
}

} // namespace

Expected<std::map<std::string, Value>> runModel(const onnx::ModelProto& model, Value input) {
    const onnx::GraphProto& g = model.graph();
    std::map<std::string, Value> values;
    Int64s int64s;  // int64 tensors: initializers and the shape arithmetic on them
    Int64s intDims; // their dims (reference_shapes.h)
    for (const auto& t : g.initializer()) {
        Dims dims(t.dims().begin(), t.dims().end());
        if (t.data_type() == onnx::TensorProto::INT64) {
            Dims v(t.int64_data().begin(), t.int64_data().end());
            if (v.empty() && !t.raw_data().empty()) { // PyTorch's exporter writes raw bytes
                v.resize(t.raw_data().size() / sizeof(std::int64_t));
                std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(std::int64_t));
            }
            int64s[t.name()] = std::move(v);
            intDims[t.name()] = dims;
            continue;
        }
        Value v{dims, std::vector<float>(static_cast<std::size_t>(numel(dims)))};
        if (t.raw_data().size() != v.data.size() * sizeof(float)) {
            return Error::internal("reference runner: initializer '" + t.name() + "' is not f32");
        }
        std::memcpy(v.data.data(), t.raw_data().data(), t.raw_data().size());
        values[t.name()] = std::move(v);
    }
    values[g.input(0).name()] = std::move(input);
    for (const auto& n : g.node()) {
        Args a{{}, n};
        for (const auto& name : n.input()) {
            auto it = values.find(name);
            if (it == values.end() && !int64s.count(name) && !name.empty()) {
                return Error::internal("reference runner: node '" + n.name() + "' reads '" + name +
                                       "', which is not computed yet");
            }
            a.in.push_back(it == values.end() ? nullptr : &it->second);
        }
        if (n.op_type() == "LSTM" || n.op_type() == "GRU") { // two outputs: Y, Y_h
            auto ys = runRecurrent(n, a.in);
            if (!ys) {
                return ys.error();
            }
            for (int k = 0; k < std::min(n.output_size(), 2); ++k) {
                if (!n.output(k).empty()) {
                    values[n.output(k)] = std::move((*ys)[std::size_t(k)]);
                }
            }
            continue;
        }
        auto integer = runIntegerNode(n, int64s, intDims, values); // Constant, Shape, ...
        if (!integer) {
            return integer.error();
        }
        if (*integer) {
            continue;
        }
        if (n.op_type() == "Split") { // several outputs
            auto parts = runSplit(n, a.in, int64s);
            if (!parts) {
                return parts.error();
            }
            for (int k = 0; k < n.output_size(); ++k) {
                if (!n.output(k).empty()) {
                    values[n.output(k)] = std::move((*parts)[std::size_t(k)]);
                }
            }
            continue;
        }
        OpFn fn = findOp(n.op_type());
        if (fn == nullptr) {
            return Error::internal("reference runner: op '" + n.op_type() + "' (node '" + n.name() +
                                   "') is not supported");
        }
        Expected<Value> y = fn(a, int64s);
        if (!y) {
            return y.error();
        }
        values[n.output(0)] = std::move(*y);
    }
    std::map<std::string, Value> outputs;
    for (const auto& o : g.output()) {
        outputs[o.name()] = values[o.name()];
    }
    return outputs;
}

} // namespace nw::graph::onnx_export
