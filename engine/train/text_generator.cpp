#include "engine/train/text_generator.h"

#include "base/rng.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nw::engine {

TextGenerator::TextGenerator(Backend& backend, std::unique_ptr<ExecutionPlan> plan,
                             std::int64_t window, std::int64_t vocabulary)
    : m_backend(backend)
    , m_plan(std::move(plan))
    , m_window(window)
    , m_vocabulary(vocabulary)
    , m_input(static_cast<std::size_t>(window))
    , m_logits(static_cast<std::size_t>(window * vocabulary)) {}

Expected<std::unique_ptr<TextGenerator>> TextGenerator::create(const graph::Graph& graph,
                                                               const graph::OpRegistry& registry,
                                                               Backend& backend,
                                                               ModelParams& params) {
    auto plan = ExecutionPlan::compile(graph, registry, backend, params, {1, false, 0});
    if (!plan) {
        return plan.error();
    }
    const Dims& in = (*plan)->input().shape();
    const Dims& pred = (*plan)->prediction().shape();
    if (in.size() != 2 || pred.size() != 3 || pred[1] != in[1] || pred[2] < 2) {
        return Error::user("generation needs a language model: an Input of token ids [N, T] "
                           "and a prediction [N, T, vocabulary] (this graph takes " +
                           dimsToString(in) + " and predicts " + dimsToString(pred) + ")");
    }
    // The Loss node runs too: give it valid (unused) targets.
    std::vector<std::int32_t> zeros(static_cast<std::size_t>((*plan)->targets().numel()), 0);
    if ((*plan)->targets().dtype() != DType::I32) {
        return Error::user("generation needs a language model trained with "
                           "softmax_cross_entropy");
    }
    if (auto s = backend.copyFromHost((*plan)->targets(), zeros.data()); !s) {
        return s.error();
    }
    if (auto s = backend.synchronize(); !s) { // `zeros` goes with this scope
        return s.error();
    }
    return std::unique_ptr<TextGenerator>(
        new TextGenerator(backend, std::move(*plan), in[1], pred[2]));
}

Expected<std::vector<float>> TextGenerator::nextDistribution(std::span<const std::int32_t> context,
                                                             double temperature) {
    if (context.empty()) {
        return Error::user("generation needs a prompt of at least one token");
    }
    if (!(temperature > 0)) {
        return Error::user("the temperature must be positive, got " + std::to_string(temperature));
    }
    const auto used = std::min<std::size_t>(context.size(), std::size_t(m_window));
    const auto window = context.subspan(context.size() - used);
    std::fill(m_input.begin(), m_input.end(), 0.0f);
    for (std::size_t i = 0; i < used; ++i) {
        if (window[i] < 0 || window[i] >= m_vocabulary) {
            return Error::user("token id " + std::to_string(window[i]) + " is outside the " +
                               std::to_string(m_vocabulary) + " tokens of the model");
        }
        m_input[i] = float(window[i]);
    }
    if (auto s = m_backend.copyFromHost(m_plan->input(), m_input.data()); !s) {
        return s.error();
    }
    if (auto s = m_plan->forward(false, 0); !s) {
        return s.error();
    }
    if (auto s = m_backend.copyToHost(m_plan->prediction(), m_logits.data()); !s) {
        return s.error();
    }
    if (auto s = m_backend.synchronize(); !s) {
        return s.error();
    }
    // The prediction at the last step the context fills is the next token's.
    const float* row = m_logits.data() + (used - 1) * std::size_t(m_vocabulary);
    std::vector<float> p(row, row + m_vocabulary);
    const float mx = *std::max_element(p.begin(), p.end());
    double sum = 0;
    for (float& x : p) {
        x = float(std::exp((double(x) - mx) / temperature));
        sum += x;
    }
    for (float& x : p) {
        x = float(x / sum);
    }
    return p;
}

std::int32_t sampleToken(std::span<const float> probabilities, int topK, float u) {
    std::vector<std::int32_t> order(probabilities.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
        return probabilities[std::size_t(a)] > probabilities[std::size_t(b)];
    });
    const std::size_t kept =
        topK > 0 ? std::min<std::size_t>(std::size_t(topK), order.size()) : order.size();
    double total = 0;
    for (std::size_t i = 0; i < kept; ++i) {
        total += probabilities[std::size_t(order[i])];
    }
    double target = double(u) * total, acc = 0;
    for (std::size_t i = 0; i < kept; ++i) {
        acc += probabilities[std::size_t(order[i])];
        if (target < acc) {
            return order[i];
        }
    }
    return order[kept - 1]; // rounding left u * total at the very top
}

Expected<std::vector<std::int32_t>>
TextGenerator::generate(std::span<const std::int32_t> prompt, std::int64_t tokens,
                        const SamplingOptions& options,
                        const std::function<bool(std::int32_t)>& onToken) {
    if (options.topK < 0) {
        return Error::user("top-k must be 0 (off) or positive, got " +
                           std::to_string(options.topK));
    }
    std::vector<std::int32_t> context(prompt.begin(), prompt.end());
    std::vector<std::int32_t> out;
    const CounterRng rng(options.seed, streamId("generate"));
    for (std::int64_t i = 0; i < tokens; ++i) {
        auto p = nextDistribution(context, options.temperature);
        if (!p) {
            return p.error();
        }
        const std::int32_t token = sampleToken(*p, options.topK, rng.uniform(std::uint64_t(i)));
        out.push_back(token);
        context.push_back(token);
        if (onToken && !onToken(token)) {
            break;
        }
    }
    return out;
}

} // namespace nw::engine
