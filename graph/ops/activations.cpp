// The element-wise activations: output shape = input shape, no parameters.
#include "graph/ops/core_ops.h"
#include "graph/ops/op_helpers.h"

namespace nw::graph::ops {

namespace {

// `notes` repeats `flopsPerElement` as the FLOP formula for the op reference.
OpSchema activation(const char* name, const char* doc, const char* notes,
                    std::int64_t flopsPerElement, std::vector<AttrSpec> attrs = {}) {
    OpSchema s;
    s.name = name;
    s.category = "Activation";
    s.doc = doc;
    s.notes = notes;
    s.attrs = std::move(attrs);
    s.inputs = {{"input", "[N, ...]"}};
    s.outputs = {{"output", "same shape as the input"}};
    s.infer = [flopsPerElement](const InferContext& ctx) {
        return elementwise(ctx, flopsPerElement);
    };
    return s;
}

} // namespace

OpSchema reluSchema() {
    return activation("ReLU", "max(x, 0).", "Element-wise. Parameters: 0. FLOPs: `E`.", 1);
}

OpSchema leakyReluSchema() {
    return activation("LeakyReLU", "x for x > 0, alpha * x otherwise.",
                      "Element-wise. Parameters: 0. FLOPs: `2·E`.", 2,
                      {AttrSpec::real("alpha", 0.01, 0.0, 10.0, "Slope for negative inputs.")});
}

OpSchema eluSchema() {
    return activation(
        "ELU", "x for x > 0, alpha * (exp(x) - 1) otherwise.",
        "Element-wise. Parameters: 0. FLOPs: `3·E`.", 3,
        {AttrSpec::real("alpha", 1.0, 0.0, 10.0, "Value approached for large negative inputs.")
             .exclusiveMin()});
}

OpSchema relu6Schema() {
    return activation("ReLU6", "min(max(x, 0), 6): ReLU capped at 6, as in MobileNet.",
                      "Element-wise. Parameters: 0. FLOPs: `2·E`.", 2);
}

OpSchema hardSigmoidSchema() {
    return activation(
        "HardSigmoid",
        "max(0, min(1, alpha * x + beta)). The defaults are ONNX's; PyTorch's nn.Hardsigmoid "
        "is alpha = 1/6, beta = 0.5.",
        "Element-wise. Parameters: 0. FLOPs: `4·E`.", 4,
        {AttrSpec::real("alpha", 0.2, -10.0, 10.0, "Slope of the linear part."),
         AttrSpec::real("beta", 0.5, -10.0, 10.0, "Offset of the linear part.")});
}

OpSchema hardSwishSchema() {
    return activation("HardSwish",
                      "x * max(0, min(1, x / 6 + 0.5)), as ONNX HardSwish and PyTorch's "
                      "nn.Hardswish (MobileNetV3).",
                      "Element-wise. Parameters: 0. FLOPs: `5·E`.", 5);
}

OpSchema geluSchema() {
    return activation("GELU", "x * Phi(x), the Gaussian error linear unit.",
                      "Element-wise. Parameters: 0. FLOPs: `8·E` (either `approximate`).", 8,
                      {AttrSpec::choice("approximate", "none", {"none", "tanh"},
                                        "none: the exact erf form; tanh: the tanh "
                                        "approximation.")});
}

OpSchema sigmoidSchema() {
    return activation("Sigmoid", "1 / (1 + exp(-x)).", "Element-wise. Parameters: 0. FLOPs: `4·E`.",
                      4);
}

OpSchema tanhSchema() {
    return activation("Tanh", "The hyperbolic tangent.",
                      "Element-wise. Parameters: 0. FLOPs: `4·E`.", 4);
}

} // namespace nw::graph::ops
