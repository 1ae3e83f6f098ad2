#pragma once
// Blocks: named groups of nodes that the editor draws as a titled frame or, collapsed, as one
// card. A group is metadata over ordinary nodes (Graph::groups()); nothing that analyzes,
// trains or exports a graph reads it. Its exposed ports are the edges that cross its
// boundary. Every change is a reversible GraphEdit (graph/edit.h), so it can be undone.

#include "base/expected.h"
#include "graph/edit.h"
#include "graph/graph.h"

#include <string>
#include <vector>

namespace nw::graph {

// The ports a group shows when collapsed: member input ports fed from outside and member
// output ports read from outside, each listed once, in edge order.
struct GroupPorts {
    std::vector<PortRef> inputs;
    std::vector<PortRef> outputs;
    friend bool operator==(const GroupPorts&, const GroupPorts&) = default;
};

GroupPorts groupPorts(const Graph& graph, const NodeGroup& group);

// The group holding node `id`, or nullptr.
const NodeGroup* groupOf(const Graph& graph, std::string_view nodeId);

// A group id not yet used: "<prefix>1", "<prefix>2", ...
std::string uniqueGroupId(const Graph& graph, std::string_view prefix = "block");

// Groups `ids` under `name` as a new group with id `groupId` (a fresh "blockN" when empty).
// Members are stored in graph order. Fails on no nodes, an unknown node, a node already in a
// block, an empty name or a taken id.
Expected<GraphEdit> makeGroup(const Graph& graph, const std::vector<std::string>& ids,
                              const std::string& name, const std::string& groupId = {});
// Removes the group; its nodes stay where they are.
Expected<GraphEdit> makeUngroup(const Graph& graph, const std::string& groupId);
// Renames the group; an empty name fails.
Expected<GraphEdit> makeRenameGroup(const Graph& graph, const std::string& groupId,
                                    const std::string& name);
// Collapses the group to one card or expands it again.
Expected<GraphEdit> makeSetGroupCollapsed(const Graph& graph, const std::string& groupId,
                                          bool collapsed);

} // namespace nw::graph
