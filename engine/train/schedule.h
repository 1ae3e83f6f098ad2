#pragma once
// LearningRateSchedule: the learning rate of every training step, from the project's
// ScheduleConfig and the optimizer's base rate.
//
// With `step` the 0-based global step, base the optimizer's learning rate, W = warmupSteps,
// E = stepsPerEpoch and N = totalSteps:
//   warm-up (step < W, every type):  lr = base * (step + 1) / W
//   then, by type:
//     constant:  lr = base
//     step:      lr = base * gamma^floor(epoch / stepSize),  epoch = floor(step / E)
//                (epochs count from the start of the run, warm-up included)
//     cosine:    lr = min + (base - min) * (1 + cos(pi * t / T)) / 2,
//                t = min(step - W, T), T = N - W  (base at the end of warm-up, min from step N
//                on; T <= 0 gives min)
// The warm-up thus reaches base on its last step, and a schedule without warm-up starts at
// base on step 0 (PyTorch's StepLR / CosineAnnealingLR stepped once per optimizer step).

#include "base/expected.h"
#include "graph/project.h"

#include <cstdint>

namespace nw::engine {

class LearningRateSchedule {
public:
    // A user error naming the training.schedule field when the type is unknown or a count
    // is out of range; an internal one when stepsPerEpoch < 1 or totalSteps < 0.
    static Expected<LearningRateSchedule> create(const graph::ScheduleConfig& config,
                                                 double baseLearningRate,
                                                 std::int64_t stepsPerEpoch,
                                                 std::int64_t totalSteps);

    // The learning rate for 0-based global step `step` (negative steps read as 0).
    float at(std::int64_t step) const;

private:
    enum class Type { Constant, Step, Cosine };

    LearningRateSchedule() = default;

    Type m_type = Type::Constant;
    double m_base = 0.0;
    std::int64_t m_warmup = 0;
    std::int64_t m_stepsPerEpoch = 1;
    std::int64_t m_totalSteps = 0;
    std::int64_t m_stepSize = 1;
    double m_gamma = 0.1;
    double m_min = 0.0;
};

} // namespace nw::engine
