#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

#include <limits>

namespace nw::graph::ops {

namespace {

// The head width: `head_dim`, or C / heads when it is 0 (infer checks that it divides).
std::int64_t headDim(const InferContext& ctx) {
    std::int64_t d = ctx.i("head_dim");
    return d != 0 ? d : ctx.input(0)[2] / ctx.i("heads");
}

} // namespace

OpSchema multiHeadAttentionSchema() {
    OpSchema s;
    s.name = "MultiHeadAttention";
    s.category = "Attention";
    s.doc = "Multi-head scaled dot-product self-attention over a sequence, with PyTorch "
            "nn.MultiheadAttention's packed parameters: q, k, v = x W_in^T + b_in split in "
            "three; per head softmax(q k^T / sqrt(head_dim)) v; the heads concatenated and "
            "projected back by W_out.";
    s.notes = "Input `[N, T, C]`, output `[N, T, C]`. `D = head_dim`, or `C / heads` when it "
              "is 0 (then `heads` must divide `C`); `E = heads·D`. With `causal`, position t "
              "attends to positions ≤ t only. `dropout` drops attention probabilities in "
              "training only. Parameters: `in_proj_weight [3E, C]` (Glorot-uniform over the "
              "whole matrix, as PyTorch's xavier_uniform_), `in_proj_bias [3E]` (zeros), "
              "`out_proj_weight [C, E]` (U(±1/√E), PyTorch's Linear), `out_proj_bias [C]` "
              "(zeros): `4·E·C (+ 3·E + C)`. FLOPs: `2·T·C·3E + 2·T·E·C + 4·T²·E (+ T·(3E + "
              "C))`: the projections and the two batched matmuls (q k^T and p v); the "
              "bracketed terms only with `use_bias`.";
    s.attrs = {
        AttrSpec::integer("heads", 4, 1, 1024, "Number of attention heads."),
        AttrSpec::integer("head_dim", 0, 0, 1 << 16,
                          "Width of each head; 0: C / heads (heads must then divide C)."),
        AttrSpec::boolean("causal", false,
                          "Mask the future: position t attends to positions ≤ t only."),
        AttrSpec::real("dropout", 0.0, 0.0, 1.0,
                       "Rate at which attention probabilities are dropped in training.")
            .exclusiveMax(),
        AttrSpec::boolean("use_bias", true, "Learned biases on the input and output projections."),
    };
    s.inputs = {{"input", "[N, T, C] sequence of feature vectors."}};
    s.outputs = {{"output", "[N, T, C]"}};
    s.infer = [](const InferContext& ctx) -> InferResult {
        const Shape& x = ctx.input(0);
        if (auto bad = requireRank(x, 3, "[N, T, C] (a sequence of feature vectors)")) {
            return *bad;
        }
        const std::int64_t t = x[1], c = x[2], heads = ctx.i("heads");
        if (ctx.i("head_dim") == 0 && c % heads != 0) {
            return fail("heads", std::to_string(heads) + " heads do not divide the " +
                                     std::to_string(c) + " features of " + x.toString() +
                                     "; set head_dim or change heads");
        }
        const std::int64_t d = headDim(ctx);
        auto e = product({heads, d});
        auto proj = e ? product({2, t, c, 4, *e}) : std::nullopt; // 2·T·C·3E + 2·T·E·C
        auto attention = e ? product({4, t, t, *e}) : std::nullopt;
        if (!proj || !attention || *proj > std::numeric_limits<std::int64_t>::max() - *attention) {
            return fail("heads", "the attention of " + x.toString() + " with " +
                                     std::to_string(heads) + " heads of " + std::to_string(d) +
                                     " is too large");
        }
        Inferred out;
        out.outputs = {x};
        out.cost.flops = *proj + *attention + (ctx.b("use_bias") ? t * (3 * *e + c) : 0);
        return out;
    };
    // PyTorch's nn.MultiheadAttention layout: q, k, v stacked in in_proj_weight's rows, head
    // h of each in its rows [h·D, (h + 1)·D).
    s.params = [](const InferContext& ctx) {
        const std::int64_t c = ctx.input(0)[2], e = ctx.i("heads") * headDim(ctx);
        std::vector<ParamSpec> p{{"in_proj_weight", {3 * e, c}, Init::GlorotUniform, c, 3 * e}};
        if (ctx.b("use_bias")) {
            p.push_back({"in_proj_bias", {3 * e}, Init::Zeros, c, 3 * e, true, false});
        }
        p.push_back({"out_proj_weight", {c, e}, Init::FanInUniform, e, c});
        if (ctx.b("use_bias")) {
            p.push_back({"out_proj_bias", {c}, Init::Zeros, e, c, true, false});
        }
        return p;
    };
    return s;
}

} // namespace nw::graph::ops
