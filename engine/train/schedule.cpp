#include "engine/train/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace nw::engine {

Expected<LearningRateSchedule> LearningRateSchedule::create(const graph::ScheduleConfig& config,
                                                            double baseLearningRate,
                                                            std::int64_t stepsPerEpoch,
                                                            std::int64_t totalSteps) {
    LearningRateSchedule s;
    if (config.type == "constant") {
        s.m_type = Type::Constant;
    } else if (config.type == "step") {
        s.m_type = Type::Step;
    } else if (config.type == "cosine") {
        s.m_type = Type::Cosine;
    } else {
        return Error::user("training.schedule.type: unknown schedule \"" + config.type +
                           "\" (expected constant, step or cosine)");
    }
    if (config.warmupSteps < 0) {
        return Error::user("training.schedule.warmup_steps: must not be negative, got " +
                           std::to_string(config.warmupSteps));
    }
    if (config.stepSize < 1) {
        return Error::user("training.schedule.step_size: must be at least 1, got " +
                           std::to_string(config.stepSize));
    }
    if (stepsPerEpoch < 1 || totalSteps < 0) {
        return Error::internal("LearningRateSchedule: " + std::to_string(stepsPerEpoch) +
                               " steps per epoch, " + std::to_string(totalSteps) + " steps in all");
    }
    s.m_base = baseLearningRate;
    s.m_warmup = config.warmupSteps;
    s.m_stepsPerEpoch = stepsPerEpoch;
    s.m_totalSteps = totalSteps;
    s.m_stepSize = config.stepSize;
    s.m_gamma = config.gamma;
    s.m_min = config.minLearningRate;
    return s;
}

float LearningRateSchedule::at(std::int64_t step) const {
    step = std::max<std::int64_t>(step, 0);
    if (step < m_warmup) {
        return static_cast<float>(m_base * static_cast<double>(step + 1) /
                                  static_cast<double>(m_warmup));
    }
    switch (m_type) {
    case Type::Constant:
        return static_cast<float>(m_base);
    case Type::Step: {
        const std::int64_t epoch = step / m_stepsPerEpoch;
        const std::int64_t decays = epoch / m_stepSize; // floor: both are non-negative
        return static_cast<float>(m_base * std::pow(m_gamma, static_cast<double>(decays)));
    }
    case Type::Cosine: {
        const std::int64_t period = m_totalSteps - m_warmup;
        if (period <= 0) {
            return static_cast<float>(m_min);
        }
        const std::int64_t t = std::min(step - m_warmup, period);
        const double phase =
            std::numbers::pi * static_cast<double>(t) / static_cast<double>(period);
        return static_cast<float>(m_min + (m_base - m_min) * (1.0 + std::cos(phase)) / 2.0);
    }
    }
    return static_cast<float>(m_base);
}

} // namespace nw::engine
