#include "graph/fragment.h"

#include "graph/group.h"
#include "graph/project_file.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace nw::graph {

Graph extractFragment(const Graph& graph, const std::vector<std::string>& ids) {
    std::set<std::string, std::less<>> keep(ids.begin(), ids.end());
    Graph out;
    for (const auto& n : graph.nodes()) {
        if (keep.contains(n.id)) {
            out.addNode(n);
        }
    }
    for (const auto& e : graph.edges()) {
        if (keep.contains(e.from.node) && keep.contains(e.to.node)) {
            out.addEdge(e);
        }
    }
    std::vector<NodeGroup> groups;
    for (const auto& group : graph.groups()) {
        if (std::all_of(group.nodes.begin(), group.nodes.end(),
                        [&keep](const std::string& id) { return keep.contains(id); })) {
            groups.push_back(group);
        }
    }
    out.setGroups(std::move(groups));
    return out;
}

Graph prepareFragment(const Graph& target, const Graph& fragment, Position offset) {
    // Ids taken by the target or already handed out to earlier fragment nodes.
    Graph taken = target;
    std::map<std::string, std::string> renamed;
    Graph out;
    for (Node n : fragment.nodes()) {
        std::string id = n.id;
        if (taken.findNode(id)) {
            auto stem = id;
            while (!stem.empty() && std::isdigit(static_cast<unsigned char>(stem.back()))) {
                stem.pop_back();
            }
            id = taken.uniqueId(stem.empty() ? "node" : stem);
        }
        renamed[n.id] = id;
        n.id = id;
        n.position = {n.position.x + offset.x, n.position.y + offset.y};
        taken.addNode(Node{id, n.op, {}, {}});
        out.addNode(std::move(n));
    }
    for (Edge e : fragment.edges()) {
        e.from.node = renamed.at(e.from.node);
        e.to.node = renamed.at(e.to.node);
        out.addEdge(std::move(e));
    }
    std::vector<NodeGroup> groups;
    Graph takenGroups; // the target's groups plus those handed out so far
    takenGroups.setGroups(target.groups());
    for (NodeGroup group : fragment.groups()) {
        if (takenGroups.findGroup(group.id)) {
            auto stem = group.id;
            while (!stem.empty() && std::isdigit(static_cast<unsigned char>(stem.back()))) {
                stem.pop_back();
            }
            group.id = uniqueGroupId(takenGroups, stem.empty() ? "block" : stem);
        }
        for (auto& id : group.nodes) {
            id = renamed.at(id);
        }
        auto all = takenGroups.groups();
        all.push_back(group);
        takenGroups.setGroups(std::move(all));
        groups.push_back(std::move(group));
    }
    out.setGroups(std::move(groups));
    return out;
}

std::string fragmentToJson(const Graph& fragment) {
    Project p;
    p.name = "Netwright fragment";
    p.graph = fragment;
    return serializeProject(p);
}

Expected<Graph> fragmentFromJson(std::string_view text, const OpRegistry& registry) {
    auto project = parseProject(text, "clipboard", registry);
    if (!project) {
        return project.error();
    }
    for (const auto& e : project->graph.edges()) {
        if (!project->graph.findNode(e.from.node) || !project->graph.findNode(e.to.node)) {
            return Error::user("clipboard: an edge refers to a node that is not in it");
        }
    }
    return std::move(project->graph);
}

} // namespace nw::graph
