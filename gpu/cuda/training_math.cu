// The CUDA backend's training arithmetic: fill, scale, addInto, sums of squares, the four
// optimizers and the on-device classification metrics. Each is one grid-stride kernel over
// contiguous f32 memory, with the CPU backend's arithmetic in the same order
// (engine/cpu/training_math.cpp), so a step on either device gives the same numbers up to
// rounding.
#include "gpu/cuda/cuda_backend.h"
#include "gpu/cuda/ops/labels.cuh"
#include "gpu/cuda/ops/launch.cuh"
#include "gpu/cuda/runtime/cuda_check.h"

#include <cmath>

namespace nw::gpu::cuda {

using engine::DType;
using engine::OptimizerStep;
using engine::Tensor;

namespace {

__global__ void fillKernel(float* x, std::int64_t n, float v) {
    NW_GRID_STRIDE(i, n) {
        x[i] = v;
    }
}

__global__ void scaleKernel(float* x, std::int64_t n, float f) {
    NW_GRID_STRIDE(i, n) {
        x[i] *= f;
    }
}

__global__ void addIntoKernel(float* dst, const float* src, std::int64_t n) {
    NW_GRID_STRIDE(i, n) {
        dst[i] += src[i];
    }
}

// out[0] += sum of x^2, accumulated in double per block.
__global__ void sumSquaresKernel(const float* x, std::int64_t n, double* out) {
    __shared__ double partial[kBlock];
    double acc = 0;
    NW_GRID_STRIDE(i, n) {
        acc += double(x[i]) * double(x[i]);
    }
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s /= 2) {
        if (int(threadIdx.x) < s) {
            partial[threadIdx.x] += partial[threadIdx.x + s];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        atomicAdd(out, partial[0]);
    }
}

struct Update {
    std::int64_t n;
    float lr, wd; // wd: the L2 term added to the gradient (0 when the parameter does not decay)
    // A captured step's (CudaBackend::liveScalars, liveGuard); null when queued eagerly.
    const DeviceStepScalars* live;
    const float* guard;
};

struct AdamArgs {
    float b1, b2, c1, c2, eps, stepSize, invSqrtBc2, decayFactor;
    float adamwWd; // AdamW's decoupled decay of this parameter (0 for Adam)
};

// The update's learning rate (and Adam's factors): the arguments when queued eagerly; in a
// captured step the replay's, from the device scalars, worked out once per block as the host
// does (engine/cpu/training_math.cpp). False when the guard (the loss) is not finite: the
// update is skipped. Every thread of the block calls it first (it synchronises the block).
__device__ bool resolveUpdate(Update& u, AdamArgs* a) {
    if (u.guard && !isfinite(*u.guard)) {
        return false; // the same value for every thread: the whole grid returns
    }
    if (!u.live) {
        return true;
    }
    __shared__ float resolved[4];
    if (threadIdx.x == 0) {
        const float lr = u.live->learningRate;
        resolved[0] = lr;
        if (a) {
            const double t = double(u.live->update);
            const double bc1 = 1.0 - pow(double(a->b1), t), bc2 = 1.0 - pow(double(a->b2), t);
            resolved[1] = float(double(lr) / bc1);
            resolved[2] = float(1.0 / sqrt(bc2));
            resolved[3] = 1.0f - lr * a->adamwWd;
        }
    }
    __syncthreads();
    u.lr = resolved[0];
    if (a) {
        a->stepSize = resolved[1];
        a->invSqrtBc2 = resolved[2];
        a->decayFactor = resolved[3];
    }
    return true;
}

__global__ void sgdPlainKernel(Update u, float* p, const float* g) {
    if (!resolveUpdate(u, nullptr)) {
        return;
    }
    NW_GRID_STRIDE(i, u.n) {
        p[i] -= u.lr * (g[i] + u.wd * p[i]);
    }
}

__global__ void sgdMomentumKernel(Update u, float mu, bool nesterov, float* p, const float* g,
                                  float* buf) {
    if (!resolveUpdate(u, nullptr)) {
        return;
    }
    NW_GRID_STRIDE(i, u.n) {
        float d = g[i] + u.wd * p[i];
        float b = mu * buf[i] + d;
        buf[i] = b;
        p[i] -= u.lr * (nesterov ? d + mu * b : b);
    }
}

__global__ void adamKernel(Update u, AdamArgs a, float* p, const float* g, float* m, float* v) {
    if (!resolveUpdate(u, &a)) {
        return;
    }
    NW_GRID_STRIDE(i, u.n) {
        float pi = p[i] * a.decayFactor;
        float d = g[i] + u.wd * pi;
        float mi = a.b1 * m[i] + a.c1 * d;
        float vi = a.b2 * v[i] + a.c2 * d * d;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - a.stepSize * mi / (sqrtf(vi) * a.invSqrtBc2 + a.eps);
    }
}

__global__ void rmsPropKernel(Update u, float alpha, float eps, float mu, float* p, const float* g,
                              float* sq, float* buf) {
    if (!resolveUpdate(u, nullptr)) {
        return;
    }
    const float c = 1.0f - alpha;
    NW_GRID_STRIDE(i, u.n) {
        float d = g[i] + u.wd * p[i];
        float a = alpha * sq[i] + c * d * d;
        sq[i] = a;
        if (buf) {
            float b = mu * buf[i] + d / (sqrtf(a) + eps);
            buf[i] = b;
            p[i] -= u.lr * b;
        } else {
            p[i] -= u.lr * d / (sqrtf(a) + eps);
        }
    }
}

__global__ void oneHotKernel(const int* labels, float* targets, std::int64_t n, std::int64_t k,
                             int* status) {
    NW_GRID_STRIDE(e, n * k) {
        std::int64_t row = e / k, col = e % k;
        // Each row's label is checked once, by the thread of its first column.
        bool ok =
            col != 0 ? (labels[row] >= 0 && labels[row] < k) : labelOk(labels, row, k, status);
        targets[e] = ok && labels[row] == col ? 1.0f : 0.0f;
    }
}

// metrics = {loss, top-1 hits, top-5 hits}: one thread per row counts the classes scoring
// strictly higher than the true one (ties favour the true class, as on the CPU).
__global__ void metricsKernel(const float* logits, const int* labels, const float* loss,
                              float* metrics, std::int64_t n, std::int64_t k, int* status) {
    __shared__ float hits[2];
    if (threadIdx.x < 2) {
        hits[threadIdx.x] = 0;
    }
    __syncthreads();
    NW_GRID_STRIDE(row, n) {
        if (labelOk(labels, row, k, status)) {
            const float* r = logits + row * k;
            const float truth = r[labels[row]];
            std::int64_t higher = 0;
            for (std::int64_t c = 0; c < k; ++c) {
                higher += r[c] > truth ? 1 : 0;
            }
            if (higher == 0) {
                atomicAdd(&hits[0], 1.0f);
            }
            if (k >= 5 && higher < 5) {
                atomicAdd(&hits[1], 1.0f);
            }
        }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        atomicAdd(&metrics[1], hits[0]);
        atomicAdd(&metrics[2], hits[1]);
        if (blockIdx.x == 0) {
            atomicAdd(&metrics[0], loss[0]);
        }
    }
}

} // namespace

Status CudaBackend::fill(const Tensor& t, float value) {
    if (Status s = engine::checkF32On(t, device(), "fill", "target"); !s) {
        return s;
    }
    if (t.numel() > 0) {
        fillKernel<<<gridFor(t.numel()), kBlock, 0, stream()>>>(f32(t), t.numel(), value);
    }
    return launched("fill " + t.toString());
}

Status CudaBackend::scale(const Tensor& t, float factor) {
    if (Status s = engine::checkF32On(t, device(), "scale", "target"); !s) {
        return s;
    }
    if (t.numel() > 0) {
        scaleKernel<<<gridFor(t.numel()), kBlock, 0, stream()>>>(f32(t), t.numel(), factor);
    }
    return launched("scale " + t.toString());
}

Status CudaBackend::addInto(const Tensor& dst, const Tensor& src) {
    if (Status s = engine::checkF32On(dst, device(), "addInto", "destination"); !s) {
        return s;
    }
    if (Status s = engine::checkF32On(src, device(), "addInto", "source"); !s) {
        return s;
    }
    if (src.numel() != dst.numel()) {
        return Error::internal("addInto: " + src.toString() + " into " + dst.toString());
    }
    if (dst.numel() > 0) {
        addIntoKernel<<<gridFor(dst.numel()), kBlock, 0, stream()>>>(f32(dst), f32(src),
                                                                     dst.numel());
    }
    return launched("addInto " + dst.toString());
}

Expected<double> CudaBackend::sumOfSquares(std::span<const Tensor> tensors) {
    auto acc = allocate({1}, DType::I64); // 8 bytes, accumulated into as one double
    if (!acc) {
        return acc.error();
    }
    if (auto s = check(cudaMemsetAsync(data(*acc), 0, sizeof(double), stream()), "sumOfSquares");
        !s) {
        return s.error();
    }
    for (const Tensor& t : tensors) {
        if (Status s = engine::checkF32On(t, device(), "sumOfSquares", "input"); !s) {
            return s.error();
        }
        if (t.numel() > 0) {
            sumSquaresKernel<<<std::min(gridFor(t.numel()), 1024u), kBlock, 0, stream()>>>(
                f32(t), t.numel(), static_cast<double*>(data(*acc)));
        }
    }
    if (auto s = launched("sumOfSquares"); !s) {
        return s.error();
    }
    double total = 0;
    if (auto s = copyToHost(*acc, &total); !s) {
        return s.error();
    }
    if (auto s = synchronize(); !s) {
        return s.error();
    }
    return total;
}

Status CudaBackend::optimizerStep(const OptimizerStep& step, const Tensor& param,
                                  const Tensor& grad, std::span<const Tensor> state, bool decays) {
    if (Status s = engine::checkOptimizerArgs(step, param, grad, state, device()); !s) {
        return s;
    }
    const std::int64_t n = param.numel();
    if (n == 0) {
        return Status::success();
    }
    Update u{n, step.learningRate, decays ? step.weightDecay : 0.0f, liveScalars(), liveGuard()};
    float* p = f32(param);
    const float* g = f32(grad);
    const unsigned grid = gridFor(n);
    switch (step.kind) {
    case OptimizerStep::Kind::Sgd:
        if (state.empty()) {
            sgdPlainKernel<<<grid, kBlock, 0, stream()>>>(u, p, g);
        } else {
            sgdMomentumKernel<<<grid, kBlock, 0, stream()>>>(u, step.momentum, step.nesterov, p, g,
                                                             f32(state[0]));
        }
        break;
    case OptimizerStep::Kind::Adam:
    case OptimizerStep::Kind::AdamW: {
        const auto t = static_cast<double>(step.step);
        const double bc1 = 1.0 - std::pow(static_cast<double>(step.beta1), t);
        const double bc2 = 1.0 - std::pow(static_cast<double>(step.beta2), t);
        AdamArgs a{step.beta1,
                   step.beta2,
                   1.0f - step.beta1,
                   1.0f - step.beta2,
                   step.epsilon,
                   static_cast<float>(static_cast<double>(u.lr) / bc1),
                   static_cast<float>(1.0 / std::sqrt(bc2)),
                   1.0f,
                   0.0f};
        if (step.kind == OptimizerStep::Kind::AdamW) {
            a.adamwWd = u.wd;
            a.decayFactor = 1.0f - step.learningRate * u.wd;
            u.wd = 0.0f;
        }
        adamKernel<<<grid, kBlock, 0, stream()>>>(u, a, p, g, f32(state[0]), f32(state[1]));
        break;
    }
    case OptimizerStep::Kind::RmsProp:
        rmsPropKernel<<<grid, kBlock, 0, stream()>>>(u, step.alpha, step.epsilon, step.momentum, p,
                                                     g, f32(state[0]),
                                                     state.size() > 1 ? f32(state[1]) : nullptr);
        break;
    }
    return launched("optimizer update of " + param.toString());
}

Status CudaBackend::oneHot(const Tensor& labels, const Tensor& targets) {
    if (targets.dtype() != DType::F32 || targets.rank() != 2) {
        return Error::internal("oneHot: targets " + targets.toString() + " are not [N, K] f32");
    }
    const std::int64_t n = targets.dim(0), k = targets.dim(1);
    if (labels.dtype() != DType::I32 || labels.numel() != n) {
        return Error::internal("oneHot: labels " + labels.toString() + " do not fit " +
                               targets.toString());
    }
    if (n * k > 0) {
        oneHotKernel<<<gridFor(n * k), kBlock, 0, stream()>>>(i32(labels), f32(targets), n, k,
                                                              statusWord());
    }
    expectStatus();
    return launched("oneHot");
}

Status CudaBackend::classificationMetrics(const Tensor& logits, const Tensor& labels,
                                          const Tensor& loss, const Tensor& metrics) {
    if (logits.dtype() != DType::F32 || logits.rank() != 2 || metrics.numel() != 3 ||
        loss.numel() != 1) {
        return Error::internal("classificationMetrics: " + logits.toString() + ", " +
                               loss.toString() + " -> " + metrics.toString());
    }
    const std::int64_t n = logits.dim(0), k = logits.dim(1);
    if (labels.dtype() != DType::I32 || labels.numel() != n) {
        return Error::internal("classificationMetrics: labels " + labels.toString() +
                               " do not fit " + logits.toString());
    }
    if (auto s = check(cudaMemsetAsync(data(metrics), 0, 3 * sizeof(float), stream()),
                       "classificationMetrics");
        !s) {
        return s;
    }
    metricsKernel<<<gridFor(std::max<std::int64_t>(n, 1)), kBlock, 0, stream()>>>(
        f32(logits), i32(labels), f32(loss), f32(metrics), n, k, statusWord());
    expectStatus();
    return launched("classificationMetrics");
}

} // namespace nw::gpu::cuda
