// Pad, as the CPU computes it (engine/cpu/ops/pad.cpp): x [N, C, H, W] seen as planes = N * C
// -> y [N, C, H + top + bottom, W + left + right]. Output row oy reads input row oy - top
// when inside; outside, constant mode writes `value`, reflect reads the row mirrored about
// the border (pad < H: one reflection), edge the first or last row; columns alike. Backward
// gathers, one thread per input cell over the output cells that read it, in a fixed order:
// deterministic, no atomics.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"

namespace nw::gpu::cuda {

namespace {

enum class PadMode : int { Constant = 0, Reflect = 1, Edge = 2 };

struct PadShape {
    std::int64_t planes;
    int h, w, oh, ow; // input and output plane sizes
    int top, left;
    PadMode mode;
    float value;
};

// The input index output index o reads along a dimension of `size` padded by `before`;
// -1: the fill (constant mode).
__device__ inline int sourceOf(int o, int before, int size, PadMode mode) {
    const int i = o - before;
    if (i >= 0 && i < size) {
        return i;
    }
    if (mode == PadMode::Edge) {
        return i < 0 ? 0 : size - 1;
    }
    if (mode == PadMode::Reflect) {
        return i < 0 ? -i : 2 * (size - 1) - i;
    }
    return -1;
}

// The output indices that read input index i of a dimension of `size` padded by `before`
// and `after`: three inclusive ranges lo[k]..hi[k] (empty when hi < lo), the copy, then the
// cells of the leading and of the trailing border.
__device__ inline void readersOf(int i, int before, int after, int size, PadMode mode, int lo[3],
                                 int hi[3]) {
    lo[0] = hi[0] = i + before;
    lo[1] = lo[2] = 0;
    hi[1] = hi[2] = -1;
    if (mode == PadMode::Edge) {
        if (i == 0) {
            hi[1] = before - 1;
        }
        if (i == size - 1) {
            lo[2] = before + size;
            hi[2] = before + size + after - 1;
        }
    } else if (mode == PadMode::Reflect) {
        if (i >= 1 && i <= before) {
            lo[1] = hi[1] = before - i;
        }
        if (i <= size - 2 && i >= size - 1 - after) {
            lo[2] = hi[2] = before + 2 * (size - 1) - i;
        }
    }
}

__global__ void padForwardKernel(const float* x, float* y, PadShape s) {
    NW_GRID_STRIDE(o, s.planes * s.oh * s.ow) {
        const std::int64_t plane = o / (s.oh * s.ow);
        const int r = int(o % (s.oh * s.ow));
        const int sy = sourceOf(r / s.ow, s.top, s.h, s.mode);
        const int sx = sourceOf(r % s.ow, s.left, s.w, s.mode);
        y[o] = sy < 0 || sx < 0 ? s.value : x[plane * s.h * s.w + sy * s.w + sx];
    }
}

__global__ void padBackwardKernel(const float* dy, float* dx, PadShape s) {
    NW_GRID_STRIDE(i, s.planes * s.h * s.w) {
        const std::int64_t plane = i / (s.h * s.w);
        const int cell = int(i % (s.h * s.w));
        int rlo[3], rhi[3], clo[3], chi[3];
        readersOf(cell / s.w, s.top, s.oh - s.h - s.top, s.h, s.mode, rlo, rhi);
        readersOf(cell % s.w, s.left, s.ow - s.w - s.left, s.w, s.mode, clo, chi);
        const float* g = dy + plane * s.oh * s.ow;
        float sum = 0.0f;
        for (int a = 0; a < 3; ++a) {
            for (int oy = rlo[a]; oy <= rhi[a]; ++oy) {
                for (int b = 0; b < 3; ++b) {
                    for (int ox = clo[b]; ox <= chi[b]; ++ox) {
                        sum += g[oy * s.ow + ox];
                    }
                }
            }
        }
        dx[i] = sum;
    }
}

class PadKernel final : public CudaKernel {
public:
    PadKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c) {
        const Dims &x = c.inputs[0], &y = c.outputs[0];
        const auto& p = attrInts("padding"); // top, bottom, left, right
        const std::string& mode = attrString("mode");
        auto narrow = [](std::int64_t v) { return static_cast<int>(v); };
        m_shape.planes = x[0] * x[1];
        m_shape.h = narrow(x[2]);
        m_shape.w = narrow(x[3]);
        m_shape.oh = narrow(y[2]);
        m_shape.ow = narrow(y[3]);
        m_shape.top = narrow(p[0]);
        m_shape.left = narrow(p[2]);
        m_shape.mode = mode == "reflect" ? PadMode::Reflect
                       : mode == "edge"  ? PadMode::Edge
                                         : PadMode::Constant;
        m_shape.value = static_cast<float>(attrFloat("value"));
    }

    bool backwardReadsInputs() const override { return false; }

    Status forward(const ForwardArgs& a) override {
        const std::int64_t n = m_shape.planes * m_shape.oh * m_shape.ow;
        padForwardKernel<<<gridFor(n), kBlock, 0, stream()>>>(f32(a.inputs[0]), f32(a.outputs[0]),
                                                              m_shape);
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        const std::int64_t n = m_shape.planes * m_shape.h * m_shape.w;
        padBackwardKernel<<<gridFor(n), kBlock, 0, stream()>>>(f32(a.gradOutputs[0]),
                                                               f32(a.gradInputs[0]), m_shape);
        return launched("backward");
    }

private:
    PadShape m_shape{};
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makePadKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<PadKernel>(b, c);
}

} // namespace nw::gpu::cuda
