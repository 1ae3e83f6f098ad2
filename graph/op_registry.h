#pragma once
// The op registry: schemas by name. Ops are added explicitly, one line each, by
// registerCoreOps() (graph/ops/core_ops.cpp) and by plugins; nothing registers itself.

#include "graph/op_schema.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nw::graph {

class OpRegistry {
public:
    // Adds a schema; fails (user error) when the name is taken or the schema is malformed.
    Status add(OpSchema schema);

    const OpSchema* find(std::string_view name) const;
    // Schemas in registration order (the palette's order).
    const std::vector<const OpSchema*>& all() const { return m_order; }
    std::vector<std::string> categories() const;

private:
    std::map<std::string, std::unique_ptr<OpSchema>, std::less<>> m_byName;
    std::vector<const OpSchema*> m_order;
};

// Adds Netwright's built-in ops.
void registerCoreOps(OpRegistry& registry);

// A registry holding the built-in ops.
OpRegistry makeCoreRegistry();

} // namespace nw::graph
