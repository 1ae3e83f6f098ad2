#version 450
// Transpose: y [d0, ..., d(r-1)] (row-major, r <= 6) with y[i0, ...] = x at
// sum_k ik * stride[k], stride[k] being x's row-major stride of axis perm[k]. One invocation
// per element of y. BACKWARD 1 runs the same map the other way: dx at that offset = dy[i]
// (a permutation: every element of dx is written once).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint BACKWARD = 0;

layout(push_constant) uniform Push {
    Floats x; // forward: the input; backward: dx
    Floats y; // forward: the output; backward: dy
    uint n;
    uint rank;
    uint dims[6];   // y's dims
    uint stride[6]; // x's stride of the axis each of y's dims comes from
} p;

void main() {
    for (uint i = FIRST; i < p.n; i += STRIDE) {
        uint rest = i, from = 0;
        for (uint k = p.rank; k-- > 0;) {
            from += rest % p.dims[k] * p.stride[k];
            rest /= p.dims[k];
        }
        if (BACKWARD == 0) {
            p.y.v[i] = p.x.v[from];
        } else {
            p.x.v[from] = p.y.v[i];
        }
    }
}
