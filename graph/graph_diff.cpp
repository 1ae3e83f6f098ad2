#include "graph/graph_diff.h"

#include <algorithm>

namespace nw::graph {

namespace {

bool contains(const std::vector<Edge>& edges, const Edge& e) {
    return std::find(edges.begin(), edges.end(), e) != edges.end();
}

std::vector<std::string> attrChanges(const AttrMap& before, const AttrMap& after) {
    std::vector<std::string> out;
    for (const auto& [name, value] : before) {
        auto it = after.find(name);
        if (it == after.end()) {
            out.push_back(name + ": " + attrValueToString(value) + " -> (default)");
        } else if (!(it->second == value)) {
            out.push_back(name + ": " + attrValueToString(value) + " -> " +
                          attrValueToString(it->second));
        }
    }
    for (const auto& [name, value] : after) {
        if (!before.contains(name)) {
            out.push_back(name + ": (default) -> " + attrValueToString(value));
        }
    }
    return out;
}

} // namespace

GraphDiff diffGraphs(const Graph& before, const Graph& after) {
    GraphDiff d;
    for (const Node& n : before.nodes()) {
        const Node* other = after.findNode(n.id);
        if (!other) {
            d.removedNodes.push_back(n.id);
            continue;
        }
        NodeChange change{n.id, {}};
        if (n.op != other->op) {
            change.details.push_back("op: " + n.op + " -> " + other->op);
        }
        auto attrs = attrChanges(n.attrs, other->attrs);
        change.details.insert(change.details.end(), attrs.begin(), attrs.end());
        if (!change.details.empty()) {
            d.changedNodes.push_back(std::move(change));
        }
    }
    for (const Node& n : after.nodes()) {
        if (!before.findNode(n.id)) {
            d.addedNodes.push_back(n.id);
        }
    }
    for (const Edge& e : before.edges()) {
        if (!contains(after.edges(), e)) {
            d.removedEdges.push_back(e);
        }
    }
    for (const Edge& e : after.edges()) {
        if (!contains(before.edges(), e)) {
            d.addedEdges.push_back(e);
        }
    }
    return d;
}

std::string edgeToString(const Edge& e) {
    return e.from.node + ":" + std::to_string(e.from.port) + " -> " + e.to.node + ":" +
           std::to_string(e.to.port);
}

} // namespace nw::graph
