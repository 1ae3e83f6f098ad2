#pragma once
// The model IR: nodes (an op with attributes and a canvas position) joined by edges from an
// output port to an input port. Plain data; the rules live in OpSchema and analyze().

#include "graph/attribute.h"

#include <string>
#include <string_view>
#include <vector>

namespace nw::graph {

// Canvas position of a node's top-left corner, in scene units.
struct Position {
    double x = 0;
    double y = 0;
    friend bool operator==(const Position&, const Position&) = default;
};

struct Node {
    std::string id; // unique in its graph, e.g. "conv1"; names the node in every message
    std::string op; // schema name, e.g. "Conv2D"
    AttrMap attrs;
    Position position;
    // The plugin the op comes from ("netwright-examples"); empty for a built-in op. The project
    // reader and makeAddNode() take it from the op's schema; for an op no loaded plugin
    // declares, it is what the file said, so the node can name what is missing and be saved
    // back unchanged.
    std::string plugin = {};
    // False: the node is frozen (fine-tuning). Its parameters get no gradient and no optimizer
    // state and are never changed by a training step; its state tensors (batch-norm running
    // statistics) still update in training mode. Written to the project file only when false.
    bool trainable = true;
    friend bool operator==(const Node&, const Node&) = default;
};

// One end of an edge: a node and the index of one of its ports.
struct PortRef {
    std::string node;
    int port = 0;
    friend bool operator==(const PortRef&, const PortRef&) = default;
};

// Data flows from an output port to an input port.
struct Edge {
    PortRef from;
    PortRef to;
    friend bool operator==(const Edge&, const Edge&) = default;
};

// A named block: editor metadata over ordinary nodes (graph/group.h). Validation, shape
// inference, the engine and the exporters never read it; the canvas draws it as a titled
// frame, or as one card when collapsed. A node belongs to at most one group.
struct NodeGroup {
    std::string id;                 // unique among the graph's groups, e.g. "block1"
    std::string name;               // shown in the frame's title, e.g. "Residual block"
    std::vector<std::string> nodes; // member node ids, in graph order
    bool collapsed = false;         // drawn as one card
    friend bool operator==(const NodeGroup&, const NodeGroup&) = default;
};

class Graph {
public:
    const std::vector<Node>& nodes() const { return m_nodes; }
    const std::vector<Edge>& edges() const { return m_edges; }
    const std::vector<NodeGroup>& groups() const { return m_groups; }

    const Node* findNode(std::string_view id) const;
    Node* findNode(std::string_view id);

    // Adds a node; false when its id is empty or taken.
    bool addNode(Node node);
    // Removes a node and every edge touching it; false when there is no such node.
    bool removeNode(std::string_view id);
    // Adds an edge as given; analyze() reports edges that make no sense.
    void addEdge(Edge edge) { m_edges.push_back(std::move(edge)); }
    bool removeEdge(const Edge& edge);

    // Positional access for reversible edits (graph/edit.h), which restore exact order.
    // Indices must be in range (insert: <= size); erasing a node leaves its edges alone.
    void insertNodeAt(std::size_t index, Node node);
    void eraseNodeAt(std::size_t index);
    void insertEdgeAt(std::size_t index, Edge edge);
    void eraseEdgeAt(std::size_t index);

    // Replaces every group (edits restore the list as a whole; it is small).
    void setGroups(std::vector<NodeGroup> groups) { m_groups = std::move(groups); }
    const NodeGroup* findGroup(std::string_view id) const;

    // An id not yet used: "<prefix>1", "<prefix>2", ...
    std::string uniqueId(std::string_view prefix) const;

    friend bool operator==(const Graph&, const Graph&) = default;

private:
    std::vector<Node> m_nodes;
    std::vector<Edge> m_edges;
    std::vector<NodeGroup> m_groups;
};

} // namespace nw::graph
