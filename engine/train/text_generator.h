#pragma once
// Text generation from a trained language model: the model reads a window of token ids
// ([T] at its Input) and predicts the next token at every step ([T, V] at its Loss); the
// generator feeds it the prompt and what it has generated so far, and samples the next token
// from the prediction at the last filled step, with a temperature and an optional top-k cut.
//
// A context shorter than the window is placed at its start and the rest is filled with token
// 0: the steps after the context then change nothing only when the model is causal (each step
// sees only the steps before it: a causal-masked Transformer, a forward LSTM or GRU). A longer
// context keeps its last T tokens.

#include "base/expected.h"
#include "engine/core/backend.h"
#include "engine/plan/execution_plan.h"
#include "engine/plan/model_params.h"
#include "graph/graph.h"
#include "graph/op_registry.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace nw::engine {

struct SamplingOptions {
    double temperature = 1.0; // > 0; the logits are divided by it. Near 0: the likeliest token
    int topK = 0;             // > 0: sample among the k likeliest tokens only; 0: all
    std::uint64_t seed = 0;   // the same seed, prompt and weights give the same text
};

class TextGenerator {
public:
    // Compiles a batch-1 inference plan of `graph` on `backend`, registering its parameters
    // in `params` (load the trained weights into them after this, before generating). A user
    // error when the graph is not a language model: its Input must be [N, T] and its
    // prediction [N, T, V].
    static Expected<std::unique_ptr<TextGenerator>> create(const graph::Graph& graph,
                                                           const graph::OpRegistry& registry,
                                                           Backend& backend, ModelParams& params);

    std::int64_t window() const { return m_window; }             // T
    std::int64_t vocabularySize() const { return m_vocabulary; } // V

    // The probabilities of the next token after `context` (its last window() ids), with
    // `temperature` applied. A user error for an id outside [0, V).
    Expected<std::vector<float>> nextDistribution(std::span<const std::int32_t> context,
                                                  double temperature);

    // Generates `tokens` tokens after `prompt` (at least one id), calling onToken with each as
    // soon as it is drawn; onToken returning false stops early. Returns the generated ids.
    Expected<std::vector<std::int32_t>>
    generate(std::span<const std::int32_t> prompt, std::int64_t tokens,
             const SamplingOptions& options, const std::function<bool(std::int32_t)>& onToken = {});

private:
    TextGenerator(Backend& backend, std::unique_ptr<ExecutionPlan> plan, std::int64_t window,
                  std::int64_t vocabulary);

    Backend& m_backend;
    std::unique_ptr<ExecutionPlan> m_plan;
    std::int64_t m_window;
    std::int64_t m_vocabulary;
    std::vector<float> m_input;  // [T]
    std::vector<float> m_logits; // [T, V]
};

// Draws a token from `probabilities` with the uniform number u in [0, 1), keeping only the
// `topK` likeliest (0: all), renormalised. Ties between equal probabilities go to the lower id.
std::int32_t sampleToken(std::span<const float> probabilities, int topK, float u);

} // namespace nw::engine
