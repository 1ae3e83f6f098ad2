#pragma once
// The C++ side of libnetwright_rt: a loaded bundle and its prepared oneDNN executors, one
// per batch size (and plan part), created on first use. No training engine, no Qt: oneDNN
// only.
//
// Large f32 batches run in two parts: the layers before the first dense layer in tiles of a
// few samples, one tile per thread, so that their activations stay in that core's cache,
// and the rest (the dense layers, whose weights are better read once for the whole batch)
// at the full batch. The environment variable NW_RT_TILE overrides the tile (0 turns
// tiling off). Not thread-safe: one Model per calling thread.

#include "base/expected.h"
#include "engine/bundle/format.h"

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace nw::rt {

class Executor;

class Model {
public:
    // Reads and validates a bundle file; errors name the file and the layer.
    static Expected<std::unique_ptr<Model>> load(const std::string& path);
    static Expected<std::unique_ptr<Model>> fromBundle(bundle::Bundle b, const std::string& name);
    ~Model();

    const bundle::Dims& inputShape() const { return m_bundle.header.inputShape; }
    bundle::Dims outputShape() const { return m_bundle.header.outputShape(); }
    const bundle::BundleHeader& header() const { return m_bundle.header; }

    // input: batch x inputShape floats; output: batch x outputShape floats.
    Status run(const float* input, std::int64_t batch, float* output);

    // Runs `batch` samples and widens ranges[t] by the values each tensor t took (tensor 0
    // is the input, tensor i + 1 layer i's output): calibration for INT8.
    Status observe(const float* input, std::int64_t batch,
                   std::vector<bundle::TensorRange>& ranges);

    // A copy of `bundle` whose convolution and dense weights are pre-laid-out in the
    // blocked layouts this CPU's primitives read at batch `batch` (as a oneDNN format tag
    // per weight), so loading uses them as they are; a runtime whose primitives want another
    // layout reorders them once. Weights with no plain tag (int8 weights carrying
    // compensation, grouped convolutions) stay row-major. `packed` counts the others.
    static Expected<bundle::Bundle> packWeights(const bundle::Bundle& bundle, std::int64_t batch,
                                                int* packed = nullptr);

    // Samples per tile for the layers before `tiledLayers()` (0: no tiling).
    std::int64_t tile() const { return m_tile; }
    std::size_t tiledLayers() const { return m_cut; }

private:
    Model() = default;
    void planTiling();
    Expected<Executor*> executor(std::int64_t batch, std::size_t first, std::size_t last);
    Status runTiles(const float* input, std::int64_t batch, float* mid, std::int64_t inCount,
                    std::int64_t midCount);

    bundle::Bundle m_bundle;
    std::string m_name;
    std::int64_t m_tile = 0;
    std::size_t m_cut = 0;
    std::vector<float> m_staging; // the tiled part's output, for the rest
    // Tiles run one per thread, each with single-threaded primitives of its own, by size.
    std::vector<std::map<std::int64_t, std::unique_ptr<Executor>>> m_threadExecutors;
    std::map<std::tuple<std::int64_t, std::size_t, std::size_t>, std::unique_ptr<Executor>>
        m_executors;
};

} // namespace nw::rt
