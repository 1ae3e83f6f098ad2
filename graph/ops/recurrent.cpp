// LSTM and GRU: recurrent layers over batch-first sequences [N, T, C], with PyTorch's
// parameter names and layouts (so a PyTorch peer can share weights).
#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

namespace {

struct Cell {
    const char* name;
    int gates; // G: 4 (i, f, g, o) for LSTM, 3 (r, z, n) for GRU
    const char* gateText;
};

std::int64_t directionsOf(const InferContext& ctx) {
    return ctx.b("bidirectional") ? 2 : 1;
}

OpSchema recurrentSchema(const Cell& cell) {
    OpSchema s;
    s.name = cell.name;
    s.category = "Sequence";
    s.doc = std::string(cell.name) + " over a batch-first sequence [N, T, C] from a zero initial "
                                     "state; every step's hidden state or only the last.";
    s.notes = "Input `[N, T, C]`. Output `[N, T, H·D]` (`sequence`) or `[N, H·D]` (`last`), "
              "`D` = 2 when `bidirectional` (the forward direction's features first; `last` "
              "takes the forward direction's last step and the backward direction's first, as "
              "PyTorch's `h_n`). Layer `k` reads `in_k` = C for k = 0, else `H·D`. Parameters, "
              "per layer `k` and direction (suffix `_reverse`), in PyTorch's layout with `G` = " +
              std::to_string(cell.gates) + " gates (" + cell.gateText +
              "): `weight_ih_l{k}` `[G·H, in_k]`, `weight_hh_l{k}` `[G·H, H]`, `bias_ih_l{k}` "
              "and `bias_hh_l{k}` `[G·H]`, all U(±1/sqrt(H)); in total `D·Σ_k G·H·(in_k + H + "
              "2)`. FLOPs: `T·D·Σ_k 2·G·H·(in_k + H + 1)` (both matrix products and both "
              "biases of every step; the element-wise gate arithmetic is not counted).";
    s.attrs = {
        AttrSpec::integer("hidden_size", 128, 1, 1 << 16, "Features of the hidden state, H."),
        AttrSpec::integer("layers", 1, 1, 16,
                          "Stacked layers; each reads the previous one's every step."),
        AttrSpec::boolean("bidirectional", false,
                          "Also run each layer backwards in time and concatenate both."),
        AttrSpec::choice("output", "sequence", {"sequence", "last"},
                         "sequence: every step's hidden state [N, T, H·D]; last: the final "
                         "state [N, H·D] (the backward direction's at step 0)."),
    };
    s.inputs = {{"input", "[N, T, C] batch-first sequence"}};
    s.outputs = {{"output", "[N, T, H·D] or [N, H·D]"}};
    const std::int64_t gates = cell.gates;
    s.infer = [gates](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto e = requireRank(x, 3, "[N, T, C]")) {
            return *e;
        }
        const std::int64_t t = x[1], h = ctx.i("hidden_size"), d = directionsOf(ctx);
        std::int64_t flops = 0;
        for (std::int64_t k = 0; k < ctx.i("layers"); ++k) {
            std::int64_t in = k == 0 ? x[2] : h * d;
            auto layer = product({t, d, 2, gates, h, in + h + 1});
            auto sum = layer ? checkedAdd(flops, *layer) : std::nullopt;
            if (!sum) {
                return fail("hidden_size", "a " + std::to_string(h) + "-feature layer over " +
                                               x.toString() + " is too large");
            }
            flops = *sum;
        }
        Inferred out;
        out.outputs = {ctx.s("output") == "last" ? Shape::batched({h * d})
                                                 : Shape::batched({t, h * d})};
        out.cost.flops = flops;
        return out;
    };
    // Per layer, per direction: weight_ih, weight_hh, bias_ih, bias_hh (PyTorch's order).
    s.params = [gates](const InferContext& ctx) {
        const std::int64_t h = ctx.i("hidden_size"), d = directionsOf(ctx), gh = gates * h;
        std::vector<ParamSpec> p;
        for (std::int64_t k = 0; k < ctx.i("layers"); ++k) {
            std::int64_t in = k == 0 ? ctx.input(0)[2] : h * d;
            for (std::int64_t dir = 0; dir < d; ++dir) {
                std::string suffix = "_l" + std::to_string(k) + (dir == 1 ? "_reverse" : "");
                p.push_back({"weight_ih" + suffix, {gh, in}, Init::FanInUniform, h, gh});
                p.push_back({"weight_hh" + suffix, {gh, h}, Init::FanInUniform, h, gh});
                p.push_back({"bias_ih" + suffix, {gh}, Init::FanInUniform, h, gh, true, false});
                p.push_back({"bias_hh" + suffix, {gh}, Init::FanInUniform, h, gh, true, false});
            }
        }
        return p;
    };
    return s;
}

} // namespace

OpSchema lstmSchema() {
    return recurrentSchema({"LSTM", 4, "i, f, g, o"});
}

OpSchema gruSchema() {
    return recurrentSchema({"GRU", 3,
                            "r, z, n; the new gate applies the reset after its "
                            "hidden product, as PyTorch and ONNX's "
                            "linear_before_reset = 1"});
}

} // namespace nw::graph::ops
