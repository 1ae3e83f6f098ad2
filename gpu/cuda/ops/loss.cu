// Loss: the mean loss of a batch, output [1], and its gradient with respect to the
// prediction, with the definitions of engine/cpu/ops/loss.cpp:
//   softmax_cross_entropy: x [R..., K] logits (the classes last: [N, K], or [N, T, K] for a
//                          label per step), targets i32 [R...], seen as R rows of K;
//                          q = (1 - eps) onehot + eps / K;
//                          loss = mean_r(-sum_k q_k log softmax(x)_k); dx = (softmax(x) - q) / R
//   mse:                   targets f32 like x; loss = mean((x - t)^2); dx = 2 (x - t) / numel
//   binary_cross_entropy_with_logits: targets f32 like x;
//                          loss = mean(max(x, 0) - x t + log(1 + exp(-|x|)));
//                          dx = (sigmoid(x) - t) / numel
// The mean is a deterministic two-stage reduction in double: a fixed grid of blocks each sums
// its share of the terms in a fixed order, then one block sums those partial sums. The
// cross-entropy keeps each row's max and exp-sum for backward, which recomputes softmax from x.
// A label outside [0, K) goes to the backend's status word (labels.cuh): synchronize() fails.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/ops/labels.cuh"
#include "gpu/cuda/ops/launch.cuh"

#include <cmath>

namespace nw::gpu::cuda {

namespace {

constexpr int kWarpsPerBlock = kBlock / 32;
constexpr unsigned kMaxPartials = 1024; // blocks of the first stage

// Sum of `v` over a block of kBlock threads, in a fixed order; the total is valid in thread 0.
__device__ double blockSumDouble(double v) {
    __shared__ double warpSums[kWarpsPerBlock];
    for (int o = 16; o > 0; o /= 2) {
        v += __shfl_down_sync(0xffffffffu, v, o);
    }
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) {
        warpSums[warp] = v;
    }
    __syncthreads();
    v = threadIdx.x < kWarpsPerBlock ? warpSums[threadIdx.x] : 0.0;
    if (warp == 0) {
        for (int o = 16; o > 0; o /= 2) {
            v += __shfl_down_sync(0xffffffffu, v, o);
        }
    }
    return v;
}

__device__ float warpMax(float v) {
    for (int o = 16; o > 0; o /= 2) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    return v;
}
__device__ float warpSum(float v) {
    for (int o = 16; o > 0; o /= 2) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

struct Smoothing {
    float on, off; // q for the true class and for every other
    __device__ float q(std::int64_t j, int label) const { return j == label ? on : off; }
};

// One warp per row of K logits: rowMax, rowSum = sum(exp(x - max)) for backward, and the
// row's loss into the block's partial sum partials[blockIdx.x].
__global__ void crossEntropyForward(const float* x, const int* labels, std::int64_t rows,
                                    std::int64_t k, Smoothing sm, float* rowMax, float* rowSum,
                                    double* partials, int* status) {
    const int lane = threadIdx.x % 32;
    const std::int64_t warps = std::int64_t(gridDim.x) * kWarpsPerBlock;
    double total = 0.0; // lane 0's rows
    for (std::int64_t r = std::int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32; r < rows;
         r += warps) {
        const float* row = x + r * k;
        const int label = labels[r]; // an invalid one matches no class: q = off everywhere
        if (lane == 0) {
            labelOk(labels, r, k, status);
        }
        float m = -INFINITY;
        for (std::int64_t j = lane; j < k; j += 32) {
            m = fmaxf(m, row[j]);
        }
        m = warpMax(m);
        float sum = 0.0f;
        for (std::int64_t j = lane; j < k; j += 32) {
            sum += expf(row[j] - m);
        }
        sum = warpSum(sum);
        const float logSum = logf(sum) + m;
        float loss = 0.0f;
        for (std::int64_t j = lane; j < k; j += 32) {
            loss -= sm.q(j, label) * (row[j] - logSum);
        }
        loss = warpSum(loss);
        if (lane == 0) {
            rowMax[r] = m;
            rowSum[r] = sum;
            total += loss;
        }
    }
    total = blockSumDouble(total);
    if (threadIdx.x == 0) {
        partials[blockIdx.x] = total;
    }
}

// dx = (softmax(x) - q) * scale, softmax from the forward's row max and exp-sum.
__global__ void crossEntropyBackward(const float* x, const int* labels, const float* rowMax,
                                     const float* rowSum, std::int64_t n, std::int64_t k,
                                     Smoothing sm, float scale, float* dx) {
    NW_GRID_STRIDE(i, n) {
        const std::int64_t r = i / k;
        const float p = expf(x[i] - rowMax[r]) / rowSum[r];
        dx[i] = (p - sm.q(i % k, labels[r])) * scale;
    }
}

struct Mse {
    __device__ double term(double x, double t) const { return (x - t) * (x - t); }
    __device__ float gradient(float x, float t, float scale) const {
        return 2.0f * (x - t) * scale;
    }
};

struct BceWithLogits { // the stable form: no exp of a positive number
    __device__ double term(double x, double t) const {
        return fmax(x, 0.0) - x * t + log1p(exp(-fabs(x)));
    }
    __device__ float gradient(float x, float t, float scale) const {
        return (1.0f / (1.0f + expf(-x)) - t) * scale;
    }
};

// partials[blockIdx.x] = the sum of this block's share of the element-wise terms.
template <class L>
__global__ void elementwiseLossForward(L loss, const float* x, const float* t, std::int64_t n,
                                       double* partials) {
    double total = 0.0;
    NW_GRID_STRIDE(i, n) {
        total += loss.term(x[i], t[i]);
    }
    total = blockSumDouble(total);
    if (threadIdx.x == 0) {
        partials[blockIdx.x] = total;
    }
}

template <class L>
__global__ void elementwiseLossBackward(L loss, const float* x, const float* t, std::int64_t n,
                                        float scale, float* dx) {
    NW_GRID_STRIDE(i, n) {
        dx[i] = loss.gradient(x[i], t[i], scale);
    }
}

// out[0] = (the sum of partials[0, count)) / divisor; one block.
__global__ void meanOfPartials(const double* partials, unsigned count, double divisor, float* out) {
    double total = 0.0;
    for (unsigned i = threadIdx.x; i < count; i += blockDim.x) {
        total += partials[i];
    }
    total = blockSumDouble(total);
    if (threadIdx.x == 0) {
        out[0] = static_cast<float>(total / divisor);
    }
}

class LossKernel final : public CudaKernel {
public:
    enum class Kind { SoftmaxCrossEntropy, Mse, Bce };

    LossKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_shape(c.inputs[0])
        , m_numel(engine::numelOf(c.inputs[0]))
        , m_classes(c.inputs[0].back())
        , m_rows(m_numel / m_classes) {
        const auto& loss = attrString("loss");
        m_kind = loss == "mse"                                ? Kind::Mse
                 : loss == "binary_cross_entropy_with_logits" ? Kind::Bce
                                                              : Kind::SoftmaxCrossEntropy;
        const auto eps = static_cast<float>(attrFloat("label_smoothing"));
        m_smoothing.off = eps / float(m_classes);
        m_smoothing.on = 1.0f - eps + m_smoothing.off;
        if (m_kind == Kind::SoftmaxCrossEntropy) {
            m_rowMax = scratch({m_rows});
            m_rowSum = scratch({m_rows});
            const std::int64_t blocks = (m_rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
            m_partialCount = unsigned(std::clamp<std::int64_t>(blocks, 1, kMaxPartials));
        } else {
            m_partialCount = std::min(gridFor(m_numel), kMaxPartials);
        }
        m_partials = scratch({m_partialCount}, DType::I64); // 8 bytes each, used as doubles
    }

    // backward reads the input x (the default): softmax is recomputed from it.

    Status forward(const ForwardArgs& a) override {
        if (!a.targets || !a.targets->defined()) {
            return Error::internal("node '" + m_node + "': the loss needs targets");
        }
        if (auto s = checkTargets(*a.targets); !s) {
            return s;
        }
        const float* x = f32(a.inputs[0]);
        double* partials = static_cast<double*>(CudaBackend::data(m_partials));
        const unsigned blocks = m_partialCount;
        switch (m_kind) {
        case Kind::SoftmaxCrossEntropy:
            crossEntropyForward<<<blocks, kBlock, 0, stream()>>>(
                x, i32(*a.targets), m_rows, m_classes, m_smoothing, f32(m_rowMax), f32(m_rowSum),
                partials, m_backend.statusWord());
            m_backend.expectStatus();
            break;
        case Kind::Mse:
            elementwiseLossForward<<<blocks, kBlock, 0, stream()>>>(Mse{}, x, f32(*a.targets),
                                                                    m_numel, partials);
            break;
        case Kind::Bce:
            elementwiseLossForward<<<blocks, kBlock, 0, stream()>>>(
                BceWithLogits{}, x, f32(*a.targets), m_numel, partials);
            break;
        }
        meanOfPartials<<<1, kBlock, 0, stream()>>>(partials, blocks, double(termCount()),
                                                   f32(a.outputs[0]));
        return launched("forward");
    }

    // The gradient starts here (no gradOutputs): d(mean loss)/dx.
    Status backward(const BackwardArgs& a) override {
        if (!a.gradInputs[0].defined()) {
            return Status::success();
        }
        const float* x = f32(a.inputs[0]);
        float* dx = f32(a.gradInputs[0]);
        const float scale = 1.0f / float(termCount());
        const unsigned grid = gridFor(m_numel);
        switch (m_kind) {
        case Kind::SoftmaxCrossEntropy:
            crossEntropyBackward<<<grid, kBlock, 0, stream()>>>(x, i32(*a.targets), f32(m_rowMax),
                                                                f32(m_rowSum), m_numel, m_classes,
                                                                m_smoothing, scale, dx);
            break;
        case Kind::Mse:
            elementwiseLossBackward<<<grid, kBlock, 0, stream()>>>(Mse{}, x, f32(*a.targets),
                                                                   m_numel, scale, dx);
            break;
        case Kind::Bce:
            elementwiseLossBackward<<<grid, kBlock, 0, stream()>>>(
                BceWithLogits{}, x, f32(*a.targets), m_numel, scale, dx);
            break;
        }
        return launched("backward");
    }

private:
    // The terms the mean divides by: one per label, or one per element.
    std::int64_t termCount() const {
        return m_kind == Kind::SoftmaxCrossEntropy ? m_rows : m_numel;
    }

    Status checkTargets(const Tensor& t) const {
        const bool classes = m_kind == Kind::SoftmaxCrossEntropy;
        const bool ok = classes ? t.dtype() == DType::I32 && t.numel() == m_rows
                                : t.dtype() == DType::F32 && t.numel() == m_numel;
        if (!ok) {
            return Error::internal(
                "node '" + m_node + "': targets " + t.toString() + " do not fit the prediction " +
                engine::dimsToString(m_shape) +
                (classes ? " (expected " + std::to_string(m_rows) + " i32 class labels)"
                         : " (expected f32 targets of its shape)"));
        }
        return Status::success();
    }

    Dims m_shape;
    std::int64_t m_numel;
    std::int64_t m_classes; // the last axis
    std::int64_t m_rows;    // m_numel / m_classes: one class label each
    Kind m_kind = Kind::SoftmaxCrossEntropy;
    Smoothing m_smoothing{1.0f, 0.0f};
    Tensor m_rowMax, m_rowSum; // cross-entropy: per row, from the last forward
    unsigned m_partialCount = 1;
    Tensor m_partials; // the first stage's block sums (doubles)
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLossKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<LossKernel>(b, c);
}

} // namespace nw::gpu::cuda
