// Philox4x32-10 (Salmon et al., SC'11), bit-identical to base/rng.cpp: 4 random words for a
// 128-bit counter under a 64-bit key. CounterRng(seed, stream) draws block b as
// philox4x32({lo32(b), hi32(b), lo32(stream), hi32(stream)}, {lo32(seed), hi32(seed)}), and
// uniform(index) = (word index % 4 of block index / 4) >> 8, times 2^-24.

uvec4 philox4x32(uvec4 c, uvec2 k) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k += uvec2(0x9E3779B9u, 0xBB67AE85u);
        }
        uint hi0, lo0, hi1, lo1;
        umulExtended(0xD2511F53u, c.x, hi0, lo0);
        umulExtended(0xCD9E8D57u, c.z, hi1, lo1);
        c = uvec4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    }
    return c;
}

// (lo, hi) + v as 64-bit values held in 32-bit pairs.
uvec2 add64(uvec2 a, uint v) {
    uint carry;
    uint lo = uaddCarry(a.x, v, carry);
    return uvec2(lo, a.y + carry);
}
