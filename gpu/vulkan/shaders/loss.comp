#version 450
// The losses of engine/cpu/ops/loss.cpp, per row or per element; the mean is taken by
// reduce.comp (OP 1) over `terms`.
//   OP 0 softmax cross-entropy forward: x [N, K] logits, labels i32 [N]; probs [N, K] =
//        softmax(x), terms[n] = -sum_k q_k log softmax(x)_k with q = (1-eps) onehot + eps/K
//   OP 1 its backward: dx = (probs - q) * scale (scale = 1/N)
//   OP 2 element-wise forward: terms[i] = (x - t)^2 (MSE) or BCE with logits (BCE = 1)
//   OP 3 its backward: dx = 2 (x - t) * scale (MSE) or (sigmoid(x) - t) * scale
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint OP = 0;
layout(constant_id = 2) const uint BCE = 0;

layout(push_constant) uniform Push {
    Floats x;
    Floats targets; // OP 2, 3: f32 like x
    Ints labels;    // OP 0, 1
    Floats probs;
    Floats out_;    // terms (OP 0, 2) or dx (OP 1, 3)
    Ints status;
    uint n;         // rows (OP 0, 1) or elements (OP 2, 3)
    uint k;
    float smoothing;
    float scale;
} p;

void main() {
    if (OP == 0) {
        float off = p.smoothing / float(p.k), on = 1.0 - p.smoothing + off;
        for (uint row = FIRST; row < p.n; row += STRIDE) {
            int label = p.labels.v[row];
            if (label < 0 || label >= int(p.k)) {
                reportBadLabel(p.status, label, int(row), int(p.k));
            }
            uint base = row * p.k;
            float mx = p.x.v[base];
            for (uint j = 1; j < p.k; ++j) {
                mx = max(mx, p.x.v[base + j]);
            }
            float sum = 0.0;
            for (uint j = 0; j < p.k; ++j) {
                float e = exp(p.x.v[base + j] - mx);
                p.probs.v[base + j] = e;
                sum += e;
            }
            float logSum = log(sum) + mx;
            float loss = 0.0;
            for (uint j = 0; j < p.k; ++j) {
                p.probs.v[base + j] /= sum;
                float q = int(j) == label ? on : off;
                loss -= q * (p.x.v[base + j] - logSum);
            }
            p.out_.v[row] = loss;
        }
    } else if (OP == 1) {
        float off = p.smoothing / float(p.k), on = 1.0 - p.smoothing + off;
        for (uint i = FIRST; i < p.n * p.k; i += STRIDE) {
            float q = int(i % p.k) == p.labels.v[i / p.k] ? on : off;
            p.out_.v[i] = (p.probs.v[i] - q) * p.scale;
        }
    } else if (OP == 2) {
        for (uint i = FIRST; i < p.n; i += STRIDE) {
            float d = p.x.v[i], t = p.targets.v[i];
            p.out_.v[i] = BCE == 0 ? (d - t) * (d - t)
                                   : max(d, 0.0) - d * t + log(1.0 + exp(-abs(d)));
        }
    } else {
        for (uint i = FIRST; i < p.n; i += STRIDE) {
            float d = p.x.v[i], t = p.targets.v[i];
            p.out_.v[i] = BCE == 0 ? 2.0 * (d - t) * p.scale
                                   : (1.0 / (1.0 + exp(-d)) - t) * p.scale;
        }
    }
}
