// The Vulkan backend's training arithmetic: fill, scale, addInto, sums of squares, the
// optimizer updates (one dispatch per parameter tensor) and the classification metrics, on
// shaders/elementwise.comp, reduce.comp, optimizer.comp and metrics.comp.
#include "gpu/vulkan/vulkan_backend.h"

#include <cmath>
#include <vector>

namespace nw::gpu::vulkan {

using engine::DType;
using engine::OptimizerStep;
using engine::Tensor;

namespace {

Status checkF32(const Tensor& t, const char* op) {
    if (!t.defined() || t.dtype() != DType::F32 || VulkanBackend::address(t) == 0) {
        return Error::internal(std::string(op) + ": " + (t.defined() ? t.toString() : "undefined") +
                               " is not an f32 Vulkan tensor");
    }
    return Status::success();
}

enum ElementwiseOp : std::uint32_t { kFill = 0, kScale = 1, kAddInto = 2 };

Status elementwise(VulkanBackend& b, std::uint32_t op, const Tensor& y, const Tensor& x, float a,
                   const char* label) {
    std::uint32_t constants[] = {op};
    auto pipe = b.pipeline("elementwise", 256, constants);
    if (!pipe) {
        return pipe.error();
    }
    Push push;
    push.addr(y).addr(x.defined() ? x : y).addr(y).u32(std::uint32_t(y.numel())).f32(a);
    if (op == kFill) {
        return b.dispatch(**pipe, VulkanBackend::groupsFor(y.numel()), push, {}, {y}, label);
    }
    return b.dispatch(**pipe, VulkanBackend::groupsFor(y.numel()), push, {x, y}, {y}, label);
}

} // namespace

Status VulkanBackend::fill(const Tensor& t, float value) {
    if (auto s = checkF32(t, "fill"); !s) {
        return s;
    }
    return elementwise(*this, kFill, t, {}, value, "fill");
}

Status VulkanBackend::scale(const Tensor& t, float factor) {
    if (auto s = checkF32(t, "scale"); !s) {
        return s;
    }
    return elementwise(*this, kScale, t, {}, factor, "scale");
}

Status VulkanBackend::addInto(const Tensor& dst, const Tensor& src) {
    if (auto s = checkF32(dst, "addInto"); !s) {
        return s;
    }
    if (auto s = checkF32(src, "addInto"); !s) {
        return s;
    }
    if (src.numel() != dst.numel()) {
        return Error::internal("addInto: " + src.toString() + " into " + dst.toString());
    }
    return elementwise(*this, kAddInto, dst, src, 0.0f, "add gradients");
}

Expected<double> VulkanBackend::sumOfSquares(std::span<const Tensor> tensors) {
    // One workgroup partial per group of each tensor, summed on the host in double.
    std::vector<std::uint32_t> groups;
    std::int64_t total = 0;
    for (const Tensor& t : tensors) {
        if (auto s = checkF32(t, "sumOfSquares"); !s) {
            return s.error();
        }
        groups.push_back(std::min<std::uint32_t>(groupsFor(t.numel())[0], 1024));
        total += groups.back();
    }
    if (total == 0) {
        return 0.0;
    }
    auto partials = allocate({total}, DType::F32);
    if (!partials) {
        return partials.error();
    }
    std::uint32_t constants[] = {0};
    auto pipe = pipeline("reduce", 256, constants);
    if (!pipe) {
        return pipe.error();
    }
    std::int64_t at = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        Tensor out = partials->view({groups[i]}, DType::F32, std::size_t(at) * 4);
        Push push;
        push.addr(tensors[i]).addr(out).u32(std::uint32_t(tensors[i].numel())).f32(1.0f);
        if (auto s =
                dispatch(**pipe, {groups[i], 1, 1}, push, {tensors[i]}, {out}, "sum of squares");
            !s) {
            return s.error();
        }
        at += groups[i];
    }
    std::vector<float> host(static_cast<std::size_t>(total));
    if (auto s = copyToHost(*partials, host.data()); !s) {
        return s.error();
    }
    if (auto s = synchronize(); !s) {
        return s.error();
    }
    double sum = 0.0;
    for (float v : host) {
        sum += v;
    }
    return sum;
}

Status VulkanBackend::optimizerStep(const OptimizerStep& step, const Tensor& param,
                                    const Tensor& grad, std::span<const Tensor> state,
                                    bool decays) {
    for (const Tensor* t : {&param, &grad}) {
        if (auto s = checkF32(*t, "optimizerStep"); !s) {
            return s;
        }
    }
    if (grad.numel() != param.numel()) {
        return Error::internal("optimizerStep: gradient " + grad.toString() + " for parameter " +
                               param.toString());
    }
    const int slots = engine::optimizerSlotCount(step);
    if (static_cast<int>(state.size()) != slots) {
        return Error::internal("optimizerStep: " + std::to_string(state.size()) +
                               " state tensors given for " + param.toString() +
                               ", this optimizer "
                               "needs " +
                               std::to_string(slots));
    }
    for (const Tensor& s : state) {
        if (auto st = checkF32(s, "optimizerStep"); !st) {
            return st;
        }
        if (s.numel() != param.numel()) {
            return Error::internal("optimizerStep: state " + s.toString() + " for " +
                                   param.toString());
        }
    }
    if (step.step < 1) {
        return Error::internal("optimizerStep: step count " + std::to_string(step.step) +
                               " is not 1-based");
    }
    const float wd = decays ? step.weightDecay : 0.0f;
    std::uint32_t kind = 0;
    bool momentum = false;
    float l2 = wd, decayFactor = 1.0f, stepSize = 0.0f, invSqrtBc2 = 1.0f, beta2 = step.beta2;
    switch (step.kind) {
    case OptimizerStep::Kind::Sgd:
        momentum = !state.empty();
        break;
    case OptimizerStep::Kind::AdamW:
        decayFactor = 1.0f - step.learningRate * wd;
        l2 = 0.0f;
        [[fallthrough]];
    case OptimizerStep::Kind::Adam: {
        kind = 1;
        const auto t = static_cast<double>(step.step);
        const double bc1 = 1.0 - std::pow(static_cast<double>(step.beta1), t);
        const double bc2 = 1.0 - std::pow(static_cast<double>(step.beta2), t);
        stepSize = static_cast<float>(static_cast<double>(step.learningRate) / bc1);
        invSqrtBc2 = static_cast<float>(1.0 / std::sqrt(bc2));
        break;
    }
    case OptimizerStep::Kind::RmsProp:
        kind = 2;
        momentum = state.size() > 1;
        beta2 = step.alpha;
        break;
    }
    std::uint32_t constants[] = {kind, momentum ? 1u : 0u, step.nesterov ? 1u : 0u};
    auto pipe = pipeline("optimizer", 256, constants);
    if (!pipe) {
        return pipe.error();
    }
    Tensor s0 = state.size() > 0 ? state[0] : param;
    Tensor s1 = state.size() > 1 ? state[1] : param;
    Push push;
    push.addr(param).addr(grad).addr(s0).addr(s1).u32(std::uint32_t(param.numel()));
    push.f32(step.learningRate).f32(l2).f32(step.momentum).f32(step.beta1).f32(beta2);
    push.f32(step.epsilon).f32(decayFactor).f32(stepSize).f32(invSqrtBc2);
    return dispatch(**pipe, groupsFor(param.numel()), push, {param, grad, s0, s1}, {param, s0, s1},
                    "optimizer");
}

Status VulkanBackend::oneHot(const Tensor& labels, const Tensor& targets) {
    if (targets.dtype() != DType::F32 || targets.rank() != 2 || labels.dtype() != DType::I32 ||
        labels.numel() != targets.dim(0)) {
        return Error::internal("oneHot: labels " + labels.toString() + ", targets " +
                               targets.toString());
    }
    std::uint32_t constants[] = {0};
    auto pipe = pipeline("metrics", 256, constants);
    if (!pipe) {
        return pipe.error();
    }
    Push push;
    push.addr(targets).addr(labels).addr(targets).addr(targets).addr(statusAddress());
    push.u32(std::uint32_t(targets.dim(0))).u32(std::uint32_t(targets.dim(1)));
    expectStatus();
    return dispatch(**pipe, groupsFor(targets.numel()), push, {labels}, {targets}, "one-hot");
}

Status VulkanBackend::classificationMetrics(const Tensor& logits, const Tensor& labels,
                                            const Tensor& loss, const Tensor& metrics) {
    if (logits.dtype() != DType::F32 || logits.rank() != 2 || metrics.numel() != 3 ||
        loss.numel() != 1 || labels.dtype() != DType::I32 || labels.numel() != logits.dim(0)) {
        return Error::internal("classificationMetrics: " + logits.toString() + ", " +
                               labels.toString() + ", " + loss.toString() + " -> " +
                               metrics.toString());
    }
    std::uint32_t constants[] = {1};
    auto pipe = pipeline("metrics", 256, constants);
    if (!pipe) {
        return pipe.error();
    }
    Push push;
    push.addr(logits).addr(labels).addr(loss).addr(metrics).addr(statusAddress());
    push.u32(std::uint32_t(logits.dim(0))).u32(std::uint32_t(logits.dim(1)));
    expectStatus();
    return dispatch(**pipe, {1, 1, 1}, push, {logits, labels, loss}, {metrics}, "metrics");
}

} // namespace nw::gpu::vulkan
