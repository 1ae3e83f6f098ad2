#include "graph/graph_diff.h"

#include "graph/layout.h"

#include <algorithm>
#include <cmath>

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
        if (n.trainable != other->trainable) { // frozen for fine-tuning, or thawed
            change.details.push_back(std::string("trainable: ") + (n.trainable ? "true" : "false") +
                                     " -> " + (other->trainable ? "true" : "false"));
        }
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

Graph diffUnion(const Graph& before, const Graph& after) {
    constexpr double kCardWidth = 200, kCardHeight = 64, kGap = 40; // editor card size
    Graph merged;
    for (const Node& n : after.nodes()) {
        merged.addNode(n);
    }
    auto overlapsAfter = [&after](const Position& p) {
        return std::any_of(after.nodes().begin(), after.nodes().end(), [&p](const Node& n) {
            return std::abs(n.position.x - p.x) < kCardWidth &&
                   std::abs(n.position.y - p.y) < kCardHeight;
        });
    };
    for (const Node& n : before.nodes()) {
        if (!after.findNode(n.id)) {
            Node ghost = n;
            for (int tries = 0; tries < 50 && overlapsAfter(ghost.position); ++tries) {
                ghost.position.x += kCardWidth + kGap;
            }
            merged.addNode(std::move(ghost));
        }
    }
    for (const Edge& e : after.edges()) {
        merged.addEdge(e);
    }
    for (const Edge& e : before.edges()) {
        if (!contains(after.edges(), e)) {
            merged.addEdge(e);
        }
    }
    if (needsLayout(before) || needsLayout(after)) {
        for (const auto& [id, position] : layeredLayout(merged)) {
            if (Node* node = merged.findNode(id)) {
                node->position = position;
            }
        }
    }
    return merged;
}

std::string edgeToString(const Edge& e) {
    return e.from.node + ":" + std::to_string(e.from.port) + " -> " + e.to.node + ":" +
           std::to_string(e.to.port);
}

} // namespace nw::graph
