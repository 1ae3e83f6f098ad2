// MultiHeadAttention's harness cases. The forward cases' expected values come from
// attentionReference below: plain loops in double over the op's definition, sharing nothing
// with the kernel (no oneDNN, no strided views, no fused scale).
#include "tests/engine/op_cases.h"

#include <cmath>
#include <limits>

namespace nw::testing {

namespace {

using graph::IntList;

struct AttentionShape {
    std::int64_t batch, t, c, heads, d;
    bool causal, bias;
    std::int64_t e() const { return heads * d; }
};

// Deterministic, varied parameter values in about ±0.6.
std::vector<float> pattern(std::int64_t n, double phase) {
    std::vector<float> v(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        v[static_cast<std::size_t>(i)] =
            static_cast<float>(0.6 * std::sin(1.7 * double(i) + phase));
    }
    return v;
}

// y = MultiHeadAttention(x) with PyTorch's packed layout: x [B, T, C], w_in [3E, C],
// b_in [3E], w_out [C, E], b_out [C] (empty biases: none); returns [B, T, C].
std::vector<float> attentionReference(const AttentionShape& s, const std::vector<float>& x,
                                      const std::vector<float>& wIn, const std::vector<float>& bIn,
                                      const std::vector<float>& wOut,
                                      const std::vector<float>& bOut) {
    const std::int64_t T = s.t, C = s.c, E = s.e(), D = s.d;
    std::vector<float> y(static_cast<std::size_t>(s.batch * T * C));
    for (std::int64_t n = 0; n < s.batch; ++n) {
        std::vector<double> qkv(static_cast<std::size_t>(T * 3 * E));
        for (std::int64_t t = 0; t < T; ++t) {
            for (std::int64_t j = 0; j < 3 * E; ++j) {
                double acc = bIn.empty() ? 0.0 : bIn[static_cast<std::size_t>(j)];
                for (std::int64_t c = 0; c < C; ++c) {
                    acc += double(x[static_cast<std::size_t>((n * T + t) * C + c)]) *
                           wIn[static_cast<std::size_t>(j * C + c)];
                }
                qkv[static_cast<std::size_t>(t * 3 * E + j)] = acc;
            }
        }
        auto at = [&](std::int64_t t, std::int64_t part, std::int64_t h, std::int64_t d) {
            return qkv[static_cast<std::size_t>(t * 3 * E + part * E + h * D + d)];
        };
        std::vector<double> heads(static_cast<std::size_t>(T * E), 0.0); // [T, E]
        for (std::int64_t h = 0; h < s.heads; ++h) {
            for (std::int64_t i = 0; i < T; ++i) {
                std::vector<double> score(static_cast<std::size_t>(T));
                double best = -std::numeric_limits<double>::infinity();
                for (std::int64_t j = 0; j < T; ++j) {
                    double dot = 0;
                    for (std::int64_t d = 0; d < D; ++d) {
                        dot += at(i, 0, h, d) * at(j, 1, h, d);
                    }
                    score[static_cast<std::size_t>(j)] = dot / std::sqrt(double(D));
                    if (!(s.causal && j > i)) {
                        best = std::max(best, score[static_cast<std::size_t>(j)]);
                    }
                }
                double total = 0;
                for (std::int64_t j = 0; j < T; ++j) {
                    double& p = score[static_cast<std::size_t>(j)];
                    p = s.causal && j > i ? 0.0 : std::exp(p - best);
                    total += p;
                }
                for (std::int64_t j = 0; j < T; ++j) {
                    for (std::int64_t d = 0; d < D; ++d) {
                        heads[static_cast<std::size_t>(i * E + h * D + d)] +=
                            score[static_cast<std::size_t>(j)] / total * at(j, 2, h, d);
                    }
                }
            }
        }
        for (std::int64_t t = 0; t < T; ++t) {
            for (std::int64_t c = 0; c < C; ++c) {
                double acc = bOut.empty() ? 0.0 : bOut[static_cast<std::size_t>(c)];
                for (std::int64_t j = 0; j < E; ++j) {
                    acc += heads[static_cast<std::size_t>(t * E + j)] *
                           wOut[static_cast<std::size_t>(c * E + j)];
                }
                y[static_cast<std::size_t>((n * T + t) * C + c)] = static_cast<float>(acc);
            }
        }
    }
    return y;
}

// Input [T, C] -> MultiHeadAttention -> Loss, its prediction from the reference.
ForwardCase referenceCase(std::string name, const AttentionShape& s) {
    ForwardCase c;
    c.name = std::move(name);
    c.ops = {"MultiHeadAttention"};
    Attrs attrs{{"heads", s.heads}, {"causal", s.causal}, {"use_bias", s.bias}};
    if (s.d * s.heads != s.c) {
        attrs["head_dim"] = s.d;
    }
    c.graph = Chain({s.t, s.c}).add("MultiHeadAttention", attrs).add("Loss", kMse).graph();
    c.batch = s.batch;
    c.input = pattern(s.batch * s.t * s.c, 0.3);
    for (float& v : c.input) {
        v *= 2.5f; // inputs up to ±1.5: the scores spread, the softmax is far from uniform
    }
    const std::int64_t e = s.e();
    auto wIn = pattern(3 * e * s.c, 1.1), wOut = pattern(s.c * e, 2.0);
    std::vector<float> bIn, bOut;
    c.params.push_back(wIn);
    if (s.bias) {
        bIn = pattern(3 * e, 0.7);
        c.params.push_back(bIn);
    }
    c.params.push_back(wOut);
    if (s.bias) {
        bOut = pattern(s.c, 2.9);
        c.params.push_back(bOut);
    }
    c.prediction = attentionReference(s, c.input, wIn, bIn, wOut, bOut);
    c.targets.assign(c.prediction.size(), 0.0f);
    return c;
}

} // namespace

void addAttentionForwardCases(std::vector<ForwardCase>& out) {
    { // T = 2, C = 1, one head of 1, W_in = [1, 1, 1] (q = k = v = x), W_out = [1], causal:
      // y0 = x0 = 1; y1 = (e^(2·1) · 1 + e^(2·2) · 2) / (e^2 + e^4) = (1 + 2e^2) / (1 + e^2).
        ForwardCase c{"MultiHeadAttention causal by hand", {"MultiHeadAttention"}};
        c.graph =
            Chain({2, 1})
                .add("MultiHeadAttention", {{"heads", 1}, {"causal", true}, {"use_bias", false}})
                .add("Loss", kMse)
                .graph();
        c.input = {1, 2};
        c.params = {{1, 1, 1}, {1}};
        c.targets = {0, 0};
        const double e2 = std::exp(2.0);
        c.prediction = {1, float((1 + 2 * e2) / (1 + e2))};
        out.push_back(c);
    }
    out.push_back(referenceCase("MultiHeadAttention", {2, 3, 4, 2, 2, false, true}));
    out.push_back(referenceCase("MultiHeadAttention causal", {2, 4, 4, 2, 2, true, true}));
    out.push_back(
        referenceCase("MultiHeadAttention head_dim 3 no bias", {1, 5, 4, 2, 3, false, false}));
    out.push_back(
        referenceCase("MultiHeadAttention causal head_dim 3", {2, 5, 6, 3, 3, true, true}));
}

void addAttentionGradientCases(std::vector<GradientCase>& out) {
    // A LayerNorm before the op: its gamma and beta gradients check the op's input gradient.
    auto row = [&out](std::string name, IntList shape, Attrs attrs) {
        Chain c(std::move(shape));
        c.add("LayerNorm").add("MultiHeadAttention", std::move(attrs)).add("Loss", kMse);
        out.push_back({std::move(name), {"MultiHeadAttention"}, c.graph()});
    };
    row("MultiHeadAttention", {4, 6}, {{"heads", 2}});
    row("MultiHeadAttention causal", {5, 4}, {{"heads", 2}, {"causal", true}});
    row("MultiHeadAttention causal head_dim 3 no bias", {4, 4},
        {{"heads", 2}, {"head_dim", 3}, {"causal", true}, {"use_bias", false}});
    // The same mask in every forward of the check (one step): backward must apply it.
    row("MultiHeadAttention dropout", {4, 4}, {{"heads", 1}, {"dropout", 0.3}});
}

} // namespace nw::testing
