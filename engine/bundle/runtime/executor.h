#pragma once
// Executor: a bundle prepared for one batch size — a oneDNN primitive per layer. Tensors
// stay in the layout their producer chose (blocked formats through conv, pool, batch norm
// and activation chains); a reorder is inserted only where a consumer needs another.

#include "base/expected.h"
#include "engine/bundle/format.h"

#include <cstdint>
#include <dnnl.hpp>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

namespace nw::rt {

class Executor {
public:
    // Validates every layer against its inputs (shapes, attributes, weight sizes) and builds
    // the primitives; errors name the layer.
    // Layers [firstLayer, lastLayer) only: the input is then tensor `firstLayer`, which must
    // be the only earlier tensor those layers read. Between two parts a [C, H, W] tensor is
    // f32 channels-last (nhwc); the model's input and output are plain f32.
    static Expected<std::unique_ptr<Executor>>
    prepare(const bundle::Bundle& bundle, std::int64_t batch, const std::string& source,
            std::size_t firstLayer = 0, std::size_t lastLayer = SIZE_MAX);

    // input: batch x (the first tensor's shape) floats; output: batch x (the last's) floats.
    Status run(const float* input, float* output);

    // After run(): widens ranges[t] by the values tensor t held (for calibration).
    Status observe(std::vector<bundle::TensorRange>& ranges);

    // The weights of the convolutions and dense layers as their primitives read them, by
    // layer index (dense: [units, features], `hwcColumns` when its columns follow a
    // channels-last input); what Model::packWeights stores.
    struct Weights {
        dnnl::memory memory;
        bool hwcColumns = false;
    };
    const std::map<std::size_t, Weights>& weights() const { return m_weights; }

private:
    struct Step {
        dnnl::primitive primitive;
        std::unordered_map<int, dnnl::memory> args;
    };
    Executor() = default;

    dnnl::engine m_engine{dnnl::engine::kind::cpu, 0};
    dnnl::stream m_stream{m_engine};
    std::vector<Step> m_steps;
    // Every tensor this executor computes, by bundle tensor index, with its quantisation
    // scale (0: f32); null for tensors before its first layer.
    std::vector<std::pair<dnnl::memory, float>> m_tensors;
    dnnl::memory m_input;                   // pointed at the caller's buffer for each run
    std::vector<dnnl::memory> m_inputViews; // the input seen with other descriptors
    dnnl::memory m_output;                  // plain, likewise
    Step m_outputReorder;                   // from the last tensor's layout into m_output
    std::vector<dnnl::memory> m_keepAlive;  // reordered weights
    std::map<std::size_t, Weights> m_weights;

    friend class Preparer;
};

} // namespace nw::rt
