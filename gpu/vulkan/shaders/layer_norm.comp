#version 450
// LayerNorm of x seen as [outer, inner]: each row normalised over its inner elements with
// the biased variance, then y = xhat * gamma + beta, gamma and beta [inner]. Passes (PASS):
//   0 forward (one workgroup per row): mean[r], invStd[r] = 1 / sqrt(var + eps) (two passes
//     over the row: the mean, then the squared deviations), saved for backward, and y.
//   1 input gradient (one workgroup per row), g = dy * gamma:
//     dx = invStd * (g - mean_j(g) - xhat * mean_j(g * xhat))
//   2 parameter gradients (a workgroup per COLUMNS columns, its invocations split over the
//     rows: a power of two up to 32, fewer for narrow rows so that more invocations share them):
//     dbeta[j] = sum_r dy[r, j], dgamma[j] = sum_r dy[r, j] * xhat[r, j]
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint PASS = 0;
layout(constant_id = 2) const uint COLUMNS = 32; // pass 2; divides the workgroup size

layout(push_constant) uniform Push {
    Floats x;      // [outer, inner]
    Floats y;      // [outer, inner] forward: the output; backward: dy
    Floats gamma;  // [inner]
    Floats beta;   // [inner]
    Floats mean;   // [outer] saved by the forward
    Floats invStd; // [outer] saved by the forward
    Floats dx;     // [outer, inner]
    Floats dgamma; // [inner]
    Floats dbeta;  // [inner]
    uint outer;
    uint inner;
    float eps;
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

void forwardRow(uint r) {
    uint row = r * p.inner;
    float sum = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.inner; j += gl_WorkGroupSize.x) {
        sum += p.x.v[row + j];
    }
    float mean = workgroupSum(vec2(sum, 0.0)).x / float(p.inner);
    float squares = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.inner; j += gl_WorkGroupSize.x) {
        float d = p.x.v[row + j] - mean;
        squares += d * d;
    }
    float invStd = 1.0 / sqrt(workgroupSum(vec2(squares, 0.0)).x / float(p.inner) + p.eps);
    for (uint j = gl_LocalInvocationID.x; j < p.inner; j += gl_WorkGroupSize.x) {
        p.y.v[row + j] = (p.x.v[row + j] - mean) * invStd * p.gamma.v[j] + p.beta.v[j];
    }
    if (gl_LocalInvocationID.x == 0) {
        p.mean.v[r] = mean;
        p.invStd.v[r] = invStd;
    }
}

void inputGradRow(uint r) {
    uint row = r * p.inner;
    float mean = p.mean.v[r];
    float invStd = p.invStd.v[r];
    vec2 acc = vec2(0.0); // (sum g, sum g * xhat)
    for (uint j = gl_LocalInvocationID.x; j < p.inner; j += gl_WorkGroupSize.x) {
        float g = p.y.v[row + j] * p.gamma.v[j];
        acc += vec2(g, g * (p.x.v[row + j] - mean) * invStd);
    }
    vec2 means = workgroupSum(acc) / float(p.inner);
    for (uint j = gl_LocalInvocationID.x; j < p.inner; j += gl_WorkGroupSize.x) {
        float g = p.y.v[row + j] * p.gamma.v[j];
        float xhat = (p.x.v[row + j] - mean) * invStd;
        p.dx.v[row + j] = invStd * (g - means.x - xhat * means.y);
    }
}

void paramGrads() {
    uint slices = gl_WorkGroupSize.x / COLUMNS;
    uint t = gl_LocalInvocationID.x;
    uint column = t % COLUMNS;
    uint slice = t / COLUMNS;
    for (uint first = gl_WorkGroupID.x * COLUMNS; first < p.inner;
         first += gl_NumWorkGroups.x * COLUMNS) {
        uint j = first + column;
        vec2 acc = vec2(0.0); // (sum dy, sum dy * xhat)
        if (j < p.inner) {
            for (uint r = slice; r < p.outer; r += slices) {
                float dy = p.y.v[r * p.inner + j];
                acc += vec2(dy, dy * (p.x.v[r * p.inner + j] - p.mean.v[r]) * p.invStd.v[r]);
            }
        }
        partial[t] = acc;
        barrier();
        for (uint s = slices / 2; s > 0; s >>= 1) {
            if (slice < s) {
                partial[t] += partial[t + s * COLUMNS];
            }
            barrier();
        }
        if (slice == 0 && j < p.inner) {
            p.dbeta.v[j] = partial[t].x;
            p.dgamma.v[j] = partial[t].y;
        }
        barrier(); // partial is reused by the next columns
    }
}

void main() {
    if (PASS == 2) {
        paramGrads();
        return;
    }
    for (uint r = gl_WorkGroupID.x; r < p.outer; r += gl_NumWorkGroups.x) {
        if (PASS == 0) {
            forwardRow(r);
        } else {
            inputGradRow(r);
        }
    }
}
