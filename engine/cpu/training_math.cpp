// The CPU backend's training arithmetic (fill, scale, sums of squares, optimizer updates):
// element-wise OpenMP loops over contiguous f32 memory, one pass over each tensor.
#include "engine/cpu/cpu_backend.h"

#include <cmath>
#include <cstdint>
#include <string>

namespace nw::engine::cpu {

namespace {

// Below this many elements a loop runs on the calling thread: starting the team costs more
// than the arithmetic.
constexpr std::int64_t kParallelMinElements = 32768;

// An f32 tensor in host memory, or an internal error naming `what` and the tensor.
Status checkF32(const Tensor& t, const char* op, const char* what) {
    return checkF32On(t, Device::cpu(), op, what);
}

// Hyper-parameters of one update, with weight decay already resolved for this parameter.
struct Update {
    std::int64_t n;
    bool par; // n is large enough to share among threads
    int threads;
    float lr;
    float wd; // L2 term added to the gradient (0 when the parameter does not decay)
};

// Sgd without momentum: p -= lr * (g + wd*p).
void sgdPlain(const Update& u, float* p, const float* g) {
    const float lr = u.lr, wd = u.wd;
#pragma omp parallel for simd if (parallel : u.par) num_threads(u.threads)
    for (std::int64_t i = 0; i < u.n; ++i) {
        p[i] -= lr * (g[i] + wd * p[i]);
    }
}

// Sgd with momentum: d = g + wd*p; buf = mu*buf + d; p -= lr * (nesterov ? d + mu*buf : buf).
// A zeroed buffer makes the first step buf = d, as PyTorch's first-step copy does.
void sgdMomentum(const Update& u, float mu, bool nesterov, float* p, const float* g, float* buf) {
    const float lr = u.lr, wd = u.wd;
#pragma omp parallel for simd if (parallel : u.par) num_threads(u.threads)
    for (std::int64_t i = 0; i < u.n; ++i) {
        float d = g[i] + wd * p[i];
        float b = mu * buf[i] + d;
        buf[i] = b;
        p[i] -= lr * (nesterov ? d + mu * b : b);
    }
}

// Adam and AdamW, as PyTorch's single-tensor implementation orders the arithmetic:
//   p *= decayFactor                       (AdamW: 1 - lr*wd; Adam: 1)
//   d = g + wd*p                           (Adam's L2 term; AdamW: wd = 0)
//   m = b1*m + (1-b1)*d;  v = b2*v + (1-b2)*d^2
//   p -= (lr / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps)
void adam(const Update& u, const OptimizerStep& s, float decayFactor, float* p, const float* g,
          float* m, float* v) {
    const auto t = static_cast<double>(s.step);
    const double bc1 = 1.0 - std::pow(static_cast<double>(s.beta1), t);
    const double bc2 = 1.0 - std::pow(static_cast<double>(s.beta2), t);
    const auto stepSize = static_cast<float>(static_cast<double>(u.lr) / bc1);
    const auto invSqrtBc2 = static_cast<float>(1.0 / std::sqrt(bc2));
    const float b1 = s.beta1, b2 = s.beta2, eps = s.epsilon, wd = u.wd;
    const float c1 = 1.0f - b1, c2 = 1.0f - b2;
#pragma omp parallel for simd if (parallel : u.par) num_threads(u.threads)
    for (std::int64_t i = 0; i < u.n; ++i) {
        float pi = p[i] * decayFactor;
        float d = g[i] + wd * pi;
        float mi = b1 * m[i] + c1 * d;
        float vi = b2 * v[i] + c2 * d * d;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + eps);
    }
}

// RmsProp: d = g + wd*p; sq = alpha*sq + (1-alpha)*d^2; q = d / (sqrt(sq) + eps);
// with momentum buf = mu*buf + q, p -= lr*buf; without, p -= lr*q.
void rmsProp(const Update& u, const OptimizerStep& s, float* p, const float* g, float* sq,
             float* buf) {
    const float lr = u.lr, wd = u.wd, alpha = s.alpha, c = 1.0f - s.alpha, eps = s.epsilon;
    const float mu = s.momentum;
    if (buf) {
#pragma omp parallel for simd if (parallel : u.par) num_threads(u.threads)
        for (std::int64_t i = 0; i < u.n; ++i) {
            float d = g[i] + wd * p[i];
            float a = alpha * sq[i] + c * d * d;
            sq[i] = a;
            float b = mu * buf[i] + d / (std::sqrt(a) + eps);
            buf[i] = b;
            p[i] -= lr * b;
        }
    } else {
#pragma omp parallel for simd if (parallel : u.par) num_threads(u.threads)
        for (std::int64_t i = 0; i < u.n; ++i) {
            float d = g[i] + wd * p[i];
            float a = alpha * sq[i] + c * d * d;
            sq[i] = a;
            p[i] -= lr * d / (std::sqrt(a) + eps);
        }
    }
}

} // namespace

Status CpuBackend::fill(const Tensor& t, float value) {
    if (Status s = checkF32(t, "fill", "target"); !s) {
        return s;
    }
    float* x = f32(t);
    const std::int64_t n = t.numel();
#pragma omp parallel for simd if (parallel : n >= kParallelMinElements) num_threads(threads())
    for (std::int64_t i = 0; i < n; ++i) {
        x[i] = value;
    }
    return Status::success();
}

Status CpuBackend::scale(const Tensor& t, float factor) {
    if (Status s = checkF32(t, "scale", "target"); !s) {
        return s;
    }
    float* x = f32(t);
    const std::int64_t n = t.numel();
#pragma omp parallel for simd if (parallel : n >= kParallelMinElements) num_threads(threads())
    for (std::int64_t i = 0; i < n; ++i) {
        x[i] *= factor;
    }
    return Status::success();
}

Expected<double> CpuBackend::sumOfSquares(std::span<const Tensor> tensors) {
    double total = 0.0;
    for (const Tensor& t : tensors) {
        if (Status s = checkF32(t, "sumOfSquares", "input"); !s) {
            return s.error();
        }
        const float* x = f32(t);
        const std::int64_t n = t.numel();
        double acc = 0.0;
#pragma omp parallel for simd reduction(+ : acc) if (parallel : n >= kParallelMinElements) \
    num_threads(threads())
        for (std::int64_t i = 0; i < n; ++i) {
            acc += static_cast<double>(x[i]) * static_cast<double>(x[i]);
        }
        total += acc;
    }
    return total;
}

Status CpuBackend::optimizerStep(const OptimizerStep& step, const Tensor& param, const Tensor& grad,
                                 std::span<const Tensor> slots, bool decays) {
    if (Status s = checkOptimizerArgs(step, param, grad, slots, Device::cpu()); !s) {
        return s;
    }
    float* p = f32(param);
    const float* g = f32(grad);
    const float wd = decays ? step.weightDecay : 0.0f;
    const std::int64_t n = param.numel();
    Update u{n, n >= kParallelMinElements, threads(), step.learningRate, wd};
    switch (step.kind) {
    case OptimizerStep::Kind::Sgd:
        if (slots.empty()) {
            sgdPlain(u, p, g);
        } else {
            sgdMomentum(u, step.momentum, step.nesterov, p, g, f32(slots[0]));
        }
        break;
    case OptimizerStep::Kind::Adam:
        adam(u, step, 1.0f, p, g, f32(slots[0]), f32(slots[1]));
        break;
    case OptimizerStep::Kind::AdamW: {
        const float decayFactor = 1.0f - step.learningRate * wd;
        u.wd = 0.0f;
        adam(u, step, decayFactor, p, g, f32(slots[0]), f32(slots[1]));
        break;
    }
    case OptimizerStep::Kind::RmsProp:
        rmsProp(u, step, p, g, f32(slots[0]), slots.size() > 1 ? f32(slots[1]) : nullptr);
        break;
    }
    return Status::success();
}

} // namespace nw::engine::cpu
