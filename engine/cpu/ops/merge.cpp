// Add (element-wise sum of n inputs) and Concat (join along an axis). Backward of Add copies
// the output gradient to every input; backward of Concat slices it.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <cstring>

namespace nw::engine::cpu {

namespace {

class AddKernel final : public CpuKernel {
public:
    AddKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_numel(numelOf(c.outputs[0])) {}

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        float* y = CpuBackend::f32(a.outputs[0]);
        const float* x0 = CpuBackend::f32(a.inputs[0]);
        std::memcpy(y, x0, static_cast<std::size_t>(m_numel) * sizeof(float));
        for (std::size_t k = 1; k < a.inputs.size(); ++k) {
            const float* xk = CpuBackend::f32(a.inputs[k]);
#pragma omp parallel for simd
            for (std::int64_t i = 0; i < m_numel; ++i) {
                y[i] += xk[i];
            }
        }
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        for (const Tensor& g : a.gradInputs) {
            if (g.defined()) {
                std::memcpy(CpuBackend::data(g), CpuBackend::data(a.gradOutputs[0]),
                            static_cast<std::size_t>(m_numel) * sizeof(float));
            }
        }
        return Status::success();
    }

private:
    std::int64_t m_numel;
};

class ConcatKernel final : public CpuKernel {
public:
    ConcatKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c) {
        const Dims& y = c.outputs[0];
        auto rank = static_cast<std::int64_t>(y.size());
        std::int64_t axis = attrInt("axis");
        auto ax = static_cast<std::size_t>(axis < 0 ? axis + rank : axis);
        m_outer = 1;
        for (std::size_t d = 0; d < ax; ++d) {
            m_outer *= y[d];
        }
        std::int64_t inner = 1;
        for (std::size_t d = ax + 1; d < y.size(); ++d) {
            inner *= y[d];
        }
        for (const Dims& x : c.inputs) {
            m_chunks.push_back(x[ax] * inner);
        }
        m_rowOut = y[ax] * inner;
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        copySlices(a.inputs, a.outputs[0], true);
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        copySlices(a.gradInputs, a.gradOutputs[0], false);
        return Status::success();
    }

private:
    // Each outer row of the joined tensor is the inputs' rows side by side.
    void copySlices(std::span<const Tensor> parts, const Tensor& joined, bool gather) const {
        float* j = CpuBackend::f32(joined);
        std::int64_t offset = 0;
        for (std::size_t k = 0; k < parts.size(); ++k) {
            std::int64_t chunk = m_chunks[k];
            if (parts[k].defined()) {
                float* p = CpuBackend::f32(parts[k]);
                auto bytes = static_cast<std::size_t>(chunk) * sizeof(float);
#pragma omp parallel for
                for (std::int64_t o = 0; o < m_outer; ++o) {
                    float* row = j + o * m_rowOut + offset;
                    if (gather) {
                        std::memcpy(row, p + o * chunk, bytes);
                    } else {
                        std::memcpy(p + o * chunk, row, bytes);
                    }
                }
            }
            offset += chunk;
        }
    }

    std::int64_t m_outer = 1;
    std::int64_t m_rowOut = 0;
    std::vector<std::int64_t> m_chunks;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeAddKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<AddKernel>(b, c);
}

Expected<std::unique_ptr<OpKernel>> makeConcatKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<ConcatKernel>(b, c);
}

} // namespace nw::engine::cpu
