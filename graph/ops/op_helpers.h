#pragma once
// Small helpers shared by the op schemas' shape inference.

#include "graph/op_schema.h"

#include <initializer_list>
#include <optional>
#include <string>

namespace nw::graph::ops {

inline InferError fail(std::string field, std::string message) {
    return InferError{std::move(field), std::move(message)};
}

// Product of all factors, or nullopt on int64 overflow.
std::optional<std::int64_t> product(std::initializer_list<std::int64_t> factors);

// Fails unless `shape` is [N, ...] with exactly `rank` dims; `layout` names them for the
// message ("[N, C, H, W]").
std::optional<InferError> requireRank(const Shape& shape, int rank, const char* layout,
                                      const char* port = "input");

// Elements per sample of `shape`, or an error naming `port` when it overflows.
Expected<std::int64_t, InferError> elementsOf(const Shape& shape, const char* port = "input");

// The unary element-wise ops: output shape = input shape, `flopsPerElement` per element.
InferResult elementwise(const InferContext& ctx, std::int64_t flopsPerElement);

// Output size of a sliding window over `in`; 0 or less when the window does not fit.
inline std::int64_t windowOutput(std::int64_t in, std::int64_t kernel, std::int64_t stride,
                                 std::int64_t padBefore, std::int64_t padAfter,
                                 std::int64_t dilation = 1) {
    std::int64_t effective = dilation * (kernel - 1) + 1;
    std::int64_t room = in + padBefore + padAfter - effective;
    if (room < 0) {
        return 0; // division truncates toward zero: -1 / 2 + 1 would claim one window
    }
    return room / stride + 1;
}

// Normalises an axis given relative to the rank (-1 = last); nullopt when out of range.
std::optional<int> normaliseAxis(std::int64_t axis, int rank);

// Dense's and Conv2D's "weight_init" attribute: "pytorch" (the default: weight and bias
// U(±1/sqrt(fanIn)), PyTorch's kaiming_uniform with a = sqrt(5)), "he_normal", "he_uniform",
// "glorot_normal" or "glorot_uniform" (the weight so drawn, the bias zero).
AttrSpec weightInitAttr();
// The weight's and the bias's Init for the node's "weight_init".
Init weightInit(const InferContext& ctx);
Init biasInit(const InferContext& ctx);

// The normalisation ops' "epsilon" attribute: added to the variance, in (0, 1], default 1e-5.
AttrSpec varianceEpsilonAttr();

} // namespace nw::graph::ops
