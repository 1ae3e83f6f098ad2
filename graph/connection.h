#pragma once
// Whether an edge from an output port to an input port would be accepted: the structural
// rules (ports exist, no self-loop, no cycle) and a local shape check that runs the target
// op's shape inference with the new input. Used by the editor to highlight compatible ports
// while a connection is dragged and to refuse incompatible drops.

#include "graph/analysis.h"
#include "graph/graph.h"
#include "graph/op_registry.h"

#include <optional>
#include <set>
#include <string>

namespace nw::graph {

// Number of input ports a node offers in the editor: its schema's inputs, and for a variadic
// op one more than the highest connected port (so there is always a free one to drop on).
int visibleInputCount(const Graph& graph, const Node& node, const OpRegistry& registry);
// The same from the schema and the highest connected input port (-1: none), for callers that
// index the edges once for many nodes.
int visibleInputCount(const OpSchema* schema, int highestConnectedPort);
int outputCount(const Node& node, const OpRegistry& registry);

// Ids of the nodes from which `id` can be reached along edges (its upstream), `id` excluded.
// An edge from `id` into any of them would close a cycle.
std::set<std::string, std::less<>> upstreamOf(const Graph& graph, std::string_view id);

// Why the edge `from` -> `to` is structurally impossible, or nullopt. An input that is
// already fed is not an error (the new edge replaces the old one).
std::optional<std::string> checkStructure(const Graph& graph, const PortRef& from,
                                          const PortRef& to, const OpRegistry& registry);

// checkStructure() plus shapes: when the source's output shape and the target's other inputs
// are known (from `analysis` of `graph`), the target's shape inference must accept them.
// `upstream` (optional) is upstreamOf(graph, from.node), computed once per drag.
std::optional<std::string>
checkConnection(const Graph& graph, const GraphAnalysis& analysis, const PortRef& from,
                const PortRef& to, const OpRegistry& registry,
                const std::set<std::string, std::less<>>* upstream = nullptr);

} // namespace nw::graph
