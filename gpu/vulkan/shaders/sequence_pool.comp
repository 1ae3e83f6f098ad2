#version 450
// SequencePool over x [N, T, C] -> y [N, C], as the CPU (engine/cpu/ops/sequence_pool.cpp).
//   MODE 0 mean over the steps; MODE 1 max (forward keeps the step of the first maximum in
//   idx [N, C]); MODE 2 the last step.
//   BACKWARD 0: one invocation per output element. BACKWARD 1: one per element of dx
//   [N, T, C], each written once from dy [N, C] (no atomics).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint BACKWARD = 0;

layout(push_constant) uniform Push {
    Floats x; // forward: the input; backward: dx
    Floats y; // forward: the output; backward: dy
    Ints idx; // MODE 1: [N, C]
    uint n;
    uint t;
    uint c;
} p;

void main() {
    if (BACKWARD == 0) {
        for (uint o = FIRST; o < p.n * p.c; o += STRIDE) {
            uint base = o / p.c * p.t * p.c + o % p.c; // x[b, 0, ch]
            if (MODE == 2) {
                p.y.v[o] = p.x.v[base + (p.t - 1) * p.c];
            } else if (MODE == 0) {
                float sum = 0.0;
                for (uint s = 0; s < p.t; ++s) {
                    sum += p.x.v[base + s * p.c];
                }
                p.y.v[o] = sum / float(p.t);
            } else {
                uint best = 0;
                float top = p.x.v[base];
                for (uint s = 1; s < p.t; ++s) {
                    float v = p.x.v[base + s * p.c];
                    if (v > top) {
                        top = v;
                        best = s;
                    }
                }
                p.y.v[o] = top;
                p.idx.v[o] = int(best);
            }
        }
    } else {
        for (uint i = FIRST; i < p.n * p.t * p.c; i += STRIDE) {
            uint step = i / p.c % p.t;
            uint o = i / (p.t * p.c) * p.c + i % p.c; // dy[b, ch]
            float g = p.y.v[o];
            if (MODE == 0) {
                p.x.v[i] = g / float(p.t);
            } else if (MODE == 1) {
                p.x.v[i] = uint(p.idx.v[o]) == step ? g : 0.0;
            } else {
                p.x.v[i] = step == p.t - 1 ? g : 0.0;
            }
        }
    }
}
