#pragma once
// The difference between two graphs by node id (two runs of one project, an edited model):
// nodes added and removed, nodes whose op, attributes or trainable flag changed, edges added
// and removed.
// Positions and groups are editor layout and are not compared.

#include "graph/graph.h"

#include <string>
#include <vector>

namespace nw::graph {

struct NodeChange {
    std::string id;
    // "op: Conv2D -> Dense", "units: 10 -> 20", "trainable: true -> false", ...
    std::vector<std::string> details;
};

struct GraphDiff {
    std::vector<std::string> addedNodes; // ids in `after` only, in its order
    std::vector<std::string> removedNodes;
    std::vector<NodeChange> changedNodes;
    std::vector<Edge> addedEdges;
    std::vector<Edge> removedEdges;
    bool empty() const {
        return addedNodes.empty() && removedNodes.empty() && changedNodes.empty() &&
               addedEdges.empty() && removedEdges.empty();
    }
};

GraphDiff diffGraphs(const Graph& before, const Graph& after);

// Both graphs in one, for drawing their difference: `after`'s nodes at their positions, then
// the nodes only `before` has at theirs (moved right, clear of `after`'s cards, where they
// would overlap one); `after`'s edges, then the edges only `before` has. When either graph's
// positions cannot be shown as stored (graph/layout.h needsLayout()), the whole union is laid
// out again. Groups are left out (a collapsed block would hide its members).
Graph diffUnion(const Graph& before, const Graph& after);

// "conv1:0 -> fc:1"
std::string edgeToString(const Edge& edge);

} // namespace nw::graph
