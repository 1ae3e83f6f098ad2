#version 450
// Dropout, forward (y = x * mask / (1 - rate)) and backward (dx = dy * the same mask / ...).
// The mask is never stored: element i is kept when uniform(base + i) of the counter RNG
// (seed, stream) is >= rate, base = step * n (64-bit, computed by the host), exactly as the
// CPU kernel draws it (philox.glsl). Each invocation draws one Philox block: the (up to) four
// consecutive elements whose indices fall in it.
//
// keep <=> (word >> 8) * 2^-24 >= rate <=> (word >> 8) >= threshold, threshold being
// ceil(rate * 2^24) (exact: rate * 2^24 is exact in double), so no float comparison is
// involved.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "philox.glsl"

layout(push_constant) uniform Push {
    Floats x;  // [n] forward: the input; backward: dy
    Floats y;  // [n] forward: the output; backward: dx
    uint n;
    uint blocks;     // Philox blocks covering indices [base, base + n)
    uvec2 seed;      // (lo, hi)
    uvec2 stream;    // (lo, hi)
    uvec2 base;      // (lo, hi): step * n
    uint threshold;  // ceil(rate * 2^24)
    float keepScale; // 1 / (1 - rate), as the CPU computes it in float
} p;

void main() {
    // The block holding index `base` and where `base` sits in it.
    uvec2 first = uvec2((p.base.x >> 2) | (p.base.y << 30), p.base.y >> 2);
    uint offset = p.base.x & 3u;
    for (uint k = FIRST; k < p.blocks; k += STRIDE) {
        uvec2 block = add64(first, k);
        uvec4 words = philox4x32(uvec4(block, p.stream), p.seed);
        for (uint w = 0; w < 4; ++w) {
            uint slot = 4 * k + w; // element slot - offset = element index
            if (slot < offset || slot - offset >= p.n) {
                continue;
            }
            uint i = slot - offset;
            bool keep = (words[w] >> 8) >= p.threshold;
            p.y.v[i] = keep ? p.x.v[i] * p.keepScale : 0.0;
        }
    }
}
