#pragma once
// The Philox4x32-10 rounds and the uniform float of one stream element, as inline functions
// both the host compiler and nvcc compile (NW_HOST_DEVICE), so every backend's dropout mask is
// the same function of (seed, stream, index). base/rng.h builds the host API on them.

#include <cstdint>

#if defined(__CUDACC__)
#define NW_HOST_DEVICE __host__ __device__
#else
#define NW_HOST_DEVICE
#endif

namespace nw::philox {

struct Words {
    std::uint32_t w[4];
};

// One Philox4x32-10 block: 4 random words for counter c under key (k0, k1).
NW_HOST_DEVICE inline Words block(Words c, std::uint32_t k0, std::uint32_t k1) {
    constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
    constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += kWeyl0;
            k1 += kWeyl1;
        }
        std::uint64_t p0 = static_cast<std::uint64_t>(kMul0) * c.w[0];
        std::uint64_t p1 = static_cast<std::uint64_t>(kMul1) * c.w[2];
        auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
        auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
        c = Words{{hi1 ^ c.w[1] ^ k0, lo1, hi0 ^ c.w[3] ^ k1, lo0}};
    }
    return c;
}

// Block `index` of stream `stream` under `seed`: the counter is (index, stream), the key the
// seed, each 64-bit value split low word first.
NW_HOST_DEVICE inline Words streamBlock(std::uint64_t seed, std::uint64_t stream,
                                        std::uint64_t index) {
    return block(Words{{static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32),
                        static_cast<std::uint32_t>(stream),
                        static_cast<std::uint32_t>(stream >> 32)}},
                 static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
}

// The top 24 bits of a word as a float in [0, 1), exactly.
NW_HOST_DEVICE inline float toUnit(std::uint32_t word) {
    return static_cast<float>(word >> 8) * (1.0f / 16777216.0f);
}

// Element `index` of the stream as a uniform float in [0, 1).
NW_HOST_DEVICE inline float uniform(std::uint64_t seed, std::uint64_t stream,
                                    std::uint64_t index) {
    return toUnit(streamBlock(seed, stream, index / 4).w[index % 4]);
}

} // namespace nw::philox
