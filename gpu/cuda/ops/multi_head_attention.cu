// MultiHeadAttention, as engine/cpu/ops/multi_head_attention.cpp: self-attention over
// x: [N, T, C] -> y: [N, T, C], with E = heads·D. Params (the schema's, PyTorch's layout):
// in_proj_weight [3E, C], in_proj_bias [3E], out_proj_weight [C, E], out_proj_bias [C] (the
// biases only with use_bias).
//
//   qkv = x W_in^T + b_in                cuBLASLt over [N·T, C] -> [N·T, 3E], bias epilogue
//   Q, K, V = qkv split by head          each [N, H, T, D], dense
//   S   = (Q K^T) / sqrt(D)              strided-batched over the N·H heads (alpha = 1/sqrt(D))
//   P   = softmax(S + causal mask)       the mask written into S as -inf, softmax in place
//   P'  = P · dropout mask / (1 - rate)  training with dropout only
//   O   = P' V                           batched, [N, H, T, D], merged to [N·T, E]
//   y   = O W_out^T + b_out
//
// cuBLASLt reads dense batches only, so where the CPU uses strided views of qkv this kernel
// permutes: qkv [N, T, 3, H, D] -> [3, N, H, T, D], and back for O and the gradients. What
// backward needs (Q, K, V, P, P', O) lives in kernel-owned buffers allocated here, as do the
// gradients' intermediates; qkv's buffer holds dqkv in backward. The dropout mask is the CPU's:
// element i of step s kept when the Philox uniform (seed, stream "attention_dropout/<node>",
// index s·numel(P) + i) is >= rate, so backward recomputes the forward's mask.
#include "base/rng.h"
#include "gpu/cuda/ops/column_sums.cuh"
#include "gpu/cuda/ops/dropout_mask.cuh"
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"
#include "gpu/cuda/ops/softmax_rows.cuh"
#include "gpu/cuda/runtime/cublaslt_gemm.h"

#include <algorithm>
#include <cmath>

namespace nw::gpu::cuda {

namespace {

// `parts` row blocks of width E side by side, rows [N, T, parts, H, D], and the same values by
// head, heads [parts][N, H, T, D] with the parts `partStride` elements apart (each part starts
// aligned, as cuBLASLt's operands must).
struct HeadLayout {
    std::int64_t n, t, heads, d, parts, partStride;

    __host__ __device__ std::int64_t numel() const { return parts * partNumel(); }
    __host__ __device__ std::int64_t partNumel() const { return n * heads * t * d; }
    // The index in heads of element i of [parts, N, H, T, D].
    __device__ std::int64_t headsIndexOf(std::int64_t i) const {
        return i / partNumel() * partStride + i % partNumel();
    }
    // The index in rows of element i of [parts, N, H, T, D].
    __device__ std::int64_t rowIndexOf(std::int64_t i) const {
        const std::int64_t dd = i % d;
        i /= d;
        const std::int64_t tt = i % t;
        i /= t;
        const std::int64_t h = i % heads;
        i /= heads;
        const std::int64_t nn = i % n;
        const std::int64_t p = i / n;
        return (((nn * t + tt) * parts + p) * heads + h) * d + dd;
    }
};

// ToHeads: heads = rows; else rows = heads. Both sides keep d innermost, so neighbouring
// threads touch neighbouring elements of both.
template <bool ToHeads>
__global__ void permuteHeads(HeadLayout l, const float* from, float* to) {
    NW_GRID_STRIDE(i, l.numel()) {
        const std::int64_t r = l.rowIndexOf(i), h = l.headsIndexOf(i);
        if constexpr (ToHeads) {
            to[h] = from[r];
        } else {
            to[r] = from[h];
        }
    }
}

// s: [B, T, T] scores; the keys after the query's position become -inf, which the softmax
// turns into exactly 0.
__global__ void maskFuture(float* s, std::int64_t blocks, std::int64_t t) {
    NW_GRID_STRIDE(i, blocks * t * t) {
        if (i % t > (i / t) % t) {
            s[i] = -INFINITY;
        }
    }
}

class MultiHeadAttentionKernel final : public CudaKernel {
public:
    MultiHeadAttentionKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_n(c.inputs[0].at(0))
        , m_t(c.inputs[0].at(1))
        , m_c(c.inputs[0].at(2))
        , m_heads(attrInt("heads"))
        , m_e(c.params.at(0).shape.at(0) / 3) // the schema's in_proj_weight [3E, C]
        , m_d(m_e / m_heads)
        , m_rows(m_n * m_t)
        , m_bias(attrBool("use_bias"))
        , m_causal(attrBool("causal"))
        , m_rate(static_cast<float>(attrFloat("dropout")))
        , m_mask{c.seed, streamId("attention_dropout/" + c.nodeId), m_rate,
                 static_cast<std::uint64_t>(c.shards), static_cast<std::uint64_t>(c.shard)}
        , m_probCount(m_n * m_heads * m_t * m_t)
        , m_partStride(alignedCount(m_rows * m_e, backend.alignment()))
        , m_scale(1.0f / std::sqrt(static_cast<float>(m_d)))
        , m_inProj(product({.m = m_rows, .n = 3 * m_e, .k = m_c, .transB = true, .bias = m_bias},
                           "input projection"))
        , m_scores(perHead({.m = m_t, .n = m_t, .k = m_d, .transB = true, .alpha = m_scale}, kTD,
                           kTD, kTT, "attention scores"))
        , m_contextProduct(
              perHead({.m = m_t, .n = m_d, .k = m_t}, kTT, kTD, kTD, "attention context"))
        , m_outProj(product({.m = m_rows, .n = m_c, .k = m_e, .transB = true, .bias = m_bias},
                            "output projection"))
        , m_outWeightGrad(product({.m = m_c, .n = m_e, .k = m_rows, .transA = true},
                                  "output projection weight gradient"))
        , m_outDataGrad(
              product({.m = m_rows, .n = m_e, .k = m_c}, "output projection data gradient"))
        , m_probsGrad(perHead({.m = m_t, .n = m_t, .k = m_d, .transB = true}, kTD, kTD, kTT,
                              "attention probabilities gradient"))
        , m_valuesGrad(perHead({.m = m_t, .n = m_d, .k = m_t, .transA = true}, kTT, kTD, kTD,
                               "attention values gradient"))
        , m_queriesGrad(perHead({.m = m_t, .n = m_d, .k = m_t, .alpha = m_scale}, kTT, kTD, kTD,
                                "attention queries gradient"))
        , m_keysGrad(perHead({.m = m_t, .n = m_d, .k = m_t, .transA = true, .alpha = m_scale}, kTT,
                             kTD, kTD, "attention keys gradient"))
        , m_inDataGrad(
              product({.m = m_rows, .n = m_c, .k = 3 * m_e}, "input projection data gradient"))
        , m_inWeightGrad(product({.m = 3 * m_e, .n = m_c, .k = m_rows, .transA = true},
                                 "input projection weight gradient")) {
        m_qkv = scratch({m_rows, 3 * m_e});
        m_heads3 = scratch({3, m_partStride});
        m_dheads3 = scratch({3, m_partStride});
        m_probs = scratch({m_probCount});
        if (m_rate > 0.0f) {
            m_dropped = scratch({m_probCount});
        }
        m_dprobs = scratch({m_probCount});
        m_context = scratch({m_rows * m_e});
        m_attn = scratch({m_rows, m_e});
        m_dattn = scratch({m_rows, m_e});
    }

    Status forward(const ForwardArgs& a) override {
        const Params p = paramsOf(a.params);
        if (auto s = m_inProj.run(f32(a.inputs[0]), p.w, f32(m_qkv), p.b); !s) {
            return s;
        }
        permuteHeads<true><<<grid(3), kBlock, 0, stream()>>>(layout(3), f32(m_qkv), f32(m_heads3));
        if (auto s = m_scores.run(q(m_heads3), k(m_heads3), f32(m_probs)); !s) {
            return s;
        }
        if (m_causal) {
            maskFuture<<<gridFor(m_probCount), kBlock, 0, stream()>>>(f32(m_probs), m_n * m_heads,
                                                                      m_t);
        }
        queueSoftmaxForward(probRows(), f32(m_probs), f32(m_probs), stream());
        m_droppedLast = a.training && m_rate > 0.0f;
        if (m_droppedLast) {
            m_lastStep = a.step;
            queueDropoutMask(m_mask, m_lastStep, m_backend.liveStep(), f32(m_probs), f32(m_dropped),
                             m_probCount, stream());
        }
        if (auto s = m_contextProduct.run(usedProbs(), v(m_heads3), f32(m_context)); !s) {
            return s;
        }
        permuteHeads<false>
            <<<grid(1), kBlock, 0, stream()>>>(layout(1), f32(m_context), f32(m_attn));
        if (auto s = m_outProj.run(f32(m_attn), p.wo, f32(a.outputs[0]), p.bo); !s) {
            return s;
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        const Params p = paramsOf(a.params);
        const Grads g = gradsOf(a.gradParams);
        const float* dy = f32(a.gradOutputs[0]);
        // Out projection: dW_out = dy^T O, db_out = the column sums of dy, dO = dy W_out.
        if (g.wo) {
            if (auto s = m_outWeightGrad.run(dy, f32(m_attn), g.wo); !s) {
                return s;
            }
        }
        if (g.bo) {
            queueColumnSums(dy, m_rows, m_c, g.bo, stream());
        }
        const bool needQkv = a.gradInputs[0].defined() || g.w || g.b;
        if (!needQkv) {
            return launched("backward");
        }
        if (auto s = m_outDataGrad.run(dy, p.wo, f32(m_dattn)); !s) {
            return s;
        }
        permuteHeads<true><<<grid(1), kBlock, 0, stream()>>>(layout(1), f32(m_dattn),
                                                             f32(m_context)); // dO by head
        // dP' = dO V^T; dV = P'^T dO.
        if (auto s = m_probsGrad.run(f32(m_context), v(m_heads3), f32(m_dprobs)); !s) {
            return s;
        }
        if (auto s = m_valuesGrad.run(usedProbs(), f32(m_context), v(m_dheads3)); !s) {
            return s;
        }
        if (m_droppedLast) { // through the dropout: dP = dP' · mask / (1 - rate)
            queueDropoutMask(m_mask, m_lastStep, m_backend.liveStep(), f32(m_dprobs), f32(m_dprobs),
                             m_probCount, stream());
        }
        // Softmax backward in place: G = P ⊙ (dP − Σ dP ⊙ P); masked entries have P = 0.
        queueSoftmaxBackward(probRows(), f32(m_probs), f32(m_dprobs), f32(m_dprobs), stream());
        // dQ = G K / sqrt(D); dK = G^T Q / sqrt(D).
        if (auto s = m_queriesGrad.run(f32(m_dprobs), k(m_heads3), q(m_dheads3)); !s) {
            return s;
        }
        if (auto s = m_keysGrad.run(f32(m_dprobs), q(m_heads3), k(m_dheads3)); !s) {
            return s;
        }
        float* dqkv = f32(m_qkv); // qkv itself is not read again
        permuteHeads<false><<<grid(3), kBlock, 0, stream()>>>(layout(3), f32(m_dheads3), dqkv);
        // In projection: dx = dqkv W_in, dW_in = dqkv^T x, db_in = the column sums of dqkv.
        if (a.gradInputs[0].defined()) {
            if (auto s = m_inDataGrad.run(dqkv, p.w, f32(a.gradInputs[0])); !s) {
                return s;
            }
        }
        if (g.w) {
            if (auto s = m_inWeightGrad.run(dqkv, f32(a.inputs[0]), g.w); !s) {
                return s;
            }
        }
        if (g.b) {
            queueColumnSums(dqkv, m_rows, 3 * m_e, g.b, stream());
        }
        return launched("backward");
    }

private:
    // The parameters by role (biases null without use_bias), in the schema's order.
    struct Params {
        const float *w, *b, *wo, *bo;
    };
    // Their gradients, null where not wanted.
    struct Grads {
        float *w, *b, *wo, *bo;
    };
    Params paramsOf(std::span<const Tensor> params) const {
        if (m_bias) {
            return {f32(params[0]), f32(params[1]), f32(params[2]), f32(params[3])};
        }
        return {f32(params[0]), nullptr, f32(params[1]), nullptr};
    }
    Grads gradsOf(std::span<const Tensor> grads) const {
        auto at = [&](std::size_t i) {
            return i < grads.size() && grads[i].defined() ? f32(grads[i]) : nullptr;
        };
        if (m_bias) {
            return {at(0), at(1), at(2), at(3)};
        }
        return {at(0), nullptr, at(1), nullptr};
    }

    // The N·H blocks of one of Q, K, V in a [3][N, H, T, D] buffer.
    float* q(const Tensor& t) const { return f32(t); }
    float* k(const Tensor& t) const { return f32(t) + m_partStride; }
    float* v(const Tensor& t) const { return f32(t) + 2 * m_partStride; }
    // The probabilities the values were weighted with: P', or P without dropout.
    const float* usedProbs() const { return f32(m_droppedLast ? m_dropped : m_probs); }

    // qkv or its gradient (3 parts), O or dO (1 part).
    HeadLayout layout(std::int64_t parts) const {
        return {m_n, m_t, m_heads, m_d, parts, m_partStride};
    }
    // `count` floats rounded up to whole `alignment`-byte blocks.
    static std::int64_t alignedCount(std::int64_t count, std::size_t alignment) {
        const auto block = std::int64_t(std::max<std::size_t>(alignment / sizeof(float), 1));
        return (count + block - 1) / block * block;
    }
    unsigned grid(std::int64_t parts) const { return gridFor(layout(parts).numel()); }
    // The softmax rows: the T keys of each of the N·H·T queries.
    SoftmaxRows probRows() const { return {m_n * m_heads * m_t, m_t, 1}; }

    LtGemm product(const GemmShape& shape, const char* what) {
        return builtOrThrow(LtGemm::create(m_backend, shape, "node '" + m_node + "' " + what));
    }
    // The elements between consecutive heads of a [N·H, T, D] and a [N·H, T, T] operand.
    enum HeadStride { kTD, kTT };
    std::int64_t strideOf(HeadStride s) const { return s == kTD ? m_t * m_d : m_t * m_t; }
    // `shape` over the N·H heads, its operands a, b and c `sa`, `sb`, `sc` apart.
    LtGemm perHead(GemmShape shape, HeadStride sa, HeadStride sb, HeadStride sc, const char* what) {
        shape.batch = m_n * m_heads;
        shape.strideA = strideOf(sa), shape.strideB = strideOf(sb), shape.strideC = strideOf(sc);
        return product(shape, what);
    }

    std::int64_t m_n, m_t, m_c, m_heads, m_e, m_d, m_rows;
    bool m_bias, m_causal;
    float m_rate;
    DropoutMask m_mask;
    std::int64_t m_probCount;
    std::int64_t m_partStride; // elements between Q, K and V in the by-head buffers
    bool m_droppedLast = false;
    std::uint64_t m_lastStep = 0; // the step of the last training forward with dropout

    float m_scale; // 1 / sqrt(D)

    // Forward: qkv [N·T, 3E] = x W_in^T (+ b_in); S [N·H, T, T] = Q K^T / sqrt(D);
    // O [N·H, T, D] = P' V; y [N·T, C] = O W_out^T (+ b_out).
    LtGemm m_inProj, m_scores, m_contextProduct, m_outProj;
    // Backward: dW_out [C, E] = dy^T O; dO [N·T, E] = dy W_out; dP' [N·H, T, T] = dO V^T;
    // dV [N·H, T, D] = P'^T dO; dQ = G K / sqrt(D); dK = G^T Q / sqrt(D);
    // dx [N·T, C] = dqkv W_in; dW_in [3E, C] = dqkv^T x.
    LtGemm m_outWeightGrad, m_outDataGrad, m_probsGrad, m_valuesGrad, m_queriesGrad, m_keysGrad,
        m_inDataGrad, m_inWeightGrad;

    // qkv (dqkv in backward); Q, K, V and their gradients, [3][N, H, T, D]; P, P' and dP
    // (then G), [N·H, T, T]; O by head (dO in backward), [N, H, T, D]; O and dO, [N·T, E].
    Tensor m_qkv, m_heads3, m_dheads3, m_probs, m_dropped, m_dprobs, m_context, m_attn, m_dattn;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMultiHeadAttentionKernel(CudaBackend& b,
                                                                 const KernelConfig& c) {
    return makeKernel<MultiHeadAttentionKernel>(b, c);
}

} // namespace nw::gpu::cuda
