#version 450
// BatchNorm over axis 1 of x: [N, C, S] (S = H * W, 1 for [N, C]), M = N * S elements per
// channel. Four passes, chosen by PASS:
//   0 statistics (one workgroup per channel): mean[c], invStd[c] = 1 / sqrt(var + eps) with
//     the biased variance (two passes over the channel: the mean, then the squared
//     deviations), and the running statistics r = (1 - momentum) * r + momentum * stat, the
//     variance unbiased (unbias = M / (M - 1)).
//   1 normalise (element-wise): y = (x - mean) * invStd * gamma + beta; INFER takes mean and
//     variance from the running statistics instead; RELU applies max(y, 0).
//   2 gradient sums (one workgroup per channel): dbeta[c] = sum dy, dgamma[c] = sum dy * xhat,
//     xhat = (x - mean) * invStd.
//   3 input gradient (element-wise):
//     dx = gamma * invStd * (dy - dbeta / M - xhat * dgamma / M)
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint PASS = 0;
layout(constant_id = 2) const uint INFER = 0;
layout(constant_id = 3) const uint RELU = 0;

layout(push_constant) uniform Push {
    Floats x;       // [N, C, S]
    Floats y;       // [N, C, S] forward: the output; backward: dy
    Floats gamma;   // [C]
    Floats beta;    // [C]
    Floats mean;    // [C] the batch mean, saved by pass 0
    Floats invStd;  // [C] the batch 1 / sqrt(var + eps), saved by pass 0
    Floats runMean; // [C]
    Floats runVar;  // [C]
    Floats dx;      // [N, C, S]
    Floats dgamma;  // [C]
    Floats dbeta;   // [C]
    uint channels;
    uint spatial;
    uint batch;
    float eps;
    float momentum;
    float unbias;
} p;

shared vec2 partial[gl_WorkGroupSize.x];

// The workgroup's sum of v (both components), returned to every invocation.
vec2 workgroupSum(vec2 v) {
    uint t = gl_LocalInvocationID.x;
    partial[t] = v;
    barrier();
    for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
        if (t < s) {
            partial[t] += partial[t + s];
        }
        barrier();
    }
    vec2 total = partial[0];
    barrier(); // partial is reused by the next call
    return total;
}

// Element m in [0, M) of channel c.
uint at(uint c, uint m) {
    uint n = m / p.spatial;
    return (n * p.channels + c) * p.spatial + (m - n * p.spatial);
}

void statistics(uint c, uint count) {
    float sum = 0.0;
    for (uint m = gl_LocalInvocationID.x; m < count; m += gl_WorkGroupSize.x) {
        sum += p.x.v[at(c, m)];
    }
    float mean = workgroupSum(vec2(sum, 0.0)).x / float(count);
    float squares = 0.0;
    for (uint m = gl_LocalInvocationID.x; m < count; m += gl_WorkGroupSize.x) {
        float d = p.x.v[at(c, m)] - mean;
        squares += d * d;
    }
    float var = workgroupSum(vec2(squares, 0.0)).x / float(count);
    if (gl_LocalInvocationID.x == 0) {
        p.mean.v[c] = mean;
        p.invStd.v[c] = 1.0 / sqrt(var + p.eps);
        p.runMean.v[c] = (1.0 - p.momentum) * p.runMean.v[c] + p.momentum * mean;
        p.runVar.v[c] = (1.0 - p.momentum) * p.runVar.v[c] + p.momentum * var * p.unbias;
    }
}

void gradientSums(uint c, uint count) {
    float mean = p.mean.v[c];
    float invStd = p.invStd.v[c];
    vec2 acc = vec2(0.0); // (sum dy, sum dy * xhat)
    for (uint m = gl_LocalInvocationID.x; m < count; m += gl_WorkGroupSize.x) {
        uint i = at(c, m);
        float dy = p.y.v[i];
        acc += vec2(dy, dy * (p.x.v[i] - mean) * invStd);
    }
    vec2 total = workgroupSum(acc);
    if (gl_LocalInvocationID.x == 0) {
        p.dbeta.v[c] = total.x;
        p.dgamma.v[c] = total.y;
    }
}

void main() {
    uint count = p.batch * p.spatial;
    if (PASS == 0 || PASS == 2) {
        for (uint c = gl_WorkGroupID.x; c < p.channels; c += gl_NumWorkGroups.x) {
            if (PASS == 0) {
                statistics(c, count);
            } else {
                gradientSums(c, count);
            }
        }
        return;
    }
    uint n = count * p.channels;
    for (uint i = FIRST; i < n; i += STRIDE) {
        uint c = (i / p.spatial) % p.channels;
        float mean, invStd;
        if (PASS == 1 && INFER == 1) {
            mean = p.runMean.v[c];
            invStd = 1.0 / sqrt(p.runVar.v[c] + p.eps);
        } else {
            mean = p.mean.v[c];
            invStd = p.invStd.v[c];
        }
        float xhat = (p.x.v[i] - mean) * invStd;
        if (PASS == 1) {
            float v = xhat * p.gamma.v[c] + p.beta.v[c];
            p.y.v[i] = RELU == 1 ? max(v, 0.0) : v;
        } else {
            float inv = 1.0 / float(count);
            p.dx.v[i] = p.gamma.v[c] * invStd *
                        (p.y.v[i] - p.dbeta.v[c] * inv - xhat * p.dgamma.v[c] * inv);
        }
    }
}
