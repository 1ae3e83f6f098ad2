// The ONNX import's mappers of Slice and Split of an activation: each becomes our Slice (one
// contiguous range of one non-batch axis, step 1), Split one per output in use. Their bounds
// must be constants (folded shape arithmetic included: ShuffleNet's channel split computes
// them from the Shape of its input).
#include "graph/onnx/import_mappers.h"
#include "graph/onnx/slice_bounds.h"

#include <limits>
#include <numeric>

namespace nw::graph::onnx_import {

namespace {

using Dims = std::vector<std::int64_t>;

// Constant input `i` as integers in `out`; `what` names it in the reason when it is none.
Why constantInts(const MapContext& c, int i, const char* what, Dims& out) {
    const Constant* k = c.constant(i);
    if (!k) {
        auto a = c.activation(i);
        return a && *a == kUnknown
                   ? unknownInput()
                   : fail(std::string("its ") + what +
                          " are computed from the data at run time; only constants (or shape "
                          "arithmetic that folds to them) map");
    }
    if (k->isFloat || k->hasBatchDim()) {
        return fail(std::string("its ") + what +
                    (k->isFloat ? " are floats" : " depend on the batch size"));
    }
    out = k->i;
    return mapped();
}

// Whether [start, end) on the batch axis keeps the whole batch, whatever its size.
bool keepsBatch(std::int64_t start, std::int64_t end, std::optional<std::int64_t> staticBatch) {
    const bool toTheEnd =
        end == std::numeric_limits<std::int64_t>::max() || (staticBatch && end >= *staticBatch);
    return start == 0 && toTheEnd;
}

// Slice of the activation `x` on `axis` (non-batch; negative as ONNX gave it, which our schema
// reads alike) to [first, first + count).
int addSlice(MapContext& c, int x, std::int64_t axis, std::int64_t first, std::int64_t count,
             const std::string& suffix = {}) {
    return c.add("Slice", {{"axis", axis}, {"start", first}, {"end", first + count}}, {x}, {},
                 suffix);
}

} // namespace

// Slice (opset 10 on: starts, ends, axes, steps as inputs) of an activation.
Why mapSlice(MapContext& c) {
    int x;
    Shape s;
    if (auto why = shapedInput(c, 0, x, s)) {
        return why;
    }
    Dims starts, ends, axes, steps;
    if (auto why = constantInts(c, 1, "starts", starts)) {
        return why;
    }
    if (auto why = constantInts(c, 2, "ends", ends)) {
        return why;
    }
    if (c.hasInput(3)) {
        if (auto why = constantInts(c, 3, "axes", axes)) {
            return why;
        }
    } else {
        axes.resize(starts.size());
        std::iota(axes.begin(), axes.end(), std::int64_t{0});
    }
    if (c.hasInput(4)) {
        if (auto why = constantInts(c, 4, "steps", steps)) {
            return why;
        }
    } else {
        steps.assign(starts.size(), 1);
    }
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size()) {
        return fail("has " + std::to_string(starts.size()) + " starts, " +
                    std::to_string(ends.size()) + " ends, " + std::to_string(axes.size()) +
                    " axes and " + std::to_string(steps.size()) + " steps; ONNX wants one each");
    }
    constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();
    std::int64_t axis = kNone, first = 0, count = 0;
    for (std::size_t k = 0; k < starts.size(); ++k) {
        const std::int64_t a = axes[k] < 0 ? axes[k] + s.rank() : axes[k];
        if (a < 0 || a >= s.rank()) {
            return fail("axis " + std::to_string(axes[k]) + " is not an axis of " + s.toString());
        }
        if (steps[k] != 1) {
            return fail("steps " + dimsText(steps) + " on " + s.toString() +
                        ": Netwright's Slice takes step 1 only");
        }
        if (a == 0) {
            if (!keepsBatch(starts[k], ends[k], c.state.staticBatch)) {
                return fail("slices the batch axis (starts " + dimsText(starts) + ", ends " +
                            dimsText(ends) + "); Netwright keeps every sample");
            }
            continue;
        }
        const auto r = onnx_slice::axisRange(starts[k], ends[k], 1, s[static_cast<int>(a)]);
        if (r->count == 0) {
            return fail("keeps nothing of axis " + std::to_string(a) + " of " + s.toString() +
                        " (starts " + dimsText(starts) + ", ends " + dimsText(ends) + ")");
        }
        if (r->count == s[static_cast<int>(a)]) {
            continue; // the whole axis
        }
        if (axis != kNone) {
            const std::int64_t other = axis < 0 ? axis + s.rank() : axis;
            return fail("slices axes " + std::to_string(other) + " and " + std::to_string(a) +
                        " of " + s.toString() +
                        "; Netwright's Slice takes one axis (the others whole)");
        }
        axis = axes[k]; // as given, so that an export gives it back
        first = r->first;
        count = r->count;
    }
    if (axis == kNone) {
        return done(c, x); // every axis whole
    }
    return done(c, addSlice(c, x, axis, first, count));
}

// Split of an activation along a non-batch axis: the sizes from the input `split` (opset 13
// on) or the attribute (before), else equal parts (num_outputs, opset 18, or the number of
// outputs; the last part smaller when they do not divide, as opset 18 says). One Slice per
// output in use.
Why mapSplit(MapContext& c) {
    int x;
    Shape s;
    if (auto why = shapedInput(c, 0, x, s)) {
        return why;
    }
    const std::int64_t given = c.attrInt("axis", 0);
    const std::int64_t axis = given < 0 ? given + s.rank() : given;
    if (axis <= 0 || axis >= s.rank()) {
        return fail("axis " + std::to_string(given) + " is " +
                    (axis == 0 ? "the batch axis" : "not an axis of " + s.toString()) +
                    "; Netwright splits a non-batch axis");
    }
    const std::int64_t dim = s[static_cast<int>(axis)];
    Dims sizes = c.attrInts("split");
    if (c.hasInput(1)) {
        if (auto why = constantInts(c, 1, "split sizes", sizes)) {
            return why;
        }
    }
    if (sizes.empty()) {
        const std::int64_t parts = c.attrInt("num_outputs", c.node.output_size());
        const std::int64_t part = parts > 0 ? (dim + parts - 1) / parts : 0;
        for (std::int64_t k = 0; k < parts; ++k) {
            sizes.push_back(std::max<std::int64_t>(0, std::min(part, dim - k * part)));
        }
    }
    if (static_cast<int>(sizes.size()) != c.node.output_size() ||
        std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0}) != dim) {
        return fail("the sizes " + dimsText(sizes) + " do not split axis " + std::to_string(axis) +
                    " of " + s.toString() + " into its " + std::to_string(c.node.output_size()) +
                    " outputs");
    }
    std::int64_t first = 0;
    for (int k = 0; k < c.node.output_size(); ++k) {
        const std::int64_t size = sizes[std::size_t(k)];
        if (c.outputUsed(k)) {
            if (size <= 0) {
                return fail("its output " + std::to_string(k) + " is used but empty (sizes " +
                            dimsText(sizes) + ")");
            }
            c.define(c.node.output(k),
                     size == dim ? x : addSlice(c, x, given, first, size, "_" + std::to_string(k)));
        }
        first += size;
    }
    return mapped();
}

} // namespace nw::graph::onnx_import
