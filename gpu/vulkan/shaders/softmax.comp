#version 450
// Softmax along the middle axis of x viewed as [outer, K, inner], one invocation per
// (outer, inner) row of K elements (stride inner):
//   BACKWARD 0: y = exp(x - max) / sum(exp(x - max))
//   BACKWARD 1: dx = y * (dy - sum_k(dy * y)), from the output y
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint BACKWARD = 0;

layout(push_constant) uniform Push {
    Floats x;    // forward: the input; backward: the output y
    Floats dy;   // backward only
    Floats out_; // forward: y; backward: dx
    uint rows;   // outer * inner
    uint K;
    uint inner;
} p;

void main() {
    for (uint r = FIRST; r < p.rows; r += STRIDE) {
        uint base = (r / p.inner) * p.K * p.inner + r % p.inner;
        if (BACKWARD == 0) {
            float m = p.x.v[base];
            for (uint k = 1; k < p.K; ++k) {
                m = max(m, p.x.v[base + k * p.inner]);
            }
            float sum = 0.0;
            for (uint k = 0; k < p.K; ++k) {
                float e = exp(p.x.v[base + k * p.inner] - m);
                p.out_.v[base + k * p.inner] = e;
                sum += e;
            }
            float inv = 1.0 / sum;
            for (uint k = 0; k < p.K; ++k) {
                p.out_.v[base + k * p.inner] *= inv;
            }
        } else {
            float dot = 0.0;
            for (uint k = 0; k < p.K; ++k) {
                uint i = base + k * p.inner;
                dot += p.dy.v[i] * p.x.v[i];
            }
            for (uint k = 0; k < p.K; ++k) {
                uint i = base + k * p.inner;
                p.out_.v[i] = p.x.v[i] * (p.dy.v[i] - dot);
            }
        }
    }
}
