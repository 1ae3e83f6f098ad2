#pragma once
// Automatic layered layout for the editor: data flows top to bottom. Each node's layer is
// the length of the longest path from a source (longest-path layering); within a layer nodes
// are ordered by the mean column of their predecessors to reduce crossings, and each layer
// is centred on x = 0.

#include "graph/graph.h"

#include <map>
#include <string>
#include <vector>

namespace nw::graph {

struct LayoutSpacing {
    double columnStep = 240; // scene units between the left edges of neighbours in a layer
    double rowStep = 120;    // scene units between the tops of consecutive layers
};

// New top-left positions for the nodes in `ids` (every node when empty). With a subset,
// only edges between those nodes count, and the block keeps its top-left corner.
std::map<std::string, Position> layeredLayout(const Graph& graph,
                                              const std::vector<std::string>& ids = {},
                                              LayoutSpacing spacing = {});

// True when the stored positions cannot be shown as they are: the cards of two nodes, each
// `cardWidth` x `cardHeight` scene units from its position, would overlap (e.g. a file written
// without positions, where every node sits at the origin). Positions a user chose are never
// overridden otherwise.
bool needsLayout(const Graph& graph, double cardWidth = 200, double cardHeight = 64);

} // namespace nw::graph
