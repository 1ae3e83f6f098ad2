// Loss: the mean loss of a batch, output [1], and its gradient with respect to the
// prediction.
//   softmax_cross_entropy: x [R..., K] logits (the classes last: [N, K], or [N, T, K] for a
//                          label per step), targets i32 [R...], seen as R rows of K;
//                          q = (1 - eps) onehot + eps / K;
//                          loss = mean_r(-sum_k q_k log softmax(x)_k); dx = (softmax(x) - q) / R
//   mse:                   targets f32 like x; loss = mean((x - t)^2); dx = 2 (x - t) / numel
//   binary_cross_entropy_with_logits: targets f32 like x;
//                          loss = mean(max(x, 0) - x t + log(1 + exp(-|x|)));
//                          dx = (sigmoid(x) - t) / numel
#include "engine/cpu/ops/kernel_base.h"
#include "engine/cpu/ops/kernels.h"

#include <cmath>

namespace nw::engine::cpu {

namespace {

class LossKernel final : public CpuKernel {
public:
    enum class Kind { SoftmaxCrossEntropy, Mse, Bce };

    LossKernel(CpuBackend& backend, const KernelConfig& c)
        : CpuKernel(backend, c)
        , m_shape(c.inputs[0])
        , m_numel(numelOf(c.inputs[0]))
        , m_classes(c.inputs[0].back())
        , m_rows(m_numel / m_classes)
        , m_smoothing(static_cast<float>(attrFloat("label_smoothing"))) {
        const auto& loss = attrString("loss");
        m_kind = loss == "mse"                                ? Kind::Mse
                 : loss == "binary_cross_entropy_with_logits" ? Kind::Bce
                                                              : Kind::SoftmaxCrossEntropy;
        if (m_kind == Kind::SoftmaxCrossEntropy) {
            m_probs.resize(static_cast<std::size_t>(m_numel));
        }
    }

    Status forward(const ForwardArgs& a) override {
        if (!a.targets || !a.targets->defined()) {
            return Error::internal("node '" + m_node + "': the loss needs targets");
        }
        if (auto s = checkTargets(*a.targets); !s) {
            return s;
        }
        const float* x = CpuBackend::f32(a.inputs[0]);
        double loss =
            m_kind == Kind::SoftmaxCrossEntropy
                ? crossEntropy(x, static_cast<const std::int32_t*>(CpuBackend::data(*a.targets)))
                : elementwiseLoss(x, CpuBackend::f32(*a.targets));
        *CpuBackend::f32(a.outputs[0]) = static_cast<float>(loss);
        return Status::success();
    }

    Status backward(const BackwardArgs& a) override {
        float* dx = CpuBackend::f32(a.gradInputs[0]);
        const float* x = CpuBackend::f32(a.inputs[0]);
        if (m_kind == Kind::SoftmaxCrossEntropy) {
            const auto* labels = static_cast<const std::int32_t*>(CpuBackend::data(*a.targets));
            const std::int64_t n = m_rows, k = m_classes;
            float off = m_smoothing / float(k), on = 1.0f - m_smoothing + off;
            float invN = 1.0f / float(n);
#pragma omp parallel for
            for (std::int64_t i = 0; i < n; ++i) {
                for (std::int64_t j = 0; j < k; ++j) {
                    float q = j == labels[i] ? on : off;
                    dx[i * k + j] = (m_probs[std::size_t(i * k + j)] - q) * invN;
                }
            }
            return Status::success();
        }
        const float* t = CpuBackend::f32(*a.targets);
        float inv = 1.0f / float(m_numel);
        bool mse = m_kind == Kind::Mse;
#pragma omp parallel for simd
        for (std::int64_t i = 0; i < m_numel; ++i) {
            dx[i] =
                mse ? 2.0f * (x[i] - t[i]) * inv : (1.0f / (1.0f + std::exp(-x[i])) - t[i]) * inv;
        }
        return Status::success();
    }

private:
    Status checkTargets(const Tensor& t) const {
        if (m_kind == Kind::SoftmaxCrossEntropy) {
            if (t.dtype() != DType::I32 || t.numel() != m_rows) {
                return Error::internal("node '" + m_node + "': expected " + std::to_string(m_rows) +
                                       " i32 class labels, got " + t.toString());
            }
            const auto* labels = static_cast<const std::int32_t*>(CpuBackend::data(t));
            for (std::int64_t i = 0; i < m_rows; ++i) {
                if (labels[i] < 0 || labels[i] >= m_classes) {
                    return Error::user("node '" + m_node + "': class label " +
                                       std::to_string(labels[i]) + " is outside the " +
                                       std::to_string(m_classes) + " classes the prediction has");
                }
            }
        } else if (t.dtype() != DType::F32 || t.numel() != m_numel) {
            return Error::internal("node '" + m_node + "': expected f32 targets shaped like " +
                                   dimsToString(m_shape) + ", got " + t.toString());
        }
        return Status::success();
    }

    double crossEntropy(const float* x, const std::int32_t* labels) {
        const std::int64_t n = m_rows, k = m_classes;
        double total = 0.0;
        float off = m_smoothing / float(k), on = 1.0f - m_smoothing + off;
#pragma omp parallel for reduction(+ : total)
        for (std::int64_t i = 0; i < n; ++i) {
            const float* row = x + i * k;
            float* p = m_probs.data() + i * k;
            float mx = row[0];
            for (std::int64_t j = 1; j < k; ++j) {
                mx = std::max(mx, row[j]);
            }
            double sum = 0.0;
            for (std::int64_t j = 0; j < k; ++j) {
                p[j] = std::exp(row[j] - mx);
                sum += p[j];
            }
            double logSum = std::log(sum) + mx;
            double rowLoss = 0.0;
            for (std::int64_t j = 0; j < k; ++j) {
                p[j] = static_cast<float>(p[j] / sum);
                double q = j == labels[i] ? on : off;
                rowLoss -= q * (row[j] - logSum);
            }
            total += rowLoss;
        }
        return total / double(n);
    }

    double elementwiseLoss(const float* x, const float* t) const {
        double total = 0.0;
        bool mse = m_kind == Kind::Mse;
#pragma omp parallel for reduction(+ : total)
        for (std::int64_t i = 0; i < m_numel; ++i) {
            double d = x[i];
            total += mse ? (d - t[i]) * (d - t[i])
                         : std::max(d, 0.0) - d * t[i] + std::log1p(std::exp(-std::abs(d)));
        }
        return total / double(m_numel);
    }

    Dims m_shape;
    std::int64_t m_numel;
    std::int64_t m_classes; // the last axis
    std::int64_t m_rows;    // m_numel / m_classes: one class label each
    float m_smoothing;
    Kind m_kind = Kind::SoftmaxCrossEntropy;
    std::vector<float> m_probs; // softmax of the last forward, for backward
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLossKernel(CpuBackend& b, const KernelConfig& c) {
    return makeKernel<LossKernel>(b, c);
}

} // namespace nw::engine::cpu
