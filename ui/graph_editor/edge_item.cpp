#include "ui/graph_editor/edge_item.h"

#include <QFont>
#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>
#include <cmath>

namespace nw::ui {

namespace {

QFont labelFont() {
    QFont f;
    f.setPixelSize(11);
    return f;
}

} // namespace

EdgeItem::EdgeItem(graph::Edge edge, const EditorStyle& style)
    : m_edge(std::move(edge))
    , m_style(style) {
    setFlag(ItemIsSelectable);
    setZValue(-1); // under the cards
}

QPainterPath EdgeItem::curve(QPointF from, QPointF to) {
    // Vertical tangents at both sockets; longer when the target lies above the source.
    double dy = std::max(40.0, std::abs(to.y() - from.y()) * 0.5);
    QPainterPath path(from);
    path.cubicTo(from + QPointF(0, dy), to - QPointF(0, dy), to);
    return path;
}

void EdgeItem::setEnds(QPointF from, QPointF to) {
    if (m_hasEnds && from == m_from && to == m_to) {
        return; // unchanged: spare the scene index an update
    }
    m_hasEnds = true;
    m_from = from;
    m_to = to;
    prepareGeometryChange();
    QPainterPath p = curve(from, to);
    m_mid = p.pointAtPercent(0.5);
    setPath(p);
}

void EdgeItem::setLabel(const QString& shape) {
    if (shape == m_label) {
        return;
    }
    prepareGeometryChange();
    m_label = shape;
    update();
}

void EdgeItem::setDiffStatus(DiffStatus status) {
    if (status == m_diff) {
        return;
    }
    m_diff = status;
    updateOpacity();
    update();
}

void EdgeItem::updateOpacity() {
    setOpacity(m_diff == DiffStatus::Unchanged && !isSelected() ? m_style.diffDimmedOpacity : 1.0);
}

QVariant EdgeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    if (change == ItemSelectedHasChanged && m_diff != DiffStatus::None) {
        updateOpacity();
    }
    return QGraphicsPathItem::itemChange(change, value);
}

QRectF EdgeItem::labelRect() const {
    if (m_label.isEmpty()) {
        return {};
    }
    QFontMetricsF fm(labelFont());
    QSizeF size(fm.horizontalAdvance(m_label) + 10, fm.height() + 4);
    // Beside the curve's midpoint, so it never covers the line or the sockets.
    return {m_mid + QPointF(8, -size.height() / 2), size};
}

QRectF EdgeItem::boundingRect() const {
    return QGraphicsPathItem::boundingRect().adjusted(-3, -3, 3, 3).united(labelRect());
}

QPainterPath EdgeItem::shape() const {
    QPainterPathStroker stroker;
    stroker.setWidth(10);
    QPainterPath s = stroker.createStroke(path());
    s.addRect(labelRect());
    return s;
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
    const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
    const bool marked = m_diff == DiffStatus::Added || m_diff == DiffStatus::Removed;
    const QColor colour = isSelected() ? m_style.selection
                          : marked     ? m_style.diffColor(m_diff)
                                       : m_style.edge;
    if (lod < 0.35) { // far out: a straight hairline is indistinguishable and much cheaper
        painter->setPen(QPen(colour, marked ? 2 / lod : 0));
        painter->drawLine(m_from, m_to);
        return;
    }
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(colour, isSelected() || marked ? 2.5 : 1.8,
                         m_diff == DiffStatus::Removed ? Qt::DashLine : Qt::SolidLine));
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(path());
    if (!m_label.isEmpty() && lod >= 0.45) {
        QRectF r = labelRect();
        painter->setPen(Qt::NoPen);
        painter->setBrush(m_style.edgeLabel);
        painter->drawRoundedRect(r, 4, 4);
        painter->setFont(labelFont());
        painter->setPen(isSelected() ? m_style.selection : m_style.edgeLabelText);
        painter->drawText(r, Qt::AlignCenter, m_label);
    }
}

} // namespace nw::ui
