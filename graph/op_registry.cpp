#include "graph/op_registry.h"

#include <algorithm>

namespace nw::graph {

Status OpRegistry::add(OpSchema schema) {
    if (schema.name.empty()) {
        return Error::user("an op schema has no name");
    }
    if (m_byName.count(schema.name) != 0) {
        return Error::user("op '" + schema.name + "' is registered twice");
    }
    if (!schema.infer) {
        return Error::user("op '" + schema.name + "' has no shape inference");
    }
    for (std::size_t i = 0; i + 1 < schema.inputs.size(); ++i) {
        if (schema.inputs[i].variadic) {
            return Error::user("op '" + schema.name + "': only the last input may be variadic");
        }
    }
    for (const auto& attr : schema.attrs) {
        if (auto why = attr.check(attr.defaultValue)) {
            return Error::user("op '" + schema.name + "', attribute '" + attr.name + "': default " +
                               *why);
        }
    }
    auto owned = std::make_unique<OpSchema>(std::move(schema));
    m_order.push_back(owned.get());
    m_byName.emplace(owned->name, std::move(owned));
    return Status::success();
}

const OpSchema* OpRegistry::find(std::string_view name) const {
    auto it = m_byName.find(name);
    return it == m_byName.end() ? nullptr : it->second.get();
}

std::vector<std::string> OpRegistry::categories() const {
    std::vector<std::string> out;
    for (const auto* s : m_order) {
        if (std::find(out.begin(), out.end(), s->category) == out.end()) {
            out.push_back(s->category);
        }
    }
    return out;
}

OpRegistry makeCoreRegistry() {
    OpRegistry registry;
    registerCoreOps(registry);
    return registry;
}

} // namespace nw::graph
