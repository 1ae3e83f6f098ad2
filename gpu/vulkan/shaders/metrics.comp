#version 450
// Classification on the device.
//   OP 0 one-hot: targets [N, K] = onehot(labels [N])
//   OP 1 metrics: out = {loss[0], top-1 count, top-5 count (0 when K < 5)}, one workgroup;
//        a class ranks by how many classes score strictly higher (ties favour the true class).
// Labels outside [0, K) are reported through the status word.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint OP = 0;

layout(push_constant) uniform Push {
    Floats logits; // OP 0: the targets
    Ints labels;
    Floats loss;
    Floats out_;
    Ints status;
    uint n;
    uint k;
} p;

shared uint top1[gl_WorkGroupSize.x];
shared uint top5[gl_WorkGroupSize.x];

void main() {
    if (OP == 0) {
        for (uint i = FIRST; i < p.n * p.k; i += STRIDE) {
            uint row = i / p.k;
            int label = p.labels.v[row];
            if (i % p.k == 0 && (label < 0 || label >= int(p.k))) {
                reportBadLabel(p.status, label, int(row), int(p.k));
            }
            p.logits.v[i] = int(i % p.k) == label ? 1.0 : 0.0;
        }
        return;
    }
    uint t = gl_LocalInvocationID.x;
    uint c1 = 0, c5 = 0;
    for (uint row = t; row < p.n; row += gl_WorkGroupSize.x) {
        int label = p.labels.v[row];
        if (label < 0 || label >= int(p.k)) {
            reportBadLabel(p.status, label, int(row), int(p.k));
            continue;
        }
        float mine = p.logits.v[row * p.k + uint(label)];
        uint higher = 0;
        for (uint j = 0; j < p.k; ++j) {
            higher += p.logits.v[row * p.k + j] > mine ? 1 : 0;
        }
        c1 += higher < 1 ? 1 : 0;
        c5 += higher < 5 ? 1 : 0;
    }
    top1[t] = c1;
    top5[t] = c5;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
        if (t < s) {
            top1[t] += top1[t + s];
            top5[t] += top5[t + s];
        }
        barrier();
    }
    if (t == 0) {
        p.out_.v[0] = p.loss.v[0];
        p.out_.v[1] = float(top1[0]);
        p.out_.v[2] = p.k >= 5 ? float(top5[0]) : 0.0;
    }
}
