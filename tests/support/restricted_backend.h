#pragma once
// A pretend device for tests of mixed placement: the CPU backend under another name
// ("vulkan:7"), without kernels for the ops it is told to lack. Its tensors are CPU tensors,
// so every copy the plan makes around a fallback node really runs.

#include "engine/core/backend.h"

#include <memory>
#include <set>
#include <string>

namespace nw::testing {

class RestrictedBackend final : public engine::Backend {
public:
    RestrictedBackend(std::unique_ptr<engine::Backend> inner, std::set<std::string> lacks)
        : m_inner(std::move(inner)) {
        for (const auto& op : m_inner->opCoverage().named()) {
            if (lacks.count(op)) {
                m_ops.unsupported(op, "left out for the test");
            } else {
                m_ops.add(op, 0);
            }
        }
    }

    engine::Device device() const override { return {engine::Device::Kind::Vulkan, 7}; }
    std::string description() const override { return "restricted " + m_inner->description(); }
    std::size_t alignment() const override { return m_inner->alignment(); }
    Expected<engine::Tensor> allocate(const engine::Dims& shape, engine::DType dtype) override {
        return m_inner->allocate(shape, dtype);
    }
    Status copyFromHost(const engine::Tensor& dst, const void* src) override {
        ++copies;
        return m_inner->copyFromHost(dst, src);
    }
    Status copyToHost(const engine::Tensor& src, void* dst) override {
        ++copies;
        return m_inner->copyToHost(src, dst);
    }
    Status synchronize() override { return m_inner->synchronize(); }
    const graph::OpCoverage& opCoverage() const override { return m_ops; }
    Expected<std::unique_ptr<engine::OpKernel>>
    createKernel(const engine::KernelConfig& config) override {
        if (!m_ops.supports(config.op)) {
            return Error::internal("createKernel(" + config.op + ") on a backend that lacks it");
        }
        return m_inner->createKernel(config);
    }
    bool canFuseActivation(std::string_view producer, std::string_view activation) const override {
        return m_inner->canFuseActivation(producer, activation);
    }
    Status fill(const engine::Tensor& t, float value) override { return m_inner->fill(t, value); }
    Status scale(const engine::Tensor& t, float f) override { return m_inner->scale(t, f); }
    Status addInto(const engine::Tensor& d, const engine::Tensor& s) override {
        return m_inner->addInto(d, s);
    }
    Expected<double> sumOfSquares(std::span<const engine::Tensor> t) override {
        return m_inner->sumOfSquares(t);
    }
    Status optimizerStep(const engine::OptimizerStep& step, const engine::Tensor& param,
                         const engine::Tensor& grad, std::span<const engine::Tensor> state,
                         bool decays) override {
        return m_inner->optimizerStep(step, param, grad, state, decays);
    }
    Status oneHot(const engine::Tensor& labels, const engine::Tensor& targets) override {
        return m_inner->oneHot(labels, targets);
    }
    Status classificationMetrics(const engine::Tensor& logits, const engine::Tensor& labels,
                                 const engine::Tensor& loss,
                                 const engine::Tensor& metrics) override {
        return m_inner->classificationMetrics(logits, labels, loss, metrics);
    }
    void setThreads(int threads) override { m_inner->setThreads(threads); }
    int threads() const override { return m_inner->threads(); }
    std::size_t bytesInUse() const override { return m_inner->bytesInUse(); }
    std::size_t peakBytes() const override { return m_inner->peakBytes(); }
    void resetPeak() override { m_inner->resetPeak(); }

    // Host copies made through this backend (the fallback's staging included).
    int copies = 0;

private:
    std::unique_ptr<engine::Backend> m_inner;
    graph::OpTable<int> m_ops;
};

} // namespace nw::testing
