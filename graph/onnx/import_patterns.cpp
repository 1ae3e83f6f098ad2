// Multi-node patterns of the ONNX import: the decompositions our exporter writes (and
// PyTorch's, which for GELU and Linear are the same), read back as one of our ops. Each
// matcher starts at the pattern's first node, follows sole consumers, and adds nothing
// unless the whole pattern is there.
#include "graph/onnx/import_state.h"

#include <cmath>
#include <numbers>

namespace nw::graph::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;
using Node = onnx::NodeProto;

// The sole consumer of `value` when it has op type `op`.
const Node* next(const ImportState& st, const std::string& value, const char* op) {
    const Node* n = st.soleConsumer(value);
    return n && n->op_type() == op && n->output_size() >= 1 ? n : nullptr;
}

// The constant other operand of binary `n` beside `value`.
const Constant* constantBeside(const ImportState& st, const Node& n, const std::string& value) {
    auto other = otherInput(n, value);
    return other ? st.constant(*other) : nullptr;
}

// The sole consumer of `value` when it is the binary `op` of `value` and the value `other`.
const Node* nextWith(const ImportState& st, const std::string& value, const char* op,
                     const std::string& other) {
    const Node* n = next(st, value, op);
    return n && otherInput(*n, value) == other ? n : nullptr;
}

// The sole consumer of `value` when it is the binary `op` of `value` and a scalar constant
// near `k`.
const Node* nextWithScalar(const ImportState& st, const std::string& value, const char* op,
                           double k) {
    const Node* n = next(st, value, op);
    return n && isScalarNear(constantBeside(st, *n, value), k) ? n : nullptr;
}

bool hasPerm(const Node& n, const Dims& perm) {
    const auto* a = MapContext::attrOf(n, "perm");
    return a && Dims(a->ints().begin(), a->ints().end()) == perm;
}

// The folded target shape of Reshape `n`.
std::optional<Dims> reshapeShape(const ImportState& st, const Node& n) {
    const Constant* s = n.input_size() == 2 ? st.constant(n.input(1)) : nullptr;
    return s ? std::optional<Dims>(s->ints()) : std::nullopt;
}

// Squeeze `n` of the single axis `axis` (attribute before opset 13, input after).
bool squeezesAxis(const ImportState& st, const Node& n, std::int64_t axis) {
    const auto* a = MapContext::attrOf(n, "axes");
    if (a) {
        return a->ints_size() == 1 && a->ints(0) == axis;
    }
    const Constant* k = n.input_size() == 2 ? st.constant(n.input(1)) : nullptr;
    return k && k->ints() == Dims{axis};
}

// A constant's value as one integer, when it holds one.
std::optional<std::int64_t> singleInt(const Constant* c) {
    if (!c || c->isFloat || c->numel() != 1) {
        return std::nullopt;
    }
    return c->i[0];
}

// What both GELU forms end with, from `members`' last node (the Erf or the Tanh): Add(·, 1),
// Mul(x, ·), Mul(·, 0.5). When it is there, absorbs `members` and that end and defines the
// end's output as one GELU of x.
bool finishGelu(MapContext& c, std::vector<const Node*> members, const char* approximate) {
    const ImportState& st = c.state;
    const std::string& in = c.node.input(0);
    const Node* plus1 = nextWithScalar(st, members.back()->output(0), "Add", 1.0);
    const Node* timesX = plus1 ? nextWith(st, plus1->output(0), "Mul", in) : nullptr;
    const Node* half = timesX ? nextWithScalar(st, timesX->output(0), "Mul", 0.5) : nullptr;
    if (!half) {
        return false;
    }
    members.insert(members.end(), {plus1, timesX, half});
    for (const Node* m : members) {
        c.absorb(*m);
    }
    c.nameGroup();
    c.define(half->output(0),
             c.add("GELU", {{"approximate", std::string(approximate)}}, {*c.activation(0)}));
    return true;
}

} // namespace

// 0.5 · x · (1 + Erf(x / √2)): Div, Erf, Add, Mul(x, ·), Mul(·, 0.5).
bool tryGeluErf(MapContext& c) {
    if (!c.activation(0) || !isScalarNear(c.constant(1), std::numbers::sqrt2)) {
        return false;
    }
    const Node* erf = next(c.state, c.node.output(0), "Erf");
    return erf && finishGelu(c, {erf}, "none");
}

// 0.5 · x · (1 + Tanh(√(2/π) · (x + 0.044715 · x³))), from its first node Mul(x, x).
bool tryGeluTanh(MapContext& c) {
    const ImportState& st = c.state;
    if (!c.activation(0) || c.node.input_size() != 2 || c.node.input(1) != c.node.input(0)) {
        return false;
    }
    const std::string& in = c.node.input(0);
    const Node* cube = nextWith(st, c.node.output(0), "Mul", in);
    const Node* kappa = cube ? nextWithScalar(st, cube->output(0), "Mul", 0.044715) : nullptr;
    const Node* inner = kappa ? nextWith(st, kappa->output(0), "Add", in) : nullptr;
    const Node* beta =
        inner ? nextWithScalar(st, inner->output(0), "Mul", std::sqrt(2.0 / std::numbers::pi))
              : nullptr;
    const Node* tanh = beta ? next(st, beta->output(0), "Tanh") : nullptr;
    return tanh && finishGelu(c, {cube, kappa, inner, beta, tanh}, "tanh");
}

namespace {

// x · B (+ bias) with a constant B [in, units]: what Dense is.
struct Linear {
    Constant weight;                // [units, in], our layout
    const Constant* bias = nullptr; // when an Add of a bias follows
    const Node* add = nullptr;
    std::string output;
};

std::optional<Linear> linearAt(const ImportState& st, const Node& matmul) {
    const Constant* b = matmul.input_size() == 2 ? st.constant(matmul.input(1)) : nullptr;
    if (!b || !b->isFloat || b->dims.size() != 2) {
        return std::nullopt;
    }
    Linear l{transposed(*b, {1, 0}), nullptr, nullptr, matmul.output(0)};
    if (const Node* add = next(st, l.output, "Add")) {
        const Constant* bias = constantBeside(st, *add, l.output);
        if (bias && biasVector(*bias, l.weight.dims[0])) {
            l.bias = bias;
            l.add = add;
            l.output = add->output(0);
        }
    }
    return l;
}

} // namespace

bool tryDense(MapContext& c) {
    auto l = linearAt(c.state, c.node);
    if (!l || !c.activation(0)) {
        return false;
    }
    if (l->add) {
        c.absorb(*l->add);
    }
    c.nameGroup();
    c.define(l->output, addDense(c, *c.activation(0), l->weight, l->bias));
    return true;
}

namespace {

// The causal mask our exporter adds: 0 on and below the diagonal, -inf above it.
bool isCausalMask(const Constant* m, std::int64_t t) {
    if (!m || !m->isFloat || m->dims != Dims{t, t}) {
        return false;
    }
    for (std::int64_t q = 0; q < t; ++q) {
        for (std::int64_t k = 0; k < t; ++k) {
            const float v = m->f[static_cast<std::size_t>(q * t + k)];
            if (k <= q ? v != 0.0f : !(std::isinf(v) && v < 0)) {
                return false;
            }
        }
    }
    return true;
}

} // namespace

// MultiHeadAttention as attention_mapping.cpp writes it, from the in-projection's MatMul:
// projection, Reshape [N, T, 3, H, D], Transpose to [3, N, H, T, D], Gather (+ Squeeze) of
// q, k, v, Transpose of k, MatMul, Mul by 1/√D, (Add of the causal mask), Softmax, MatMul by v,
// Transpose, Reshape [N, T, E], out-projection.
bool tryAttention(MapContext& c) {
    const ImportState& st = c.state;
    auto inProj = linearAt(st, c.node);
    if (!inProj || !c.activation(0)) {
        return false;
    }
    std::vector<const Node*> members;
    if (inProj->add) {
        members.push_back(inProj->add);
    }
    const Node* split = next(st, inProj->output, "Reshape");
    auto shape = split ? reshapeShape(st, *split) : std::nullopt;
    if (!shape || shape->size() != 5 || (*shape)[0] != 0 || (*shape)[2] != 3) {
        return false;
    }
    const std::int64_t t = (*shape)[1], heads = (*shape)[3], d = (*shape)[4], e = heads * d;
    const Node* toHeads = next(st, split->output(0), "Transpose");
    if (!toHeads || !hasPerm(*toHeads, {2, 0, 3, 1, 4}) || inProj->weight.dims[0] != 3 * e ||
        toHeads->output(0) == st.output()) {
        return false;
    }
    members.insert(members.end(), {split, toHeads});
    // q, k, v: Gather of index 0, 1, 2 along axis 0, each with a Squeeze of that axis.
    std::string qkv[3];
    const auto& gathers = st.consumers(toHeads->output(0));
    if (gathers.size() != 3) {
        return false;
    }
    for (const Node* g : gathers) {
        const auto* axis = MapContext::attrOf(*g, "axis");
        auto index =
            g->op_type() == "Gather" && g->input_size() == 2 && g->input(0) == toHeads->output(0)
                ? singleInt(st.constant(g->input(1)))
                : std::nullopt;
        if (!index || *index < 0 || *index > 2 || (axis && axis->i() != 0) ||
            !qkv[*index].empty()) {
            return false;
        }
        members.push_back(g);
        qkv[*index] = g->output(0);
        if (!st.constant(g->input(1))->dims.empty()) {
            const Node* squeeze = next(st, g->output(0), "Squeeze");
            if (!squeeze || !squeezesAxis(st, *squeeze, 0)) {
                return false;
            }
            members.push_back(squeeze);
            qkv[*index] = squeeze->output(0);
        }
    }
    const Node* kT = next(st, qkv[1], "Transpose");
    const Node* scores =
        kT && hasPerm(*kT, {0, 1, 3, 2}) ? next(st, kT->output(0), "MatMul") : nullptr;
    if (!scores || scores->input_size() != 2 || scores->input(0) != qkv[0] ||
        scores->input(1) != kT->output(0) || st.soleConsumer(qkv[0]) != scores) {
        return false;
    }
    const Node* scale =
        nextWithScalar(st, scores->output(0), "Mul", 1.0 / std::sqrt(static_cast<double>(d)));
    if (!scale) {
        return false;
    }
    members.insert(members.end(), {kT, scores, scale});
    std::string logits = scale->output(0);
    bool causal = false;
    if (const Node* mask = next(st, logits, "Add")) {
        if (!isCausalMask(constantBeside(st, *mask, logits), t)) {
            return false;
        }
        causal = true;
        members.push_back(mask);
        logits = mask->output(0);
    }
    const Node* softmax = next(st, logits, "Softmax");
    const auto* axis = softmax ? MapContext::attrOf(*softmax, "axis") : nullptr;
    if (!softmax || (axis ? (axis->i() != -1 && axis->i() != 3) : st.opset < 13)) {
        return false;
    }
    const Node* context = next(st, softmax->output(0), "MatMul");
    if (!context || context->input_size() != 2 || context->input(1) != qkv[2] ||
        st.soleConsumer(qkv[2]) != context) {
        return false;
    }
    const Node* back = next(st, context->output(0), "Transpose");
    const Node* merge =
        back && hasPerm(*back, {0, 2, 1, 3}) ? next(st, back->output(0), "Reshape") : nullptr;
    if (!merge || reshapeShape(st, *merge) != Dims{0, t, e}) {
        return false;
    }
    const Node* outMatMul = next(st, merge->output(0), "MatMul");
    auto outProj = outMatMul ? linearAt(st, *outMatMul) : std::nullopt;
    const std::int64_t channels = inProj->weight.dims[1];
    if (!outProj || outProj->weight.dims != Dims{channels, e} ||
        (outProj->bias != nullptr) != (inProj->bias != nullptr)) {
        return false;
    }
    members.insert(members.end(), {softmax, context, back, merge, outMatMul});
    if (outProj->add) {
        members.push_back(outProj->add);
    }
    for (const Node* m : members) {
        c.absorb(*m);
    }
    c.nameGroup();
    std::vector<std::pair<std::string, HostTensor>> params{
        {"in_proj_weight", hostTensor(inProj->weight)}};
    if (inProj->bias) {
        params.emplace_back("in_proj_bias", *biasVector(*inProj->bias, 3 * e));
    }
    params.emplace_back("out_proj_weight", hostTensor(outProj->weight));
    if (outProj->bias) {
        params.emplace_back("out_proj_bias", *biasVector(*outProj->bias, channels));
    }
    const AttrMap attrs{{"heads", heads},
                        {"head_dim", e == channels ? std::int64_t{0} : d},
                        {"causal", causal},
                        {"use_bias", inProj->bias != nullptr}};
    c.define(outProj->output,
             c.add("MultiHeadAttention", attrs, {*c.activation(0)}, std::move(params)));
    return true;
}

} // namespace nw::graph::onnx_import
