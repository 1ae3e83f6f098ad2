// LSTM and GRU on oneDNN's RNN primitives (lstm_forward/backward; lbr_gru_forward/backward,
// oneDNN's GRU with the reset applied after the hidden product, as PyTorch's), one primitive
// pair per layer (a layer > 0 reads H·D channels, the first C).
//
// x: [N, T, C] row-major, which oneDNN reads as src_layer {T, N, C} in `ntc`; every layer's
// output {T, N, H·D} is `ntc` too, bidirectional as oneDNN's bidirectional_concat (the
// forward direction's features first). y: the last layer's output, or for "last" [N, H·D]:
// the forward direction's step T-1 and the backward direction's step 0 (PyTorch's h_n).
//
// Params per layer and direction, PyTorch's layout: weight_ih [G·H, in], weight_hh [G·H, H],
// bias_ih, bias_hh [G·H]. Each forward stages them as oneDNN's ldgoi weights (the same
// per-gate blocks; GRU's r, z, n become oneDNN's u(=z), r, o(=n)) and ldgo bias (LSTM: the sum
// of both; GRU: u and r summed, n's input bias, then n's hidden bias as lbr_gru's 4th gate),
// reordered to what each primitive chose; backward converts the gradients back, both PyTorch
// biases receiving the summed bias's gradient.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace nw::engine::cpu {

namespace {

using namespace dnnl;

enum class CellKind { Lstm, Gru };

// Bias gates: LSTM's 4; lbr_gru's G + 1 (the new gate's hidden bias apart).
constexpr std::int64_t kBiasGates = 4;

// A memory in our staging layout and the same values in a primitive's chosen layout; `same`
// when no reorder is needed.
struct Staged {
    memory user;
    memory prim;
    bool same = true;

    Staged() = default;
    Staged(const DnnlContext& ctx, memory staged, const memory::desc& want)
        : user(std::move(staged))
        , same(user.get_desc() == want) {
        prim = same ? user : memory(want, ctx.engine);
    }
    void toPrim(DnnlContext& ctx) {
        if (!same) {
            reorder(user, prim).execute(ctx.stream, user, prim);
        }
    }
    void toUser(DnnlContext& ctx) {
        if (!same) {
            reorder(prim, user).execute(ctx.stream, prim, user);
        }
    }
};

float* data(const memory& m) {
    return static_cast<float*>(m.get_data_handle());
}

void zero(const memory& m) {
    std::memset(m.get_data_handle(), 0, m.get_desc().get_size());
}

struct Layer {
    std::int64_t in = 0;
    primitive fwd, bwd;
    // Staged weights: ldgoi {1, D, in, G, H} / {1, D, H, G, H}, bias ldgo {1, D, Gb, H}.
    Staged fwdWl, fwdWi, bwdWl, bwdWi, diffWl, diffWi;
    memory bias, diffBias;
    memory workspace;
    memory dst;     // {T, N, H·D} ntc: this layer's every step
    memory diffDst; // its gradient (the next layer's diff_src_layer)
};

class RecurrentKernel final : public CpuKernel {
public:
    RecurrentKernel(CpuBackend& backend, const KernelConfig& c, CellKind kind)
        : CpuKernel(backend, c)
        , m_kind(kind)
        , m_n(c.inputs[0].at(0))
        , m_t(c.inputs[0].at(1))
        , m_h(attrInt("hidden_size"))
        , m_d(attrBool("bidirectional") ? 2 : 1)
        , m_gates(kind == CellKind::Lstm ? 4 : 3)
        , m_last(attrString("output") == "last") {
        const std::int64_t layers = attrInt("layers");
        auto dir = m_d == 2 ? rnn_direction::bidirectional_concat
                            : rnn_direction::unidirectional_left2right;
        auto f32 = memory::data_type::f32;
        for (std::int64_t k = 0; k < layers; ++k) {
            Layer l;
            l.in = k == 0 ? c.inputs[0].at(2) : m_h * m_d;
            memory::desc src({m_t, m_n, l.in}, f32, Tag::ntc);
            memory::desc dst({m_t, m_n, m_h * m_d}, f32, Tag::ntc);
            memory::desc wl({1, m_d, l.in, m_gates, m_h}, f32, Tag::any);
            memory::desc wi({1, m_d, m_h, m_gates, m_h}, f32, Tag::any);
            memory::desc bias({1, m_d, kBiasGates, m_h}, f32, Tag::ldgo);
            memory::desc none;
            rnn_primitive_desc_base fwdPd, bwdPd;
            if (kind == CellKind::Lstm) {
                lstm_forward::primitive_desc fpd(lstm_forward::desc(prop_kind::forward_training,
                                                                    dir, src, none, none, wl, wi,
                                                                    bias, dst, none, none),
                                                 m_ctx.engine);
                lstm_backward::primitive_desc bpd(
                    lstm_backward::desc(prop_kind::backward, dir, src, none, none, wl, wi, bias,
                                        dst, none, none, src, none, none, wl, wi, bias, dst, none,
                                        none),
                    m_ctx.engine, fpd);
                l.fwd = lstm_forward(fpd);
                l.bwd = lstm_backward(bpd);
                fwdPd = fpd;
                bwdPd = bpd;
            } else {
                lbr_gru_forward::primitive_desc fpd(
                    lbr_gru_forward::desc(prop_kind::forward_training, dir, src, none, wl, wi, bias,
                                          dst, none),
                    m_ctx.engine);
                lbr_gru_backward::primitive_desc bpd(
                    lbr_gru_backward::desc(prop_kind::backward, dir, src, none, wl, wi, bias, dst,
                                           none, src, none, wl, wi, bias, dst, none),
                    m_ctx.engine, fpd);
                l.fwd = lbr_gru_forward(fpd);
                l.bwd = lbr_gru_backward(bpd);
                fwdPd = fpd;
                bwdPd = bpd;
            }
            memory wlUser({{1, m_d, l.in, m_gates, m_h}, f32, Tag::ldgoi}, m_ctx.engine);
            memory wiUser({{1, m_d, m_h, m_gates, m_h}, f32, Tag::ldgoi}, m_ctx.engine);
            l.fwdWl = Staged(m_ctx, wlUser, fwdPd.weights_layer_desc());
            l.fwdWi = Staged(m_ctx, wiUser, fwdPd.weights_iter_desc());
            // Backward reads the same staged values, in its own layout when it differs.
            l.bwdWl = Staged(m_ctx, wlUser, bwdPd.weights_layer_desc());
            l.bwdWi = Staged(m_ctx, wiUser, bwdPd.weights_iter_desc());
            l.diffWl = Staged(m_ctx, memory(wlUser.get_desc(), m_ctx.engine),
                              bwdPd.diff_weights_layer_desc());
            l.diffWi = Staged(m_ctx, memory(wiUser.get_desc(), m_ctx.engine),
                              bwdPd.diff_weights_iter_desc());
            l.bias = memory(bias, m_ctx.engine);
            l.diffBias = memory(bias, m_ctx.engine);
            l.workspace = memory(fwdPd.workspace_desc(), m_ctx.engine);
            l.dst = memory(dst, m_ctx.engine);
            l.diffDst = memory(dst, m_ctx.engine);
            m_layers.push_back(std::move(l));
        }
        m_diffX = memory(memory::desc({m_t, m_n, c.inputs[0].at(2)}, f32, Tag::ntc), m_ctx.engine);
    }

    Status forward(const ForwardArgs& a) override {
        return run("recurrent forward", [&] {
            for (std::size_t k = 0; k < m_layers.size(); ++k) {
                Layer& l = m_layers[k];
                stage(l, a.params, k);
                memory src = k == 0 ? wrap(m_ctx, a.inputs[0], srcDesc(l)) : m_layers[k - 1].dst;
                std::unordered_map<int, memory> args{{DNNL_ARG_SRC_LAYER, src},
                                                     {DNNL_ARG_WEIGHTS_LAYER, l.fwdWl.prim},
                                                     {DNNL_ARG_WEIGHTS_ITER, l.fwdWi.prim},
                                                     {DNNL_ARG_BIAS, l.bias},
                                                     {DNNL_ARG_DST_LAYER, l.dst},
                                                     {DNNL_ARG_WORKSPACE, l.workspace}};
                l.fwd.execute(m_ctx.stream, args);
            }
            m_ctx.stream.wait();
            const float* top = data(m_layers.back().dst);
            float* y = CpuBackend::f32(a.outputs[0]);
            const std::int64_t hd = m_h * m_d;
            if (!m_last) {
                std::memcpy(y, top, sizeof(float) * std::size_t(m_n * m_t * hd));
                return;
            }
            for (std::int64_t n = 0; n < m_n; ++n) {
                const float* seq = top + n * m_t * hd; // [T, H·D] of sample n
                std::copy_n(seq + (m_t - 1) * hd, m_h, y + n * hd);
                if (m_d == 2) {
                    std::copy_n(seq + m_h, m_h, y + n * hd + m_h);
                }
            }
        });
    }

    Status backward(const BackwardArgs& a) override {
        return run("recurrent backward", [&] {
            const std::int64_t hd = m_h * m_d;
            Layer& top = m_layers.back();
            if (m_last) { // dy lands on the steps "last" read; every other step's is zero
                zero(top.diffDst);
                const float* dy = CpuBackend::f32(a.gradOutputs[0]);
                float* g = data(top.diffDst);
                for (std::int64_t n = 0; n < m_n; ++n) {
                    float* seq = g + n * m_t * hd;
                    std::copy_n(dy + n * hd, m_h, seq + (m_t - 1) * hd);
                    if (m_d == 2) {
                        std::copy_n(dy + n * hd + m_h, m_h, seq + m_h);
                    }
                }
            } else {
                std::memcpy(data(top.diffDst), CpuBackend::f32(a.gradOutputs[0]),
                            sizeof(float) * std::size_t(m_n * m_t * hd));
            }
            for (std::size_t k = m_layers.size(); k-- > 0;) {
                Layer& l = m_layers[k];
                memory src = k == 0 ? wrap(m_ctx, a.inputs[0], srcDesc(l)) : m_layers[k - 1].dst;
                memory diffSrc;
                if (k > 0) {
                    diffSrc = m_layers[k - 1].diffDst;
                } else if (a.gradInputs[0].defined()) {
                    diffSrc = wrap(m_ctx, a.gradInputs[0], srcDesc(l));
                } else {
                    diffSrc = m_diffX;
                }
                l.bwdWl.toPrim(m_ctx);
                l.bwdWi.toPrim(m_ctx);
                // The RNN backward accumulates into its weight gradients.
                zero(l.diffWl.prim);
                zero(l.diffWi.prim);
                zero(l.diffBias);
                l.bwd.execute(m_ctx.stream, {{DNNL_ARG_SRC_LAYER, src},
                                             {DNNL_ARG_WEIGHTS_LAYER, l.bwdWl.prim},
                                             {DNNL_ARG_WEIGHTS_ITER, l.bwdWi.prim},
                                             {DNNL_ARG_BIAS, l.bias},
                                             {DNNL_ARG_DST_LAYER, l.dst},
                                             {DNNL_ARG_WORKSPACE, l.workspace},
                                             {DNNL_ARG_DIFF_DST_LAYER, l.diffDst},
                                             {DNNL_ARG_DIFF_SRC_LAYER, diffSrc},
                                             {DNNL_ARG_DIFF_WEIGHTS_LAYER, l.diffWl.prim},
                                             {DNNL_ARG_DIFF_WEIGHTS_ITER, l.diffWi.prim},
                                             {DNNL_ARG_DIFF_BIAS, l.diffBias}});
                l.diffWl.toUser(m_ctx);
                l.diffWi.toUser(m_ctx);
                m_ctx.stream.wait();
                unstage(l, a.gradParams, k);
            }
        });
    }

private:
    memory::desc srcDesc(const Layer& l) const {
        return {{m_t, m_n, l.in}, memory::data_type::f32, Tag::ntc};
    }

    // The PyTorch gate of oneDNN's gate g: LSTM i, f, g, o in both; GRU u = z, r, o = n.
    int pytorchGate(int g) const {
        static constexpr std::array<int, 3> kGru{1, 0, 2};
        return m_kind == CellKind::Lstm ? g : kGru[std::size_t(g)];
    }

    // The first of layer k's params (weight_ih, weight_hh, bias_ih, bias_hh per direction).
    static std::size_t paramIndex(std::size_t k, std::int64_t d, std::int64_t dirs, int which) {
        return (k * std::size_t(dirs) + std::size_t(d)) * 4 + std::size_t(which);
    }

    // PyTorch's [G·H, in] per-gate blocks -> ldgoi {1, D, in, G, H}: block (d, g) is H x in.
    void stageWeights(const float* src, float* dst, std::int64_t in, std::int64_t d) const {
        const std::int64_t block = m_h * in;
        for (int g = 0; g < m_gates; ++g) {
            std::copy_n(src + pytorchGate(g) * block, block, dst + (d * m_gates + g) * block);
        }
    }
    void unstageWeights(const float* src, float* dst, std::int64_t in, std::int64_t d) const {
        const std::int64_t block = m_h * in;
        for (int g = 0; g < m_gates; ++g) {
            std::copy_n(src + (d * m_gates + g) * block, block, dst + pytorchGate(g) * block);
        }
    }

    void stage(Layer& l, std::span<const Tensor> params, std::size_t k) {
        float* bias = data(l.bias);
        for (std::int64_t d = 0; d < m_d; ++d) {
            const float* wih = CpuBackend::f32(params[paramIndex(k, d, m_d, 0)]);
            const float* whh = CpuBackend::f32(params[paramIndex(k, d, m_d, 1)]);
            const float* bih = CpuBackend::f32(params[paramIndex(k, d, m_d, 2)]);
            const float* bhh = CpuBackend::f32(params[paramIndex(k, d, m_d, 3)]);
            stageWeights(wih, data(l.fwdWl.user), l.in, d);
            stageWeights(whh, data(l.fwdWi.user), m_h, d);
            float* b = bias + d * kBiasGates * m_h; // ldgo {1, D, 4, H}
            for (int g = 0; g < m_gates; ++g) {
                const float* bi = bih + pytorchGate(g) * m_h;
                const float* bh = bhh + pytorchGate(g) * m_h;
                bool split = m_kind == CellKind::Gru && g == 2; // n: input bias only here
                for (std::int64_t j = 0; j < m_h; ++j) {
                    b[g * m_h + j] = split ? bi[j] : bi[j] + bh[j];
                }
            }
            if (m_kind == CellKind::Gru) { // lbr_gru's 4th gate: n's hidden bias
                std::copy_n(bhh + 2 * m_h, m_h, b + 3 * m_h);
            }
        }
        l.fwdWl.toPrim(m_ctx);
        l.fwdWi.toPrim(m_ctx);
    }

    void unstage(const Layer& l, std::span<const Tensor> grads, std::size_t k) const {
        const float* db = data(l.diffBias);
        for (std::int64_t d = 0; d < m_d; ++d) {
            auto grad = [&](int which) -> float* {
                const Tensor& t = grads[paramIndex(k, d, m_d, which)];
                return t.defined() ? CpuBackend::f32(t) : nullptr;
            };
            if (float* g = grad(0)) {
                unstageWeights(data(l.diffWl.user), g, l.in, d);
            }
            if (float* g = grad(1)) {
                unstageWeights(data(l.diffWi.user), g, m_h, d);
            }
            float* dbi = grad(2);
            float* dbh = grad(3);
            const float* b = db + d * kBiasGates * m_h;
            for (int g = 0; g < m_gates; ++g) {
                std::int64_t at = pytorchGate(g) * m_h;
                bool split = m_kind == CellKind::Gru && g == 2;
                for (std::int64_t j = 0; j < m_h; ++j) {
                    if (dbi) {
                        dbi[at + j] = b[g * m_h + j];
                    }
                    if (dbh) {
                        dbh[at + j] = split ? b[3 * m_h + j] : b[g * m_h + j];
                    }
                }
            }
        }
    }

    CellKind m_kind;
    std::int64_t m_n, m_t, m_h, m_d;
    int m_gates;
    bool m_last;
    std::vector<Layer> m_layers;
    memory m_diffX; // layer 0's diff_src_layer when the input's gradient is not wanted
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLstmKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<RecurrentKernel>(b, c, CellKind::Lstm);
}

Expected<std::unique_ptr<OpKernel>> makeGruKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<RecurrentKernel>(b, c, CellKind::Gru);
}

} // namespace nw::engine::cpu
