#version 450
// Tiled GEMM, C[m, n] = sum_k A(m, k) B(k, n) (+ bias[n]) (+= C), with fp32 accumulation:
// 64x64 output tiles per workgroup of 256 invocations, 32-deep slices of A and B staged in
// shared memory, a 4x4 register block per invocation.
//
// MODE selects how A, B and C are addressed (the variants of shaders.cmake):
//   0 strided matrices: A(m,k) = a[m*sam + k*sak], B(k,n) = b[k*sbk + n*sbn],
//     C(m,n) = c[m*scm + n*scn]; workgroup z walks a batch (strides sbatch*) — Dense
//   1 convolution forward as implicit GEMM: m = (n, oh, ow), k = (c, kh, kw), n = filter
//   2 convolution data gradient: m = (n, ih, iw), k = (f, kh, kw), n = input channel
//   3 convolution weight gradient: m = filter, k = (n, oh, ow), n = (c, kh, kw)
// Convolution tensors are NCHW, weights [F, C/groups, KH, KW]; workgroup z walks the groups.
//
// Split-K: with splits > 1, workgroup z = zb * splits + s sums k in [s*chunk, (s+1)*chunk)
// and writes its partial to c + s * splitStride (summed afterwards by split_sum.comp).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

#ifndef MODE
#define MODE 0
#endif

const uint BM = 64, BN = 64, BK = 32;
const uint kBias = 1, kAccumulate = 2;

#if MODE == 0
layout(push_constant) uniform Push {
    Floats a; Floats b; Floats c; Floats bias;
    uint M; uint N; uint K; uint splits; uint chunk; uint flags; uint splitStride;
    uint sam; uint sak; uint sbk; uint sbn; uint scm; uint scn;
    uint sbatchA; uint sbatchB; uint sbatchC;
} p;
#else
layout(push_constant) uniform Push {
    Floats a; Floats b; Floats c; Floats bias;
    uint M; uint N; uint K; uint splits; uint chunk; uint flags; uint splitStride;
    uint C; uint H; uint W; uint F; uint OH; uint OW;
    uint KH; uint KW; uint sh; uint sw; uint ph; uint pw; uint dh; uint dw; uint groups;
} p;
#endif

shared float tileA[BK][BM];
shared float tileB[BK][BN];

uint zb; // batch (MODE 0) or group (convolution)

// Each invocation loads the same row of the A tile (mm = t % 64) and the same column of the B
// tile (nn = t % 64) for every k: what depends only on that row or column is computed once
// per workgroup, in prepareA / prepareB, leaving a division or two per loaded element.
uint colB;     // the n of this invocation's B column
uint baseA;    // element offset of the A row's data
uint baseB;
int ihBase, iwBase; // MODE 1: oh*sh - ph, ow*sw - pw; MODE 2: ih + ph, iw + pw
uint khB, kwB;      // MODE 3: the column's kernel tap

#if MODE == 0
void prepareA(uint m) { baseA = zb * p.sbatchA + m * p.sam; }
void prepareB(uint n) { colB = n; baseB = zb * p.sbatchB + n * p.sbn; }
float loadA(uint k) { return p.a.v[baseA + k * p.sak]; }
float loadB(uint k) { return p.b.v[baseB + k * p.sbk]; }
uint indexC(uint m, uint n) { return zb * p.sbatchC + m * p.scm + n * p.scn; }
#elif MODE == 1
// a = x, b = w, c = y
void prepareA(uint m) {
    uint spatial = p.OH * p.OW, n = m / spatial, r = m % spatial;
    ihBase = int((r / p.OW) * p.sh) - int(p.ph);
    iwBase = int((r % p.OW) * p.sw) - int(p.pw);
    baseA = (n * p.C + zb * (p.C / p.groups)) * p.H * p.W;
}
void prepareB(uint f) { baseB = (zb * (p.F / p.groups) + f) * p.K; }
float loadA(uint k) {
    uint taps = p.KH * p.KW, c = k / taps, t = k - c * taps, kh = t / p.KW, kw = t - kh * p.KW;
    int ih = ihBase + int(kh * p.dh), iw = iwBase + int(kw * p.dw);
    if (ih < 0 || iw < 0 || ih >= int(p.H) || iw >= int(p.W)) return 0.0;
    return p.a.v[baseA + (c * p.H + uint(ih)) * p.W + uint(iw)];
}
float loadB(uint k) { return p.b.v[baseB + k]; }
uint indexC(uint m, uint f) {
    uint spatial = p.OH * p.OW, n = m / spatial, r = m % spatial;
    return (n * p.F + zb * (p.F / p.groups) + f) * spatial + r;
}
float biasOf(uint f) { return p.bias.v[zb * (p.F / p.groups) + f]; }
#elif MODE == 2
// a = dy, b = w, c = dx
void prepareA(uint m) {
    uint spatial = p.H * p.W, n = m / spatial, r = m % spatial;
    ihBase = int(r / p.W + p.ph);
    iwBase = int(r % p.W + p.pw);
    baseA = (n * p.F + zb * (p.F / p.groups)) * p.OH * p.OW;
}
void prepareB(uint c) { colB = c; baseB = zb * (p.F / p.groups) * (p.C / p.groups); }
float loadA(uint k) {
    uint taps = p.KH * p.KW, f = k / taps, t = k - f * taps, kh = t / p.KW, kw = t - kh * p.KW;
    int th = ihBase - int(kh * p.dh), tw = iwBase - int(kw * p.dw);
    if (th < 0 || tw < 0) return 0.0;
    uint oh = uint(th), ow = uint(tw);
    if (p.sh != 1) {
        if (oh % p.sh != 0) return 0.0;
        oh /= p.sh;
    }
    if (p.sw != 1) {
        if (ow % p.sw != 0) return 0.0;
        ow /= p.sw;
    }
    if (oh >= p.OH || ow >= p.OW) return 0.0;
    return p.a.v[baseA + (f * p.OH + oh) * p.OW + ow];
}
float loadB(uint k) {
    uint taps = p.KH * p.KW, f = k / taps, t = k - f * taps;
    return p.b.v[((baseB + f * (p.C / p.groups)) + colB) * taps + t];
}
uint indexC(uint m, uint c) {
    uint spatial = p.H * p.W, n = m / spatial, r = m % spatial;
    return (n * p.C + zb * (p.C / p.groups) + c) * spatial + r;
}
#else
// a = dy, b = x, c = dw
void prepareA(uint f) { baseA = (zb * (p.F / p.groups) + f) * p.OH * p.OW; }
void prepareB(uint j) {
    uint taps = p.KH * p.KW, c = j / taps, t = j % taps;
    khB = t / p.KW;
    kwB = t % p.KW;
    baseB = (zb * (p.C / p.groups) + c) * p.H * p.W;
}
float loadA(uint k) {
    uint spatial = p.OH * p.OW, n = k / spatial;
    return p.a.v[baseA + n * p.F * spatial + (k - n * spatial)];
}
float loadB(uint k) {
    uint spatial = p.OH * p.OW, n = k / spatial, r = k - n * spatial, oh = r / p.OW;
    uint ow = r - oh * p.OW;
    int ih = int(oh * p.sh + khB * p.dh) - int(p.ph);
    int iw = int(ow * p.sw + kwB * p.dw) - int(p.pw);
    if (ih < 0 || iw < 0 || ih >= int(p.H) || iw >= int(p.W)) return 0.0;
    return p.b.v[baseB + n * p.C * p.H * p.W + uint(ih) * p.W + uint(iw)];
}
uint indexC(uint f, uint j) { return (zb * (p.F / p.groups) + f) * p.N + j; }
#endif

void main() {
    uint split = gl_WorkGroupID.z % p.splits;
    zb = gl_WorkGroupID.z / p.splits;
    uint kBegin = split * p.chunk, kEnd = min(p.K, kBegin + p.chunk);
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
    uint t = gl_LocalInvocationID.x, tx = t % 16, ty = t / 16;

    uint mm = t % BM, nn = t % BN;
    bool rowValid = m0 + mm < p.M, colValid = n0 + nn < p.N;
    if (rowValid) prepareA(m0 + mm);
    if (colValid) prepareB(n0 + nn);

    float acc[4][4];
    for (uint i = 0; i < 4; ++i)
        for (uint j = 0; j < 4; ++j) acc[i][j] = 0.0;

    for (uint k0 = kBegin; k0 < kEnd; k0 += BK) {
        // 1024 elements of each tile, 4 per invocation; k varies slowest so neighbours in a
        // warp read neighbouring m (or n).
        for (uint kk = t / BM; kk < BK; kk += 256 / BM) {
            uint k = k0 + kk;
            tileA[kk][mm] = (rowValid && k < kEnd) ? loadA(k) : 0.0;
        }
        for (uint kk = t / BN; kk < BK; kk += 256 / BN) {
            uint k = k0 + kk;
            tileB[kk][nn] = (colValid && k < kEnd) ? loadB(k) : 0.0;
        }
        barrier();
        for (uint kk = 0; kk < BK; ++kk) {
            float av[4], bv[4];
            for (uint i = 0; i < 4; ++i) av[i] = tileA[kk][ty + 16 * i];
            for (uint j = 0; j < 4; ++j) bv[j] = tileB[kk][tx + 16 * j];
            for (uint i = 0; i < 4; ++i)
                for (uint j = 0; j < 4; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
        }
        barrier();
    }

    for (uint i = 0; i < 4; ++i) {
        uint m = m0 + ty + 16 * i;
        if (m >= p.M) continue;
        for (uint j = 0; j < 4; ++j) {
            uint n = n0 + tx + 16 * j;
            if (n >= p.N) continue;
            uint at = indexC(m, n) + split * p.splitStride;
            float v = acc[i][j];
#if MODE == 0
            if ((p.flags & kBias) != 0) v += p.bias.v[n];
#elif MODE == 1
            if ((p.flags & kBias) != 0) v += biasOf(n);
#endif
            if ((p.flags & kAccumulate) != 0) v += p.c.v[at];
            p.c.v[at] = v;
        }
    }
}
