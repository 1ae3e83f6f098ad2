#include "ui/graph_editor/graph_view.h"

#include "app/project_document.h"
#include "ui/graph_editor/editor_style.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/minimap.h"

#include <QGestureEvent>
#include <QKeyEvent>
#include <QMimeData>
#include <QNativeGestureEvent>
#include <QScrollBar>
#include <algorithm>
#include <cmath>
#include <map>

namespace nw::ui {

GraphView::GraphView(GraphScene* scene, QWidget* parent)
    : QGraphicsView(scene, parent)
    , m_scene(scene)
    , m_minimap(nullptr) {
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::RubberBandDrag);
    setRubberBandSelectionMode(Qt::IntersectsItemShape);
    setTransformationAnchor(QGraphicsView::NoAnchor);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setOptimizationFlags(QGraphicsView::DontSavePainterState);
    setAcceptDrops(true);
    setFocusPolicy(Qt::StrongFocus);
    setFrameShape(QFrame::NoFrame);
    // A generous scene rect so the canvas can be panned past the graph's edges.
    setSceneRect(-50000, -50000, 100000, 100000);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff); // pan with the middle button/Space
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    connect(scene, &GraphScene::message, this, &GraphView::message);
    m_minimap = new Minimap(this);
}

void GraphView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    m_minimap->reposition();
}

void GraphView::setZoom(double zoom) {
    zoom = std::clamp(zoom, kMinZoom, kMaxZoom);
    const QPointF centre = mapToScene(viewport()->rect().center());
    setTransform(QTransform::fromScale(zoom, zoom));
    centerOn(centre);
}

void GraphView::zoomBy(double factor, QPointF viewPos) {
    const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
    factor = target / zoom();
    if (std::abs(factor - 1.0) < 1e-9) {
        return;
    }
    // Keep the scene point under the cursor where it is.
    const QPointF before = mapToScene(viewPos.toPoint());
    scale(factor, factor);
    const QPointF after = mapToScene(viewPos.toPoint());
    const QPointF shift = (after - before) * zoom();
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() - int(std::lround(shift.x())));
    verticalScrollBar()->setValue(verticalScrollBar()->value() - int(std::lround(shift.y())));
}

void GraphView::fitToGraph(double minReadableZoom) {
    QRectF bounds = m_scene->itemsBoundingRect();
    if (bounds.isEmpty()) {
        setZoom(1.0);
        centerOn(0, 0);
        return;
    }
    bounds.adjust(-40, -40, 40, 40);
    const QRectF view = viewport()->rect();
    double fit = std::min(view.width() / bounds.width(), view.height() / bounds.height());
    fit = std::clamp(fit, std::max(kMinZoom, std::min(minReadableZoom, 1.0)), 1.0);
    setTransform(QTransform::fromScale(fit, fit));
    const double visibleHeight = view.height() / fit;
    if (bounds.height() <= visibleHeight) {
        centerOn(bounds.center());
    } else { // too tall to fit readably: show the top, where the data enters
        centerOn(bounds.center().x(), bounds.top() + visibleHeight / 2);
    }
}

Expected<QString> GraphView::dropOp(const QString& op, QPointF scenePos) {
    if (m_scene->isReadOnly()) {
        return Error::user("this canvas is read-only");
    }
    const double g = CardGeometry::kGrid;
    const QPointF topLeft = scenePos - QPointF(CardGeometry::kWidth / 2, CardGeometry::kHeight / 2);
    const QPointF snapped(std::round(topLeft.x() / g) * g, std::round(topLeft.y() / g) * g);
    auto id = m_scene->document().addNode(op, snapped);
    if (id) {
        m_scene->selectNodes({*id});
    } else {
        emit message(QString::fromStdString(id.error().message));
    }
    return id;
}

void GraphView::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0) {
        zoomBy(std::pow(1.15, steps), event->position());
    }
    event->accept();
}

bool GraphView::viewportEvent(QEvent* event) {
    if (event->type() == QEvent::NativeGesture) { // trackpad pinch
        auto* gesture = static_cast<QNativeGestureEvent*>(event);
        if (gesture->gestureType() == Qt::ZoomNativeGesture) {
            zoomBy(1.0 + gesture->value(), gesture->position());
            return true;
        }
    }
    return QGraphicsView::viewportEvent(event);
}

void GraphView::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::MiddleButton || (event->button() == Qt::LeftButton && m_spaceHeld)) {
        m_panning = true;
        m_panLast = event->position().toPoint();
        viewport()->setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    QGraphicsView::mousePressEvent(event);
}

void GraphView::mouseMoveEvent(QMouseEvent* event) {
    if (m_panning) {
        const QPoint delta = event->position().toPoint() - m_panLast;
        m_panLast = event->position().toPoint();
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - delta.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - delta.y());
        event->accept();
        return;
    }
    QGraphicsView::mouseMoveEvent(event);
}

void GraphView::mouseReleaseEvent(QMouseEvent* event) {
    if (m_panning) {
        m_panning = false;
        viewport()->setCursor(m_spaceHeld ? Qt::OpenHandCursor : Qt::ArrowCursor);
        event->accept();
        return;
    }
    QGraphicsView::mouseReleaseEvent(event);
}

void GraphView::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = true;
        viewport()->setCursor(Qt::OpenHandCursor);
        event->accept();
        return;
    }
    const int key = event->key();
    if (m_scene->isReadOnly()) { // no nudging, no deleting
        QGraphicsView::keyPressEvent(event);
        return;
    }
    if (key == Qt::Key_Left || key == Qt::Key_Right || key == Qt::Key_Up || key == Qt::Key_Down) {
        // Nudge the selection by one grid step (Shift: five); repeated nudges merge into one
        // undo step.
        const double step = CardGeometry::kGrid * (event->modifiers() & Qt::ShiftModifier ? 5 : 1);
        const QPointF delta(key == Qt::Key_Left    ? -step
                            : key == Qt::Key_Right ? step
                                                   : 0,
                            key == Qt::Key_Up     ? -step
                            : key == Qt::Key_Down ? step
                                                  : 0);
        std::map<std::string, graph::Position> moved;
        for (const QString& id : m_scene->selectedNodeIds()) {
            if (const auto* node = m_scene->document().graph().findNode(id.toStdString())) {
                moved[node->id] = {node->position.x + delta.x(), node->position.y + delta.y()};
            }
        }
        if (!moved.empty()) {
            (void)m_scene->document().moveNodes(moved);
            event->accept();
            return;
        }
    }
    if (event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace) {
        if (auto status = m_scene->deleteSelection(); !status) {
            emit message(QString::fromStdString(status.error().message));
        }
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void GraphView::keyReleaseEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
        m_spaceHeld = false;
        viewport()->unsetCursor();
        event->accept();
        return;
    }
    QGraphicsView::keyReleaseEvent(event);
}

bool GraphView::focusNextPrevChild(bool next) {
    // Tab over the canvas opens the quick-add popup instead of moving the focus.
    if (next && !m_scene->isReadOnly()) {
        const QPoint local = viewport()->mapFromGlobal(QCursor::pos());
        const QPoint at = viewport()->rect().contains(local) ? local : viewport()->rect().center();
        emit quickAddRequested(mapToScene(at), viewport()->mapToGlobal(at));
        return true;
    }
    return QGraphicsView::focusNextPrevChild(next);
}

void GraphView::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasFormat(kOpMimeType) && !m_scene->isReadOnly()) {
        event->acceptProposedAction();
        return;
    }
    QGraphicsView::dragEnterEvent(event);
}

void GraphView::dragMoveEvent(QDragMoveEvent* event) {
    if (event->mimeData()->hasFormat(kOpMimeType) && !m_scene->isReadOnly()) {
        event->acceptProposedAction();
        return;
    }
    QGraphicsView::dragMoveEvent(event);
}

void GraphView::dropEvent(QDropEvent* event) {
    if (event->mimeData()->hasFormat(kOpMimeType) && !m_scene->isReadOnly()) {
        const QString op = QString::fromUtf8(event->mimeData()->data(kOpMimeType));
        (void)dropOp(op, mapToScene(event->position().toPoint()));
        event->acceptProposedAction();
        setFocus();
        return;
    }
    QGraphicsView::dropEvent(event);
}

} // namespace nw::ui
