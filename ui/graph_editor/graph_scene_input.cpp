// GraphScene's mouse gestures: connecting, reconnecting and disconnecting by dragging
// between sockets (with compatible sockets highlighted), and committing card moves.
#include "app/project_document.h"
#include "graph/connection.h"
#include "ui/graph_editor/edge_item.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/node_item.h"

#include <QGraphicsSceneMouseEvent>

namespace nw::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

} // namespace
NodeItem* GraphScene::nodeAt(QPointF scenePos) const {
    const QRectF probe(scenePos -
                           QPointF(CardGeometry::kPortHitRadius, CardGeometry::kPortHitRadius),
                       QSizeF(2 * CardGeometry::kPortHitRadius, 2 * CardGeometry::kPortHitRadius));
    for (QGraphicsItem* item : items(probe)) {
        if (item->type() == NodeItem::Type && item->isVisible()) { // not in a collapsed block
            auto* node = static_cast<NodeItem*>(item);
            if (node->inputPortAt(scenePos) >= 0 || node->outputPortAt(scenePos) >= 0 ||
                node->sceneBoundingRect().contains(scenePos)) {
                return node;
            }
        }
    }
    return nullptr;
}

QHash<QString, QSet<int>> GraphScene::compatibleInputs(const graph::PortRef& from) const {
    QHash<QString, QSet<int>> out;
    const auto& g = m_document.graph();
    const auto upstream = graph::upstreamOf(g, from.node);
    for (auto it = m_nodes.begin(); it != m_nodes.end(); ++it) {
        const std::string id = it.key().toStdString();
        QSet<int> ok;
        for (int port = 0; port < it.value()->view().inputs; ++port) {
            if (!graph::checkConnection(g, m_document.analysis(), from, {id, port},
                                        m_document.registry(), &upstream)) {
                ok.insert(port);
            }
        }
        out.insert(it.key(), ok);
    }
    return out;
}

Status GraphScene::dropConnection(const graph::PortRef& from, QPointF scenePos,
                                  const std::optional<graph::Edge>& picked) {
    if (m_readOnly) {
        return Error::user("this canvas is read-only");
    }
    NodeItem* target = nodeAt(scenePos);
    const int port = target ? target->inputPortAt(scenePos) : -1;
    Status status;
    if (port < 0) {
        if (picked) {
            status = m_document.disconnect(*picked);
        }
    } else {
        const graph::PortRef to{target->id().toStdString(), port};
        if (picked && picked->to == to) {
            return Status::success(); // put back where it was
        }
        status = picked ? m_document.reconnect(*picked, to) : m_document.connectPorts(from, to);
    }
    if (!status) {
        emit message(tr("Connection refused: %1").arg(q(status.error().message)));
    }
    return status;
}

void GraphScene::beginConnection(const graph::PortRef& from, std::optional<graph::Edge> picked,
                                 QPointF scenePos) {
    ConnectionDrag drag{from, std::move(picked), new QGraphicsPathItem};
    drag.preview->setPen(QPen(m_style.selection, 2, Qt::DashLine));
    drag.preview->setZValue(10);
    addItem(drag.preview);
    if (drag.picked) {
        if (EdgeItem* edge = edgeItem(*drag.picked)) {
            edge->setVisible(false);
        }
    }
    const auto compatible = compatibleInputs(from);
    for (auto it = m_nodes.begin(); it != m_nodes.end(); ++it) {
        it.value()->setConnectionHighlight(true, compatible.value(it.key()));
    }
    m_drag = std::move(drag);
    if (NodeItem* source = nodeItem(q(from.node))) {
        m_drag->preview->setPath(EdgeItem::curve(source->outputPortPos(from.port), scenePos));
    }
}

void GraphScene::endConnection() {
    if (!m_drag) {
        return;
    }
    delete m_drag->preview;
    if (m_drag->picked) {
        if (EdgeItem* edge = edgeItem(*m_drag->picked)) {
            edge->setVisible(true);
        }
    }
    for (NodeItem* item : std::as_const(m_nodes)) {
        item->setConnectionHighlight(false, {});
    }
    m_drag.reset();
}

void GraphScene::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    if (event->button() == Qt::LeftButton && !m_readOnly) {
        if (NodeItem* node = nodeAt(event->scenePos())) {
            const std::string id = node->id().toStdString();
            if (int out = node->outputPortAt(event->scenePos()); out >= 0) {
                beginConnection({id, out}, std::nullopt, event->scenePos());
                event->accept();
                return;
            }
            if (int in = node->inputPortAt(event->scenePos()); in >= 0) {
                for (const auto& e : m_document.graph().edges()) {
                    if (e.to == graph::PortRef{id, in}) { // pick the edge up to move it
                        beginConnection(e.from, e, event->scenePos());
                        event->accept();
                        return;
                    }
                }
            }
        }
    }
    QGraphicsScene::mousePressEvent(event);
}

void GraphScene::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
    if (m_drag) {
        if (NodeItem* source = nodeItem(q(m_drag->from.node))) {
            QPointF end = event->scenePos();
            if (NodeItem* target = nodeAt(end)) { // snap the preview onto a socket
                if (int port = target->inputPortAt(end); port >= 0) {
                    end = target->inputPortPos(port);
                }
            }
            m_drag->preview->setPath(
                EdgeItem::curve(source->outputPortPos(m_drag->from.port), end));
        }
        event->accept();
        return;
    }
    QGraphicsScene::mouseMoveEvent(event);
}

void GraphScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
    if (m_drag) {
        const auto from = m_drag->from;
        const auto picked = m_drag->picked;
        endConnection();
        (void)dropConnection(from, event->scenePos(), picked);
        event->accept();
        return;
    }
    QGraphicsScene::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton && !m_readOnly) {
        commitMoves();
    }
}

void GraphScene::commitMoves() {
    std::map<std::string, graph::Position> moved;
    for (const auto& node : m_document.graph().nodes()) {
        NodeItem* item = m_nodes.value(q(node.id));
        if (item && QPointF(node.position.x, node.position.y) != item->pos()) {
            moved[node.id] = {item->pos().x(), item->pos().y()};
        }
    }
    if (!moved.empty()) {
        (void)m_document.moveNodes(moved);
    }
}

} // namespace nw::ui
