#include "graph/group.h"

#include <algorithm>
#include <set>

namespace nw::graph {

namespace {

Error fail(std::string message) {
    return Error::user(std::move(message));
}

// The group list with `group` replaced by `changed` (or removed when nullopt), as an edit.
GraphEdit replaceGroup(const Graph& graph, const NodeGroup& group,
                       const std::optional<NodeGroup>& changed) {
    std::vector<NodeGroup> after;
    for (const auto& g : graph.groups()) {
        if (g.id != group.id) {
            after.push_back(g);
        } else if (changed) {
            after.push_back(*changed);
        }
    }
    GraphEdit edit;
    if (after != graph.groups()) {
        edit.groups = GroupsChange{graph.groups(), std::move(after)};
    }
    return edit;
}

} // namespace

GroupPorts groupPorts(const Graph& graph, const NodeGroup& group) {
    std::set<std::string, std::less<>> members(group.nodes.begin(), group.nodes.end());
    GroupPorts ports;
    for (const auto& e : graph.edges()) {
        const bool fromInside = members.contains(e.from.node);
        const bool toInside = members.contains(e.to.node);
        if (!fromInside && toInside &&
            std::find(ports.inputs.begin(), ports.inputs.end(), e.to) == ports.inputs.end()) {
            ports.inputs.push_back(e.to);
        }
        if (fromInside && !toInside &&
            std::find(ports.outputs.begin(), ports.outputs.end(), e.from) == ports.outputs.end()) {
            ports.outputs.push_back(e.from);
        }
    }
    return ports;
}

const NodeGroup* groupOf(const Graph& graph, std::string_view nodeId) {
    for (const auto& g : graph.groups()) {
        if (std::find(g.nodes.begin(), g.nodes.end(), nodeId) != g.nodes.end()) {
            return &g;
        }
    }
    return nullptr;
}

std::string uniqueGroupId(const Graph& graph, std::string_view prefix) {
    for (std::size_t i = 1;; ++i) {
        std::string id = std::string(prefix) + std::to_string(i);
        if (!graph.findGroup(id)) {
            return id;
        }
    }
}

Expected<GraphEdit> makeGroup(const Graph& graph, const std::vector<std::string>& ids,
                              const std::string& name, const std::string& groupId) {
    if (ids.empty()) {
        return fail("select the nodes to group first");
    }
    if (name.empty()) {
        return fail("a block needs a name");
    }
    std::set<std::string, std::less<>> wanted;
    for (const auto& id : ids) {
        if (!graph.findNode(id)) {
            return fail("node '" + id + "' does not exist");
        }
        if (const NodeGroup* other = groupOf(graph, id)) {
            return fail("node '" + id + "' is already in block '" + other->name + "'");
        }
        wanted.insert(id);
    }
    NodeGroup group;
    group.id = groupId.empty() ? uniqueGroupId(graph) : groupId;
    if (graph.findGroup(group.id)) {
        return fail("block '" + group.id + "' already exists");
    }
    group.name = name;
    for (const auto& n : graph.nodes()) {
        if (wanted.contains(n.id)) {
            group.nodes.push_back(n.id);
        }
    }
    auto after = graph.groups();
    after.push_back(std::move(group));
    GraphEdit edit;
    edit.groups = GroupsChange{graph.groups(), std::move(after)};
    return edit;
}

Expected<GraphEdit> makeUngroup(const Graph& graph, const std::string& groupId) {
    const NodeGroup* group = graph.findGroup(groupId);
    if (!group) {
        return fail("block '" + groupId + "' does not exist");
    }
    return replaceGroup(graph, *group, std::nullopt);
}

Expected<GraphEdit> makeRenameGroup(const Graph& graph, const std::string& groupId,
                                    const std::string& name) {
    const NodeGroup* group = graph.findGroup(groupId);
    if (!group) {
        return fail("block '" + groupId + "' does not exist");
    }
    if (name.empty()) {
        return fail("block '" + groupId + "': a block needs a name");
    }
    NodeGroup renamed = *group;
    renamed.name = name;
    return replaceGroup(graph, *group, renamed);
}

Expected<GraphEdit> makeSetGroupCollapsed(const Graph& graph, const std::string& groupId,
                                          bool collapsed) {
    const NodeGroup* group = graph.findGroup(groupId);
    if (!group) {
        return fail("block '" + groupId + "' does not exist");
    }
    NodeGroup changed = *group;
    changed.collapsed = collapsed;
    return replaceGroup(graph, *group, changed);
}

} // namespace nw::graph
