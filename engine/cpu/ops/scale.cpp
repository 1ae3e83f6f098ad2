// Scale: y = x · scale + shift, scale and shift of the attribute `shape` broadcast over each
// sample's trailing dimensions (graph/ops/scale.cpp). The walk follows x's memory order (NHWC
// for 4-D tensors), the parameters' offset moving with an odometer over the outer dims.
// Backward: dx = dy · scale; dscale = Σ dy · x and dshift = Σ dy over the broadcast elements.
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <algorithm>
#include <numeric>

namespace nw::engine::cpu {

namespace {

class ScaleKernel final : public CpuKernel {
public:
    ScaleKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_useScale(attrBool("use_scale"))
        , m_useShift(attrBool("use_shift")) {
        const Dims& x = c.inputs[0];
        const Dims& shape = attrInts("shape");
        const std::size_t rank = x.size(), lead = rank - shape.size();
        m_numel = std::accumulate(x.begin(), x.end(), std::int64_t{1}, std::multiplies<>());
        m_params =
            std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
        // The parameters' row-major strides along x's dims, 0 where they broadcast.
        std::vector<std::int64_t> pstride(rank, 0);
        for (std::size_t d = rank, s = 1; d-- > lead;) {
            const std::int64_t n = shape[d - lead];
            pstride[d] = n == 1 ? 0 : static_cast<std::int64_t>(s);
            s *= static_cast<std::size_t>(n);
        }
        // x's dims from outermost to innermost in memory.
        const DnnlDims xs = plainStrides(x);
        std::vector<std::size_t> order(rank);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return xs[a] > xs[b]; });
        for (std::size_t d : order) {
            m_dims.push_back(x[d]);
            m_pstride.push_back(pstride[d]);
        }
    }

    Status forward(const ForwardArgs& a) override {
        const float* x = CpuBackend::f32(a.inputs[0]);
        float* y = CpuBackend::f32(a.outputs[0]);
        const float* scale = m_useScale ? CpuBackend::f32(a.params[0]) : nullptr;
        const float* shift = m_useShift ? CpuBackend::f32(a.params[m_useScale ? 1 : 0]) : nullptr;
        walk([&](std::int64_t i, std::int64_t p) {
            float v = x[i];
            if (scale) {
                v *= scale[p];
            }
            y[i] = shift ? v + shift[p] : v;
        });
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        const float* dy = CpuBackend::f32(a.gradOutputs[0]);
        const float* x = CpuBackend::f32(a.inputs[0]);
        const float* scale = m_useScale ? CpuBackend::f32(a.params[0]) : nullptr;
        float* dx = a.gradInputs[0].defined() ? CpuBackend::f32(a.gradInputs[0]) : nullptr;
        float* dscale = nullptr;
        float* dshift = nullptr;
        if (a.wantsParamGrads()) {
            dscale = m_useScale ? CpuBackend::f32(a.gradParams[0]) : nullptr;
            dshift = m_useShift ? CpuBackend::f32(a.gradParams[m_useScale ? 1 : 0]) : nullptr;
        }
        for (float* g : {dscale, dshift}) {
            if (g) {
                std::fill_n(g, m_params, 0.0f);
            }
        }
        walk([&](std::int64_t i, std::int64_t p) {
            if (dx) {
                dx[i] = scale ? dy[i] * scale[p] : dy[i];
            }
            if (dscale) {
                dscale[p] += dy[i] * x[i];
            }
            if (dshift) {
                dshift[p] += dy[i];
            }
        });
        return Status::success();
    }

private:
    // Calls fn(element offset, parameter offset) for every element, in memory order.
    template <class Fn>
    void walk(Fn&& fn) const {
        const std::size_t rank = m_dims.size();
        const std::int64_t inner = m_dims.back(), innerStride = m_pstride.back();
        std::vector<std::int64_t> index(rank, 0);
        std::int64_t p = 0;
        for (std::int64_t i = 0; i < m_numel; i += inner) {
            for (std::int64_t j = 0; j < inner; ++j) {
                fn(i + j, p + j * innerStride);
            }
            for (std::size_t d = rank - 1; d-- > 0;) { // the odometer over the outer dims
                p += m_pstride[d];
                if (++index[d] < m_dims[d]) {
                    break;
                }
                p -= m_pstride[d] * m_dims[d];
                index[d] = 0;
            }
        }
    }

    bool m_useScale, m_useShift;
    std::int64_t m_numel = 0, m_params = 0;
    std::vector<std::int64_t> m_dims, m_pstride; // x's dims in memory order, outermost first
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeScaleKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<ScaleKernel>(b, c);
}

} // namespace nw::engine::cpu
