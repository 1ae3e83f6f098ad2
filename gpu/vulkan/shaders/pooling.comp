#version 450
// Window pooling over planes of one channel: x [planes, H, W] (planes = N*C) and
// y [planes, OH, OW]. Window (oy, ox) covers rows oy*sh - ph .. + kh-1 and columns
// ox*sw - pw .. + kw-1; cells outside the input are padding.
//   MAX 1: max over the input cells (padding ignored); forward writes idx, the argmax's
//          index within its plane (first of equal maxima); backward sums dy into that cell.
//   MAX 0: mean with padding counted, always divided by kh*kw.
//   BACKWARD 0: one invocation per output element. BACKWARD 1: one per input element, summing
//   the windows that cover it in a fixed order (deterministic, no atomics).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint MAX = 0;
layout(constant_id = 2) const uint BACKWARD = 0;

layout(push_constant) uniform Push {
    Floats x;  // forward: the input; backward: dx
    Floats y;  // forward: the output; backward: dy
    Ints idx;  // MAX only: [planes, OH, OW]
    uint planes;
    int H;
    int W;
    int OH;
    int OW;
    int kh;
    int kw;
    int sh;
    int sw;
    int ph;
    int pw;
} p;

void forwardAt(uint o) {
    uint plane = o / uint(p.OH * p.OW);
    int r = int(o % uint(p.OH * p.OW));
    int oy = r / p.OW;
    int ox = r % p.OW;
    int y0 = oy * p.sh - p.ph;
    int x0 = ox * p.sw - p.pw;
    int ys = max(y0, 0), ye = min(y0 + p.kh, p.H);
    int xs = max(x0, 0), xe = min(x0 + p.kw, p.W);
    uint base = plane * uint(p.H * p.W);
    if (MAX == 1) {
        // Padding is at most half the kernel, so every window holds an input cell.
        int best = ys * p.W + xs;
        float bestValue = p.x.v[base + uint(best)];
        for (int h = ys; h < ye; ++h) {
            for (int w = xs; w < xe; ++w) {
                float v = p.x.v[base + uint(h * p.W + w)];
                if (v > bestValue) {
                    bestValue = v;
                    best = h * p.W + w;
                }
            }
        }
        p.y.v[o] = bestValue;
        p.idx.v[o] = best;
    } else {
        float sum = 0.0;
        for (int h = ys; h < ye; ++h) {
            for (int w = xs; w < xe; ++w) {
                sum += p.x.v[base + uint(h * p.W + w)];
            }
        }
        p.y.v[o] = sum / float(p.kh * p.kw);
    }
}

// First window index covering input coordinate c: smallest o with o*s - pad + k > c.
int firstWindow(int c, int k, int s, int pad) {
    int t = c + pad - k + 1;
    return t <= 0 ? 0 : (t + s - 1) / s;
}

void backwardAt(uint i) {
    uint plane = i / uint(p.H * p.W);
    int cell = int(i % uint(p.H * p.W));
    int h = cell / p.W;
    int w = cell % p.W;
    int oys = firstWindow(h, p.kh, p.sh, p.ph);
    int oye = min((h + p.ph) / p.sh, p.OH - 1);
    int oxs = firstWindow(w, p.kw, p.sw, p.pw);
    int oxe = min((w + p.pw) / p.sw, p.OW - 1);
    uint base = plane * uint(p.OH * p.OW);
    float sum = 0.0;
    for (int oy = oys; oy <= oye; ++oy) {
        for (int ox = oxs; ox <= oxe; ++ox) {
            uint o = base + uint(oy * p.OW + ox);
            if (MAX == 1) {
                if (p.idx.v[o] == cell) {
                    sum += p.y.v[o];
                }
            } else {
                sum += p.y.v[o];
            }
        }
    }
    p.x.v[i] = MAX == 1 ? sum : sum / float(p.kh * p.kw);
}

void main() {
    if (BACKWARD == 0) {
        uint n = p.planes * uint(p.OH * p.OW);
        for (uint o = FIRST; o < n; o += STRIDE) {
            forwardAt(o);
        }
    } else {
        uint n = p.planes * uint(p.H * p.W);
        for (uint i = FIRST; i < n; i += STRIDE) {
            backwardAt(i);
        }
    }
}
