#pragma once
// Optimizer: the parameters of a model and the state tensors their updates need (momentum
// buffers, Adam's moments), updated once per training step through Backend::optimizerStep.
//
// The arithmetic of each kind is PyTorch's (see OptimizerStep in engine/core/backend.h).
// The learning rate is passed to every step() so that a schedule can drive it.
//
// Ownership: the Optimizer shares each parameter's memory (a Tensor view) and owns its
// state tensors, allocated on the backend it was created with. The backend must outlive it.

#include "base/expected.h"
#include "engine/core/backend.h"
#include "graph/project.h"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace nw::engine {

// "sgd", "adam", "adamw", "rmsprop"; a user error naming training.optimizer.type otherwise.
Expected<OptimizerStep::Kind> parseOptimizerKind(std::string_view type);

class Optimizer {
public:
    // RmsProp's smoothing constant; the project file has no field for it (PyTorch's default).
    static constexpr float kRmsPropAlpha = 0.99f;

    // Reads type, momentum (sgd, rmsprop), nesterov (sgd), beta1/beta2 (adam, adamw),
    // epsilon and weight_decay from `config`. `config.learningRate` is not used here: the
    // caller passes the (scheduled) rate to every step().
    static Expected<Optimizer> create(const graph::OptimizerConfig& config, Backend& backend);

    // Registers a trainable parameter and allocates its zeroed state tensors.
    // `decays`: weight decay applies to it (ParamSpec::decays).
    Status addParameter(const Tensor& param, bool decays);

    // One update of every parameter: grads[i] is the gradient of the i-th parameter added,
    // shaped like it. Increments steps() on success. An error leaves the parameters before
    // the failing one updated and steps() unchanged.
    Status step(std::span<const Tensor> grads, float learningRate);

    // A step the backend replays from its capture (Backend::replayStep): the bookkeeping of
    // step() (the learning rate, one more update) without queuing the updates again. The
    // scalars the replay needs for this update, with `globalStep` for the kernels.
    StepScalars replayed(float learningRate, std::uint64_t globalStep);

    // Updates done so far (Adam's bias correction uses steps() + 1 for the next one).
    std::int64_t steps() const { return m_steps; }
    // For resuming from a checkpoint, together with the contents of stateTensors().
    void setSteps(std::int64_t steps) { m_steps = steps; }

    // Every state tensor, parameter by parameter in addParameter order, slotsPerParameter()
    // each (Sgd: [buf]; Adam/AdamW: [m, v]; RmsProp: [square_avg] or [square_avg, buf]).
    // Views of the optimizer's memory: a checkpoint reads them, a resume writes them.
    std::vector<Tensor> stateTensors() const;
    int slotsPerParameter() const { return optimizerSlotCount(m_hyper); }
    std::size_t parameterCount() const { return m_params.size(); }

    OptimizerStep::Kind kind() const { return m_hyper.kind; }
    // The hyper-parameters of the last step() (its learning rate and 1-based step count);
    // before the first, the configured learning rate and step 1.
    const OptimizerStep& hyperParameters() const { return m_hyper; }

private:
    Optimizer(OptimizerStep hyper, Backend& backend)
        : m_hyper(hyper)
        , m_backend(&backend) {}

    struct Parameter {
        Tensor value;
        bool decays = true;
        std::vector<Tensor> state; // the optimizer's slots (moments, momentum buffers)
    };

    OptimizerStep m_hyper;
    Backend* m_backend;
    std::vector<Parameter> m_params;
    std::int64_t m_steps = 0;
};

} // namespace nw::engine
