#version 450
// Element-wise training arithmetic on f32 tensors of n elements.
//   OP 0 fill: y = a      OP 1 scale: y *= a      OP 2 add into: y += x
//   OP 3 sum: y = x + z (Add forward with two inputs)
//   OP 4 tiled sum: y = x + z[i mod m], m = the bits of `a` as a uint (a [T, C] table added
//        to every sample of [N, T, C]: PositionalEncoding)
//   OP 5 tiled copy: y = z[i mod m], m as for OP 4 (Constant: its value for every sample)
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint OP = 0;

layout(push_constant) uniform Push {
    Floats y;
    Floats x;
    Floats z;
    uint n;
    float a;
} p;

void main() {
    for (uint i = FIRST; i < p.n; i += STRIDE) {
        if (OP == 0) {
            p.y.v[i] = p.a;
        } else if (OP == 1) {
            p.y.v[i] *= p.a;
        } else if (OP == 2) {
            p.y.v[i] += p.x.v[i];
        } else if (OP == 3) {
            p.y.v[i] = p.x.v[i] + p.z.v[i];
        } else if (OP == 4) {
            p.y.v[i] = p.x.v[i] + p.z.v[i % floatBitsToUint(p.a)];
        } else {
            p.y.v[i] = p.z.v[i % floatBitsToUint(p.a)];
        }
    }
}
