#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

std::optional<std::int64_t> product(std::initializer_list<std::int64_t> factors) {
    std::int64_t n = 1;
    for (auto f : factors) {
        auto next = checkedMul(n, f);
        if (!next) {
            return std::nullopt;
        }
        n = *next;
    }
    return n;
}

std::optional<InferError> requireRank(const Shape& shape, int rank, const char* layout,
                                      const char* port) {
    if (shape.rank() != rank) {
        return fail(port, std::string("expects a ") + std::to_string(rank) + "-D tensor " + layout +
                              ", got " + shape.toString());
    }
    return std::nullopt;
}

Expected<std::int64_t, InferError> elementsOf(const Shape& shape, const char* port) {
    auto n = shape.perSampleElements();
    if (!n) {
        return fail(port, "tensor " + shape.toString() + " has too many elements");
    }
    return *n;
}

InferResult elementwise(const InferContext& ctx, std::int64_t flopsPerElement) {
    auto n = elementsOf(ctx.input(0));
    if (!n) {
        return n.error();
    }
    Inferred out;
    out.outputs = {ctx.input(0)};
    out.cost.flops = *n * flopsPerElement;
    return out;
}

std::optional<int> normaliseAxis(std::int64_t axis, int rank) {
    if (axis < -rank || axis >= rank) {
        return std::nullopt;
    }
    return static_cast<int>(axis < 0 ? axis + rank : axis);
}

AttrSpec weightInitAttr() {
    return AttrSpec::choice(
        "weight_init", "pytorch",
        {"pytorch", "he_normal", "he_uniform", "glorot_normal", "glorot_uniform"},
        "How the weights start. pytorch: weight and bias uniform in ±1/√fan_in, as PyTorch's "
        "layers start (kaiming_uniform with a = √5); he_*: for ReLU networks, variance 2/fan_in; "
        "glorot_*: variance 2/(fan_in + fan_out). He and Glorot start the bias at zero.");
}

Init weightInit(const InferContext& ctx) {
    const std::string& init = ctx.s("weight_init");
    if (init == "he_normal") {
        return Init::HeNormal;
    }
    if (init == "he_uniform") {
        return Init::HeUniform;
    }
    if (init == "glorot_normal") {
        return Init::GlorotNormal;
    }
    if (init == "glorot_uniform") {
        return Init::GlorotUniform;
    }
    return Init::FanInUniform;
}

Init biasInit(const InferContext& ctx) {
    return ctx.s("weight_init") == "pytorch" ? Init::FanInUniform : Init::Zeros;
}

AttrSpec varianceEpsilonAttr() {
    return AttrSpec::real("epsilon", 1e-5, 0.0, 1.0, "Added to the variance for stability.")
        .exclusiveMin();
}

} // namespace nw::graph::ops
