#version 450
// Sums for the training loop, one workgroup sum per workgroup written to out[group]:
//   OP 0: sum of x[i]^2 (gradient norms)       OP 1: sum of x[i] (a mean loss, scaled by a)
// OP 1 with one workgroup writes the total itself: out[0] = a * sum.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint OP = 0;

layout(push_constant) uniform Push {
    Floats x;
    Floats out_;
    uint n;
    float a;
} p;

shared float partial[gl_WorkGroupSize.x];

void main() {
    float acc = 0.0;
    for (uint i = FIRST; i < p.n; i += STRIDE) {
        float v = p.x.v[i];
        acc += OP == 0 ? v * v : v;
    }
    uint t = gl_LocalInvocationID.x;
    partial[t] = acc;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
        if (t < s) {
            partial[t] += partial[t + s];
        }
        barrier();
    }
    if (t == 0) {
        p.out_.v[gl_WorkGroupID.x] = OP == 1 ? p.a * partial[0] : partial[0];
    }
}
