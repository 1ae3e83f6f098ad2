#pragma once
// Classification metrics over host copies of a prediction.

#include <cstdint>
#include <span>

namespace nw::engine {

// Samples of `logits` [n, classes] whose true label is among the k highest scores.
std::int64_t countTopK(std::span<const float> logits, std::span<const std::int32_t> labels,
                       std::int64_t classes, int k);

} // namespace nw::engine
