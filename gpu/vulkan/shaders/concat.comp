#version 450
// One input's slice of a Concat, with tensors viewed as [outer, row]: the input is
// [outer, rowX] (rowX = its axis length * inner), the output [outer, rowY], the slice at
// column offset `offset` of each output row.
//   BACKWARD 0: y[o, offset + j] = x[o, j]       BACKWARD 1: dx[o, j] = dy[o, offset + j]
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint BACKWARD = 0;

layout(push_constant) uniform Push {
    Floats x;  // forward: the input; backward: dx
    Floats y;  // forward: the output; backward: dy
    uint outer;
    uint rowX;
    uint rowY;
    uint offset;
} p;

void main() {
    uint n = p.outer * p.rowX;
    for (uint i = FIRST; i < n; i += STRIDE) {
        uint at = (i / p.rowX) * p.rowY + p.offset + i % p.rowX;
        if (BACKWARD == 0) {
            p.y.v[at] = p.x.v[i];
        } else {
            p.x.v[i] = p.y.v[at];
        }
    }
}
