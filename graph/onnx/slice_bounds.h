#pragma once
// ONNX Slice's reading of one axis's start, end and step (internal to graph/onnx): shared by
// the reference interpreter and the importer, so both clamp as the standard says.

#include <algorithm>
#include <cstdint>
#include <optional>

namespace nw::graph::onnx_slice {

// The elements kept on an axis of length `dim`: first, first + step, ... (count of them).
struct AxisRange {
    std::int64_t first = 0;
    std::int64_t count = 0;
    std::int64_t step = 1;
};

// Negative start and end count from the end; then both are clamped to the axis ([0, dim]
// going forward, [-1, dim - 1] going backward), so INT64_MAX means "to the end". nullopt for
// step 0.
inline std::optional<AxisRange> axisRange(std::int64_t start, std::int64_t end, std::int64_t step,
                                          std::int64_t dim) {
    if (step == 0) {
        return std::nullopt;
    }
    const bool forward = step > 0;
    auto resolve = [&](std::int64_t v) {
        if (v < 0) {
            v = v < -dim ? (forward ? 0 : -1) : v + dim; // no overflow for INT64_MIN
        }
        return forward ? std::clamp<std::int64_t>(v, 0, dim)
                       : std::clamp<std::int64_t>(v, -1, dim - 1);
    };
    const std::int64_t s = resolve(start), e = resolve(end);
    const std::int64_t span = forward ? e - s : s - e;
    const std::int64_t stride = forward ? step : -step;
    AxisRange r;
    r.first = s;
    r.step = step;
    r.count = span <= 0 ? 0 : (span + stride - 1) / stride;
    return r;
}

} // namespace nw::graph::onnx_slice
