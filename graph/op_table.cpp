#include "graph/op_table.h"

#include "graph/op_registry.h"

namespace nw::graph {

std::vector<std::string> OpCoverage::missing(const OpRegistry& registry) const {
    std::vector<std::string> out;
    for (const auto* s : registry.all()) {
        if (!covers(s->name)) {
            out.push_back(s->name);
        }
    }
    return out;
}

std::vector<std::string> OpCoverage::named() const {
    std::vector<std::string> out;
    for (const auto& [op, unused] : m_supported) {
        out.push_back(op);
    }
    for (const auto& [op, reason] : m_unsupported) {
        out.push_back(op);
    }
    return out;
}

} // namespace nw::graph
