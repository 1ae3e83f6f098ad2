#pragma once
// A node on the canvas: a card with a header coloured by op category, its id and op, the
// output shape and the parameter count (with a lock and "frozen" when the node's parameters
// are not trained), and its ports as sockets on the top (inputs) and
// bottom (outputs) edges. Identity is the node id; the scene updates the item from the
// document, the item never edits the graph itself.

#include "ui/graph_editor/editor_style.h"

#include <QGraphicsObject>
#include <QSet>
#include <QString>
#include <QStringList>

namespace nw::ui {

// What the card shows, all derived from the graph and its analysis.
struct NodeView {
    QString id;
    QString op;
    QColor header;
    QString shape;       // "[N, 32, 28, 28]", "?" when unknown
    QString params;      // "320 params"
    bool frozen = false; // Node::trainable is false (fine-tuning)
    QString problems;    // error messages, one per line; empty when valid
    int inputs = 0;
    int outputs = 0;
    bool operator==(const NodeView&) const = default;
};

class NodeItem : public QGraphicsObject {
    Q_OBJECT
public:
    enum { Type = UserType + 1 };
    NodeItem(const NodeView& view, const EditorStyle& style);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    const QString& id() const { return m_view.id; }
    const NodeView& view() const { return m_view; }
    bool isFrozen() const { return m_view.frozen; }
    // Repaints only when something shown changed.
    void setView(const NodeView& view);

    // Port centres in scene coordinates.
    QPointF inputPortPos(int port) const;
    QPointF outputPortPos(int port) const;
    // The port near `scenePos` (within CardGeometry::kPortHitRadius), or -1.
    int inputPortAt(QPointF scenePos) const;
    int outputPortAt(QPointF scenePos) const;

    // While a connection is dragged: which input ports accept it (others are dimmed).
    void setConnectionHighlight(bool active, const QSet<int>& compatible);
    // Grid snapping while the user drags the card.
    void setSnapping(bool on) { m_snap = on; }

    // The graph difference (DiffStatus::None on the editor's canvas): an outline and a badge
    // in the status's colour, removed cards ghosted with a dashed outline, unchanged ones
    // dimmed; a changed card shows `details` ("units: 10 -> 20", ...) and lists them in its
    // tooltip.
    void setDiff(DiffStatus status, const QStringList& details = {});
    DiffStatus diffStatus() const { return m_diff; }
    const QStringList& diffDetails() const { return m_diffDetails; }

signals:
    // The card moved (dragged, or placed by the scene); edges follow.
    void moved();

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

private:
    void paintPorts(QPainter* painter) const;
    // Draws the status badge right-aligned in `line`; returns its width (0 without one).
    double paintBadge(QPainter* painter, const QRectF& line) const;
    // Draws the lock and "frozen" right-aligned in `line`; returns its width.
    double paintFrozen(QPainter* painter, const QRectF& line) const;
    void updateToolTip();
    // Dimmed when unchanged, ghosted when removed, opaque when selected.
    void updateOpacity();

    NodeView m_view;
    const EditorStyle& m_style;
    bool m_highlight = false;
    QSet<int> m_compatible;
    bool m_snap = true;
    DiffStatus m_diff = DiffStatus::None;
    QStringList m_diffDetails;
};

} // namespace nw::ui
