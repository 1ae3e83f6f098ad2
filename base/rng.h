#pragma once
// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11): the value at a given
// (seed, stream, index) is a pure function of those three, so every device, thread count and
// resumed run draws the same numbers — the same seed gives the same initial weights, dropout
// masks and shuffles everywhere.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace nw {

// One Philox4x32-10 block: 4 random words for a 128-bit counter under a 64-bit key.
std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter,
                                        std::array<std::uint32_t, 2> key);

// A stable 64-bit id for a named stream ("init/conv1/weight", "dropout/drop1").
std::uint64_t streamId(std::string_view name);

class CounterRng {
public:
    // `stream` separates independent uses under one seed (see streamId()).
    explicit CounterRng(std::uint64_t seed, std::uint64_t stream = 0)
        : m_seed(seed)
        , m_stream(stream) {}

    // Four random words for block `block` of this stream.
    std::array<std::uint32_t, 4> block(std::uint64_t block) const;
    // Element `index` of the stream as a uniform float in [0, 1).
    float uniform(std::uint64_t index) const;
    // Element `index` of the stream as a standard normal float (Box-Muller).
    float normal(std::uint64_t index) const;

    // out[i] = element (offset + i): uniform in [lo, hi) / normal(mean, stddev).
    void fillUniform(std::span<float> out, float lo, float hi, std::uint64_t offset = 0) const;
    void fillNormal(std::span<float> out, float mean, float stddev, std::uint64_t offset = 0) const;

private:
    std::uint64_t m_seed;
    std::uint64_t m_stream;
};

} // namespace nw
