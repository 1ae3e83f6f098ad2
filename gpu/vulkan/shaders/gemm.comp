#version 450
// Tiled GEMM, C[m, n] = sum_k A(m, k) B(k, n) (+ bias[n]) (+= C), with fp32 accumulation:
// 64x64 output tiles per workgroup of 256 invocations, 16-deep slices of A and B staged in
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

const uint BM = 64, BN = 64, BK = 16;
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

#if MODE == 0
float loadA(uint m, uint k) { return p.a.v[zb * p.sbatchA + m * p.sam + k * p.sak]; }
float loadB(uint k, uint n) { return p.b.v[zb * p.sbatchB + k * p.sbk + n * p.sbn]; }
uint indexC(uint m, uint n) { return zb * p.sbatchC + m * p.scm + n * p.scn; }
#elif MODE == 1
// a = x, b = w, c = y
float loadA(uint m, uint k) {
    uint spatial = p.OH * p.OW, taps = p.KH * p.KW;
    uint n = m / spatial, r = m % spatial, oh = r / p.OW, ow = r % p.OW;
    uint c = k / taps, t = k % taps, kh = t / p.KW, kw = t % p.KW;
    int ih = int(oh * p.sh + kh * p.dh) - int(p.ph);
    int iw = int(ow * p.sw + kw * p.dw) - int(p.pw);
    if (ih < 0 || iw < 0 || ih >= int(p.H) || iw >= int(p.W)) return 0.0;
    uint cg = p.C / p.groups;
    return p.a.v[((n * p.C + zb * cg + c) * p.H + uint(ih)) * p.W + uint(iw)];
}
float loadB(uint k, uint f) { return p.b.v[(zb * (p.F / p.groups) + f) * p.K + k]; }
uint indexC(uint m, uint f) {
    uint spatial = p.OH * p.OW, n = m / spatial, r = m % spatial;
    return (n * p.F + zb * (p.F / p.groups) + f) * spatial + r;
}
float biasOf(uint f) { return p.bias.v[zb * (p.F / p.groups) + f]; }
#elif MODE == 2
// a = dy, b = w, c = dx
float loadA(uint m, uint k) {
    uint spatial = p.H * p.W, taps = p.KH * p.KW;
    uint n = m / spatial, r = m % spatial, ih = r / p.W, iw = r % p.W;
    uint f = k / taps, t = k % taps, kh = t / p.KW, kw = t % p.KW;
    int th = int(ih + p.ph) - int(kh * p.dh), tw = int(iw + p.pw) - int(kw * p.dw);
    if (th < 0 || tw < 0 || uint(th) % p.sh != 0 || uint(tw) % p.sw != 0) return 0.0;
    uint oh = uint(th) / p.sh, ow = uint(tw) / p.sw;
    if (oh >= p.OH || ow >= p.OW) return 0.0;
    uint fg = p.F / p.groups;
    return p.a.v[((n * p.F + zb * fg + f) * p.OH + oh) * p.OW + ow];
}
float loadB(uint k, uint c) {
    uint taps = p.KH * p.KW, f = k / taps, t = k % taps;
    uint cg = p.C / p.groups;
    return p.b.v[((zb * (p.F / p.groups) + f) * cg + c) * taps + t];
}
uint indexC(uint m, uint c) {
    uint spatial = p.H * p.W, n = m / spatial, r = m % spatial;
    return (n * p.C + zb * (p.C / p.groups) + c) * spatial + r;
}
#else
// a = dy, b = x, c = dw
float loadA(uint f, uint k) {
    uint spatial = p.OH * p.OW, n = k / spatial, r = k % spatial;
    return p.a.v[(n * p.F + zb * (p.F / p.groups) + f) * spatial + r];
}
float loadB(uint k, uint j) {
    uint spatial = p.OH * p.OW, taps = p.KH * p.KW;
    uint n = k / spatial, r = k % spatial, oh = r / p.OW, ow = r % p.OW;
    uint c = j / taps, t = j % taps, kh = t / p.KW, kw = t % p.KW;
    int ih = int(oh * p.sh + kh * p.dh) - int(p.ph);
    int iw = int(ow * p.sw + kw * p.dw) - int(p.pw);
    if (ih < 0 || iw < 0 || ih >= int(p.H) || iw >= int(p.W)) return 0.0;
    uint cg = p.C / p.groups;
    return p.b.v[((n * p.C + zb * cg + c) * p.H + uint(ih)) * p.W + uint(iw)];
}
uint indexC(uint f, uint j) { return (zb * (p.F / p.groups) + f) * p.N + j; }
#endif

void main() {
    uint split = gl_WorkGroupID.z % p.splits;
    zb = gl_WorkGroupID.z / p.splits;
    uint kBegin = split * p.chunk, kEnd = min(p.K, kBegin + p.chunk);
    uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
    uint t = gl_LocalInvocationID.x, tx = t % 16, ty = t / 16;

    float acc[4][4];
    for (uint i = 0; i < 4; ++i)
        for (uint j = 0; j < 4; ++j) acc[i][j] = 0.0;

    for (uint k0 = kBegin; k0 < kEnd; k0 += BK) {
        // 1024 elements of each tile, 4 per invocation; k varies slowest so neighbours in a
        // warp read neighbouring m (or n).
        for (uint e = t; e < BK * BM; e += 256) {
            uint kk = e / BM, mm = e % BM;
            uint m = m0 + mm, k = k0 + kk;
            tileA[kk][mm] = (m < p.M && k < kEnd) ? loadA(m, k) : 0.0;
        }
        for (uint e = t; e < BK * BN; e += 256) {
            uint kk = e / BN, nn = e % BN;
            uint n = n0 + nn, k = k0 + kk;
            tileB[kk][nn] = (n < p.N && k < kEnd) ? loadB(k, n) : 0.0;
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
