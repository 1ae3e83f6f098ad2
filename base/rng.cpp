#include "base/rng.h"

#include "base/philox.h"

#include <cmath>

namespace nw {

namespace {

// 2^-24: turns the top 24 bits of a word into a float in [0, 1) exactly.
constexpr float kTwoPowMinus24 = 1.0f / 16777216.0f;

} // namespace

std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> c,
                                        std::array<std::uint32_t, 2> k) {
    philox::Words w = philox::block(philox::Words{{c[0], c[1], c[2], c[3]}}, k[0], k[1]);
    return {w.w[0], w.w[1], w.w[2], w.w[3]};
}

std::uint64_t streamId(std::string_view name) {
    std::uint64_t h = 0xcbf29ce484222325ull; // FNV-1a, 64-bit
    for (unsigned char ch : name) {
        h ^= ch;
        h *= 0x100000001b3ull;
    }
    return h;
}

std::array<std::uint32_t, 4> CounterRng::block(std::uint64_t block) const {
    philox::Words w = philox::streamBlock(m_seed, m_stream, block);
    return {w.w[0], w.w[1], w.w[2], w.w[3]};
}

float CounterRng::uniform(std::uint64_t index) const {
    return philox::uniform(m_seed, m_stream, index);
}

float CounterRng::normal(std::uint64_t index) const {
    // Each block gives two normal pairs: words (0, 1) and (2, 3).
    auto words = block(index / 4);
    std::size_t pair = (index % 4) / 2 * 2;
    // u1 in (0, 1] so that log(u1) is finite.
    double u1 = (static_cast<double>(words[pair] >> 8) + 1.0) * kTwoPowMinus24;
    double u2 = static_cast<double>(words[pair + 1] >> 8) * kTwoPowMinus24;
    double r = std::sqrt(-2.0 * std::log(u1));
    double theta = 2.0 * M_PI * u2;
    return static_cast<float>(index % 2 == 0 ? r * std::cos(theta) : r * std::sin(theta));
}

void CounterRng::fillUniform(std::span<float> out, float lo, float hi, std::uint64_t offset) const {
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = lo + (hi - lo) * uniform(offset + i);
    }
}

void CounterRng::fillNormal(std::span<float> out, float mean, float stddev,
                            std::uint64_t offset) const {
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = mean + stddev * normal(offset + i);
    }
}

} // namespace nw
