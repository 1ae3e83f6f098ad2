// Cast: y = the value of the number format `to` nearest x (base/number_formats.h), the tensor
// staying float32 (graph/ops/cast.cpp). Backward passes dy straight through, as a cast's
// gradient does in mixed-precision training.
#include "base/number_formats.h"
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <algorithm>
#include <numeric>

namespace nw::engine::cpu {

namespace {

class CastKernel final : public CpuKernel {
public:
    CastKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_format(*numberFormatNamed(attrString("to")))
        , m_saturate(attrBool("saturate"))
        , m_rounding(attrString("round_mode") == "down"      ? PowerRounding::Down
                     : attrString("round_mode") == "nearest" ? PowerRounding::Nearest
                                                             : PowerRounding::Up)
        , m_numel(std::accumulate(c.inputs[0].begin(), c.inputs[0].end(), std::int64_t{1},
                                  std::multiplies<>())) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const float* x = CpuBackend::f32(a.inputs[0]);
        float* y = CpuBackend::f32(a.outputs[0]);
        for (std::int64_t i = 0; i < m_numel; ++i) {
            y[i] = roundTo(m_format, x[i], m_saturate, m_rounding);
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        if (a.gradInputs[0].defined()) {
            std::copy_n(CpuBackend::f32(a.gradOutputs[0]), m_numel,
                        CpuBackend::f32(a.gradInputs[0]));
        }
        return Status::success();
    }

private:
    NumberFormat m_format;
    bool m_saturate;
    PowerRounding m_rounding;
    std::int64_t m_numel;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeCastKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<CastKernel>(b, c);
}

} // namespace nw::engine::cpu
