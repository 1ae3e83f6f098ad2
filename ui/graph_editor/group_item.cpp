#include "ui/graph_editor/group_item.h"

#include <QGraphicsSceneMouseEvent>
#include <QPainter>

namespace nw::ui {

namespace {

const QColor kBlockHeader(0x5b, 0x6b, 0x8c);

} // namespace

GroupItem::GroupItem(const GroupView& view, const EditorStyle& style)
    : m_view(view)
    , m_style(style) {
    setAcceptedMouseButtons(Qt::LeftButton);
    placeFromView();
}

void GroupItem::setView(const GroupView& view) {
    if (view == m_view) {
        return;
    }
    prepareGeometryChange();
    m_view = view;
    placeFromView();
    update();
}

void GroupItem::placeFromView() {
    // Expanded: a frame under the cards and edges. Collapsed: a movable card above them.
    setZValue(m_view.collapsed ? 0 : -2);
    setFlag(ItemIsSelectable, m_view.collapsed);
    setFlag(ItemIsMovable, m_view.collapsed);
    setPos(m_view.collapsed ? m_view.members.topLeft()
                            : m_view.members.topLeft() - QPointF(kMargin, kMargin + kTitleHeight));
    setToolTip(m_view.collapsed ? tr("Block %1: %n node(s). Double-click the title to rename.",
                                     nullptr, m_view.nodeCount)
                                      .arg(m_view.name)
                                : QString());
}

QRectF GroupItem::frameRect() const {
    if (m_view.collapsed) {
        return CardGeometry::rect();
    }
    return {0, 0, m_view.members.width() + 2 * kMargin,
            m_view.members.height() + 2 * kMargin + kTitleHeight};
}

QRectF GroupItem::boundingRect() const {
    const double r = CardGeometry::kPortRadius + 2;
    return frameRect().adjusted(-r, -r, r, r);
}

QRectF GroupItem::toggleRect() const {
    const double h = m_view.collapsed ? CardGeometry::kHeaderHeight : kTitleHeight;
    return {frameRect().width() - h, 0, h, h};
}

QPointF GroupItem::inputPortPos(int port) const {
    return mapToScene(CardGeometry::inputPort(port, m_view.inputs));
}

QPointF GroupItem::outputPortPos(int port) const {
    return mapToScene(CardGeometry::outputPort(port, m_view.outputs));
}

void GroupItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    painter->setRenderHint(QPainter::Antialiasing);
    const QRectF frame = frameRect();
    const double head = m_view.collapsed ? CardGeometry::kHeaderHeight : kTitleHeight;
    QColor fill = kBlockHeader;
    fill.setAlpha(m_view.collapsed ? 255 : (m_style.dark ? 40 : 28));
    QPainterPath body;
    body.addRoundedRect(frame, 8, 8);
    painter->fillPath(body, m_view.collapsed ? m_style.card : fill);
    painter->save();
    painter->setClipPath(body);
    painter->fillRect(QRectF(0, 0, frame.width(), head), kBlockHeader);
    painter->restore();
    const bool selected = m_view.collapsed && isSelected();
    painter->setPen(QPen(selected ? m_style.selection : kBlockHeader, selected ? 2.5 : 1.5,
                         m_view.collapsed ? Qt::SolidLine : Qt::DashLine));
    painter->setBrush(Qt::NoBrush);
    painter->drawRoundedRect(frame, 8, 8);

    QFont font = painter->font();
    font.setBold(true);
    painter->setFont(font);
    painter->setPen(m_style.headerText);
    const QRectF title(8, 0, frame.width() - 16 - head, head);
    painter->drawText(title, Qt::AlignVCenter | Qt::AlignLeft,
                      painter->fontMetrics().elidedText(m_view.name, Qt::ElideRight,
                                                        static_cast<int>(title.width())));
    painter->drawText(toggleRect(), Qt::AlignCenter,
                      m_view.collapsed ? QStringLiteral("+") : QStringLiteral("−"));
    if (!m_view.collapsed) {
        return;
    }
    font.setBold(false);
    painter->setFont(font);
    painter->setPen(m_style.cardText);
    painter->drawText(QRectF(8, head, frame.width() - 16, frame.height() - head),
                      Qt::AlignVCenter | Qt::AlignLeft,
                      tr("Block · %n node(s)", nullptr, m_view.nodeCount) + QStringLiteral(" · ") +
                          m_view.params);
    const double r = CardGeometry::kPortRadius;
    painter->setPen(QPen(kBlockHeader, 2));
    painter->setBrush(m_style.portFill);
    for (int i = 0; i < m_view.inputs; ++i) {
        painter->drawEllipse(CardGeometry::inputPort(i, m_view.inputs), r, r);
    }
    painter->setBrush(kBlockHeader.lighter(130));
    for (int i = 0; i < m_view.outputs; ++i) {
        painter->drawEllipse(CardGeometry::outputPort(i, m_view.outputs), r, r);
    }
}

void GroupItem::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    m_pressPos = pos();
    const double head = m_view.collapsed ? CardGeometry::kHeaderHeight : kTitleHeight;
    if (toggleRect().contains(event->pos())) {
        event->accept();
        emit toggleRequested(m_view.id);
        return;
    }
    if (!m_view.collapsed && event->pos().y() > head) {
        event->ignore(); // inside the frame: the canvas (rubber band) gets the press
        return;
    }
    emit selectRequested(m_view.id);
    if (m_view.collapsed) {
        QGraphicsObject::mousePressEvent(event); // select and start a drag
    } else {
        event->accept();
    }
}

void GroupItem::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
    QGraphicsObject::mouseReleaseEvent(event);
    if (m_view.collapsed && pos() != m_pressPos) {
        emit dragFinished(m_view.id, pos() - m_pressPos);
    }
}

void GroupItem::mouseDoubleClickEvent(QGraphicsSceneMouseEvent* event) {
    const double head = m_view.collapsed ? CardGeometry::kHeaderHeight : kTitleHeight;
    if (event->pos().y() <= head && !toggleRect().contains(event->pos())) {
        emit renameRequested(m_view.id);
        event->accept();
        return;
    }
    QGraphicsObject::mouseDoubleClickEvent(event);
}

} // namespace nw::ui
