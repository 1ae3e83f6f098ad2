// MaxPool2D, AvgPool2D and GlobalAvgPool, as the CPU computes them (engine/cpu/ops/pooling.cpp
// on oneDNN): max ignores padding and keeps the first of equal maxima in window order
// (row-major), average counts padding as zeros and always divides by kh * kw.
// x: [N, C, H, W] seen as planes = N * C; y: [N, C, H', W'] ([N, C] for GlobalAvgPool).
// Window (oy, ox) covers rows oy * sh - ph .. + kh - 1 and columns ox * sw - pw .. + kw - 1.
// MaxPool keeps each window's argmax (i32 [N, C, H', W'], the index within its plane) from
// forward for backward. Backward gathers, one thread per input cell over the windows that
// cover it, in a fixed order: deterministic, no atomics.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"

namespace nw::gpu::cuda {

namespace {

struct PoolShape {
    std::int64_t planes;
    int h, w, oh, ow; // input and output plane sizes
    int kh, kw, sh, sw, ph, pw;
};

// MAX: y = max over the window's input cells, idx = its index in the plane; else the mean
// with padding counted.
template <bool MAX>
__global__ void poolForwardKernel(const float* x, float* y, int* idx, PoolShape s) {
    NW_GRID_STRIDE(o, s.planes * s.oh * s.ow) {
        const std::int64_t plane = o / (s.oh * s.ow);
        const int r = int(o % (s.oh * s.ow));
        const int y0 = r / s.ow * s.sh - s.ph, x0 = r % s.ow * s.sw - s.pw;
        const int ys = max(y0, 0), ye = min(y0 + s.kh, s.h);
        const int xs = max(x0, 0), xe = min(x0 + s.kw, s.w);
        const float* in = x + plane * s.h * s.w;
        if (MAX) {
            // Padding is at most half the kernel, so every window holds an input cell.
            int best = ys * s.w + xs;
            float bestValue = in[best];
            for (int h = ys; h < ye; ++h) {
                for (int w = xs; w < xe; ++w) {
                    float v = in[h * s.w + w];
                    if (v > bestValue) { // strictly: the first maximum stays
                        bestValue = v;
                        best = h * s.w + w;
                    }
                }
            }
            y[o] = bestValue;
            idx[o] = best;
        } else {
            float sum = 0.0f;
            for (int h = ys; h < ye; ++h) {
                for (int w = xs; w < xe; ++w) {
                    sum += in[h * s.w + w];
                }
            }
            y[o] = sum / float(s.kh * s.kw);
        }
    }
}

// The first window index covering input coordinate c: the smallest o with o*s - pad + k > c.
__device__ inline int firstWindow(int c, int k, int stride, int pad) {
    int t = c + pad - k + 1;
    return t <= 0 ? 0 : (t + stride - 1) / stride;
}

// dx[cell] = sum over the windows covering it of dy (MAX: only those whose argmax it is;
// else divided by kh * kw). Writes every cell of dx.
template <bool MAX>
__global__ void poolBackwardKernel(const float* dy, const int* idx, float* dx, PoolShape s) {
    NW_GRID_STRIDE(i, s.planes * s.h * s.w) {
        const std::int64_t plane = i / (s.h * s.w);
        const int cell = int(i % (s.h * s.w));
        const int h = cell / s.w, w = cell % s.w;
        const int oys = firstWindow(h, s.kh, s.sh, s.ph);
        const int oye = min((h + s.ph) / s.sh, s.oh - 1);
        const int oxs = firstWindow(w, s.kw, s.sw, s.pw);
        const int oxe = min((w + s.pw) / s.sw, s.ow - 1);
        const std::int64_t base = plane * s.oh * s.ow;
        float sum = 0.0f;
        for (int oy = oys; oy <= oye; ++oy) {
            for (int ox = oxs; ox <= oxe; ++ox) {
                const std::int64_t o = base + oy * s.ow + ox;
                if (!MAX || idx[o] == cell) {
                    sum += dy[o];
                }
            }
        }
        dx[i] = MAX ? sum : sum / float(s.kh * s.kw);
    }
}

// y[p] = mean of plane p of x (size n = H * W); one warp per plane, lanes reading
// consecutive cells.
__global__ void globalAvgForwardKernel(const float* x, float* y, std::int64_t planes,
                                       std::int64_t n) {
    const int lane = threadIdx.x % 32;
    const std::int64_t warps = std::int64_t(gridDim.x) * (blockDim.x / 32);
    for (std::int64_t p = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / 32; p < planes;
         p += warps) {
        const float* in = x + p * n;
        float sum = 0.0f;
        for (std::int64_t j = lane; j < n; j += 32) {
            sum += in[j];
        }
        for (int off = 16; off > 0; off /= 2) {
            sum += __shfl_down_sync(0xffffffffu, sum, off);
        }
        if (lane == 0) {
            y[p] = sum / float(n);
        }
    }
}

// dx[p, j] = dy[p] / n
__global__ void globalAvgBackwardKernel(const float* dy, float* dx, std::int64_t planes,
                                        std::int64_t n) {
    NW_GRID_STRIDE(i, planes * n) {
        dx[i] = dy[i / n] / float(n);
    }
}

class PoolKernel final : public CudaKernel {
public:
    enum class Kind { Max, Avg, GlobalAvg };

    PoolKernel(CudaBackend& backend, const KernelConfig& c, Kind kind)
        : CudaKernel(backend, c)
        , m_kind(kind) {
        const Dims& x = c.inputs[0];
        auto narrow = [](std::int64_t v) { return static_cast<int>(v); };
        m_shape.planes = x[0] * x[1];
        m_shape.h = narrow(x[2]);
        m_shape.w = narrow(x[3]);
        if (kind == Kind::GlobalAvg) {
            m_shape.oh = m_shape.ow = 1;
            return;
        }
        const auto& k = attrInts("kernel_size");
        const auto& s = attrInts("stride");
        const auto& p = attrInts("padding");
        m_shape.kh = narrow(k[0]);
        m_shape.kw = narrow(k[1]);
        m_shape.sh = narrow(s[0]);
        m_shape.sw = narrow(s[1]);
        m_shape.ph = narrow(p[0]);
        m_shape.pw = narrow(p[1]);
        m_shape.oh = narrow(c.outputs[0][2]);
        m_shape.ow = narrow(c.outputs[0][3]);
        if (kind == Kind::Max) {
            m_argmax = scratch({x[0], x[1], c.outputs[0][2], c.outputs[0][3]}, DType::I32);
        }
    }

    bool backwardReadsInputs() const override { return false; } // max keeps its argmax

    Status forward(const ForwardArgs& a) override {
        const float* x = f32(a.inputs[0]);
        float* y = f32(a.outputs[0]);
        const std::int64_t outputs = m_shape.planes * m_shape.oh * m_shape.ow;
        switch (m_kind) {
        case Kind::Max:
            poolForwardKernel<true>
                <<<gridFor(outputs), kBlock, 0, stream()>>>(x, y, i32(m_argmax), m_shape);
            break;
        case Kind::Avg:
            poolForwardKernel<false>
                <<<gridFor(outputs), kBlock, 0, stream()>>>(x, y, nullptr, m_shape);
            break;
        case Kind::GlobalAvg:
            globalAvgForwardKernel<<<gridFor(m_shape.planes * 32), kBlock, 0, stream()>>>(
                x, y, m_shape.planes, planeSize());
            break;
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        const float* dy = f32(a.gradOutputs[0]);
        float* dx = f32(a.gradInputs[0]);
        const std::int64_t inputs = m_shape.planes * planeSize();
        switch (m_kind) {
        case Kind::Max:
            poolBackwardKernel<true>
                <<<gridFor(inputs), kBlock, 0, stream()>>>(dy, i32(m_argmax), dx, m_shape);
            break;
        case Kind::Avg:
            poolBackwardKernel<false>
                <<<gridFor(inputs), kBlock, 0, stream()>>>(dy, nullptr, dx, m_shape);
            break;
        case Kind::GlobalAvg:
            globalAvgBackwardKernel<<<gridFor(inputs), kBlock, 0, stream()>>>(
                dy, dx, m_shape.planes, planeSize());
            break;
        }
        return launched("backward");
    }

private:
    std::int64_t planeSize() const { return std::int64_t(m_shape.h) * m_shape.w; }

    Kind m_kind;
    PoolShape m_shape{};
    Tensor m_argmax; // MaxPool only
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMaxPool2dKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, PoolKernel::Kind::Max);
}

Expected<std::unique_ptr<OpKernel>> makeAvgPool2dKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, PoolKernel::Kind::Avg);
}

Expected<std::unique_ptr<OpKernel>> makeGlobalAvgPoolKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, PoolKernel::Kind::GlobalAvg);
}

} // namespace nw::gpu::cuda
