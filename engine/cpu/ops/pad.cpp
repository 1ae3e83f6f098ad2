// Pad: x [N, C, H, W] -> y [N, C, H + top + bottom, W + left + right], in the backend's
// channels-last storage (each pixel's C values contiguous). Each output row (column) reads
// one input row (column) or, in constant mode outside the input, the fill value; backward
// gathers into each input pixel the output gradient of every pixel that read it (reflect and
// edge read some input rows and columns more than once), in a fixed order.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <algorithm>
#include <cstring>

namespace nw::engine::cpu {

namespace {

// The input index that output index `o` of a dimension of `size` padded by `before` reads,
// or -1 (constant mode, outside the input).
std::int64_t sourceOf(std::int64_t o, std::int64_t before, std::int64_t size,
                      const std::string& mode) {
    std::int64_t i = o - before;
    if (i >= 0 && i < size) {
        return i;
    }
    if (mode == "edge") {
        return i < 0 ? 0 : size - 1;
    }
    if (mode == "reflect") { // pad < size, so one reflection lands inside
        return i < 0 ? -i : 2 * (size - 1) - i;
    }
    return -1;
}

class PadKernel final : public CpuKernel {
public:
    PadKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_x(c.inputs[0])
        , m_y(c.outputs[0])
        , m_value(static_cast<float>(attrFloat("value"))) {
        const auto& p = attrInts("padding"); // top, bottom, left, right
        const std::string& mode = attrString("mode");
        m_rows = sources(m_y[2], p[0], m_x[2], mode);
        m_cols = sources(m_y[3], p[2], m_x[3], mode);
        m_readers.assign(std::size_t(m_x[2] + m_x[3]), {});
        for (std::int64_t o = 0; o < m_y[2]; ++o) {
            if (m_rows[std::size_t(o)] >= 0) {
                m_readers[std::size_t(m_rows[std::size_t(o)])].push_back(o);
            }
        }
        for (std::int64_t o = 0; o < m_y[3]; ++o) {
            if (m_cols[std::size_t(o)] >= 0) {
                m_readers[std::size_t(m_x[2] + m_cols[std::size_t(o)])].push_back(o);
            }
        }
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const float* x = CpuBackend::f32(a.inputs[0]);
        float* y = CpuBackend::f32(a.outputs[0]);
        const std::int64_t n = m_x[0], c = m_x[1], h = m_x[2], w = m_x[3];
        const std::int64_t oh = m_y[2], ow = m_y[3];
        const auto pixel = static_cast<std::size_t>(c) * sizeof(float);
#pragma omp parallel for
        for (std::int64_t row = 0; row < n * oh; ++row) {
            const std::int64_t b = row / oh, sr = m_rows[std::size_t(row % oh)];
            float* out = y + row * ow * c;
            for (std::int64_t o = 0; o < ow; ++o) {
                const std::int64_t sc = m_cols[std::size_t(o)];
                if (sr < 0 || sc < 0) {
                    std::fill(out + o * c, out + (o + 1) * c, m_value);
                } else {
                    std::memcpy(out + o * c, x + ((b * h + sr) * w + sc) * c, pixel);
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
        const std::int64_t n = m_x[0], c = m_x[1], h = m_x[2], w = m_x[3];
        const std::int64_t ow = m_y[3], oh = m_y[2];
#pragma omp parallel for
        for (std::int64_t row = 0; row < n * h; ++row) {
            const std::int64_t b = row / h;
            const auto& rows = m_readers[std::size_t(row % h)];
            float* out = dx + row * w * c;
            std::fill(out, out + w * c, 0.0f);
            for (std::int64_t col = 0; col < w; ++col) {
                const auto& cols = m_readers[std::size_t(h + col)];
                float* acc = out + col * c;
                for (std::int64_t r : rows) {
                    for (std::int64_t q : cols) {
                        const float* g = dy + ((b * oh + r) * ow + q) * c;
                        for (std::int64_t k = 0; k < c; ++k) {
                            acc[k] += g[k];
                        }
                    }
                }
            }
        }
        return Status::success();
    }

private:
    static std::vector<std::int64_t> sources(std::int64_t out, std::int64_t before,
                                             std::int64_t size, const std::string& mode) {
        std::vector<std::int64_t> s(static_cast<std::size_t>(out));
        for (std::int64_t o = 0; o < out; ++o) {
            s[std::size_t(o)] = sourceOf(o, before, size, mode);
        }
        return s;
    }

    Dims m_x, m_y;
    float m_value;
    std::vector<std::int64_t> m_rows, m_cols; // output row / column -> input one, or -1
    // Input row r (index r) and column q (index H + q) -> the output ones that read it.
    std::vector<std::vector<std::int64_t>> m_readers;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makePadKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<PadKernel>(b, c);
}

} // namespace nw::engine::cpu
