#version 450
// Window pooling over planes of one channel: x [planes, H, W] (planes = N*C) and
// y [planes, OH, OW]. Window (oy, ox) starts at row oy*sh - pt and column ox*sw - pl and reads
// the taps dh and dw apart (kh x kw of them); taps outside the input are padding.
//   MAX 1: max over the input taps (padding ignored); forward writes idx, the argmax's
//          index within its plane (first of equal maxima in tap order; -1 for a window of
//          padding only); backward sums dy into that cell.
//   MAX 0: the mean over the taps inside the input, divided by their count and, with
//          includePad, inside the padding (pt, pb rows, pl, pr columns); never by the
//          overhang past the padding that ceil_mode adds.
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
    int pt;  // padding: top, left, bottom, right
    int pl;
    int pb;
    int pr;
    int dh;  // dilation
    int dw;
    int includePad;
} p;

// The taps start + i * d, i < k, inside [lo, hi): graph/ops/pool_window.h's count.
int tapsIn(int start, int k, int d, int lo, int hi) {
    if (hi <= start) {
        return 0;
    }
    int first = start >= lo ? 0 : (lo - start + d - 1) / d;
    int last = min(k - 1, (hi - 1 - start) / d);
    return max(0, last - first + 1);
}

// The averages' divisor of window (oy, ox).
float divisorAt(int oy, int ox) {
    int y0 = oy * p.sh - p.pt, x0 = ox * p.sw - p.pl;
    if (p.includePad != 0) {
        return float(tapsIn(y0, p.kh, p.dh, -p.pt, p.H + p.pb) *
                     tapsIn(x0, p.kw, p.dw, -p.pl, p.W + p.pr));
    }
    return float(tapsIn(y0, p.kh, p.dh, 0, p.H) * tapsIn(x0, p.kw, p.dw, 0, p.W));
}

void forwardAt(uint o) {
    uint plane = o / uint(p.OH * p.OW);
    int r = int(o % uint(p.OH * p.OW));
    int oy = r / p.OW;
    int ox = r % p.OW;
    int y0 = oy * p.sh - p.pt;
    int x0 = ox * p.sw - p.pl;
    uint base = plane * uint(p.H * p.W);
    int best = -1;
    float bestValue = -3.402823466e38, sum = 0.0;
    for (int i = 0; i < p.kh; ++i) { // the window's taps inside the input
        int h = y0 + i * p.dh;
        if (h < 0 || h >= p.H) {
            continue;
        }
        for (int j = 0; j < p.kw; ++j) {
            int w = x0 + j * p.dw;
            if (w < 0 || w >= p.W) {
                continue;
            }
            float v = p.x.v[base + uint(h * p.W + w)];
            if (MAX == 0) {
                sum += v;
            } else if (best < 0 || v > bestValue) {
                bestValue = v;
                best = h * p.W + w;
            }
        }
    }
    if (MAX == 1) {
        p.y.v[o] = bestValue;
        p.idx.v[o] = best;
    } else {
        p.y.v[o] = sum / divisorAt(oy, ox);
    }
}

// First window index covering input coordinate c: smallest o with o*s - pad + span > c.
int firstWindow(int c, int span, int s, int pad) {
    int t = c + pad - span + 1;
    return t <= 0 ? 0 : (t + s - 1) / s;
}

void backwardAt(uint i) {
    uint plane = i / uint(p.H * p.W);
    int cell = int(i % uint(p.H * p.W));
    int h = cell / p.W;
    int w = cell % p.W;
    int oys = firstWindow(h, p.dh * (p.kh - 1) + 1, p.sh, p.pt);
    int oye = min((h + p.pt) / p.sh, p.OH - 1);
    int oxs = firstWindow(w, p.dw * (p.kw - 1) + 1, p.sw, p.pl);
    int oxe = min((w + p.pl) / p.sw, p.OW - 1);
    uint base = plane * uint(p.OH * p.OW);
    float sum = 0.0;
    for (int oy = oys; oy <= oye; ++oy) {
        for (int ox = oxs; ox <= oxe; ++ox) {
            uint o = base + uint(oy * p.OW + ox);
            if (MAX == 1) {
                if (p.idx.v[o] == cell) {
                    sum += p.y.v[o];
                }
            } else if ((h - (oy * p.sh - p.pt)) % p.dh == 0 &&
                       (w - (ox * p.sw - p.pl)) % p.dw == 0) { // a tap of the window
                sum += p.y.v[o] / divisorAt(oy, ox);
            }
        }
    }
    p.x.v[i] = sum;
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
