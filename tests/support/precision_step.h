#pragma once
// One training step of a small convolutional network on any backend, and the distance between
// two results: what the precision tests compare (fp32 against bf16, CPU against GPU).

#include "base/rng.h"
#include "engine/plan/execution_plan.h"
#include "graph/op_registry.h"
#include "tests/engine/op_cases.h"
#include "tests/support/backends.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace nw::testing {

// One training step's loss and parameter gradients (in the plan's order), or why it failed.
struct StepResult {
    std::vector<float> loss;
    std::vector<std::vector<float>> grads;
    std::string error;
};

// Input [3, 8, 8] -> Conv2D (8 filters, 3x3) -> ReLU -> Flatten -> Dense (5) -> Loss, batch 4,
// one forward and backward on `backend` from fixed inputs, labels and initial parameters.
inline StepResult convDenseStep(engine::Backend& backend) {
    Chain c({3, 8, 8});
    c.add("Conv2D", conv(8)).add("ReLU").add("Flatten").add("Dense", {{"units", 5}}).add("Loss");
    std::vector<float> x(4 * 3 * 8 * 8);
    CounterRng(5, 0).fillNormal(x, 0.0f, 1.0f);
    const std::vector<std::int32_t> labels{0, 1, 2, 4};
    const auto registry = graph::makeCoreRegistry();
    StepResult r;
    engine::ModelParams params(backend);
    auto plan = engine::ExecutionPlan::compile(c.graph(), registry, backend, params, {4, true, 0});
    if (!plan) {
        r.error = "compile: " + plan.error().message;
        return r;
    }
    engine::ExecutionPlan& p = **plan;
    Status s = params.initialize(11);
    if (s) {
        s = backend.copyFromHost(p.input(), x.data());
    }
    if (s) {
        s = backend.copyFromHost(p.labels(), labels.data());
    }
    if (s) {
        s = p.labelsToTargets();
    }
    if (s) {
        s = p.forward(true, 0);
    }
    if (s) {
        s = p.backward();
    }
    if (s) {
        s = backend.synchronize();
    }
    if (!s) {
        r.error = s.error().message;
        return r;
    }
    r.loss = download(backend, p.loss());
    for (const auto& e : params.entries()) {
        if (e->grad.defined()) {
            r.grads.push_back(download(backend, e->grad));
        }
    }
    return r;
}

// |got - want| / |want| over all elements (Euclidean norms); infinite when the sizes differ.
inline double relativeDistance(const std::vector<float>& got, const std::vector<float>& want) {
    if (got.size() != want.size()) {
        return INFINITY;
    }
    double diff = 0, norm = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        diff += std::pow(double(got[i]) - double(want[i]), 2);
        norm += std::pow(double(want[i]), 2);
    }
    return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
}

} // namespace nw::testing
