#pragma once
// An edge on the canvas: a cubic curve from an output socket (bottom of the source card) to
// an input socket (top of the target card), labelled with the tensor shape flowing through
// it. Identity is the graph::Edge it draws.

#include "graph/graph.h"
#include "ui/graph_editor/editor_style.h"

#include <QGraphicsPathItem>

namespace nw::ui {

class EdgeItem : public QGraphicsPathItem {
public:
    enum { Type = UserType + 2 };
    EdgeItem(graph::Edge edge, const EditorStyle& style);

    int type() const override { return Type; }
    const graph::Edge& edge() const { return m_edge; }

    // The curve between two scene points (output socket, input socket).
    static QPainterPath curve(QPointF from, QPointF to);
    void setEnds(QPointF from, QPointF to);
    void setLabel(const QString& shape);
    const QString& label() const { return m_label; }
    // The graph difference (DiffStatus::None on the editor's canvas): added edges in the
    // added colour, removed ones dashed in the removed colour, unchanged ones dimmed.
    void setDiffStatus(DiffStatus status);
    DiffStatus diffStatus() const { return m_diff; }

    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

private:
    QRectF labelRect() const;
    void updateOpacity();

    graph::Edge m_edge;
    const EditorStyle& m_style;
    QString m_label;
    QPointF m_mid;
    QPointF m_from, m_to;
    bool m_hasEnds = false;
    DiffStatus m_diff = DiffStatus::None;
};

} // namespace nw::ui
