#version 450
// Mul with broadcasting, over the collapsed dims of engine/core/broadcast.h (rank <= 6, row-
// major, a stride of 0 where an input broadcasts).
//   BACKWARD 0: y[i] = a[offset of i in a] * b[offset of i in b], one invocation per element of y.
//   BACKWARD 1: the gradient of one input x, the other being o: dx[j] = sum of dy * o over the
//   positions of y that read x[j] (the dims where x's stride is 0), one invocation per element
//   of x, summed in a fixed order (deterministic, no atomics).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint BACKWARD = 0;

layout(push_constant) uniform Push {
    Floats y;     // forward: the output; backward: dx
    Floats a;     // forward: a; backward: dy
    Floats b;     // forward: b; backward: o
    uint n;       // forward: y's elements; backward: x's
    uint rank;
    uint reduced; // backward: the elements summed into each dx
    uint dims[6]; // y's, collapsed
    uint sa[6];   // forward: a's strides; backward: x's
    uint sb[6];   // forward: b's strides; backward: o's
} p;

void main() {
    for (uint i = FIRST; i < p.n; i += STRIDE) {
        if (BACKWARD == 0) {
            uint rest = i, oa = 0, ob = 0;
            for (uint k = p.rank; k-- > 0;) {
                uint c = rest % p.dims[k];
                rest /= p.dims[k];
                oa += c * p.sa[k];
                ob += c * p.sb[k];
            }
            p.y.v[i] = p.a.v[oa] * p.b.v[ob];
        } else {
            // x[i]'s coordinates along the dims x spans give its base offsets in dy and o.
            uint strideY[6];
            uint s = 1;
            for (uint k = p.rank; k-- > 0;) {
                strideY[k] = s;
                s *= p.dims[k];
            }
            uint rest = i, baseY = 0, baseO = 0;
            for (uint k = p.rank; k-- > 0;) {
                if (p.sa[k] != 0) {
                    uint c = rest % p.dims[k];
                    rest /= p.dims[k];
                    baseY += c * strideY[k];
                    baseO += c * p.sb[k];
                }
            }
            float sum = 0.0;
            for (uint t = 0; t < p.reduced; ++t) {
                uint r = t, offY = baseY, offO = baseO;
                for (uint k = p.rank; k-- > 0;) {
                    if (p.sa[k] == 0) {
                        uint c = r % p.dims[k];
                        r /= p.dims[k];
                        offY += c * strideY[k];
                        offO += c * p.sb[k];
                    }
                }
                sum += p.a.v[offY] * p.b.v[offO];
            }
            p.y.v[i] = sum;
        }
    }
}
