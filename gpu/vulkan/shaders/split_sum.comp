#version 450
// Sums the split-K partials of gemm.comp, y[i] = sum_s part[s * n + i], and channel sums for
// bias gradients:
//   OP 0 split sum       OP 1 channel sum: x viewed as [A, C, B], y[c] = sum_{a,b} x[a, c, b],
//                        one workgroup per channel (workgroup x + 65535 * y)
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint OP = 0;

layout(push_constant) uniform Push {
    Floats x;
    Floats y;
    uint n;      // OP 0: elements of y; OP 1: A
    uint splits; // OP 0; OP 1: C
    uint inner;  // OP 1: B
} p;

shared float partial[gl_WorkGroupSize.x];

void main() {
    if (OP == 0) {
        for (uint i = FIRST; i < p.n; i += STRIDE) {
            float s = 0.0;
            for (uint k = 0; k < p.splits; ++k) s += p.x.v[k * p.n + i];
            p.y.v[i] = s;
        }
        return;
    }
    uint c = gl_WorkGroupID.x + 65535 * gl_WorkGroupID.y;
    if (c >= p.splits) return;
    uint t = gl_LocalInvocationID.x;
    float acc = 0.0;
    for (uint e = t; e < p.n * p.inner; e += gl_WorkGroupSize.x) {
        uint a = e / p.inner, b = e % p.inner;
        acc += p.x.v[(a * p.splits + c) * p.inner + b];
    }
    partial[t] = acc;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
        if (t < s) partial[t] += partial[t + s];
        barrier();
    }
    if (t == 0) p.y.v[c] = partial[0];
}
