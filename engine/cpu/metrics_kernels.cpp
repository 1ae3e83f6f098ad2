// The CPU backend's classification kernels: one-hot targets and per-batch metrics. Host
// memory, so they reuse the host metrics (engine/train/metrics.h) directly.
#include "engine/cpu/cpu_backend.h"
#include "engine/train/metrics.h"

#include <span>

namespace nw::engine::cpu {

namespace {

// labels: i32 [N] with values in [0, classes).
Status checkLabels(const Tensor& labels, std::int64_t n, std::int64_t classes, const char* op) {
    if (labels.dtype() != DType::I32 || labels.rank() != 1 || labels.dim(0) != n) {
        return Error::internal(std::string(op) + ": labels " + labels.toString() + " do not fit " +
                               std::to_string(n) + " rows");
    }
    const auto* l = static_cast<const std::int32_t*>(CpuBackend::data(labels));
    for (std::int64_t i = 0; i < n; ++i) {
        if (l[i] < 0 || l[i] >= classes) {
            return Error::user("label " + std::to_string(l[i]) + " of sample " + std::to_string(i) +
                               " is outside the " + std::to_string(classes) +
                               " classes of the prediction");
        }
    }
    return Status::success();
}

} // namespace

Status CpuBackend::oneHot(const Tensor& labels, const Tensor& targets) {
    if (targets.dtype() != DType::F32 || targets.rank() != 2) {
        return Error::internal("oneHot: targets " + targets.toString() + " are not [N, K] f32");
    }
    const std::int64_t n = targets.dim(0), k = targets.dim(1);
    if (auto s = checkLabels(labels, n, k, "oneHot"); !s) {
        return s;
    }
    const auto* l = static_cast<const std::int32_t*>(data(labels));
    float* t = f32(targets);
    std::fill(t, t + n * k, 0.0f);
    for (std::int64_t i = 0; i < n; ++i) {
        t[i * k + l[i]] = 1.0f;
    }
    return Status::success();
}

Status CpuBackend::classificationMetrics(const Tensor& logits, const Tensor& labels,
                                         const Tensor& loss, const Tensor& metrics) {
    if (logits.dtype() != DType::F32 || logits.rank() != 2 || metrics.numel() != 3 ||
        loss.numel() != 1) {
        return Error::internal("classificationMetrics: " + logits.toString() + ", " +
                               loss.toString() + " -> " + metrics.toString());
    }
    const std::int64_t n = logits.dim(0), k = logits.dim(1);
    if (auto s = checkLabels(labels, n, k, "classificationMetrics"); !s) {
        return s;
    }
    std::span<const float> rows(f32(logits), static_cast<std::size_t>(n * k));
    std::span<const std::int32_t> l(static_cast<const std::int32_t*>(data(labels)),
                                    static_cast<std::size_t>(n));
    float* out = f32(metrics);
    out[0] = f32(loss)[0];
    out[1] = static_cast<float>(countTopK(rows, l, k, 1));
    out[2] = k >= 5 ? static_cast<float>(countTopK(rows, l, k, 5)) : 0.0f;
    return Status::success();
}

} // namespace nw::engine::cpu
