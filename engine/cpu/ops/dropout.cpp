// Dropout. The mask is never stored: element i of step s is kept when the counter RNG's
// uniform (seed, stream "dropout/<node>", index s * numel + i) is >= rate, so backward
// recomputes exactly the forward's mask. Kept elements are scaled by 1 / (1 - rate).
#include "base/rng.h"
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <cstring>

namespace nw::engine::cpu {

namespace {

class DropoutKernel final : public CpuKernel {
public:
    DropoutKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_rate(static_cast<float>(attrFloat("rate")))
        , m_numel(numelOf(c.inputs[0]))
        , m_stepNumel(static_cast<std::uint64_t>(m_numel) * static_cast<std::uint64_t>(c.shards))
        , m_shardOffset(static_cast<std::uint64_t>(m_numel) * static_cast<std::uint64_t>(c.shard))
        , m_rng(c.seed, streamId("dropout/" + c.nodeId)) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const float* x = CpuBackend::f32(a.inputs[0]);
        float* y = CpuBackend::f32(a.outputs[0]);
        if (!a.training || m_rate == 0.0f) {
            std::memcpy(y, x, static_cast<std::size_t>(m_numel) * sizeof(float));
            return Status::success();
        }
        m_lastStep = a.step;
        apply(x, y, a.step);
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        if (a.gradInputs[0].defined()) {
            apply(CpuBackend::f32(a.gradOutputs[0]), CpuBackend::f32(a.gradInputs[0]), m_lastStep);
        }
        return Status::success();
    }

private:
    // out = in * mask(step) / (1 - rate)
    void apply(const float* in, float* out, std::uint64_t step) const {
        const float keepScale = 1.0f / (1.0f - m_rate);
        const std::uint64_t base = step * m_stepNumel + m_shardOffset;
#pragma omp parallel for
        for (std::int64_t i = 0; i < m_numel; ++i) {
            bool keep = m_rng.uniform(base + static_cast<std::uint64_t>(i)) >= m_rate;
            out[i] = keep ? in[i] * keepScale : 0.0f;
        }
    }

    float m_rate;
    std::int64_t m_numel;
    // A shard of a data-parallel batch numbers its elements as the global batch does
    // (KernelConfig::shard): numel is the global batch's, i counts from the shard's start.
    std::uint64_t m_stepNumel;
    std::uint64_t m_shardOffset;
    CounterRng m_rng;
    std::uint64_t m_lastStep = 0;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeDropoutKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<DropoutKernel>(b, c);
}

} // namespace nw::engine::cpu
