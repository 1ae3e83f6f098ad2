// LSTM and GRU as recurrent_mapping.cpp writes them, read back into one of our nodes:
//
//   x [N, T, C] -> Transpose [1, 0, 2] -> LSTM/GRU (layer 0) -> Y -> Transpose [0, 2, 1, 3]
//   -> Reshape [0, 0, -1] -> layer 1 -> ... -> top layer, then either
//   Y   -> Transpose [2, 0, 1, 3] -> Reshape [0, 0, -1]   ("sequence", [N, T, D·H]) or
//   Y_h -> Transpose [1, 0, 2]    -> Reshape [0, -1]      ("last", [N, D·H]).
//
// W [D, G·H, in], R [D, G·H, H] and B [D, 2·G·H] are split per direction back into
// weight_ih, weight_hh, bias_ih and bias_hh, their gate blocks from ONNX's order into
// PyTorch's (LSTM i, o, f, c -> i, f, g, o; GRU z, r, h -> r, z, n).
#include "graph/onnx/import_state.h"

#include <algorithm>
#include <array>

namespace nw::graph::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;
using Node = onnx::NodeProto;

struct Form {
    const char* onnxOp;
    const char* ourOp;
    std::int64_t gates;
    std::array<std::int64_t, 4> pytorchGateOf; // ONNX gate j holds PyTorch gate [j]
    std::vector<std::string> activations;      // ONNX's defaults, per direction
};

const Form kLstm{"LSTM", "LSTM", 4, {0, 3, 1, 2}, {"Sigmoid", "Tanh", "Tanh"}};
const Form kGru{"GRU", "GRU", 3, {1, 0, 2, 0}, {"Sigmoid", "Tanh"}};

bool hasPerm(const Node& n, const Dims& perm) {
    const auto* a = MapContext::attrOf(n, "perm");
    return n.op_type() == "Transpose" && a && Dims(a->ints().begin(), a->ints().end()) == perm;
}

// Reshape `n`'s folded target is one of `forms`.
bool reshapesTo(const ImportState& st, const Node* n, std::initializer_list<Dims> forms) {
    if (!n || n->op_type() != "Reshape" || n->input_size() != 2) {
        return false;
    }
    const Constant* s = st.constant(n->input(1));
    return s && std::find(forms.begin(), forms.end(), s->ints()) != forms.end();
}

// The rows [first, first + count) of `c` (a [D, rows, cols] or [D, rows] tensor) for
// direction `dir`, gate blocks reordered to PyTorch's, as a tensor of `dims`.
HostTensor pytorchBlocks(const Form& f, const Constant& c, std::int64_t dir, std::int64_t first,
                         std::int64_t count, Dims dims) {
    const std::int64_t cols = c.dims.size() == 3 ? c.dims[2] : 1;
    const std::int64_t rowsPerDir = c.dims[1], block = count / f.gates * cols;
    HostTensor t{std::move(dims), std::vector<float>(static_cast<std::size_t>(count * cols))};
    const float* src = c.f.data() + (dir * rowsPerDir + first) * cols;
    for (std::int64_t j = 0; j < f.gates; ++j) {
        std::copy_n(src + j * block, block,
                    t.data.begin() + f.pytorchGateOf[static_cast<std::size_t>(j)] * block);
    }
    return t;
}

// One layer's node, checked against what our op can be: the form's activations, no clip,
// peepholes, initial states or sequence lengths, batch-major layout 0.
struct Layer {
    const Node* node;
    const Constant* w;
    const Constant* r;
    const Constant* b; // may be null: zero biases
};

std::optional<Layer> layerAt(const ImportState& st, const Node& n, const Form& f,
                             std::int64_t hidden, std::int64_t dirs, std::int64_t in) {
    if (n.op_type() != f.onnxOp || n.input_size() < 3) {
        return std::nullopt;
    }
    for (int k = 4; k < n.input_size(); ++k) {
        if (!n.input(k).empty()) {
            return std::nullopt; // sequence_lens, initial states, peepholes
        }
    }
    for (const auto& a : n.attribute()) {
        const std::string& name = a.name();
        const bool fine =
            (name == "hidden_size" && a.i() == hidden) ||
            (name == "direction" && a.s() == (dirs == 2 ? "bidirectional" : "forward")) ||
            (name == "layout" && a.i() == 0) || (name == "input_forget" && a.i() == 0) ||
            (name == "linear_before_reset" && a.i() == 1) || (name == "activations" && [&] {
                for (int k = 0; k < a.strings_size(); ++k) {
                    if (a.strings(k) != f.activations[std::size_t(k) % f.activations.size()]) {
                        return false;
                    }
                }
                return true;
            }());
        if (!fine) {
            return std::nullopt;
        }
    }
    const auto* direction = MapContext::attrOf(n, "direction");
    if (!direction && dirs != 1) {
        return std::nullopt;
    }
    const auto* lbr = MapContext::attrOf(n, "linear_before_reset");
    if (f.gates == 3 && (!lbr || lbr->i() != 1)) {
        return std::nullopt; // PyTorch's GRU (and ours) applies the reset after the product
    }
    const Constant* w = st.constant(n.input(1));
    const Constant* r = st.constant(n.input(2));
    const Constant* b =
        n.input_size() > 3 && !n.input(3).empty() ? st.constant(n.input(3)) : nullptr;
    const std::int64_t gh = f.gates * hidden;
    if (!w || !r || !w->isFloat || !r->isFloat || w->dims != Dims{dirs, gh, in} ||
        r->dims != Dims{dirs, gh, hidden} ||
        (n.input_size() > 3 && !n.input(3).empty() &&
         (!b || !b->isFloat || b->dims != Dims{dirs, 2 * gh}))) {
        return std::nullopt;
    }
    return Layer{&n, w, r, b};
}

} // namespace

bool tryRecurrent(MapContext& c) {
    const ImportState& st = c.state;
    auto x = c.activation(0);
    const Node* first = st.soleConsumer(c.node.output(0));
    if (!x || !hasPerm(c.node, {1, 0, 2}) || !first || first->input(0) != c.node.output(0)) {
        return false;
    }
    const Form& f = first->op_type() == "LSTM" ? kLstm : kGru;
    const auto* hiddenAttr = MapContext::attrOf(*first, "hidden_size");
    const auto* dirAttr = MapContext::attrOf(*first, "direction");
    const Constant* w0 = first->input_size() > 1 ? st.constant(first->input(1)) : nullptr;
    if ((first->op_type() != "LSTM" && first->op_type() != "GRU") || !hiddenAttr || !w0 ||
        w0->dims.size() != 3) {
        return false;
    }
    const std::int64_t hidden = hiddenAttr->i();
    const std::int64_t dirs = dirAttr && dirAttr->s() == "bidirectional" ? 2 : 1;
    std::vector<Layer> layers;
    std::vector<const Node*> members;
    std::string output;
    bool last = false;
    std::int64_t in = w0->dims[2];
    for (const Node* n = first; n;) {
        auto layer = layerAt(st, *n, f, hidden, dirs, in);
        if (!layer) {
            return false;
        }
        layers.push_back(*layer);
        members.push_back(n);
        in = hidden * dirs;
        const bool usesY = !st.consumers(n->output(0)).empty();
        const bool usesYh =
            n->output_size() > 1 && !n->output(1).empty() && !st.consumers(n->output(1)).empty();
        const bool usesYc =
            n->output_size() > 2 && !n->output(2).empty() && !st.consumers(n->output(2)).empty();
        if (usesYc || usesY == usesYh || n->output(0) == st.output()) {
            return false;
        }
        const Node* t = st.soleConsumer(usesY ? n->output(0) : n->output(1));
        const Node* reshape = t ? st.soleConsumer(t->output(0)) : nullptr;
        if (!t || !reshape) {
            return false;
        }
        members.insert(members.end(), {t, reshape});
        n = nullptr;
        if (usesYh && hasPerm(*t, {1, 0, 2}) && reshapesTo(st, reshape, {{0, -1}, {0, in}})) {
            last = true; // the top layer's final state
            output = reshape->output(0);
        } else if (usesY && hasPerm(*t, {2, 0, 1, 3}) &&
                   reshapesTo(st, reshape, {{0, 0, -1}, {0, 0, in}})) {
            output = reshape->output(0); // the top layer's every step
        } else if (usesY && hasPerm(*t, {0, 2, 1, 3}) &&
                   reshapesTo(st, reshape, {{0, 0, -1}, {0, 0, in}})) {
            n = st.soleConsumer(reshape->output(0)); // into the next layer
            if (!n || n->input(0) != reshape->output(0)) {
                return false;
            }
        } else {
            return false;
        }
    }
    for (const Node* m : members) {
        c.absorb(*m);
    }
    c.nameGroup();
    const std::int64_t gh = f.gates * hidden;
    std::vector<std::pair<std::string, HostTensor>> params;
    for (std::size_t k = 0; k < layers.size(); ++k) {
        const Layer& l = layers[k];
        const std::int64_t layerIn = l.w->dims[2];
        const Constant zeros = Constant::floats(
            {dirs, 2 * gh}, std::vector<float>(static_cast<std::size_t>(dirs * 2 * gh), 0.0f));
        const Constant& b = l.b ? *l.b : zeros;
        for (std::int64_t d = 0; d < dirs; ++d) {
            const std::string suffix = "_l" + std::to_string(k) + (d == 1 ? "_reverse" : "");
            params.emplace_back("weight_ih" + suffix,
                                pytorchBlocks(f, *l.w, d, 0, gh, {gh, layerIn}));
            params.emplace_back("weight_hh" + suffix,
                                pytorchBlocks(f, *l.r, d, 0, gh, {gh, hidden}));
            params.emplace_back("bias_ih" + suffix, pytorchBlocks(f, b, d, 0, gh, {gh}));
            params.emplace_back("bias_hh" + suffix, pytorchBlocks(f, b, d, gh, gh, {gh}));
        }
    }
    const AttrMap attrs{{"hidden_size", hidden},
                        {"layers", static_cast<std::int64_t>(layers.size())},
                        {"bidirectional", dirs == 2},
                        {"output", std::string(last ? "last" : "sequence")}};
    c.define(output, c.add(f.ourOp, attrs, {*x}, std::move(params)));
    return true;
}

} // namespace nw::graph::onnx_import
