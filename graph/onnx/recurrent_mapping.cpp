// LSTM and GRU in ONNX opset 17: one native LSTM / GRU node per layer (layout 0: ONNX
// Runtime does not run the batch-first layout = 1), with Transposes between our [N, T, C] and
// ONNX's [T, N, C]:
//
//   layer input   x [N, T, C] -> Transpose [T, N, C]; a layer > 0 reads the previous
//                 one's Y [T, D, N, H] -> Transpose [T, N, D, H] -> Reshape [T, N, D·H]
//   W, R, B       per direction [1, G·H, in], [1, G·H, H], [1, 2·G·H] (Concat of both biases),
//                 concatenated over the directions for a bidirectional layer
//   "sequence"    Y -> Transpose [N, T, D, H] -> Reshape [N, T, D·H]
//   "last"        Y_h [D, N, H] -> Transpose [N, D, H] -> Reshape [N, D·H]
//
// Each parameter is its own initializer "<node>.<name>" in ONNX's gate order (LSTM: PyTorch's
// i, f, g, o as ONNX's i, o, f, c; GRU: r, z, n as z, r, h, with linear_before_reset = 1,
// which is PyTorch's GRU), shaped with a leading direction axis of 1.
#include "graph/onnx/op_mapping.h"

#include <algorithm>
#include <array>

namespace nw::graph::onnx_export {

namespace {

using Dims = std::vector<std::int64_t>;

struct RecurrentForm {
    const char* onnxOp;
    std::int64_t gates;
    std::array<std::int64_t, 4> pytorchGateOf; // ONNX gate j holds PyTorch gate [j]
};

constexpr RecurrentForm kLstm{"LSTM", 4, {0, 3, 1, 2}};
constexpr RecurrentForm kGru{"GRU", 3, {1, 0, 2, 0}};

// Parameter `name` of the node with its gate blocks ([G·H, ...] rows) in ONNX's order, as the
// initializer "<node>.<name>" of dims `onnxDims`.
Expected<std::string> reorderedParam(MapContext& c, const RecurrentForm& form,
                                     const std::string& name, const Dims& onnxDims) {
    auto decl = std::find_if(c.info.params.begin(), c.info.params.end(),
                             [&](const ParamSpec& p) { return p.name == name; });
    if (decl == c.info.params.end()) {
        return Error::internal("node '" + c.node.id + "': " + c.node.op +
                               " declares no parameter '" + name + "'");
    }
    auto it = c.weights.find({c.node.id, name});
    if (it == c.weights.end()) {
        return Error::user("node '" + c.node.id + "': parameter '" + name +
                           "' is missing from the weights");
    }
    const HostTensor& t = it->second;
    std::int64_t count = 1;
    for (std::int64_t d : decl->shape) {
        count *= d;
    }
    if (t.dims != decl->shape || static_cast<std::int64_t>(t.data.size()) != count) {
        return Error::user("node '" + c.node.id + "': parameter '" + name +
                           "' has the wrong shape for the graph");
    }
    const std::int64_t block = count / form.gates; // one gate's rows
    std::vector<float> data(t.data.size());
    for (std::int64_t g = 0; g < form.gates; ++g) {
        std::copy_n(t.data.begin() + form.pytorchGateOf[std::size_t(g)] * block, block,
                    data.begin() + g * block);
    }
    std::string initName = c.node.id + "." + name;
    c.builder.floatInitializer(initName, onnxDims, data);
    return initName;
}

// `parts` concatenated along `axis` as value `name`, or the only part itself.
std::string concat(MapContext& c, const std::vector<std::string>& parts, std::int64_t axis,
                   const std::string& name) {
    if (parts.size() == 1) {
        return parts[0];
    }
    auto& n = c.builder.node("Concat", name, parts, {name});
    ModelBuilder::attr(n, "axis", axis);
    return name;
}

// value -> Transpose(perm) -> Reshape(shape) as `out`.
void transposeReshape(MapContext& c, const std::string& value,
                      std::initializer_list<std::int64_t> perm, const Dims& shape,
                      const std::string& stem, const std::string& out) {
    auto& t = c.builder.node("Transpose", c.helper(stem + "_t"), {value}, {c.helper(stem + "_t")});
    ModelBuilder::attr(t, "perm", perm);
    c.builder.int64Initializer(c.helper(stem + "_shape"), shape);
    c.builder.node("Reshape", c.helper(stem), {c.helper(stem + "_t"), c.helper(stem + "_shape")},
                   {out});
}

Status emitRecurrent(MapContext& c, const RecurrentForm& form) {
    const std::int64_t h = c.i("hidden_size"), layers = c.i("layers");
    const std::int64_t dirs = c.b("bidirectional") ? 2 : 1, gh = form.gates * h;
    const bool last = c.s("output") == "last";

    std::string x = c.helper("x_tnc");
    auto& t0 = c.builder.node("Transpose", x, {c.inputs[0]}, {x});
    ModelBuilder::attr(t0, "perm", {1, 0, 2});
    std::int64_t in = c.info.inputs[0][2];
    for (std::int64_t k = 0; k < layers; ++k) {
        const std::string layer = "l" + std::to_string(k);
        std::vector<std::string> w, r, b;
        for (std::int64_t d = 0; d < dirs; ++d) {
            const std::string suffix = "_" + layer + (d == 1 ? "_reverse" : "");
            auto wi = reorderedParam(c, form, "weight_ih" + suffix, {1, gh, in});
            auto wh = reorderedParam(c, form, "weight_hh" + suffix, {1, gh, h});
            auto bi = reorderedParam(c, form, "bias_ih" + suffix, {1, gh});
            auto bh = reorderedParam(c, form, "bias_hh" + suffix, {1, gh});
            for (const auto* p : {&wi, &wh, &bi, &bh}) {
                if (!*p) {
                    return p->error();
                }
            }
            w.push_back(*wi);
            r.push_back(*wh);
            b.push_back(concat(c, {*bi, *bh}, 1, c.helper("bias" + suffix)));
        }
        std::string wAll = concat(c, w, 0, c.helper("W_" + layer));
        std::string rAll = concat(c, r, 0, c.helper("R_" + layer));
        std::string bAll = concat(c, b, 0, c.helper("B_" + layer));
        const bool top = k == layers - 1;
        std::string y = c.helper("Y_" + layer), yh = c.helper("Y_h_" + layer);
        std::vector<std::string> outputs =
            top && last ? std::vector<std::string>{"", yh} : std::vector<std::string>{y};
        auto& n = c.builder.node(form.onnxOp, k == 0 ? c.node.id : c.helper(layer),
                                 {x, wAll, rAll, bAll}, outputs);
        ModelBuilder::attr(n, "hidden_size", h);
        ModelBuilder::attr(n, "direction", std::string(dirs == 2 ? "bidirectional" : "forward"));
        if (form.gates == 3) {
            ModelBuilder::attr(n, "linear_before_reset", std::int64_t{1});
        }
        if (top) {
            if (last) {
                transposeReshape(c, yh, {1, 0, 2}, {0, -1}, "last", c.output);
            } else {
                transposeReshape(c, y, {2, 0, 1, 3}, {0, 0, -1}, "sequence", c.output);
            }
        } else {
            x = c.helper("x_" + std::to_string(k + 1));
            transposeReshape(c, y, {0, 2, 1, 3}, {0, 0, -1}, "x_" + std::to_string(k + 1), x);
        }
        in = h * dirs;
    }
    return Status::success();
}

} // namespace

Status emitLstm(MapContext& c) {
    return emitRecurrent(c, kLstm);
}

Status emitGru(MapContext& c) {
    return emitRecurrent(c, kGru);
}

} // namespace nw::graph::onnx_export
