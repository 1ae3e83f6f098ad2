#include "graph/op_schema.h"

namespace nw::graph {

const AttrSpec* OpSchema::findAttr(std::string_view attr) const {
    for (const auto& a : attrs) {
        if (a.name == attr) {
            return &a;
        }
    }
    return nullptr;
}

std::int64_t ParamSpec::numel() const {
    std::int64_t n = 1;
    for (auto d : shape) {
        n *= d;
    }
    return n;
}

std::vector<ParamSpec> OpSchema::paramsFor(const InferContext& ctx) const {
    return params ? params(ctx) : std::vector<ParamSpec>{};
}

InferResult OpSchema::inferNode(const InferContext& ctx) const {
    auto result = infer(ctx);
    if (!result) {
        return result;
    }
    result->params = paramsFor(ctx);
    for (const auto& p : result->params) { // counted from the declarations only
        (p.trainable ? result->cost.trainableParams : result->cost.nonTrainableParams) += p.numel();
    }
    return result;
}

AttrMap OpSchema::defaults() const {
    AttrMap out;
    for (const auto& a : attrs) {
        out.emplace(a.name, a.defaultValue);
    }
    return out;
}

int OpSchema::minInputs() const {
    if (!hasVariadicInput()) {
        return static_cast<int>(inputs.size());
    }
    return static_cast<int>(inputs.size()) - 1 + inputs.back().minCount;
}

std::string OpSchema::inputName(int i) const {
    auto n = static_cast<int>(inputs.size());
    if (i < n && !(hasVariadicInput() && i == n - 1)) {
        return inputs[static_cast<std::size_t>(i)].name;
    }
    if (hasVariadicInput()) {
        return inputs.back().name + " " + std::to_string(i - (n - 1));
    }
    return "input " + std::to_string(i);
}

} // namespace nw::graph
