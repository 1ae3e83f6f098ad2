#pragma once
// Reversible graph edits, Qt-free. A GraphEdit is a change set — nodes and edges removed and
// added at recorded indices, attribute values and positions changed from a recorded "before"
// to an "after" — so that its inverse is exact: applying an edit and then its inverse gives
// back a Graph equal (operator==) to the original, node and edge order included.
//
// Build edits with the make*() factories against the graph they will be applied to; they
// check the request and fail with a message naming the node, port or attribute.
// app/commands/ wraps edits as QUndoCommands.

#include "base/expected.h"
#include "graph/graph.h"
#include "graph/op_registry.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nw::graph {

struct IndexedNode {
    std::size_t index = 0; // position in Graph::nodes() where it sits (or will sit)
    Node node;
    friend bool operator==(const IndexedNode&, const IndexedNode&) = default;
};

struct IndexedEdge {
    std::size_t index = 0; // position in Graph::edges()
    Edge edge;
    friend bool operator==(const IndexedEdge&, const IndexedEdge&) = default;
};

// One attribute of one node; nullopt means "absent".
struct AttrChange {
    std::string node;
    std::string attr;
    std::optional<AttrValue> before;
    std::optional<AttrValue> after;
    friend bool operator==(const AttrChange&, const AttrChange&) = default;
};

struct MoveChange {
    std::string node;
    Position before;
    Position after;
    friend bool operator==(const MoveChange&, const MoveChange&) = default;
};

// Whether one node is trainable or frozen (Node::trainable), before and after.
struct TrainableChange {
    std::string node;
    bool before = true;
    bool after = true;
    friend bool operator==(const TrainableChange&, const TrainableChange&) = default;
};

// The graph's whole group list before and after an edit (the list is short).
struct GroupsChange {
    std::vector<NodeGroup> before;
    std::vector<NodeGroup> after;
    friend bool operator==(const GroupsChange&, const GroupsChange&) = default;
};

// Applied in this order: edges removed (highest index first), nodes removed (highest index
// first), nodes added (lowest index first), edges added (lowest index first), attribute
// changes, moves, trainable changes, groups. Add indices are relative to the graph after the
// removals.
struct GraphEdit {
    std::vector<IndexedEdge> removeEdges;
    std::vector<IndexedNode> removeNodes;
    std::vector<IndexedNode> addNodes;
    std::vector<IndexedEdge> addEdges;
    std::vector<AttrChange> attrs;
    std::vector<MoveChange> moves;
    std::vector<TrainableChange> trainable;
    std::optional<GroupsChange> groups; // nullopt: groups untouched

    bool empty() const;
    // The edit that undoes this one.
    GraphEdit inverted() const;
    // Applies the edit; fails (and leaves `graph` unchanged) when the graph is not the one
    // the edit was made for, e.g. a removed node is not at its recorded index.
    Status apply(Graph& graph) const;

    friend bool operator==(const GraphEdit&, const GraphEdit&) = default;
};

// Adds `node` (its attributes completed with the schema's defaults when the op is known).
// Fails when the id is empty or taken.
Expected<GraphEdit> makeAddNode(const Graph& graph, Node node, const OpRegistry& registry);

// Removes the nodes and every edge touching them, and drops them from their groups (a group
// left empty goes too). Unknown ids fail.
Expected<GraphEdit> makeRemoveNodes(const Graph& graph, const std::vector<std::string>& ids);

// Connects an output port to an input port. An edge already feeding that input is replaced
// (so dropping an edge on a used input reconnects it). Fails on missing nodes or ports, a
// self-loop, an existing identical edge, or a cycle. Shape compatibility is checked by
// checkConnection() (graph/connection.h), not here.
Expected<GraphEdit> makeConnect(const Graph& graph, const PortRef& from, const PortRef& to,
                                const OpRegistry& registry);

// Removes one edge; fails when it does not exist.
Expected<GraphEdit> makeDisconnect(const Graph& graph, const Edge& edge);

// Sets one attribute after checking it against the op's AttrSpec; an invalid value fails
// with the spec's message ("node 'conv1', attribute 'kernel_size': must be ...").
Expected<GraphEdit> makeSetAttribute(const Graph& graph, const std::string& node,
                                     const std::string& attr, const AttrValue& value,
                                     const OpRegistry& registry);

// Moves nodes to new positions (scene units). Unknown ids fail; unchanged positions are
// left out of the edit.
Expected<GraphEdit> makeMoveNodes(const Graph& graph,
                                  const std::map<std::string, Position>& positions);

// Freezes (trainable = false) or unfreezes the nodes (fine-tuning: a frozen node's parameters
// are not trained). Unknown ids fail; nodes already so are left out of the edit.
Expected<GraphEdit> makeSetTrainable(const Graph& graph, const std::vector<std::string>& ids,
                                     bool trainable);

// Adds a set of nodes and the edges between them (a pasted fragment), and the fragment's
// groups; node and group ids must be free (prepareFragment() makes them so).
Expected<GraphEdit> makeInsertFragment(const Graph& graph, const Graph& fragment);

// Group edits (blocks) are declared in graph/group.h.

} // namespace nw::graph
