#pragma once
// Where each node of a graph runs: on the plan's backend when it has a kernel for the op,
// else on the CPU (the fallback), with the copies around it made by the plan
// (engine/plan/host_fallback.h). The summary (netwright-cli summary --device) and the
// plan report the same placement.

#include "engine/core/backend.h"
#include "graph/graph.h"

#include <string>
#include <vector>

namespace nw::engine {

struct NodePlacement {
    std::string nodeId;
    std::string op;
    std::string device; // "cuda:0", or "cpu" for a node the backend lacks
    std::string reason; // why it runs on the CPU instead; empty when it runs on `backend`
};

// One entry per node, in the graph's node order.
std::vector<NodePlacement> placeNodes(const graph::Graph& graph, const Backend& backend);

} // namespace nw::engine
