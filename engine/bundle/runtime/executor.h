#pragma once
// Executor: a bundle prepared for one batch size — a oneDNN primitive per layer. Tensors
// stay in the layout their producer chose (blocked formats through conv, pool, batch norm
// and activation chains); a reorder is inserted only where a consumer needs another.

#include "base/expected.h"
#include "engine/bundle/format.h"

#include <dnnl.hpp>
#include <memory>
#include <unordered_map>
#include <vector>

namespace nw::rt {

class Executor {
public:
    // Validates every layer against its inputs (shapes, attributes, weight sizes) and builds
    // the primitives; errors name the layer.
    static Expected<std::unique_ptr<Executor>>
    prepare(const bundle::Bundle& bundle, std::int64_t batch, const std::string& source);

    // input: batch x inputShape floats; output: batch x outputShape floats.
    Status run(const float* input, float* output);

private:
    struct Step {
        dnnl::primitive primitive;
        std::unordered_map<int, dnnl::memory> args;
    };
    Executor() = default;

    dnnl::engine m_engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream m_stream{m_engine};
    std::vector<Step> m_steps;
    dnnl::memory m_input;                  // plain, pointed at the caller's buffer for each run
    dnnl::memory m_output;                 // plain, likewise
    Step m_outputReorder;                  // from the last tensor's layout into m_output
    std::vector<dnnl::memory> m_keepAlive; // reordered weights

    friend class Preparer;
};

} // namespace nw::rt
