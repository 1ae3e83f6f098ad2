#pragma once
// The windows of MaxPool2D and AvgPool2D, one rule for every part that computes them: the
// schemas' shape inference, each backend's kernels, the ONNX export and import, the ONNX
// reference interpreter and the bundle writer.
//
// Along one axis of size `in`, window o starts at o * stride - padBegin (input coordinates)
// and reads the taps start + i * dilation, i < kernel; taps outside [0, in) are padding.

#include "graph/attribute.h"

#include <algorithm>
#include <cstdint>

namespace nw::graph::ops {

struct PoolAxis {
    std::int64_t in = 1;
    std::int64_t kernel = 1;
    std::int64_t stride = 1;
    std::int64_t padBegin = 0; // top or left
    std::int64_t padEnd = 0;   // bottom or right
    std::int64_t dilation = 1;
    bool ceil = false; // ceil_mode: the output size rounds up

    // The rows (columns) from a window's first tap to its last.
    std::int64_t span() const { return dilation * (kernel - 1) + 1; }

    // The number of windows: floor((in + padBegin + padEnd - span) / stride) + 1, or under
    // ceil rounded up, less a last window that would start past the input and the begin
    // padding (PyTorch's rule, and ONNX's from opset 19). 0 when no window fits.
    std::int64_t outputs() const {
        const std::int64_t room = in + padBegin + padEnd - span();
        if (room < 0) {
            return 0;
        }
        std::int64_t out = (ceil ? room + stride - 1 : room) / stride + 1;
        if (ceil && (out - 1) * stride >= in + padBegin) {
            --out;
        }
        return out;
    }

    // The end padding the last window reads into: padEnd, or more under ceil (the overhang
    // past the padded input, which no average counts). oneDNN's padding_r.
    std::int64_t reachedPadEnd() const {
        return std::max(padEnd, (outputs() - 1) * stride + span() - in - padBegin);
    }

    // An average's divisor for window o: its taps inside the input and its explicit padding
    // (`includePad`: count_include_pad) or inside the input only. The overhang never counts.
    std::int64_t count(std::int64_t o, bool includePad) const {
        const std::int64_t start = o * stride - padBegin; // >= -padBegin
        const std::int64_t lo = includePad ? -padBegin : 0, hi = includePad ? in + padEnd : in;
        // taps start + i * dilation in [lo, hi)
        const std::int64_t first = start >= lo ? 0 : (lo - start + dilation - 1) / dilation;
        if (hi <= start) {
            return 0;
        }
        const std::int64_t last = std::min(kernel - 1, (hi - 1 - start) / dilation);
        return std::max<std::int64_t>(0, last - first + 1);
    }
};

// A node's windows over an [N, C, H, W] input: rows and columns. `padding` holds 2 values
// ([rows, columns], both sides alike) or 4 ([top, bottom, left, right]); AvgPool2D's
// `count_include_pad` reads as its default on MaxPool2D.
struct PoolWindow {
    PoolAxis rows;
    PoolAxis cols;
    bool includePad = true; // averages: count_include_pad

    const PoolAxis& axis(int d) const { return d == 0 ? rows : cols; }
    // Whether the averages' divisor is kernel_size's area for every window: as oneDNN's
    // pooling_avg_include_padding divides.
    bool fullDivisors() const {
        for (const PoolAxis* a : {&rows, &cols}) {
            if (a->count(a->outputs() - 1, true) != a->kernel) {
                return false;
            }
        }
        return true;
    }
};

inline PoolWindow poolWindow(const AttrMap& attrs, std::int64_t h, std::int64_t w) {
    // The list `name` when it has 2 values (or `four` of them), else the fallback.
    auto ints = [&attrs](const char* name, IntList fallback, bool four = false) {
        auto it = attrs.find(name);
        const IntList* v = it == attrs.end() ? nullptr : std::get_if<IntList>(&it->second);
        return v && (v->size() == 2 || (four && v->size() == 4)) ? *v : fallback;
    };
    auto flag = [&attrs](const char* name, bool fallback) {
        auto it = attrs.find(name);
        const bool* v = it == attrs.end() ? nullptr : std::get_if<bool>(&it->second);
        return v ? *v : fallback;
    };
    const IntList k = ints("kernel_size", {2, 2}), s = ints("stride", {2, 2});
    const IntList p = ints("padding", {0, 0}, true), d = ints("dilation", {1, 1});
    const bool four = p.size() == 4;
    const bool ceil = flag("ceil_mode", false);
    PoolWindow win;
    win.rows = {h, k[0], s[0], p[0], four ? p[1] : p[0], d[0], ceil};
    win.cols = {w, k[1], s[1], four ? p[2] : p[1], four ? p[3] : p[1], d[1], ceil};
    win.includePad = flag("count_include_pad", true);
    return win;
}

} // namespace nw::graph::ops
