#version 450
// One optimizer update of a parameter tensor, with the arithmetic ordered as the CPU backend
// (and PyTorch's single-tensor optimizers) order it; see engine/core/backend.h.
//   KIND 0 Sgd (s0: momentum buffer when MOMENTUM)   KIND 1 Adam / AdamW (s0: m, s1: v)
//   KIND 2 RmsProp (s0: square average, s1: momentum buffer when MOMENTUM)
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint KIND = 0;
layout(constant_id = 2) const uint MOMENTUM = 0;
layout(constant_id = 3) const uint NESTEROV = 0;

layout(push_constant) uniform Push {
    Floats param;
    Floats grad;
    Floats s0;
    Floats s1;
    uint n;
    float lr;
    float wd;       // L2 term added to the gradient (0 for AdamW and non-decaying tensors)
    float momentum; // Sgd, RmsProp
    float beta1;
    float beta2;    // Adam; RmsProp: alpha
    float eps;
    float decayFactor; // AdamW: 1 - lr * wd; else 1
    float stepSize;    // Adam: lr / (1 - beta1^t)
    float invSqrtBc2;  // Adam: 1 / sqrt(1 - beta2^t)
} p;

void main() {
    for (uint i = FIRST; i < p.n; i += STRIDE) {
        float w = p.param.v[i];
        float g = p.grad.v[i];
        if (KIND == 0) {
            float d = g + p.wd * w;
            if (MOMENTUM == 1) {
                float b = p.momentum * p.s0.v[i] + d;
                p.s0.v[i] = b;
                w -= p.lr * (NESTEROV == 1 ? d + p.momentum * b : b);
            } else {
                w -= p.lr * d;
            }
        } else if (KIND == 1) {
            w *= p.decayFactor;
            float d = g + p.wd * w;
            float m = p.beta1 * p.s0.v[i] + (1.0 - p.beta1) * d;
            float v = p.beta2 * p.s1.v[i] + (1.0 - p.beta2) * d * d;
            p.s0.v[i] = m;
            p.s1.v[i] = v;
            w -= p.stepSize * m / (sqrt(v) * p.invSqrtBc2 + p.eps);
        } else {
            float d = g + p.wd * w;
            float a = p.beta2 * p.s0.v[i] + (1.0 - p.beta2) * d * d;
            p.s0.v[i] = a;
            float u = d / (sqrt(a) + p.eps);
            if (MOMENTUM == 1) {
                float b = p.momentum * p.s1.v[i] + u;
                p.s1.v[i] = b;
                w -= p.lr * b;
            } else {
                w -= p.lr * u;
            }
        }
        p.param.v[i] = w;
    }
}
