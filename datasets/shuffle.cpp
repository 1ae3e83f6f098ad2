#include "datasets/shuffle.h"

#include <cassert>
#include <numeric>
#include <utility>

namespace nw::datasets {

namespace {

// The high 64 bits of the 128-bit product a * b.
std::uint64_t mulHigh64(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t aLo = a & 0xffffffffu, aHi = a >> 32;
    const std::uint64_t bLo = b & 0xffffffffu, bHi = b >> 32;
    const std::uint64_t lolo = aLo * bLo, lohi = aLo * bHi, hilo = aHi * bLo;
    const std::uint64_t mid = (lolo >> 32) + (lohi & 0xffffffffu) + (hilo & 0xffffffffu);
    return aHi * bHi + (lohi >> 32) + (hilo >> 32) + (mid >> 32);
}

} // namespace

std::vector<std::int64_t> shuffledIndices(std::int64_t n, const CounterRng& rng,
                                          std::uint64_t epoch) {
    assert(n >= 0 && n <= kMaxShuffleSize);
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), std::int64_t{0});
    const std::uint64_t epochBase = epoch << 32;
    for (std::int64_t i = n - 1; i > 0; --i) {
        auto words = rng.block(epochBase | static_cast<std::uint64_t>(i));
        std::uint64_t r = (std::uint64_t{words[0]} << 32) | words[1];
        // Multiply-shift (Lemire): uniform in [0, i] up to a bias below 2^-32.
        auto j = static_cast<std::int64_t>(mulHigh64(r, static_cast<std::uint64_t>(i + 1)));
        std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
    }
    return order;
}

} // namespace nw::datasets
