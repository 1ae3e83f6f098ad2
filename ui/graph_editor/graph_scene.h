#pragma once
// The canvas model: a QGraphicsScene that observes the ProjectDocument and keeps one
// NodeItem per node id and one EdgeItem per edge, updating them in place on every
// changed() (QtNodes' way). It turns mouse gestures into document edits — connect by
// dragging from an output socket to an input socket (only compatible sockets highlighted),
// pick up an edge at its input socket to reconnect or drop it in empty space to disconnect,
// move cards — and never edits the graph itself. A read-only scene (setReadOnly) only selects;
// with DiffMarks it draws the difference of two graphs (ui/experiments/graph_diff_view.h).

#include "base/expected.h"
#include "graph/analysis.h"
#include "graph/graph.h"
#include "graph/group.h"
#include "ui/graph_editor/editor_style.h"

#include <QGraphicsScene>
#include <QHash>
#include <QStringList>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class EdgeItem;
class GroupItem;
class NodeItem;

// The Experiments mode's graph difference drawn on a read-only canvas whose document holds
// the union of two graphs (graph::diffUnion()).
struct DiffMarks {
    struct NodeMark {
        DiffStatus status = DiffStatus::Unchanged;
        QStringList details; // "units: 10 -> 20", ... for a changed node
    };
    QHash<QString, NodeMark> nodes;                    // by node id; nodes not listed are unchanged
    std::vector<graph::Edge> addedEdges, removedEdges; // other edges are unchanged
    // Shapes and costs to show (the newer graph's analysis, and the older one's for removed
    // nodes), instead of the union's, which is no real graph.
    graph::GraphAnalysis analysis;
};

class GraphScene : public QGraphicsScene {
    Q_OBJECT
public:
    // `document` must outlive the scene.
    explicit GraphScene(app::ProjectDocument& document, QObject* parent = nullptr);
    // Removes the items while the scene's own members are alive, without notifying views.
    ~GraphScene() override;

    app::ProjectDocument& document() const { return m_document; }
    const EditorStyle& editorStyle() const { return m_style; }
    void setEditorStyle(const EditorStyle& style);

    // Read-only: cards can be selected but not moved, no connections are dragged, deleting
    // does nothing (the view refuses drops and edit keys too). Off by default.
    void setReadOnly(bool readOnly);
    bool isReadOnly() const { return m_readOnly; }
    // Marks every card and edge with its difference status (see DiffMarks), and shows
    // `marks.analysis` instead of the document's. For a read-only scene.
    void setDiffMarks(DiffMarks marks);
    // Cleared: every item back to DiffStatus::None, the document's analysis shown.
    void clearDiffMarks();

    NodeItem* nodeItem(const QString& id) const { return m_nodes.value(id); }
    EdgeItem* edgeItem(const graph::Edge& edge) const;
    int nodeItemCount() const { return static_cast<int>(m_nodes.size()); }
    int edgeItemCount() const { return static_cast<int>(m_edges.size()); }
    GroupItem* groupItem(const QString& id) const { return m_groups.value(id); }
    int groupItemCount() const { return static_cast<int>(m_groups.size()); }
    // The block the selection belongs to: a selected collapsed card, or the block holding
    // every selected node. Empty when none.
    QString selectedGroupId() const;

    // Selected node ids in graph order (the members of a selected collapsed block included),
    // and selected edges.
    QStringList selectedNodeIds() const;
    std::vector<graph::Edge> selectedEdges() const;
    void selectNodes(const QStringList& ids);

    // What a drop at `scenePos` of a connection dragged from `from` does: connect to the
    // input socket there (replacing `picked`, the edge being reconnected, if any), or with
    // no socket there disconnect `picked`. Refusals are returned and also emitted as message.
    Status dropConnection(const graph::PortRef& from, QPointF scenePos,
                          const std::optional<graph::Edge>& picked = std::nullopt);
    // Input sockets that accept a connection from `from`, by node id.
    QHash<QString, QSet<int>> compatibleInputs(const graph::PortRef& from) const;
    // Deletes the selected nodes (with their edges) and the selected edges, one undo step.
    Status deleteSelection();

    // Rebuilds and updates the items from the document (called on every changed()).
    void sync();

signals:
    // A refused edit or another note for the status bar.
    void message(const QString& text);
    // The user double-clicked a block's title (the page asks for the new name).
    void groupRenameRequested(const QString& id);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;
    void drawBackground(QPainter* painter, const QRectF& rect) override;

private:
    struct ConnectionDrag {
        graph::PortRef from;
        std::optional<graph::Edge> picked; // the edge picked up at its input socket
        QGraphicsPathItem* preview = nullptr;
    };

    NodeItem* nodeAt(QPointF scenePos) const;
    void updateEdgesOf(const QString& id);
    void placeEdge(EdgeItem* edge);
    void beginConnection(const graph::PortRef& from, std::optional<graph::Edge> picked,
                         QPointF scenePos);
    void endConnection();
    void commitMoves();
    // graph_scene_groups.cpp: one GroupItem per block, member cards hidden while collapsed.
    void syncGroups();
    void refitGroupOf(const std::string& nodeId);
    QRectF membersRect(const std::vector<std::string>& members) const;
    // Where an edge end attaches: its node's socket, or the collapsed block's socket; nullopt
    // when the node has no item.
    std::optional<QPointF> edgeEnd(const graph::PortRef& ref, bool output) const;
    GroupItem* collapsedGroupOf(const std::string& nodeId) const;

    app::ProjectDocument& m_document;
    EditorStyle m_style;
    QHash<QString, NodeItem*> m_nodes;
    std::unordered_map<std::string, EdgeItem*> m_edges; // by edgeKey()
    std::unordered_map<std::string, NodeItem*> m_byId;  // m_nodes by std::string, for sync()
    // The edges touching each node; rebuilt only when edges come or go.
    std::unordered_map<std::string, std::vector<EdgeItem*>> m_edgesByNode;
    QHash<QString, GroupItem*> m_groups;
    std::unordered_map<std::string, std::string> m_groupOfNode;      // node id -> block id
    std::unordered_map<std::string, graph::GroupPorts> m_groupPorts; // collapsed blocks only
    std::optional<ConnectionDrag> m_drag;
    bool m_syncing = false;
    bool m_readOnly = false;
    std::optional<DiffMarks> m_diff;
};

} // namespace nw::ui
