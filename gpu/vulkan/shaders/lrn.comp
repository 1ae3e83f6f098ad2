#version 450
// LRN across channels over x [N, C, HW] (row-major), as ONNX defines it:
//   s[c] = bias + alpha/size * sum of x[c']^2 for c' in [c - reach, c + reach] within [0, C),
//   y[c] = x[c] * s[c]^-beta.
// BACKWARD 0: one invocation per element; also writes s, which backward reads.
// BACKWARD 1: one per element of dx, from x, dy and s (the window is symmetric):
//   dx[c] = dy[c] s[c]^-beta - 2 alpha beta / size * x[c] * sum over c' of
//           dy[c'] x[c'] s[c']^(-beta - 1).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint BACKWARD = 0;

layout(push_constant) uniform Push {
    Floats x;
    Floats y; // forward: the output; backward: dy
    Floats s; // the scale of every element, written by forward
    Floats dx;
    uint n;
    int C;
    uint HW;
    int reach; // (size - 1) / 2
    float alphaOverSize;
    float beta;
    float bias;
} p;

void main() {
    for (uint i = FIRST; i < p.n; i += STRIDE) {
        int c = int(i / p.HW % uint(p.C));
        uint base = i - uint(c) * p.HW; // channel 0 of this pixel
        int c0 = max(c - p.reach, 0), c1 = min(c + p.reach, p.C - 1);
        if (BACKWARD == 0) {
            float sum = 0.0;
            for (int k = c0; k <= c1; ++k) {
                float v = p.x.v[base + uint(k) * p.HW];
                sum += v * v;
            }
            float s = p.bias + p.alphaOverSize * sum;
            p.s.v[i] = s;
            p.y.v[i] = p.x.v[i] * pow(s, -p.beta);
        } else {
            float sum = 0.0;
            for (int k = c0; k <= c1; ++k) {
                uint j = base + uint(k) * p.HW;
                float s = p.s.v[j];
                sum += p.y.v[j] * p.x.v[j] * pow(s, -p.beta) / s;
            }
            float s = p.s.v[i];
            p.dx.v[i] = p.y.v[i] * pow(s, -p.beta) -
                        2.0 * p.alphaOverSize * p.beta * p.x.v[i] * sum;
        }
    }
}
