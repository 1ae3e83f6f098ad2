// MultiHeadAttention: self-attention over x: [N, T, C] -> y: [N, T, C], with E = heads·D.
// Params (the schema's, PyTorch's layout): in_proj_weight [3E, C], in_proj_bias [3E],
// out_proj_weight [C, E], out_proj_bias [C] (the biases only with use_bias).
//
//   qkv = x W_in^T + b_in                 oneDNN inner product over [N·T, C] -> [N·T, 3E]
//   S   = (Q K^T) / sqrt(D)               batched oneDNN matmul over [N, H] (scale fused)
//   P   = softmax(S + causal mask)        mask written into S, then oneDNN softmax in place
//   P'  = P · dropout mask / (1 - rate)   training with dropout only
//   O   = P' V                            batched matmul, written as [N·T, E] (heads side by side)
//   y   = O W_out^T + b_out               inner product
//
// Q, K and V are never copied out of qkv: each is a strided [N, H, T, D] view of it (row
// n·T + t, columns part·E + h·D + d), and the transposes are strided views too. What backward
// needs (qkv, P, P', O) lives in kernel-owned buffers allocated here, as do the gradient
// buffers. The dropout mask is never stored: element i of step s is kept when the counter
// RNG's uniform (seed, stream "attention_dropout/<node>", index s·numel(P) + i) is >= rate,
// so backward recomputes the forward's mask and a step is reproducible.
#include "base/rng.h"
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <cmath>
#include <limits>

namespace nw::engine::cpu {

namespace {

using namespace dnnl;
using dt = memory::data_type;

class MultiHeadAttentionKernel final : public CpuKernel {
public:
    MultiHeadAttentionKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_n(c.inputs[0].at(0))
        , m_t(c.inputs[0].at(1))
        , m_c(c.inputs[0].at(2))
        , m_heads(attrInt("heads"))
        , m_e(c.params.at(0).shape.at(0) / 3) // the schema's in_proj_weight [3E, C]
        , m_d(m_e / m_heads)
        , m_bias(attrBool("use_bias"))
        , m_causal(attrBool("causal"))
        , m_rate(static_cast<float>(attrFloat("dropout")))
        , m_rng(c.seed, streamId("attention_dropout/" + c.nodeId))
        , m_shards(static_cast<std::uint64_t>(c.shards))
        , m_shard(static_cast<std::uint64_t>(c.shard)) {
        const std::int64_t rows = m_n * m_t;
        m_probCount = m_n * m_heads * m_t * m_t;
        buildProjections(rows);
        // Kernel-owned buffers: the forward's intermediates and the backward's gradients.
        m_qkv = memory(plainDesc({rows, 3 * m_e}), m_ctx.engine);
        m_attn = memory(plainDesc({rows, m_e}), m_ctx.engine);
        m_probs = memory(plainDesc({m_probCount}), m_ctx.engine);
        if (m_rate > 0.0f) {
            m_dropped = memory(plainDesc({m_probCount}), m_ctx.engine);
        }
        m_dqkv = memory(plainDesc({rows, 3 * m_e}), m_ctx.engine);
        m_dattn = memory(plainDesc({rows, m_e}), m_ctx.engine);
        m_dprobs = memory(plainDesc({m_probCount}), m_ctx.engine);
        buildAttention();
    }

    Status forward(const ForwardArgs& a) override {
        return run("multi-head attention forward", [&] {
            const int w = 0, b = 1, wo = m_bias ? 2 : 1, bo = 3;
            std::unordered_map<int, memory> in{{DNNL_ARG_SRC, rowsOf(a.inputs[0], m_c)},
                                               {DNNL_ARG_WEIGHTS, wrap(m_ctx, a.params[w])},
                                               {DNNL_ARG_DST, m_qkv}};
            if (m_bias) {
                in.emplace(DNNL_ARG_BIAS, wrap(m_ctx, a.params[b]));
            }
            m_inFwd.execute(m_ctx.stream, in);
            m_scores.execute(
                m_ctx.stream,
                {{DNNL_ARG_SRC, m_q}, {DNNL_ARG_WEIGHTS, m_kT}, {DNNL_ARG_DST, m_probsMat}});
            if (m_causal) {
                maskFuture();
            }
            m_softmaxFwd.execute(m_ctx.stream,
                                 {{DNNL_ARG_SRC, m_probsRows}, {DNNL_ARG_DST, m_probsRows}});
            m_droppedLast = a.training && m_rate > 0.0f;
            if (m_droppedLast) {
                m_lastStep = a.step;
                applyDropout(f32(m_probs), f32(m_dropped), m_lastStep);
            }
            m_context.execute(m_ctx.stream,
                              {{DNNL_ARG_SRC, m_droppedLast ? m_droppedMat : m_probsMat},
                               {DNNL_ARG_WEIGHTS, m_v},
                               {DNNL_ARG_DST, m_o}});
            std::unordered_map<int, memory> out{{DNNL_ARG_SRC, m_attn},
                                                {DNNL_ARG_WEIGHTS, wrap(m_ctx, a.params[wo])},
                                                {DNNL_ARG_DST, rowsOf(a.outputs[0], m_c)}};
            if (m_bias) {
                out.emplace(DNNL_ARG_BIAS, wrap(m_ctx, a.params[bo]));
            }
            m_outFwd.execute(m_ctx.stream, out);
        });
    }

    Status backward(const BackwardArgs& a) override {
        return run("multi-head attention backward", [&] {
            const int w = 0, b = 1, wo = m_bias ? 2 : 1, bo = 3;
            memory dy = rowsOf(a.gradOutputs[0], m_c);
            const bool paramGrads = a.wantsParamGrads(); // false: frozen
            // Out projection: dW_out = dy^T O, db_out = sum dy, dO = dy W_out.
            if (paramGrads) {
                std::unordered_map<int, memory> outW{
                    {DNNL_ARG_SRC, m_attn},
                    {DNNL_ARG_DIFF_DST, dy},
                    {DNNL_ARG_DIFF_WEIGHTS, wrap(m_ctx, a.gradParams[wo])}};
                if (m_bias) {
                    outW.emplace(DNNL_ARG_DIFF_BIAS, wrap(m_ctx, a.gradParams[bo]));
                }
                m_outBwdWeights.execute(m_ctx.stream, outW);
            }
            m_outBwdData.execute(m_ctx.stream, {{DNNL_ARG_DIFF_DST, dy},
                                                {DNNL_ARG_WEIGHTS, wrap(m_ctx, a.params[wo])},
                                                {DNNL_ARG_DIFF_SRC, m_dattn}});
            // dP' = dO V^T; dV = P'^T dO.
            const memory& usedT = m_droppedLast ? m_droppedMatT : m_probsMatT;
            m_dProbs.execute(
                m_ctx.stream,
                {{DNNL_ARG_SRC, m_dO}, {DNNL_ARG_WEIGHTS, m_vT}, {DNNL_ARG_DST, m_dpMat}});
            m_dValues.execute(
                m_ctx.stream,
                {{DNNL_ARG_SRC, usedT}, {DNNL_ARG_WEIGHTS, m_dO}, {DNNL_ARG_DST, m_dv}});
            if (m_droppedLast) { // through the dropout: dP = dP' · mask / (1 - rate)
                applyDropout(f32(m_dprobs), f32(m_dprobs), m_lastStep);
            }
            // Softmax backward in place: G = P ⊙ (dP − Σ dP ⊙ P); masked entries have P = 0.
            m_softmaxBwd.execute(m_ctx.stream, {{DNNL_ARG_DST, m_probsRows},
                                                {DNNL_ARG_DIFF_DST, m_dprobsRows},
                                                {DNNL_ARG_DIFF_SRC, m_dprobsRows}});
            // dQ = G K / sqrt(D); dK = G^T Q / sqrt(D) (the scale fused as output scales).
            m_dQueries.execute(
                m_ctx.stream,
                {{DNNL_ARG_SRC, m_dpMat}, {DNNL_ARG_WEIGHTS, m_k}, {DNNL_ARG_DST, m_dq}});
            m_dKeys.execute(
                m_ctx.stream,
                {{DNNL_ARG_SRC, m_dpMatT}, {DNNL_ARG_WEIGHTS, m_q}, {DNNL_ARG_DST, m_dk}});
            // In projection: dx = dqkv W_in, dW_in = dqkv^T x, db_in = sum dqkv.
            if (a.gradInputs[0].defined()) {
                m_inBwdData.execute(m_ctx.stream,
                                    {{DNNL_ARG_DIFF_DST, m_dqkv},
                                     {DNNL_ARG_WEIGHTS, wrap(m_ctx, a.params[w])},
                                     {DNNL_ARG_DIFF_SRC, rowsOf(a.gradInputs[0], m_c)}});
            }
            if (!paramGrads) {
                return;
            }
            std::unordered_map<int, memory> inW{
                {DNNL_ARG_SRC, rowsOf(a.inputs[0], m_c)},
                {DNNL_ARG_DIFF_DST, m_dqkv},
                {DNNL_ARG_DIFF_WEIGHTS, wrap(m_ctx, a.gradParams[w])}};
            if (m_bias) {
                inW.emplace(DNNL_ARG_DIFF_BIAS, wrap(m_ctx, a.gradParams[b]));
            }
            m_inBwdWeights.execute(m_ctx.stream, inW);
        });
    }

private:
    static float* f32(const memory& m) { return static_cast<float*>(m.get_data_handle()); }

    // A tensor [N, T, width] seen as the [N·T, width] matrix the projections work on.
    memory rowsOf(const Tensor& t, std::int64_t width) const {
        return wrap(m_ctx, t, plainDesc({m_n * m_t, width}));
    }

    // The two projections and their backward primitives, over [N·T, features].
    void buildProjections(std::int64_t rows) {
        auto project = [&](std::int64_t in, std::int64_t out, inner_product_forward& fwd,
                           inner_product_backward_data& bwdData,
                           inner_product_backward_weights& bwdWeights) {
            auto xd = plainDesc({rows, in}), yd = plainDesc({rows, out});
            auto wd = plainDesc({out, in}), bd = plainDesc({out});
            auto fwdDesc =
                m_bias ? inner_product_forward::desc(prop_kind::forward_training, xd, wd, bd, yd)
                       : inner_product_forward::desc(prop_kind::forward_training, xd, wd, yd);
            inner_product_forward::primitive_desc pd(fwdDesc, m_ctx.engine);
            fwd = inner_product_forward(pd);
            bwdData = inner_product_backward_data(inner_product_backward_data::primitive_desc(
                inner_product_backward_data::desc(xd, wd, yd), m_ctx.engine, pd));
            auto wDesc = m_bias ? inner_product_backward_weights::desc(xd, wd, bd, yd)
                                : inner_product_backward_weights::desc(xd, wd, yd);
            bwdWeights = inner_product_backward_weights(
                inner_product_backward_weights::primitive_desc(wDesc, m_ctx.engine, pd));
        };
        project(m_c, 3 * m_e, m_inFwd, m_inBwdData, m_inBwdWeights);
        project(m_e, m_c, m_outFwd, m_outBwdData, m_outBwdWeights);
    }

    // The batched matmuls over [N, H] and the views of the buffers they read and write.
    void buildAttention() {
        const std::int64_t n = m_n, h = m_heads, t = m_t, d = m_d, e = m_e;
        const std::int64_t qkvRow = 3 * e, qkvBatch = t * qkvRow;
        // Head h of part p (0: q, 1: k, 2: v) of qkv, as [N, H, T, D] and as its transpose.
        auto part = [&](const memory& buf, int p, bool transposed) {
            memory::desc md = transposed
                                  ? memory::desc({n, h, d, t}, dt::f32, {qkvBatch, d, 1, qkvRow})
                                  : memory::desc({n, h, t, d}, dt::f32, {qkvBatch, d, qkvRow, 1});
            return memory(md, m_ctx.engine, f32(buf) + p * e);
        };
        // O and dO: [N·T, E] with head h in columns [h·D, (h + 1)·D), as [N, H, T, D].
        memory::desc headsDesc({n, h, t, d}, dt::f32, {t * e, d, e, 1});
        // P and its transpose, [N, H, T, T].
        memory::desc probsDesc({n, h, t, t}, dt::f32, {h * t * t, t * t, t, 1});
        memory::desc probsDescT({n, h, t, t}, dt::f32, {h * t * t, t * t, 1, t});
        memory::desc rowsDesc = plainDesc({n * h * t, t});

        m_q = part(m_qkv, 0, false);
        m_k = part(m_qkv, 1, false);
        m_kT = part(m_qkv, 1, true);
        m_v = part(m_qkv, 2, false);
        m_vT = part(m_qkv, 2, true);
        m_dq = part(m_dqkv, 0, false);
        m_dk = part(m_dqkv, 1, false);
        m_dv = part(m_dqkv, 2, false);
        m_o = memory(headsDesc, m_ctx.engine, f32(m_attn));
        m_dO = memory(headsDesc, m_ctx.engine, f32(m_dattn));
        m_probsMat = memory(probsDesc, m_ctx.engine, f32(m_probs));
        m_probsMatT = memory(probsDescT, m_ctx.engine, f32(m_probs));
        m_probsRows = memory(rowsDesc, m_ctx.engine, f32(m_probs));
        if (m_rate > 0.0f) {
            m_droppedMat = memory(probsDesc, m_ctx.engine, f32(m_dropped));
            m_droppedMatT = memory(probsDescT, m_ctx.engine, f32(m_dropped));
        }
        m_dpMat = memory(probsDesc, m_ctx.engine, f32(m_dprobs));
        m_dpMatT = memory(probsDescT, m_ctx.engine, f32(m_dprobs));
        m_dprobsRows = memory(rowsDesc, m_ctx.engine, f32(m_dprobs));

        primitive_attr scaled;
        scaled.set_output_scales(0, {1.0f / std::sqrt(static_cast<float>(d))});
        auto matmulOf = [&](const memory& src, const memory& wei, const memory& dst,
                            const primitive_attr& attr) {
            return matmul(matmul::primitive_desc(
                matmul::desc(src.get_desc(), wei.get_desc(), dst.get_desc()), attr, m_ctx.engine));
        };
        const primitive_attr plain;
        m_scores = matmulOf(m_q, m_kT, m_probsMat, scaled);
        m_context = matmulOf(m_probsMat, m_v, m_o, plain);
        m_dProbs = matmulOf(m_dO, m_vT, m_dpMat, plain);
        m_dValues = matmulOf(m_probsMatT, m_dO, m_dv, plain);
        m_dQueries = matmulOf(m_dpMat, m_k, m_dq, scaled);
        m_dKeys = matmulOf(m_dpMatT, m_q, m_dk, scaled);

        softmax_forward::primitive_desc smPd(
            softmax_forward::desc(prop_kind::forward_training, rowsDesc, 1), m_ctx.engine);
        m_softmaxFwd = softmax_forward(smPd);
        m_softmaxBwd = softmax_backward(softmax_backward::primitive_desc(
            softmax_backward::desc(rowsDesc, rowsDesc, 1), m_ctx.engine, smPd));
    }

    // Scores of keys after the query's position become -inf: softmax gives them exactly 0.
    void maskFuture() {
        float* s = f32(m_probs);
        const std::int64_t t = m_t, blocks = m_n * m_heads;
        const float minusInf = -std::numeric_limits<float>::infinity();
#pragma omp parallel for collapse(2)
        for (std::int64_t bh = 0; bh < blocks; ++bh) {
            for (std::int64_t q = 0; q < t - 1; ++q) {
                float* row = s + (bh * t + q) * t;
                for (std::int64_t k = q + 1; k < t; ++k) {
                    row[k] = minusInf;
                }
            }
        }
    }

    // out = in · mask(step) / (1 - rate) over the probabilities' layout.
    void applyDropout(const float* in, float* out, std::uint64_t step) const {
        const float keepScale = 1.0f / (1.0f - m_rate);
        // [N, H, T, T], batch-major: a data-parallel shard numbers its elements as the global
        // batch does (KernelConfig::shard).
        const auto count = static_cast<std::uint64_t>(m_probCount);
        const std::uint64_t base = step * count * m_shards + count * m_shard;
#pragma omp parallel for
        for (std::int64_t i = 0; i < m_probCount; ++i) {
            bool keep = m_rng.uniform(base + static_cast<std::uint64_t>(i)) >= m_rate;
            out[i] = keep ? in[i] * keepScale : 0.0f;
        }
    }

    std::int64_t m_n, m_t, m_c, m_heads, m_e, m_d;
    bool m_bias, m_causal;
    float m_rate;
    CounterRng m_rng;
    std::uint64_t m_shards, m_shard;
    std::int64_t m_probCount = 0;
    bool m_droppedLast = false;
    std::uint64_t m_lastStep = 0;

    inner_product_forward m_inFwd, m_outFwd;
    inner_product_backward_data m_inBwdData, m_outBwdData;
    inner_product_backward_weights m_inBwdWeights, m_outBwdWeights;
    matmul m_scores, m_context, m_dProbs, m_dValues, m_dQueries, m_dKeys;
    softmax_forward m_softmaxFwd;
    softmax_backward m_softmaxBwd;

    // Buffers: qkv [N·T, 3E], O [N·T, E], P and P' [N, H, T, T], and their gradients.
    memory m_qkv, m_attn, m_probs, m_dropped, m_dqkv, m_dattn, m_dprobs;
    // Views of them (no storage of their own).
    memory m_q, m_k, m_kT, m_v, m_vT, m_dq, m_dk, m_dv, m_o, m_dO;
    memory m_probsMat, m_probsMatT, m_probsRows, m_droppedMat, m_droppedMatT;
    memory m_dpMat, m_dpMatT, m_dprobsRows;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMultiHeadAttentionKernel(CpuBackend& b,
                                                                 const KernelConfig& c) {
    return makeKernel<MultiHeadAttentionKernel>(b, c);
}

} // namespace nw::engine::cpu
