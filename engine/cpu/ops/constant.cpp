// Constant: y[n] = value for every sample n (graph/ops/constant.cpp), written in the output's
// memory order (channels-last for 4-D tensors; `value` is row-major). Backward:
// dvalue = the sum over the batch of dy.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <algorithm>

namespace nw::engine::cpu {

namespace {

class ConstantKernel final : public CpuKernel {
public:
    ConstantKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_batch(c.outputs[0].at(0)) {
        const Dims& y = c.outputs[0];
        const DnnlDims strides = plainStrides(y);
        std::int64_t sample = 1;
        for (std::size_t d = 1; d < y.size(); ++d) {
            sample *= y[d];
        }
        m_sample = sample;
        // The offset in one sample's memory of each element in row-major order.
        m_offset.resize(static_cast<std::size_t>(sample));
        for (std::int64_t i = 0; i < sample; ++i) {
            std::int64_t rest = i, at = 0;
            for (std::size_t d = y.size(); d-- > 1;) {
                at += (rest % y[d]) * strides[d];
                rest /= y[d];
            }
            m_offset[static_cast<std::size_t>(i)] = at;
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const float* v = CpuBackend::f32(a.params[0]);
        float* y = CpuBackend::f32(a.outputs[0]);
        for (std::int64_t n = 0; n < m_batch; ++n) {
            for (std::size_t i = 0; i < m_offset.size(); ++i) {
                y[n * m_sample + m_offset[i]] = v[i];
            }
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.wantsParamGrads()) {
            return Status::success(); // frozen: a fixed table
        }
        const float* dy = CpuBackend::f32(a.gradOutputs[0]);
        float* dv = CpuBackend::f32(a.gradParams[0]);
        std::fill_n(dv, m_offset.size(), 0.0f);
        for (std::int64_t n = 0; n < m_batch; ++n) {
            for (std::size_t i = 0; i < m_offset.size(); ++i) {
                dv[i] += dy[n * m_sample + m_offset[i]];
            }
        }
        return Status::success();
    }

private:
    std::int64_t m_batch, m_sample = 0;
    std::vector<std::int64_t> m_offset;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeConstantKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<ConstantKernel>(b, c);
}

} // namespace nw::engine::cpu
