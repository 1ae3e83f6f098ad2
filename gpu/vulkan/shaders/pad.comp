#version 450
// Pad over planes of one channel: x [planes, H, W] (planes = N*C) -> y [planes, OH, OW],
// OH = top + H + bottom, OW = left + W + right. Output row oy reads input row oy - top when
// inside; outside, MODE 0 (constant) writes `value`, MODE 1 (reflect) reads the row mirrored
// about the border (pad < H: one reflection), MODE 2 (edge) the first or last row. Columns
// alike.
//   BACKWARD 0: one invocation per output element.
//   BACKWARD 1: one per input element: dx = the sum of dy over the output cells that read it,
//   in a fixed order (deterministic, no atomics).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint BACKWARD = 0;

layout(push_constant) uniform Push {
    Floats x; // forward: the input; backward: dx
    Floats y; // forward: the output; backward: dy
    uint planes;
    int H;
    int W;
    int OH;
    int OW;
    int top;
    int left;
    float value;
} p;

// The input index output index o reads along a dimension of `size` padded by `before`;
// -1: the fill (constant mode).
int sourceOf(int o, int before, int size) {
    int i = o - before;
    if (i >= 0 && i < size) {
        return i;
    }
    if (MODE == 2) {
        return i < 0 ? 0 : size - 1;
    }
    if (MODE == 1) {
        return i < 0 ? -i : 2 * (size - 1) - i;
    }
    return -1;
}

// The output indices that read input index i of a dimension of `size` padded by `before`
// and `after`, as three inclusive ranges (empty when hi < lo): the copy, then the cells of
// the leading and of the trailing border.
void readersOf(int i, int before, int after, int size, out ivec2 r[3]) {
    r[0] = ivec2(i + before, i + before);
    r[1] = ivec2(0, -1);
    r[2] = ivec2(0, -1);
    if (MODE == 2) {
        if (i == 0) {
            r[1] = ivec2(0, before - 1);
        }
        if (i == size - 1) {
            r[2] = ivec2(before + size, before + size + after - 1);
        }
    } else if (MODE == 1) {
        if (i >= 1 && i <= before) {
            r[1] = ivec2(before - i, before - i);
        }
        if (i <= size - 2 && i >= size - 1 - after) {
            int o = before + 2 * (size - 1) - i;
            r[2] = ivec2(o, o);
        }
    }
}

void forwardAt(uint o) {
    uint plane = o / uint(p.OH * p.OW);
    int r = int(o % uint(p.OH * p.OW));
    int sy = sourceOf(r / p.OW, p.top, p.H);
    int sx = sourceOf(r % p.OW, p.left, p.W);
    if (sy < 0 || sx < 0) {
        p.y.v[o] = p.value;
    } else {
        p.y.v[o] = p.x.v[plane * uint(p.H * p.W) + uint(sy * p.W + sx)];
    }
}

void backwardAt(uint i) {
    uint plane = i / uint(p.H * p.W);
    int cell = int(i % uint(p.H * p.W));
    ivec2 rows[3];
    ivec2 cols[3];
    readersOf(cell / p.W, p.top, p.OH - p.H - p.top, p.H, rows);
    readersOf(cell % p.W, p.left, p.OW - p.W - p.left, p.W, cols);
    uint base = plane * uint(p.OH * p.OW);
    float sum = 0.0;
    for (int a = 0; a < 3; ++a) {
        for (int oy = rows[a].x; oy <= rows[a].y; ++oy) {
            for (int b = 0; b < 3; ++b) {
                for (int ox = cols[b].x; ox <= cols[b].y; ++ox) {
                    sum += p.y.v[base + uint(oy * p.OW + ox)];
                }
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
