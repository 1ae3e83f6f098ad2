#pragma once
// Seeded permutations of sample indices, drawn from the counter RNG so that an order is a pure
// function of (seed, stream, epoch, n): the same on every run, thread count and resumed run.

#include "base/rng.h"

#include <cstdint>
#include <vector>

namespace nw::datasets {

// The largest n shuffledIndices() accepts (positions must fit in 32 bits).
inline constexpr std::int64_t kMaxShuffleSize = std::int64_t{1} << 32;

// A Fisher-Yates permutation of [0, n) for `epoch` (epoch < 2^32): the swap partner of
// position i (i = n-1 down to 1) is uniform in [0, i], drawn from rng block
// (epoch << 32 | i). Precondition: 0 <= n <= kMaxShuffleSize.
std::vector<std::int64_t> shuffledIndices(std::int64_t n, const CounterRng& rng,
                                          std::uint64_t epoch);

} // namespace nw::datasets
