// mapNode(): the multi-node patterns first (import_patterns.cpp, import_recurrent.cpp), then
// the one-node mapper of the node's op — one line per ONNX op in mappers() — or why there is
// none. Also the helpers the mappers share, and plugin ops.
#include "graph/onnx/import_mappers.h"
#include "graph/onnx/onnx_import.h"

#include <cmath>
#include <limits>
#include <map>

namespace nw::graph::onnx_import {

// Input `i` as an activation, or why not.
Why activationInput(const MapContext& c, int i, int& ref) {
    auto a = c.activation(i);
    if (!a) {
        return fail("input " + std::to_string(i) +
                    (c.constant(i) ? " is a constant; only activations map there" : " is missing"));
    }
    ref = *a;
    return mapped();
}

Why shapedInput(const MapContext& c, int i, int& ref, Shape& shape) {
    if (auto why = activationInput(c, i, ref)) {
        return why;
    }
    auto s = c.shapeOf(ref);
    if (!s) {
        return unknownInput();
    }
    shape = std::move(*s);
    return mapped();
}

Why constantInput(MapContext& c, int i, const Shape& like, int& ref) {
    const Constant* k = c.constant(i);
    if (!k || !k->isFloat || k->hasBatchDim()) {
        return fail("input " + std::to_string(i) + " is no float constant");
    }
    std::vector<std::int64_t> dims = k->dims;
    if (dims.size() == static_cast<std::size_t>(like.rank()) && !dims.empty() && dims[0] == 1) {
        dims.erase(dims.begin());
    } else if (dims.size() + 1 != static_cast<std::size_t>(like.rank())) {
        return fail("its constant input " + std::to_string(i) + " " + k->dimsText() +
                    " varies along the batch axis of " + like.toString() + " or has another rank");
    }
    if (dims.empty()) {
        return fail("its constant input " + std::to_string(i) + " is a scalar");
    }
    ref = c.add("Constant", {{"shape", dims}}, {}, {{"value", {dims, k->f}}},
                "_const" + std::to_string(i));
    c.state.plan.back().trainable = c.state.learnedConstant(c.node.input(i));
    return mapped();
}

Why shapedInputs(const MapContext& c, int& a, Shape& sa, int& b, Shape& sb) {
    if (auto why = shapedInput(c, 0, a, sa)) {
        return why;
    }
    return shapedInput(c, 1, b, sb);
}

// The anchor's output 0 is `ref`.
Why done(MapContext& c, int ref) {
    c.define(c.node.output(0), ref);
    return mapped();
}

// Outputs past the first are optional in these ops; one in use has no Netwright equivalent.
Why refuseExtraOutputs(const MapContext& c, const char* what) {
    for (int k = 1; k < c.node.output_size(); ++k) {
        if (c.outputUsed(k)) {
            return fail(std::string("its output ") + std::to_string(k) + " (" + what +
                        ") is used; Netwright's op has only the first");
        }
    }
    return mapped();
}

std::string dimsText(const std::vector<std::int64_t>& d) {
    std::string s = "[";
    for (std::size_t k = 0; k < d.size(); ++k) {
        s += (k ? ", " : "") + std::to_string(d[k]);
    }
    return s + "]";
}

namespace {

using Dims = std::vector<std::int64_t>;
using Params = std::vector<std::pair<std::string, HostTensor>>;

// A plugin's op, as emitPluginOp writes it: a node of the plugin's domain named after the op,
// its attributes, its activations then its parameters (constants) in the schema's order.
Why mapPluginOp(MapContext& c) {
    const std::string& domain = c.node.domain();
    const OpSchema* schema = c.state.registry.find(c.node.op_type());
    if (!schema || schema->plugin != domain) {
        return fail("domain '" + domain +
                    "' is not ONNX's, and no loaded plugin of that name "
                    "declares the op");
    }
    AttrMap attrs;
    for (const auto& a : c.node.attribute()) {
        const AttrSpec* spec = schema->findAttr(a.name());
        if (!spec) {
            return fail("attribute '" + a.name() + "' is not one of " + schema->name + "'s");
        }
        switch (spec->type) {
        case AttrType::Int:
            attrs[a.name()] = a.i();
            break;
        case AttrType::Bool:
            attrs[a.name()] = a.i() != 0;
            break;
        case AttrType::Float:
            attrs[a.name()] = shortestDouble(a.f());
            break;
        case AttrType::String:
            attrs[a.name()] = a.s();
            break;
        case AttrType::IntList:
            attrs[a.name()] = Dims(a.ints().begin(), a.ints().end());
            break;
        }
    }
    std::vector<int> in;
    std::vector<const Constant*> constants;
    std::vector<Shape> shapes;
    for (int k = 0; k < c.node.input_size(); ++k) {
        if (const Constant* p = c.constant(k)) {
            constants.push_back(p);
        } else if (auto a = c.activation(k)) {
            in.push_back(*a);
            auto s = c.shapeOf(*a);
            if (!s) {
                return unknownInput();
            }
            shapes.push_back(*s);
        }
    }
    AttrMap full = schema->defaults();
    for (const auto& [k, v] : attrs) {
        full[k] = v;
    }
    auto inferred = schema->inferNode(InferContext(full, shapes));
    if (!inferred || inferred->params.size() != constants.size()) {
        return fail(inferred ? "has " + std::to_string(constants.size()) + " constant inputs for " +
                                   std::to_string(inferred->params.size()) + " parameters"
                             : "as " + schema->name + ": " + inferred.error().message);
    }
    Params params;
    for (std::size_t k = 0; k < constants.size(); ++k) {
        params.emplace_back(inferred->params[k].name, hostTensor(*constants[k]));
        params.back().second.dims = inferred->params[k].shape; // same values, our shape
        if (constants[k]->numel() != inferred->params[k].numel()) {
            return fail("parameter '" + inferred->params[k].name + "' has the wrong size");
        }
    }
    return done(c, c.add(schema->name, std::move(attrs), std::move(in), std::move(params)));
}

// Clip as ReLU6 (bounds 0 and 6, as PyTorch writes nn.ReLU6) or ReLU (0 and no upper bound).
// The bounds: constant scalar inputs (opset 11 on) or the attributes min and max (before).
Why mapClip(MapContext& c) {
    int x;
    if (auto why = activationInput(c, 0, x)) {
        return why;
    }
    float bounds[2] = {c.attrFloat("min", -std::numeric_limits<float>::infinity()),
                       c.attrFloat("max", std::numeric_limits<float>::infinity())};
    for (int k = 1; k <= 2; ++k) {
        if (!c.hasInput(k)) {
            continue;
        }
        const Constant* b = c.constant(k);
        if (!b || b->numel() != 1 || b->hasBatchDim()) {
            return fail(std::string("its ") + (k == 1 ? "min" : "max") +
                        " is not a constant scalar");
        }
        bounds[k - 1] = static_cast<float>(b->at(0)); // integer bounds of integer inputs too
    }
    const auto [lo, hi] = bounds;
    if (std::isinf(lo) && lo < 0 && std::isinf(hi) && hi > 0) {
        return done(c, x); // no bounds: the identity
    }
    if (lo == 0.0f && hi == 6.0f) {
        return done(c, c.add("ReLU6", {}, {x}));
    }
    if (lo == 0.0f && hi >= std::numeric_limits<float>::max()) {
        return done(c, c.add("ReLU", {}, {x}));
    }
    // Other ranges from ops we have, with frozen Scales of one value: max(x, lo) as
    // ReLU(x − lo) + lo, min(x, hi) as hi − ReLU(hi − x), both as lo + (hi − lo) · HardSigmoid
    // with alpha 1/(hi − lo) and beta −lo/(hi − lo) where those are within HardSigmoid's ±10.
    auto scale = [&](int in, double s, double b, const char* suffix) {
        AttrMap a{{"shape", Dims{1}}, {"use_scale", s != 1.0}, {"use_shift", b != 0.0}};
        std::vector<std::pair<std::string, HostTensor>> params;
        if (s != 1.0) {
            params.emplace_back("scale", HostTensor{{1}, {float(s)}});
        }
        if (b != 0.0) {
            params.emplace_back("shift", HostTensor{{1}, {float(b)}});
        }
        const int ref = c.add("Scale", std::move(a), {in}, std::move(params), suffix);
        c.state.plan.back().trainable = false;
        return ref;
    };
    const double l = lo, h = hi;
    if (!(l < h)) { // min(max(x, lo), hi) is hi everywhere
        return done(c, scale(x, 0.0, h, ""));
    }
    if (std::isinf(h)) {
        const int relu = c.add("ReLU", {}, {scale(x, 1.0, -l, "_shift")}, {}, "_relu");
        return done(c, scale(relu, 1.0, l, ""));
    }
    if (std::isinf(l)) {
        const int relu = c.add("ReLU", {}, {scale(x, -1.0, h, "_flip")}, {}, "_relu");
        return done(c, scale(relu, -1.0, h, ""));
    }
    const double alpha = 1.0 / (h - l), beta = -l / (h - l);
    auto text = [](float v) { return attrValueToString(shortestDouble(v)); };
    if (std::abs(alpha) > 10 || std::abs(beta) > 10) {
        return fail("clips to [" + text(lo) + ", " + text(hi) +
                    "], which maps as HardSigmoid only where its alpha 1/(max − min) and beta "
                    "−min/(max − min) are within ±10");
    }
    const int unit = c.add("HardSigmoid", {{"alpha", alpha}, {"beta", beta}}, {x}, {}, "_unit");
    return done(c, scale(unit, h - l, l, ""));
}

// Ops real models use that Netwright has no op for yet; the rest get the generic reason.
std::string unsupportedReason(const std::string& op) {
    static const std::map<std::string, std::string, std::less<>> kKnown{
        {"Erf", "Netwright has no Erf op (GELU as our exporter writes it maps)"},
    };
    auto it = kKnown.find(op);
    return it != kKnown.end() ? it->second : "Netwright has no " + op + " op";
}

using MapFn = Why (*)(MapContext&);

const std::map<std::string, MapFn, std::less<>>& mappers() {
    static const std::map<std::string, MapFn, std::less<>> kMappers{
        {"Conv", mapConv},
        {"Gemm", mapGemm},
        {"MatMul", mapMatMul},
        {"BatchNormalization", mapBatchNorm},
        {"LayerNormalization", mapLayerNorm},
        {"LRN", mapLrn},
        {"Pad", mapPad},
        {"MaxPool", [](MapContext& c) { return mapPool(c, true); }},
        {"AveragePool", [](MapContext& c) { return mapPool(c, false); }},
        {"GlobalAveragePool", [](MapContext& c) { return mapGlobalPool(c, false); }},
        {"GlobalMaxPool", [](MapContext& c) { return mapGlobalPool(c, true); }},
        {"Relu", [](MapContext& c) { return mapUnary(c, "ReLU"); }},
        {"Sigmoid", [](MapContext& c) { return mapUnary(c, "Sigmoid"); }},
        {"Tanh", [](MapContext& c) { return mapUnary(c, "Tanh"); }},
        {"LeakyRelu",
         [](MapContext& c) {
             return mapUnary(c, "LeakyReLU",
                             {{"alpha", shortestDouble(c.attrFloat("alpha", 0.01f))}});
         }},
        {"Elu",
         [](MapContext& c) {
             return mapUnary(c, "ELU", {{"alpha", shortestDouble(c.attrFloat("alpha", 1.0f))}});
         }},
        {"Clip", mapClip},
        {"HardSigmoid",
         [](MapContext& c) {
             return mapUnary(c, "HardSigmoid",
                             {{"alpha", shortestDouble(c.attrFloat("alpha", 0.2f))},
                              {"beta", shortestDouble(c.attrFloat("beta", 0.5f))}});
         }},
        {"HardSwish", [](MapContext& c) { return mapUnary(c, "HardSwish"); }},
        {"Gelu", // opset 20
         [](MapContext& c) {
             return mapUnary(c, "GELU", {{"approximate", c.attrString("approximate", "none")}});
         }},
        {"Softmax", mapSoftmax},
        {"Flatten", mapFlatten},
        {"Reshape", mapReshape},
        {"Squeeze", [](MapContext& c) { return mapSqueeze(c, false); }},
        {"Unsqueeze", [](MapContext& c) { return mapSqueeze(c, true); }},
        {"Transpose", mapTranspose},
        {"Slice", mapSlice},
        {"Split", mapSplit},
        {"Concat", mapConcat},
        {"Add", mapAdd},
        {"Mul", mapMul},
        {"Expand", mapExpand},
        {"Sub", [](MapContext& c) { return mapArithmetic(c, '-'); }},
        {"Div", [](MapContext& c) { return mapArithmetic(c, '/'); }},
        {"Sum", // of two, one of them a constant: as Add
         [](MapContext& c) {
             return c.node.input_size() == 2 && (c.constant(0) || c.constant(1))
                        ? mapArithmetic(c, '+')
                        : mapJoin(c, "Add", {});
         }},
        {"ReduceMean", [](MapContext& c) { return mapReduce(c, false); }},
        {"ReduceMax", [](MapContext& c) { return mapReduce(c, true); }},
        {"Gather", mapGather},
        {"Dropout", mapDropout},
        {"Identity", mapIdentity},
        {"Cast", mapCast},
    };
    return kMappers;
}

} // namespace

Why mapNode(MapContext& c) {
    const std::string& op = c.node.op_type();
    if (!c.node.domain().empty() && c.node.domain() != "ai.onnx") {
        return mapPluginOp(c);
    }
    // Patterns of several nodes, each anchored at its first node, before the node's own mapper.
    if ((op == "MatMul" && (tryAttention(c) || tryDense(c))) || (op == "Div" && tryGeluErf(c)) ||
        (op == "Mul" && tryGeluTanh(c)) || (op == "Transpose" && tryRecurrent(c))) {
        return mapped();
    }
    auto it = mappers().find(op);
    if (it == mappers().end()) {
        return unsupportedReason(op);
    }
    return it->second(c);
}

std::vector<std::string> mappedOpTypes() {
    std::vector<std::string> out{"Constant"};
    for (const auto& [op, fn] : mappers()) {
        out.push_back(op);
    }
    return out;
}

} // namespace nw::graph::onnx_import
