#pragma once
// A pretend capturing device for tests of the Trainer's captured steps (Backend::
// canCaptureSteps, which the CUDA backend implements with CUDA Graphs): the CPU backend, whose
// kernel calls and training arithmetic are recorded between beginCapture() and endCapture()
// instead of run, and run again by every replayStep() with that step's scalars — the global
// step in the kernels' arguments, the learning rate and update count in the optimizer's, and
// the guard: a non-finite loss skips the recorded updates. As on a GPU, a host copy, a
// synchronize() or a norm readback while capturing is an error.

#include "engine/core/backend.h"

#include <cmath>
#include <functional>
#include <memory>
#include <vector>

namespace nw::testing {

class CapturingBackend final : public engine::Backend {
public:
    explicit CapturingBackend(std::unique_ptr<engine::Backend> inner)
        : m_inner(std::move(inner)) {}

    int captures = 0; // beginCapture() calls
    int replays = 0;  // replayStep() calls

    bool canCaptureSteps() const override { return true; }
    Status beginCapture(const engine::Tensor& guard) override {
        if (m_capturing) {
            return Error::internal("beginCapture while capturing");
        }
        m_capturing = true;
        m_guard = guard;
        m_recorded.clear();
        ++captures;
        return Status::success();
    }
    Status endCapture() override {
        if (!m_capturing) {
            return Error::internal("endCapture without beginCapture");
        }
        m_capturing = false;
        return Status::success();
    }
    Status replayStep(const engine::StepScalars& scalars) override {
        if (m_capturing) {
            return Error::internal("replayStep while capturing");
        }
        ++replays;
        m_scalars = scalars;
        for (const auto& call : m_recorded) {
            if (Status s = call(); !s) {
                return s;
            }
        }
        return Status::success();
    }

    engine::Device device() const override { return m_inner->device(); }
    std::string description() const override { return "capturing " + m_inner->description(); }
    std::size_t alignment() const override { return m_inner->alignment(); }
    Expected<engine::Tensor> allocate(const engine::Dims& shape, engine::DType dtype) override {
        return m_inner->allocate(shape, dtype);
    }
    Status copyFromHost(const engine::Tensor& dst, const void* src) override {
        return m_capturing ? notWhileCapturing("copyFromHost") : m_inner->copyFromHost(dst, src);
    }
    Status copyToHost(const engine::Tensor& src, void* dst) override {
        return m_capturing ? notWhileCapturing("copyToHost") : m_inner->copyToHost(src, dst);
    }
    Status synchronize() override {
        return m_capturing ? notWhileCapturing("synchronize") : m_inner->synchronize();
    }
    const graph::OpCoverage& opCoverage() const override { return m_inner->opCoverage(); }
    Expected<std::unique_ptr<engine::OpKernel>>
    createKernel(const engine::KernelConfig& config) override {
        auto k = m_inner->createKernel(config);
        if (!k) {
            return k.error();
        }
        return std::unique_ptr<engine::OpKernel>(
            std::make_unique<RecordedKernel>(*this, std::move(*k)));
    }

    Status fill(const engine::Tensor& t, float v) override {
        return run([=, this] { return m_inner->fill(t, v); });
    }
    Status scale(const engine::Tensor& t, float f) override {
        return run([=, this] { return m_inner->scale(t, f); });
    }
    Status addInto(const engine::Tensor& d, const engine::Tensor& s) override {
        return run([=, this] { return m_inner->addInto(d, s); });
    }
    Expected<double> sumOfSquares(std::span<const engine::Tensor> t) override {
        if (m_capturing) {
            return notWhileCapturing("sumOfSquares").error();
        }
        return m_inner->sumOfSquares(t);
    }
    Status optimizerStep(const engine::OptimizerStep& step, const engine::Tensor& param,
                         const engine::Tensor& grad, std::span<const engine::Tensor> state,
                         bool decays) override {
        std::vector<engine::Tensor> kept(state.begin(), state.end()); // not "slots": a Qt macro
        return run([=, this] {
            engine::OptimizerStep now = step;
            if (m_replaying) { // this replay's values, as device scalars would give them
                now.learningRate = m_scalars.learningRate;
                now.step = m_scalars.update;
                if (!guardFinite()) {
                    return Status::success();
                }
            }
            return m_inner->optimizerStep(now, param, grad, kept, decays);
        });
    }
    Status oneHot(const engine::Tensor& labels, const engine::Tensor& targets) override {
        return run([=, this] { return m_inner->oneHot(labels, targets); });
    }
    Status classificationMetrics(const engine::Tensor& logits, const engine::Tensor& labels,
                                 const engine::Tensor& loss,
                                 const engine::Tensor& metrics) override {
        return run(
            [=, this] { return m_inner->classificationMetrics(logits, labels, loss, metrics); });
    }
    void setThreads(int threads) override { m_inner->setThreads(threads); }
    int threads() const override { return m_inner->threads(); }
    std::size_t bytesInUse() const override { return m_inner->bytesInUse(); }
    std::size_t peakBytes() const override { return m_inner->peakBytes(); }
    void resetPeak() override { m_inner->resetPeak(); }

private:
    // A kernel whose calls are recorded while capturing; a replay passes the replayed step.
    class RecordedKernel final : public engine::OpKernel {
    public:
        RecordedKernel(CapturingBackend& b, std::unique_ptr<engine::OpKernel> inner)
            : m_b(b)
            , m_kernel(std::move(inner)) {}
        bool backwardReadsInputs() const override { return m_kernel->backwardReadsInputs(); }
        bool backwardReadsOutputs() const override { return m_kernel->backwardReadsOutputs(); }

        Status forward(const engine::ForwardArgs& a) override {
            // The spans may point at the caller's temporaries: keep copies of the views.
            auto in = own(a.inputs), params = own(a.params), out = own(a.outputs);
            auto targets = a.targets ? std::make_shared<engine::Tensor>(*a.targets) : nullptr;
            const bool training = a.training;
            const std::uint64_t step = a.step;
            return m_b.run([=, this] {
                engine::ForwardArgs f{*in,
                                      *params,
                                      *out,
                                      training,
                                      m_b.m_replaying ? m_b.m_scalars.step : step,
                                      targets.get()};
                return m_kernel->forward(f);
            });
        }
        Status backward(const engine::BackwardArgs& a) override {
            auto in = own(a.inputs), params = own(a.params), out = own(a.outputs);
            auto gOut = own(a.gradOutputs), gIn = own(a.gradInputs), gParams = own(a.gradParams);
            auto targets = a.targets ? std::make_shared<engine::Tensor>(*a.targets) : nullptr;
            return m_b.run([=, this] {
                return m_kernel->backward(
                    {*in, *params, *out, *gOut, *gIn, *gParams, targets.get()});
            });
        }

    private:
        using Views = std::shared_ptr<const std::vector<engine::Tensor>>;
        static Views own(std::span<const engine::Tensor> s) {
            return std::make_shared<const std::vector<engine::Tensor>>(s.begin(), s.end());
        }
        CapturingBackend& m_b;
        std::unique_ptr<engine::OpKernel> m_kernel;
    };

    // Runs `call` now, or records it while capturing.
    Status run(std::function<Status()> call) {
        if (m_capturing) {
            m_recorded.push_back([this, call] {
                m_replaying = true;
                Status s = call();
                m_replaying = false;
                return s;
            });
            return Status::success();
        }
        return call();
    }
    bool guardFinite() {
        float loss = 0;
        (void)m_inner->copyToHost(m_guard, &loss);
        (void)m_inner->synchronize();
        return std::isfinite(loss);
    }
    Status notWhileCapturing(const char* what) const {
        return Error::internal(std::string(what) + " while capturing a step");
    }

    std::unique_ptr<engine::Backend> m_inner;
    bool m_capturing = false, m_replaying = false;
    engine::Tensor m_guard;
    engine::StepScalars m_scalars;
    std::vector<std::function<Status()>> m_recorded;
};

} // namespace nw::testing
