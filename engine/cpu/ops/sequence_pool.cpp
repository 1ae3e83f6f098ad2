// SequencePool: x [N, T, C] -> y [N, C].
//   mean: y = sum_t x[n, t] / T;          dx[n, t] = dy[n] / T
//   max:  y = x[n, t*(c), c];             dx[n, t*(c), c] = dy[n, c] (t*: the first maximum,
//                                          saved by forward), 0 elsewhere
//   last: y = x[n, T - 1];                dx[n, T - 1] = dy[n], 0 elsewhere
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <algorithm>

namespace nw::engine::cpu {

namespace {

class SequencePoolKernel final : public CpuKernel {
public:
    enum class Mode { Mean, Max, Last };

    SequencePoolKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_batch(c.inputs[0].at(0))
        , m_steps(c.inputs[0].at(1))
        , m_channels(c.inputs[0].at(2)) {
        const auto& mode = attrString("mode");
        m_mode = mode == "max" ? Mode::Max : mode == "last" ? Mode::Last : Mode::Mean;
        if (m_mode == Mode::Max) {
            m_argmax.resize(static_cast<std::size_t>(m_batch * m_channels));
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const float* x = CpuBackend::f32(a.inputs[0]);
        float* y = CpuBackend::f32(a.outputs[0]);
        const std::int64_t C = m_channels, T = m_steps;
        for (std::int64_t n = 0; n < m_batch; ++n) {
            const float* xn = x + n * T * C;
            float* yn = y + n * C;
            for (std::int64_t c = 0; c < C; ++c) {
                if (m_mode == Mode::Last) {
                    yn[c] = xn[(T - 1) * C + c];
                } else if (m_mode == Mode::Mean) {
                    double sum = 0;
                    for (std::int64_t t = 0; t < T; ++t) {
                        sum += xn[t * C + c];
                    }
                    yn[c] = static_cast<float>(sum / double(T));
                } else {
                    std::int64_t best = 0;
                    for (std::int64_t t = 1; t < T; ++t) {
                        best = xn[t * C + c] > xn[best * C + c] ? t : best;
                    }
                    yn[c] = xn[best * C + c];
                    m_argmax[static_cast<std::size_t>(n * C + c)] = best;
                }
            }
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        const float* dy = CpuBackend::f32(a.gradOutputs[0]);
        float* dx = CpuBackend::f32(a.gradInputs[0]);
        const std::int64_t C = m_channels, T = m_steps;
        if (m_mode != Mode::Mean) {
            std::fill_n(dx, m_batch * T * C, 0.0f);
        }
        for (std::int64_t n = 0; n < m_batch; ++n) {
            float* dxn = dx + n * T * C;
            for (std::int64_t c = 0; c < C; ++c) {
                float g = dy[n * C + c];
                if (m_mode == Mode::Last) {
                    dxn[(T - 1) * C + c] = g;
                } else if (m_mode == Mode::Max) {
                    dxn[m_argmax[static_cast<std::size_t>(n * C + c)] * C + c] = g;
                } else {
                    for (std::int64_t t = 0; t < T; ++t) {
                        dxn[t * C + c] = g / float(T);
                    }
                }
            }
        }
        return Status::success();
    }

private:
    std::int64_t m_batch, m_steps, m_channels;
    Mode m_mode = Mode::Mean;
    std::vector<std::int64_t> m_argmax; // [N, C]: the step of each maximum (max only)
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeSequencePoolKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<SequencePoolKernel>(b, c);
}

} // namespace nw::engine::cpu
