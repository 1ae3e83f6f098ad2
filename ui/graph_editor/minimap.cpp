#include "ui/graph_editor/minimap.h"

#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/graph_view.h"
#include "ui/graph_editor/group_item.h"
#include "ui/graph_editor/node_item.h"

#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>

namespace nw::ui {

Minimap::Minimap(GraphView* view)
    : QWidget(view)
    , m_view(view) {
    setFixedSize(180, 130);
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("Overview: click or drag to move the view"));
    auto repaint = [this] {
        reposition();
        update();
    };
    connect(view->graphScene(), &QGraphicsScene::changed, this, repaint);
    connect(view->horizontalScrollBar(), &QScrollBar::valueChanged, this, repaint);
    connect(view->verticalScrollBar(), &QScrollBar::valueChanged, this, repaint);
}

void Minimap::setSwitchedOn(bool on) {
    m_on = on;
    reposition();
}

void Minimap::reposition() {
    const bool empty = m_view->graphScene()->nodeItemCount() == 0;
    setVisible(m_on && !empty);
    const QRect area = m_view->viewport()->geometry();
    move(area.right() - width() - 12, area.bottom() - height() - 12);
}

QRectF Minimap::sceneArea() const {
    QRectF area = m_view->graphScene()->itemsBoundingRect().adjusted(-40, -40, 40, 40);
    const QRectF visible = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
    return area.united(visible.intersected(area.adjusted(-2000, -2000, 2000, 2000)));
}

QTransform Minimap::toMap() const {
    const QRectF area = sceneArea();
    const double s = std::min((width() - 8) / area.width(), (height() - 8) / area.height());
    const double dx = (width() - area.width() * s) / 2;
    const double dy = (height() - area.height() * s) / 2;
    return QTransform::fromTranslate(-area.left(), -area.top()) * QTransform::fromScale(s, s) *
           QTransform::fromTranslate(dx, dy);
}

void Minimap::paintEvent(QPaintEvent*) {
    const auto& style = m_view->graphScene()->editorStyle();
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    QColor back = style.card;
    back.setAlpha(230);
    p.setPen(QPen(style.cardBorder, 1));
    p.setBrush(back);
    p.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6);
    const QTransform map = toMap();
    p.setPen(Qt::NoPen);
    for (QGraphicsItem* item : m_view->graphScene()->items()) {
        if (item->type() == GroupItem::Type && item->isVisible()) { // a collapsed block's card
            const auto* block = static_cast<GroupItem*>(item);
            if (block->view().collapsed) {
                p.setBrush(style.cardBorder);
                p.drawRect(map.mapRect(block->mapRectToScene(CardGeometry::rect())));
            }
            continue;
        }
        if (item->type() != NodeItem::Type || !item->isVisible()) { // hidden: in a collapsed block
            continue;
        }
        auto* node = static_cast<NodeItem*>(item);
        const QRectF r = map.mapRect(node->mapRectToScene(CardGeometry::rect()));
        p.setBrush(node->view().problems.isEmpty() ? node->view().header : style.error);
        p.drawRect(r.adjusted(0, 0, 0.5, 0.5));
    }
    const QRectF visible =
        map.mapRect(m_view->mapToScene(m_view->viewport()->rect()).boundingRect());
    p.setPen(QPen(style.selection, 1.5));
    QColor fill = style.selection;
    fill.setAlpha(30);
    p.setBrush(fill);
    p.drawRect(visible.intersected(QRectF(rect()).adjusted(1, 1, -1, -1)));
}

void Minimap::centreViewAt(QPoint pos) {
    bool invertible = false;
    const QTransform back = toMap().inverted(&invertible);
    if (invertible) {
        m_view->centerOn(back.map(QPointF(pos)));
    }
}

void Minimap::mousePressEvent(QMouseEvent* event) {
    centreViewAt(event->position().toPoint());
    event->accept();
}

void Minimap::mouseMoveEvent(QMouseEvent* event) {
    if (event->buttons() & Qt::LeftButton) {
        centreViewAt(event->position().toPoint());
    }
    event->accept();
}

} // namespace nw::ui
