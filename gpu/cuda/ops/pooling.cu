// MaxPool2D, AvgPool2D, GlobalAvgPool and GlobalMaxPool, as the CPU computes them
// (engine/cpu/ops/pooling.cpp on oneDNN), over graph/ops/pool_window.h's windows: max ignores
// padding, dilates its taps and keeps the first of equal maxima in tap order (row-major);
// average divides by the window's cells inside the input and, with count_include_pad, inside
// its padding, never by the overhang past the padding that ceil_mode adds.
// x: [N, C, H, W] seen as planes = N * C; y: [N, C, H', W'] ([N, C] for the global pools;
// GlobalMaxPool is MaxPool with one H x W window).
// Window (oy, ox) starts at row oy * sh - pt and column ox * sw - pl; its taps are dh rows and
// dw columns apart.
// MaxPool keeps each window's argmax (i32 [N, C, H', W'], the index within its plane; -1 for a
// window of padding only) from forward for backward. Backward gathers, one thread per input
// cell over the windows that cover it, in a fixed order: deterministic, no atomics.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"
#include "graph/ops/pool_window.h"

#include <cfloat>

namespace nw::gpu::cuda {

namespace {

struct PoolShape {
    std::int64_t planes;
    int h, w, oh, ow; // input and output plane sizes
    int kh, kw, sh, sw;
    int pt, pl, pb, pr; // padding: top, left, bottom, right
    int dh, dw;         // dilation
    int includePad;     // averages: count_include_pad
};

// The taps start + i * d, i < k, inside [lo, hi): graph/ops/pool_window.h's count.
__device__ inline int tapsIn(int start, int k, int d, int lo, int hi) {
    if (hi <= start) {
        return 0;
    }
    const int first = start >= lo ? 0 : (lo - start + d - 1) / d;
    const int last = min(k - 1, (hi - 1 - start) / d);
    return max(0, last - first + 1);
}

// The averages' divisor of window (oy, ox).
__device__ inline float divisorAt(const PoolShape& s, int oy, int ox) {
    const int y0 = oy * s.sh - s.pt, x0 = ox * s.sw - s.pl;
    if (s.includePad) {
        return float(tapsIn(y0, s.kh, s.dh, -s.pt, s.h + s.pb) *
                     tapsIn(x0, s.kw, s.dw, -s.pl, s.w + s.pr));
    }
    return float(tapsIn(y0, s.kh, s.dh, 0, s.h) * tapsIn(x0, s.kw, s.dw, 0, s.w));
}

// MAX: y = max over the window's input taps, idx = its index in the plane; else the mean.
template <bool MAX>
__global__ void poolForwardKernel(const float* x, float* y, int* idx, PoolShape s) {
    NW_GRID_STRIDE(o, s.planes * s.oh * s.ow) {
        const std::int64_t plane = o / (s.oh * s.ow);
        const int r = int(o % (s.oh * s.ow));
        const int oy = r / s.ow, ox = r % s.ow;
        const int y0 = oy * s.sh - s.pt, x0 = ox * s.sw - s.pl;
        const float* in = x + plane * s.h * s.w;
        int best = -1;
        float bestValue = -FLT_MAX, sum = 0.0f;
        for (int i = 0; i < s.kh; ++i) { // the window's taps inside the input
            const int h = y0 + i * s.dh;
            if (h < 0 || h >= s.h) {
                continue;
            }
            for (int j = 0; j < s.kw; ++j) {
                const int w = x0 + j * s.dw;
                if (w < 0 || w >= s.w) {
                    continue;
                }
                const float v = in[h * s.w + w];
                if (!MAX) {
                    sum += v;
                } else if (best < 0 || v > bestValue) { // strictly: the first maximum stays
                    bestValue = v;
                    best = h * s.w + w;
                }
            }
        }
        if (MAX) {
            y[o] = bestValue;
            idx[o] = best;
        } else {
            y[o] = sum / divisorAt(s, oy, ox);
        }
    }
}

// The first window index covering input coordinate c: the smallest o with
// o*s - pad + span > c.
__device__ inline int firstWindow(int c, int span, int stride, int pad) {
    int t = c + pad - span + 1;
    return t <= 0 ? 0 : (t + stride - 1) / stride;
}

// dx[cell] = sum over the windows covering it of dy (MAX: only those whose argmax it is;
// else each divided by its window's divisor). Writes every cell of dx.
template <bool MAX>
__global__ void poolBackwardKernel(const float* dy, const int* idx, float* dx, PoolShape s) {
    NW_GRID_STRIDE(i, s.planes * s.h * s.w) {
        const std::int64_t plane = i / (s.h * s.w);
        const int cell = int(i % (s.h * s.w));
        const int h = cell / s.w, w = cell % s.w;
        const int oys = firstWindow(h, s.dh * (s.kh - 1) + 1, s.sh, s.pt);
        const int oye = min((h + s.pt) / s.sh, s.oh - 1);
        const int oxs = firstWindow(w, s.dw * (s.kw - 1) + 1, s.sw, s.pl);
        const int oxe = min((w + s.pl) / s.sw, s.ow - 1);
        const std::int64_t base = plane * s.oh * s.ow;
        float sum = 0.0f;
        for (int oy = oys; oy <= oye; ++oy) {
            for (int ox = oxs; ox <= oxe; ++ox) {
                const std::int64_t o = base + oy * s.ow + ox;
                if (MAX) {
                    if (idx[o] == cell) {
                        sum += dy[o];
                    }
                } else if ((h - (oy * s.sh - s.pt)) % s.dh == 0 &&
                           (w - (ox * s.sw - s.pl)) % s.dw == 0) { // a tap of the window
                    sum += dy[o] / divisorAt(s, oy, ox);
                }
            }
        }
        dx[i] = sum;
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
    enum class Kind { Max, Avg, GlobalAvg, GlobalMax };

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
        m_shape.dh = m_shape.dw = 1;
        m_shape.includePad = 1;
        if (kind == Kind::GlobalMax) { // MaxPool with one window over the plane
            m_shape.kh = m_shape.h;
            m_shape.kw = m_shape.w;
            m_shape.sh = m_shape.sw = 1;
            m_shape.pt = m_shape.pl = m_shape.pb = m_shape.pr = 0;
            m_shape.oh = m_shape.ow = 1;
            m_argmax = scratch({x[0], x[1], 1, 1}, DType::I32);
            return;
        }
        const graph::ops::PoolWindow win = graph::ops::poolWindow(c.attrs, x[2], x[3]);
        const graph::ops::PoolAxis &r = win.rows, &col = win.cols;
        m_shape.kh = narrow(r.kernel);
        m_shape.kw = narrow(col.kernel);
        m_shape.sh = narrow(r.stride);
        m_shape.sw = narrow(col.stride);
        m_shape.pt = narrow(r.padBegin);
        m_shape.pl = narrow(col.padBegin);
        m_shape.pb = narrow(r.padEnd);
        m_shape.pr = narrow(col.padEnd);
        m_shape.dh = narrow(r.dilation);
        m_shape.dw = narrow(col.dilation);
        m_shape.includePad = win.includePad ? 1 : 0;
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
        case Kind::GlobalMax:
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
        case Kind::GlobalMax:
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
    Tensor m_argmax; // the max pools only
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

Expected<std::unique_ptr<OpKernel>> makeGlobalMaxPoolKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<PoolKernel>(b, c, PoolKernel::Kind::GlobalMax);
}

} // namespace nw::gpu::cuda
