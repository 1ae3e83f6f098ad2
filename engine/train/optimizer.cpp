#include "engine/train/optimizer.h"

#include <string>

namespace nw::engine {

Expected<OptimizerStep::Kind> parseOptimizerKind(std::string_view type) {
    if (type == "sgd") {
        return OptimizerStep::Kind::Sgd;
    }
    if (type == "adam") {
        return OptimizerStep::Kind::Adam;
    }
    if (type == "adamw") {
        return OptimizerStep::Kind::AdamW;
    }
    if (type == "rmsprop") {
        return OptimizerStep::Kind::RmsProp;
    }
    return Error::user("training.optimizer.type: unknown optimizer \"" + std::string(type) +
                       "\" (expected sgd, adam, adamw or rmsprop)");
}

Expected<Optimizer> Optimizer::create(const graph::OptimizerConfig& config, Backend& backend) {
    auto kind = parseOptimizerKind(config.type);
    if (!kind) {
        return kind.error();
    }
    OptimizerStep hyper;
    hyper.kind = *kind;
    hyper.learningRate = static_cast<float>(config.learningRate);
    const bool usesMomentum =
        hyper.kind == OptimizerStep::Kind::Sgd || hyper.kind == OptimizerStep::Kind::RmsProp;
    hyper.momentum = usesMomentum ? static_cast<float>(config.momentum) : 0.0f;
    hyper.nesterov = hyper.kind == OptimizerStep::Kind::Sgd && config.nesterov;
    hyper.beta1 = static_cast<float>(config.beta1);
    hyper.beta2 = static_cast<float>(config.beta2);
    hyper.alpha = kRmsPropAlpha;
    hyper.epsilon = static_cast<float>(config.epsilon);
    hyper.weightDecay = static_cast<float>(config.weightDecay);
    if (hyper.nesterov && hyper.momentum <= 0.0f) {
        return Error::user("training.optimizer.nesterov: Nesterov momentum needs a momentum "
                           "greater than 0");
    }
    return Optimizer(hyper, backend);
}

Status Optimizer::addParameter(const Tensor& param, bool decays) {
    if (!param.defined()) {
        return Error::internal("Optimizer::addParameter: undefined parameter tensor");
    }
    Parameter p{param, decays, {}};
    const int slots = slotsPerParameter();
    for (int i = 0; i < slots; ++i) {
        auto slot = m_backend->allocate(param.shape(), param.dtype());
        if (!slot) {
            return slot.error();
        }
        if (Status s = m_backend->fill(*slot, 0.0f); !s) {
            return s;
        }
        p.state.push_back(std::move(*slot));
    }
    m_params.push_back(std::move(p));
    return Status::success();
}

Status Optimizer::step(std::span<const Tensor> grads, float learningRate) {
    if (grads.size() != m_params.size()) {
        return Error::internal("Optimizer::step: " + std::to_string(grads.size()) +
                               " gradients for " + std::to_string(m_params.size()) + " parameters");
    }
    m_hyper.learningRate = learningRate;
    m_hyper.step = m_steps + 1;
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        const Parameter& p = m_params[i];
        if (Status s = m_backend->optimizerStep(m_hyper, p.value, grads[i], p.state, p.decays);
            !s) {
            return Error{"parameter " + std::to_string(i) + ": " + s.error().message,
                         s.error().kind};
        }
    }
    ++m_steps;
    return Status::success();
}

StepScalars Optimizer::replayed(float learningRate, std::uint64_t globalStep) {
    m_hyper.learningRate = learningRate;
    m_hyper.step = ++m_steps;
    return {globalStep, learningRate, m_hyper.step};
}

std::vector<Tensor> Optimizer::stateTensors() const {
    std::vector<Tensor> out;
    out.reserve(m_params.size() * static_cast<std::size_t>(slotsPerParameter()));
    for (const Parameter& p : m_params) {
        out.insert(out.end(), p.state.begin(), p.state.end());
    }
    return out;
}

} // namespace nw::engine
