// Mul as the CPU (engine/cpu/ops/mul.cpp): y = a · b over the collapsed broadcast dims of
// engine/core/broadcast.h. Backward gathers, deterministic and without atomics: the gradient
// of input x (the other being o) is dx[j] = sum of dy · o over the positions of y that read
// x[j]; a thread per element of dx when x was not broadcast, else a warp per element, its
// lanes striding over the summed positions and then reduced by shuffles.
#include "engine/core/broadcast.h"
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/launch.cuh"

#include <array>

namespace nw::gpu::cuda {

namespace {

constexpr int kMaxRank = 8;

// The collapsed dims of y and two inputs' strides along them (0: broadcast), row-major.
struct MulShape {
    int rank;
    std::int64_t dims[kMaxRank];
    std::int64_t s0[kMaxRank]; // forward: a's; backward: x's
    std::int64_t s1[kMaxRank]; // forward: b's; backward: o's
};

__global__ void mulForwardKernel(const float* a, const float* b, float* y, MulShape s,
                                 std::int64_t n) {
    NW_GRID_STRIDE(i, n) {
        std::int64_t rest = i, oa = 0, ob = 0;
        for (int k = s.rank - 1; k >= 0; --k) {
            const std::int64_t c = rest % s.dims[k];
            rest /= s.dims[k];
            oa += c * s.s0[k];
            ob += c * s.s1[k];
        }
        y[i] = a[oa] * b[ob];
    }
}

// dy's and o's offsets of x[j] (along the dims x spans), then of its t-th summed position.
__device__ inline void baseOffsets(const MulShape& s, std::int64_t j, std::int64_t& y,
                                   std::int64_t& o) {
    std::int64_t rest = j, stride = 1;
    y = 0;
    o = 0;
    for (int k = s.rank - 1; k >= 0; --k) {
        if (s.s0[k] != 0) {
            const std::int64_t c = rest % s.dims[k];
            rest /= s.dims[k];
            y += c * stride;
            o += c * s.s1[k];
        }
        stride *= s.dims[k];
    }
}

__device__ inline float reducedTerm(const MulShape& s, const float* dy, const float* other,
                                    std::int64_t t, std::int64_t y, std::int64_t o) {
    std::int64_t stride = 1;
    for (int k = s.rank - 1; k >= 0; --k) {
        if (s.s0[k] == 0) {
            const std::int64_t c = t % s.dims[k];
            t /= s.dims[k];
            y += c * stride;
            o += c * s.s1[k];
        }
        stride *= s.dims[k];
    }
    return dy[y] * other[o];
}

// x spans y: dx[j] = dy[j'] · o[...], one thread each.
__global__ void mulBackwardKernel(const float* dy, const float* other, float* dx, MulShape s,
                                  std::int64_t n) {
    NW_GRID_STRIDE(j, n) {
        std::int64_t y, o;
        baseOffsets(s, j, y, o);
        dx[j] = dy[y] * other[o];
    }
}

// x was broadcast: a warp per element of dx over its `reduced` positions.
__global__ void mulBackwardSumKernel(const float* dy, const float* other, float* dx, MulShape s,
                                     std::int64_t n, std::int64_t reduced) {
    const int lane = threadIdx.x % 32;
    const std::int64_t warps = std::int64_t(gridDim.x) * (blockDim.x / 32);
    for (std::int64_t j = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / 32; j < n;
         j += warps) {
        std::int64_t y, o;
        baseOffsets(s, j, y, o);
        float sum = 0.0f;
        for (std::int64_t t = lane; t < reduced; t += 32) {
            sum += reducedTerm(s, dy, other, t, y, o);
        }
        for (int off = 16; off > 0; off /= 2) {
            sum += __shfl_down_sync(0xffffffffu, sum, off);
        }
        if (lane == 0) {
            dx[j] = sum;
        }
    }
}

class MulKernel final : public CudaKernel {
public:
    MulKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_layout(engine::collapseBroadcast(c.inputs[0], c.inputs[1])) {
        if (m_layout.dims.size() > std::size_t(kMaxRank)) {
            throw KernelBuildError{
                Error::user("the inputs broadcast along " + std::to_string(m_layout.dims.size()) +
                            " alternating groups of dimensions; the CUDA kernel indexes at most " +
                            std::to_string(kMaxRank))};
        }
        for (std::size_t i = 0; i < 2; ++i) {
            m_numel[i] = engine::numelOf(c.inputs[i]);
        }
    }

    Status forward(const ForwardArgs& a) override {
        const std::int64_t n = m_layout.numel();
        mulForwardKernel<<<gridFor(n), kBlock, 0, stream()>>>(f32(a.inputs[0]), f32(a.inputs[1]),
                                                              f32(a.outputs[0]), shape(0, 1), n);
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        for (std::size_t i = 0; i < 2; ++i) {
            if (!a.gradInputs[i].defined()) {
                continue;
            }
            const float* dy = f32(a.gradOutputs[0]);
            const float* other = f32(a.inputs[1 - i]);
            float* dx = f32(a.gradInputs[i]);
            const std::int64_t n = m_numel[i], reduced = m_layout.reducedCount(i);
            if (reduced == 1) {
                mulBackwardKernel<<<gridFor(n), kBlock, 0, stream()>>>(dy, other, dx,
                                                                       shape(i, 1 - i), n);
            } else {
                mulBackwardSumKernel<<<gridFor(n * 32), kBlock, 0, stream()>>>(
                    dy, other, dx, shape(i, 1 - i), n, reduced);
            }
        }
        return launched("backward");
    }

private:
    // The layout with input `first`'s strides as s0 and input `second`'s as s1.
    MulShape shape(std::size_t first, std::size_t second) const {
        MulShape s{};
        s.rank = int(m_layout.dims.size());
        for (std::size_t k = 0; k < m_layout.dims.size(); ++k) {
            s.dims[k] = m_layout.dims[k];
            s.s0[k] = m_layout.strides[first][k];
            s.s1[k] = m_layout.strides[second][k];
        }
        return s;
    }

    engine::BroadcastLayout m_layout;
    std::array<std::int64_t, 2> m_numel{};
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeMulKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<MulKernel>(b, c);
}

} // namespace nw::gpu::cuda
