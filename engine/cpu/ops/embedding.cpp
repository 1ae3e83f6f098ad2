// Embedding: a table lookup. ids: [N, T] f32 holding integers in [0, V), weight: [V, D]
// (PyTorch's layout), y: [N, T, D] with y[n, t] = weight[ids[n, t]].
// Backward: dW = 0, then dW[ids[n, t]] += dy[n, t] for every step (scatter-add), except the
// padding row, which keeps a zero gradient; the ids get none (a zero gradient if asked).
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

namespace nw::engine::cpu {

namespace {

class EmbeddingKernel final : public CpuKernel {
public:
    EmbeddingKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_steps(numelOf(c.inputs[0]))
        , m_length(c.inputs[0].at(1))
        , m_vocabulary(attrInt("vocabulary"))
        , m_dimension(attrInt("dimension"))
        , m_padding(attrInt("padding_index")) {}

    Status forward(const ForwardArgs& a) override {
        const float* ids = CpuBackend::f32(a.inputs[0]);
        const float* w = CpuBackend::f32(a.params[0]);
        float* y = CpuBackend::f32(a.outputs[0]);
        for (std::int64_t i = 0; i < m_steps; ++i) {
            auto id = tokenId(ids[i]);
            if (!id) {
                return badId(i, ids[i]);
            }
            std::copy_n(w + *id * m_dimension, m_dimension, y + i * m_dimension);
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        if (a.gradInputs[0].defined()) {
            std::fill_n(CpuBackend::f32(a.gradInputs[0]), m_steps, 0.0f);
        }
        if (!a.wantsParamGrads()) { // frozen
            return Status::success();
        }
        const float* ids = CpuBackend::f32(a.inputs[0]);
        const float* dy = CpuBackend::f32(a.gradOutputs[0]);
        float* dw = CpuBackend::f32(a.gradParams[0]);
        std::fill_n(dw, m_vocabulary * m_dimension, 0.0f);
        for (std::int64_t i = 0; i < m_steps; ++i) {
            auto id = tokenId(ids[i]);
            if (!id) {
                return badId(i, ids[i]);
            }
            if (*id == m_padding) {
                continue;
            }
            float* row = dw + *id * m_dimension;
            const float* g = dy + i * m_dimension;
            for (std::int64_t d = 0; d < m_dimension; ++d) {
                row[d] += g[d];
            }
        }
        return Status::success();
    }

private:
    // The row of `value`, or nullopt when it is not an integer in [0, V).
    std::optional<std::int64_t> tokenId(float value) const {
        if (!(value >= 0.0f && value < float(m_vocabulary)) || std::floor(value) != value) {
            return std::nullopt;
        }
        return static_cast<std::int64_t>(value);
    }

    Error badId(std::int64_t step, float value) const {
        return Error::user("node '" + m_node + "' (Embedding): token id " + formatValue(value) +
                           " at sample " + std::to_string(step / m_length) + ", step " +
                           std::to_string(step % m_length) + " is not an integer in [0, " +
                           std::to_string(m_vocabulary) + ")");
    }

    static std::string formatValue(float v) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", double(v));
        return text;
    }

    std::int64_t m_steps;  // N * T
    std::int64_t m_length; // T
    std::int64_t m_vocabulary;
    std::int64_t m_dimension;
    std::int64_t m_padding; // -1: none
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeEmbeddingKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<EmbeddingKernel>(b, c);
}

} // namespace nw::engine::cpu
