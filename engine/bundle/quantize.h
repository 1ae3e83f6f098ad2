#pragma once
// INT8 post-training quantisation of an inference bundle: per-output-channel symmetric s8
// weights, and activation scales from the ranges the f32 bundle's tensors took on
// calibration samples (rt::Model::observe). Convolutions and dense layers run in INT8; a
// layer's output stays INT8 (u8 after a ReLU) when everything reading it does (INT8 layers,
// directly or through pooling), else it is f32 again.

#include "base/expected.h"
#include "engine/bundle/format.h"
#include "graph/op_table.h"

#include <vector>

namespace nw::bundle {

// What INT8 quantisation does with a bundle layer op.
enum class Int8Role {
    Quantised,       // runs on INT8 primitives: s8 weights, calibrated activation scales
    PassesQuantised, // reads and writes a quantised tensor at its scale (pooling)
};

// The quantiser's table, keyed by bundle layer op ("conv2d", "max_pool", ...): every layer
// op a bundle can hold, Int8Role or unsupported (runs in f32) with the reason. The coverage
// test checks it against every layer op the bundle writer emits.
graph::OpTable<Int8Role> makeInt8LayerTable();

struct QuantizeSummary {
    int int8Layers = 0;
    int f32Layers = 0;
    std::uint64_t f32WeightBytes = 0;  // the weights of the layers made INT8, before
    std::uint64_t int8WeightBytes = 0; // and after (s8 weights with their scales)
};

// Symmetric per-row quantisation of `weights` ([rows, ...] row-major): scales[r] =
// max |w_r| / 127 (1 for an all-zero row), q = round(w / scale) in [-127, 127].
void quantizeRows(const std::vector<float>& weights, std::int64_t rows, std::vector<std::int8_t>& q,
                  std::vector<float>& scales);

// `ranges` has one entry per tensor of `fp32` (the input, then each layer's output).
Expected<Bundle> quantizeBundle(const Bundle& fp32, const std::vector<TensorRange>& ranges,
                                QuantizeSummary* summary = nullptr);

} // namespace nw::bundle
