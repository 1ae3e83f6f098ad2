#include "base/rng.h"

#include <cmath>

namespace nw {

namespace {

constexpr std::uint32_t kMul0 = 0xD2511F53u;
constexpr std::uint32_t kMul1 = 0xCD9E8D57u;
constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;
constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;

// 2^-24: turns the top 24 bits of a word into a float in [0, 1) exactly.
constexpr float kTwoPowMinus24 = 1.0f / 16777216.0f;

float toUnit(std::uint32_t word) {
    return static_cast<float>(word >> 8) * kTwoPowMinus24;
}

} // namespace

std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> c,
                                        std::array<std::uint32_t, 2> k) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k[0] += kWeyl0;
            k[1] += kWeyl1;
        }
        std::uint64_t p0 = static_cast<std::uint64_t>(kMul0) * c[0];
        std::uint64_t p1 = static_cast<std::uint64_t>(kMul1) * c[2];
        auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
        auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
        c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
    }
    return c;
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
    return philox4x32(
        {static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32),
         static_cast<std::uint32_t>(m_stream), static_cast<std::uint32_t>(m_stream >> 32)},
        {static_cast<std::uint32_t>(m_seed), static_cast<std::uint32_t>(m_seed >> 32)});
}

float CounterRng::uniform(std::uint64_t index) const {
    return toUnit(block(index / 4)[index % 4]);
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
