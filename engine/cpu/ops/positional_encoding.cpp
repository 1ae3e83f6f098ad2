// PositionalEncoding: y[n, t, c] = x[n, t, c] + P[t, c], P the sinusoidal table
// (graph/ops/positional_encoding.h) or the learned parameter position [T, C].
// Backward: dx = dy; dP[t, c] = sum over n of dy[n, t, c] (learned only).
#include "graph/ops/positional_encoding.h"

#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <algorithm>

namespace nw::engine::cpu {

namespace {

class PositionalEncodingKernel final : public CpuKernel {
public:
    PositionalEncodingKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_batch(c.inputs[0].at(0))
        , m_table(c.inputs[0].at(1) * c.inputs[0].at(2))
        , m_learned(attrString("kind") == "learned") {
        if (!m_learned) {
            m_sinusoid = graph::ops::sinusoidalTable(c.inputs[0].at(1), c.inputs[0].at(2));
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const float* x = CpuBackend::f32(a.inputs[0]);
        const float* p = m_learned ? CpuBackend::f32(a.params[0]) : m_sinusoid.data();
        float* y = CpuBackend::f32(a.outputs[0]);
        for (std::int64_t n = 0; n < m_batch; ++n) {
            for (std::int64_t i = 0; i < m_table; ++i) {
                y[n * m_table + i] = x[n * m_table + i] + p[i];
            }
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        const float* dy = CpuBackend::f32(a.gradOutputs[0]);
        if (a.gradInputs[0].defined()) {
            std::copy_n(dy, m_batch * m_table, CpuBackend::f32(a.gradInputs[0]));
        }
        if (m_learned && a.wantsParamGrads()) { // not frozen
            float* dp = CpuBackend::f32(a.gradParams[0]);
            std::fill_n(dp, m_table, 0.0f);
            for (std::int64_t n = 0; n < m_batch; ++n) {
                for (std::int64_t i = 0; i < m_table; ++i) {
                    dp[i] += dy[n * m_table + i];
                }
            }
        }
        return Status::success();
    }

private:
    std::int64_t m_batch;
    std::int64_t m_table; // T * C
    bool m_learned;
    std::vector<float> m_sinusoid; // [T, C] when sinusoidal
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makePositionalEncodingKernel(CpuBackend& b,
                                                                 const KernelConfig& c) {
    return makeKernel<PositionalEncodingKernel>(b, c);
}

} // namespace nw::engine::cpu
