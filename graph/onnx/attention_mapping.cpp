// MultiHeadAttention in ONNX opset 17, decomposed (opset 17 has no attention op):
//
//   qkv = x · W_in^T + b_in                       MatMul, Add          [N, T, 3E]
//   q, k, v                                       Reshape [N, T, 3, H, D], Transpose to
//                                                 [3, N, H, T, D], Gather + Squeeze each
//   p = Softmax(q · k^T · (1 / sqrt(D)) + mask)   Transpose, MatMul, Mul, (Add), Softmax
//   o = p · v                                     MatMul               [N, H, T, D]
//   y = o' · W_out^T + b_out                      Transpose/Reshape to [N, T, E], MatMul, Add
//
// The causal mask is a [T, T] constant, 0 on and below the diagonal and -inf above it. The
// weights are the schema's initializers "<node>.in_proj_weight" [3E, C] and so on, used
// through a Transpose (which runtimes fold into the constant).
#include "graph/onnx/op_mapping.h"

#include <cmath>
#include <limits>

namespace nw::graph::onnx_export {

namespace {

using Dims = std::vector<std::int64_t>;

// y = x · W^T (+ b) over the last axis; W is parameter `weight` [out, in].
Status project(MapContext& c, const std::string& x, const char* weight, const char* bias,
               const std::string& stem, const std::string& y) {
    auto w = c.param(weight);
    if (!w) {
        return w.error();
    }
    ModelBuilder& b = c.builder;
    auto& t =
        b.node("Transpose", c.helper(stem + "_weight_t"), {*w}, {c.helper(stem + "_weight_t")});
    ModelBuilder::attr(t, "perm", {1, 0});
    if (!c.b("use_bias")) {
        b.node("MatMul", c.helper(stem), {x, c.helper(stem + "_weight_t")}, {y});
        return Status::success();
    }
    auto bv = c.param(bias);
    if (!bv) {
        return bv.error();
    }
    b.node("MatMul", c.helper(stem + "_matmul"), {x, c.helper(stem + "_weight_t")},
           {c.helper(stem + "_matmul")});
    b.node("Add", c.helper(stem), {c.helper(stem + "_matmul"), *bv}, {y});
    return Status::success();
}

} // namespace

Status emitMultiHeadAttention(MapContext& c) {
    ModelBuilder& b = c.builder;
    const Shape& x = c.info.inputs[0];
    const std::int64_t t = x[1], heads = c.i("heads");
    const std::int64_t d = c.i("head_dim") != 0 ? c.i("head_dim") : x[2] / heads;
    const std::int64_t e = heads * d;

    if (auto st =
            project(c, c.inputs[0], "in_proj_weight", "in_proj_bias", "in_proj", c.helper("qkv"));
        !st) {
        return st;
    }
    b.int64Initializer(c.helper("qkv_shape"), Dims{0, t, 3, heads, d});
    b.node("Reshape", c.helper("qkv_split"), {c.helper("qkv"), c.helper("qkv_shape")},
           {c.helper("qkv_split")});
    auto& heads5 = b.node("Transpose", c.helper("qkv_heads"), {c.helper("qkv_split")},
                          {c.helper("qkv_heads")}); // [3, N, H, T, D]
    ModelBuilder::attr(heads5, "perm", {2, 0, 3, 1, 4});
    b.int64Initializer(c.helper("axis0"), Dims{0});
    const char* parts[] = {"q", "k", "v"};
    for (std::int64_t p = 0; p < 3; ++p) {
        const std::string name = parts[p];
        b.int64Initializer(c.helper(name + "_index"), Dims{p});
        auto& g = b.node("Gather", c.helper(name + "_gather"),
                         {c.helper("qkv_heads"), c.helper(name + "_index")},
                         {c.helper(name + "_gather")});
        ModelBuilder::attr(g, "axis", std::int64_t{0});
        b.node("Squeeze", c.helper(name), {c.helper(name + "_gather"), c.helper("axis0")},
               {c.helper(name)}); // [N, H, T, D]
    }
    auto& kT = b.node("Transpose", c.helper("k_t"), {c.helper("k")}, {c.helper("k_t")});
    ModelBuilder::attr(kT, "perm", {0, 1, 3, 2});
    b.node("MatMul", c.helper("scores"), {c.helper("q"), c.helper("k_t")}, {c.helper("scores")});
    b.scalar(c.helper("scale"), static_cast<float>(1.0 / std::sqrt(static_cast<double>(d))));
    b.node("Mul", c.helper("scaled"), {c.helper("scores"), c.helper("scale")},
           {c.helper("scaled")});
    std::string logits = c.helper("scaled");
    if (c.b("causal")) {
        std::vector<float> mask(static_cast<std::size_t>(t * t), 0.0f);
        for (std::int64_t q = 0; q < t; ++q) {
            for (std::int64_t k = q + 1; k < t; ++k) {
                mask[static_cast<std::size_t>(q * t + k)] = -std::numeric_limits<float>::infinity();
            }
        }
        b.floatInitializer(c.helper("causal_mask"), Dims{t, t}, mask);
        b.node("Add", c.helper("masked"), {logits, c.helper("causal_mask")}, {c.helper("masked")});
        logits = c.helper("masked");
    }
    auto& sm = b.node("Softmax", c.helper("probs"), {logits}, {c.helper("probs")});
    ModelBuilder::attr(sm, "axis", std::int64_t{-1});
    b.node("MatMul", c.helper("context"), {c.helper("probs"), c.helper("v")},
           {c.helper("context")}); // [N, H, T, D]
    auto& back = b.node("Transpose", c.helper("context_t"), {c.helper("context")},
                        {c.helper("context_t")}); // [N, T, H, D]
    ModelBuilder::attr(back, "perm", {0, 2, 1, 3});
    b.int64Initializer(c.helper("merge_shape"), Dims{0, t, e});
    b.node("Reshape", c.helper("merged"), {c.helper("context_t"), c.helper("merge_shape")},
           {c.helper("merged")});
    return project(c, c.helper("merged"), "out_proj_weight", "out_proj_bias", "out_proj", c.output);
}

} // namespace nw::graph::onnx_export
