#version 450
// The element-wise activations, forward (y = f(x)) and backward (dx = dy * f'(x)), with
// oneDNN's definitions so the CPU and Vulkan agree:
//   KIND 0 ReLU / LeakyReLU (alpha: the negative slope; at 0 the slope is alpha)
//   KIND 1 ELU    KIND 2 GELU (erf)    KIND 3 GELU (tanh)    KIND 4 Sigmoid    KIND 5 Tanh
//   KIND 6 ReLU6 (clip to [alpha, beta] = [0, 6]; the slope is 0 at both bounds)
//   KIND 7 HardSigmoid (clamp(alpha x + beta, 0, 1); the slope is 0 where that is 0 or 1)
//   KIND 8 HardSwish (x relu6(x + 3) / 6; the slope is 0 at -3 and 1 at 3)
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint KIND = 0;
layout(constant_id = 2) const uint BACKWARD = 0;

layout(push_constant) uniform Push {
    Floats x;
    Floats y;  // forward: the output; backward: dy
    Floats dx; // backward only
    uint n;
    float alpha;
    float beta;
} p;

const float kSqrt2OverPi = 0.7978845608028654;
const float kInvSqrt2 = 0.7071067811865476;
const float kInvSqrt2Pi = 0.3989422804014327;

// erf(x) = 1 - erfc(x), erfc by the Chebyshev fit of Press et al. (Numerical Recipes, erfcc):
// fractional error below 1.2e-7 everywhere.
float erfApprox(float x) {
    float z = abs(x);
    float t = 1.0 / (1.0 + 0.5 * z);
    float r = t * exp(-z * z - 1.26551223 +
                      t * (1.00002368 +
                      t * (0.37409196 +
                      t * (0.09678418 +
                      t * (-0.18628806 +
                      t * (0.27886807 +
                      t * (-1.13520398 +
                      t * (1.48851587 +
                      t * (-0.82215223 +
                      t * 0.17087277)))))))));
    return x >= 0.0 ? 1.0 - r : r - 1.0;
}

float safeTanh(float v) {
    return tanh(clamp(v, -15.0, 15.0));
}

float forwardOf(float v) {
    if (KIND == 0) return v > 0.0 ? v : p.alpha * v;
    if (KIND == 1) return v > 0.0 ? v : p.alpha * (exp(v) - 1.0);
    if (KIND == 2) return 0.5 * v * (1.0 + erfApprox(v * kInvSqrt2));
    if (KIND == 3) return 0.5 * v * (1.0 + safeTanh(kSqrt2OverPi * (v + 0.044715 * v * v * v)));
    if (KIND == 4) return 1.0 / (1.0 + exp(-v));
    if (KIND == 6) return min(max(v, p.alpha), p.beta);
    if (KIND == 7) return min(max(p.alpha * v + p.beta, 0.0), 1.0);
    if (KIND == 8) return v / 6.0 * min(max(v + 3.0, 0.0), 6.0);
    return safeTanh(v);
}

float derivativeOf(float v) {
    if (KIND == 0) return v > 0.0 ? 1.0 : p.alpha;
    if (KIND == 1) return v > 0.0 ? 1.0 : p.alpha * exp(v);
    if (KIND == 2) return 0.5 * (1.0 + erfApprox(v * kInvSqrt2)) + v * kInvSqrt2Pi * exp(-0.5 * v * v);
    if (KIND == 3) {
        float inner = kSqrt2OverPi * (v + 0.044715 * v * v * v);
        float t = safeTanh(inner);
        float dInner = kSqrt2OverPi * (1.0 + 3.0 * 0.044715 * v * v);
        return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * dInner;
    }
    if (KIND == 4) {
        float s = 1.0 / (1.0 + exp(-v));
        return s * (1.0 - s);
    }
    if (KIND == 6) return v > p.alpha && v < p.beta ? 1.0 : 0.0;
    if (KIND == 7) {
        float t = p.alpha * v + p.beta;
        return t > 0.0 && t < 1.0 ? p.alpha : 0.0;
    }
    if (KIND == 8) return v < 3.0 ? (v > -3.0 ? (2.0 * v + 3.0) / 6.0 : 0.0) : 1.0;
    float t = safeTanh(v);
    return 1.0 - t * t;
}

void main() {
    for (uint i = FIRST; i < p.n; i += STRIDE) {
        if (BACKWARD == 0) {
            p.y.v[i] = forwardOf(p.x.v[i]);
        } else {
            p.dx.v[i] = p.y.v[i] * derivativeOf(p.x.v[i]);
        }
    }
}
