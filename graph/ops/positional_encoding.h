#pragma once
// The Transformer paper's sinusoidal position table, shared by PositionalEncoding's kernels
// and exporters so every backend adds the same numbers.

#include <cstdint>
#include <vector>

namespace nw::graph::ops {

// [length, channels] row-major: row t, channel 2i holds sin(t / 10000^(2i / channels)),
// channel 2i + 1 cos of the same angle (Vaswani et al. 2017, section 3.5).
std::vector<float> sinusoidalTable(std::int64_t length, std::int64_t channels);

} // namespace nw::graph::ops
