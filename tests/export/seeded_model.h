#pragma once
// The seeded parameters and inputs both ONNX tests run a compiled model with (test_onnx_export
// for its reference batches, test_onnx_import through onnx_import_support.h), drawn one way.

#include "engine/core/backend.h"
#include "engine/plan/execution_plan.h"
#include "engine/plan/model_params.h"
#include "graph/graph.h"
#include "tests/support/backends.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace nw::testing {

// `params` initialised from seed 11, then the parameters that start at 0 or 1 (the
// normalisations' and attention's biases) drawn too, so that a swapped mean and variance or a
// lost bias could not pass. False when a step fails.
inline bool seedParams(engine::Backend& backend, engine::ModelParams& params) {
    if (!params.initialize(11)) {
        return false;
    }
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (const auto& e : params.entries()) {
        const std::string& n = e->spec.name;
        if (n != "gamma" && n != "beta" && n != "running_mean" && n != "running_var" &&
            n != "in_proj_bias" && n != "out_proj_bias") {
            continue;
        }
        std::vector<float> v(static_cast<std::size_t>(e->value.numel()));
        for (float& x : v) {
            x = n == "gamma" || n == "running_var" ? 0.5f + u(rng) : u(rng) - 0.5f;
        }
        if (!upload(backend, e->value, v)) {
            return false;
        }
    }
    return true;
}

// Seeded values for the plan's input: N(0, 1), or integer token ids below `vocabulary`.
inline std::vector<float> inputsFor(const engine::ExecutionPlan& plan,
                                    std::optional<std::int64_t> vocabulary) {
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<std::size_t>(plan.input().numel()));
    for (float& v : x) {
        v = normal(rng);
        if (vocabulary) {
            v = std::fmod(std::floor(std::abs(v) * 7.0f), float(*vocabulary));
        }
    }
    return x;
}

// The smallest vocabulary of the graph's Embedding nodes; nullopt without any.
inline std::optional<std::int64_t> smallestVocabulary(const graph::Graph& g) {
    std::optional<std::int64_t> out;
    for (const auto& n : g.nodes()) {
        if (n.op == "Embedding") {
            auto it = n.attrs.find("vocabulary");
            auto v = it == n.attrs.end() ? 1000 : std::get<std::int64_t>(it->second);
            out = std::min(out.value_or(v), v);
        }
    }
    return out;
}

} // namespace nw::testing
