// LRN across channels, as the CPU computes it (engine/cpu/ops/lrn.cpp, ONNX's formula) over
// x, y [N, C, H, W] row-major:
//   s[c] = bias + alpha/size · Σ x[c']² for c' in [c - reach, c + reach] within [0, C),
//   y[c] = x[c] · s[c]^-beta, reach = (size - 1) / 2.
// Forward keeps s ([N, C, H, W]) for backward, which reads x, dy and s (the window is
// symmetric): dx[c] = dy[c] s[c]^-beta - 2 alpha beta / size · x[c] · Σ dy[c'] x[c']
// s[c']^-(beta+1).
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"

namespace nw::gpu::cuda {

namespace {

struct LrnShape {
    std::int64_t n;  // elements
    int c;           // channels
    std::int64_t hw; // pixels per channel plane
    int reach;
    float alphaOverSize, beta, bias;
};

__global__ void lrnForwardKernel(const float* x, float* y, float* scale, LrnShape s) {
    NW_GRID_STRIDE(i, s.n) {
        const int c = int(i / s.hw % s.c);
        const std::int64_t base = i - c * s.hw; // channel 0 of this pixel
        const int c0 = max(c - s.reach, 0), c1 = min(c + s.reach, s.c - 1);
        float sum = 0.0f;
        for (int k = c0; k <= c1; ++k) {
            const float v = x[base + k * s.hw];
            sum += v * v;
        }
        const float sc = s.bias + s.alphaOverSize * sum;
        scale[i] = sc;
        y[i] = x[i] * powf(sc, -s.beta);
    }
}

__global__ void lrnBackwardKernel(const float* x, const float* dy, const float* scale, float* dx,
                                  LrnShape s) {
    NW_GRID_STRIDE(i, s.n) {
        const int c = int(i / s.hw % s.c);
        const std::int64_t base = i - c * s.hw;
        const int c0 = max(c - s.reach, 0), c1 = min(c + s.reach, s.c - 1);
        float sum = 0.0f;
        for (int k = c0; k <= c1; ++k) {
            const std::int64_t j = base + k * s.hw;
            sum += dy[j] * x[j] * powf(scale[j], -s.beta) / scale[j];
        }
        dx[i] = dy[i] * powf(scale[i], -s.beta) - 2.0f * s.alphaOverSize * s.beta * x[i] * sum;
    }
}

class LrnKernel final : public CudaKernel {
public:
    LrnKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_scale(scratch(c.inputs[0])) {
        const Dims& x = c.inputs[0];
        const std::int64_t size = attrInt("size");
        m_shape.n = engine::numelOf(x);
        m_shape.c = static_cast<int>(x[1]);
        m_shape.hw = x[2] * x[3];
        m_shape.reach = static_cast<int>((size - 1) / 2);
        m_shape.alphaOverSize = static_cast<float>(attrFloat("alpha") / double(size));
        m_shape.beta = static_cast<float>(attrFloat("beta"));
        m_shape.bias = static_cast<float>(attrFloat("bias"));
    }

    Status forward(const ForwardArgs& a) override {
        lrnForwardKernel<<<gridFor(m_shape.n), kBlock, 0, stream()>>>(
            f32(a.inputs[0]), f32(a.outputs[0]), f32(m_scale), m_shape);
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        lrnBackwardKernel<<<gridFor(m_shape.n), kBlock, 0, stream()>>>(
            f32(a.inputs[0]), f32(a.gradOutputs[0]), f32(m_scale), f32(a.gradInputs[0]), m_shape);
        return launched("backward");
    }

private:
    Tensor m_scale; // s of every element, from the last forward
    LrnShape m_shape{};
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLrnKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<LrnKernel>(b, c);
}

} // namespace nw::gpu::cuda
