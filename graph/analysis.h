#pragma once
// analyze(): validation, shape inference and cost counting of a whole graph in one pass.
// Every problem names the node and the offending field, so the CLI, the problems list and
// the canvas can point at it.

#include "graph/graph.h"
#include "graph/op_registry.h"

#include <map>
#include <string>
#include <vector>

namespace nw::graph {

struct Problem {
    enum class Severity { Error, Warning };
    Severity severity = Severity::Error;
    std::string nodeId; // empty for graph-wide problems
    std::string field;  // attribute, port ("input", "in 1"), "op", "edges"; may be empty
    std::string message;

    // "node 'conv1', field 'kernel_size': must be ..."
    std::string toString() const;
};

struct NodeInfo {
    std::vector<Shape> inputs;     // shapes arriving at each input port, when known
    std::vector<Shape> outputs;    // inferred output shapes; empty when inference failed
    OpCost cost;                   // parameter counts from `params`
    std::vector<ParamSpec> params; // the op schema's declarations for these shapes
    bool valid = false;            // attributes, connections and shape inference all passed
};

struct GraphAnalysis {
    std::vector<Problem> problems;
    // Node ids in topological order (every node when the graph has no cycle).
    std::vector<std::string> order;
    std::map<std::string, NodeInfo, std::less<>> nodes;
    OpCost totals;

    bool hasErrors() const;
    std::size_t errorCount() const;
    const NodeInfo* info(std::string_view id) const;
};

GraphAnalysis analyze(const Graph& graph, const OpRegistry& registry);

} // namespace nw::graph
