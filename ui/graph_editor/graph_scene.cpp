#include "ui/graph_editor/graph_scene.h"

#include "app/project_document.h"
#include "graph/connection.h"
#include "graph/summary.h"
#include "ui/graph_editor/edge_item.h"
#include "ui/graph_editor/group_item.h"
#include "ui/graph_editor/node_item.h"

#include <QPainter>
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace nw::ui {

namespace {

std::string edgeKey(const graph::Edge& e) {
    std::string key;
    key.reserve(e.from.node.size() + e.to.node.size() + 12);
    key.append(e.from.node).append(1, ':').append(std::to_string(e.from.port));
    key.append(1, '>').append(e.to.node).append(1, ':').append(std::to_string(e.to.port));
    return key;
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

} // namespace

GraphScene::GraphScene(app::ProjectDocument& document, QObject* parent)
    : QGraphicsScene(parent)
    , m_document(document)
    , m_style(EditorStyle::fromPalette()) {
    setItemIndexMethod(QGraphicsScene::BspTreeIndex);
    connect(&m_document, &app::ProjectDocument::changed, this, &GraphScene::sync);
    sync();
}

GraphScene::~GraphScene() {
    blockSignals(true);
    m_drag.reset();
    clear();
}

void GraphScene::setEditorStyle(const EditorStyle& style) {
    m_style = style; // items hold a reference to m_style
    sync();          // header colours live in each card's NodeView
    for (auto* item : items()) {
        item->update();
    }
    update();
}

void GraphScene::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    for (NodeItem* item : std::as_const(m_nodes)) {
        item->setFlag(QGraphicsItem::ItemIsMovable, !readOnly);
    }
}

void GraphScene::setDiffMarks(DiffMarks marks) {
    m_diff = std::move(marks);
    sync();
}

void GraphScene::clearDiffMarks() {
    m_diff.reset();
    for (NodeItem* item : std::as_const(m_nodes)) {
        item->setDiff(DiffStatus::None);
    }
    for (const auto& [key, item] : m_edges) {
        item->setDiffStatus(DiffStatus::None);
    }
    sync();
}

EdgeItem* GraphScene::edgeItem(const graph::Edge& edge) const {
    auto it = m_edges.find(edgeKey(edge));
    return it == m_edges.end() ? nullptr : it->second;
}

void GraphScene::sync() {
    m_syncing = true;
    const auto& g = m_document.graph();
    const auto& analysis = m_diff ? m_diff->analysis : m_document.analysis();
    const auto& registry = m_document.registry();

    QHash<QString, QStringList> errors;
    for (const auto& p : analysis.problems) {
        if (p.severity == graph::Problem::Severity::Error && !p.nodeId.empty()) {
            errors[q(p.nodeId)] << q(p.field.empty() ? p.message : p.field + ": " + p.message);
        }
    }

    // For variadic ops' free socket, and for the sockets of an unknown op (a plugin's that is
    // not loaded): those its edges use, so that the edges it keeps still meet it.
    std::unordered_map<std::string_view, int> highestInput, highestOutput;
    for (const auto& e : g.edges()) {
        auto [in, freshIn] = highestInput.try_emplace(e.to.node, e.to.port);
        in->second = freshIn ? in->second : std::max(in->second, e.to.port);
        auto [out, freshOut] = highestOutput.try_emplace(e.from.node, e.from.port);
        out->second = freshOut ? out->second : std::max(out->second, e.from.port);
    }
    const auto usedPorts = [](const auto& highest, const std::string& id) {
        const auto it = highest.find(id);
        return it == highest.end() ? 0 : std::clamp(it->second + 1, 0, 64);
    };

    for (const auto& node : g.nodes()) {
        const QString id = q(node.id);
        const auto* schema = registry.find(node.op);
        const auto* info = analysis.info(node.id);
        NodeView view;
        view.id = id;
        view.op = q(node.op);
        view.header = schema ? m_style.opColor(schema->category, schema->color)
                             : m_style.categoryColor(std::string());
        if (schema) {
            const auto highest = highestInput.find(node.id);
            view.inputs = graph::visibleInputCount(
                schema, highest == highestInput.end() ? -1 : highest->second);
            view.outputs = graph::outputCount(node, registry);
        } else {
            view.inputs = usedPorts(highestInput, node.id);
            view.outputs = usedPorts(highestOutput, node.id);
        }
        view.shape = info && !info->outputs.empty()      ? q(info->outputs.front().toString())
                     : schema && schema->outputs.empty() ? tr("no output")
                                                         : QStringLiteral("?");
        const auto params = info ? info->cost.trainableParams : 0;
        view.params =
            params > 0 ? tr("%1 params").arg(q(graph::formatCount(params))) : tr("no parameters");
        view.frozen = !node.trainable;
        view.problems = errors.value(id).join(QLatin1Char('\n'));

        NodeItem*& item = m_byId[node.id];
        if (!item) {
            item = new NodeItem(view, m_style);
            item->setFlag(QGraphicsItem::ItemIsMovable, !m_readOnly);
            addItem(item);
            m_nodes.insert(id, item);
            connect(item, &NodeItem::moved, this, [this, id] { updateEdgesOf(id); });
        }
        item->setView(view);
        if (m_diff) {
            const auto mark = m_diff->nodes.find(id);
            if (mark == m_diff->nodes.end()) {
                item->setDiff(DiffStatus::Unchanged);
            } else {
                item->setDiff(mark->status, mark->details);
            }
        }
        const QPointF pos(node.position.x, node.position.y);
        if (item->pos() != pos) {
            item->setSnapping(false); // the document's position is the truth
            item->setPos(pos);
            item->setSnapping(true);
        }
    }
    // Every node has its item; more items than nodes means some nodes are gone.
    if (m_nodes.size() != static_cast<qsizetype>(g.nodes().size())) {
        QSet<QString> live;
        for (const auto& node : g.nodes()) {
            live.insert(q(node.id));
        }
        for (auto it = m_nodes.begin(); it != m_nodes.end();) {
            if (!live.contains(it.key())) {
                m_byId.erase(it.key().toStdString());
                delete it.value();
                it = m_nodes.erase(it);
            } else {
                ++it;
            }
        }
    }

    syncGroups(); // before the edges: they attach to collapsed blocks

    bool edgesChanged = false;
    std::unordered_set<std::string> liveEdges;
    for (const auto& e : g.edges()) {
        std::string key = edgeKey(e);
        EdgeItem*& item = m_edges[key];
        if (!item) {
            item = new EdgeItem(e, m_style);
            addItem(item);
            edgesChanged = true;
        }
        liveEdges.insert(std::move(key));
        const auto* info = analysis.info(e.from.node);
        const auto port = static_cast<std::size_t>(e.from.port);
        item->setLabel(info && port < info->outputs.size() ? q(info->outputs[port].toString())
                                                           : QString());
        if (m_diff) {
            auto listed = [&e](const std::vector<graph::Edge>& edges) {
                return std::find(edges.begin(), edges.end(), e) != edges.end();
            };
            const DiffStatus status = listed(m_diff->addedEdges)     ? DiffStatus::Added
                                      : listed(m_diff->removedEdges) ? DiffStatus::Removed
                                                                     : DiffStatus::Unchanged;
            item->setDiffStatus(status);
            item->setZValue(status == DiffStatus::Removed ? -2 : -1); // under what replaced it
            if (status == DiffStatus::Removed) {
                item->setLabel({}); // its shape is the older graph's; keep the canvas clear
            }
        }
        placeEdge(item);
    }
    for (auto it = m_edges.begin(); it != m_edges.end();) {
        if (!liveEdges.contains(it->first)) {
            edgesChanged = true;
            delete it->second;
            it = m_edges.erase(it);
        } else {
            ++it;
        }
    }
    if (edgesChanged || m_edgesByNode.empty()) {
        m_edgesByNode.clear();
        for (const auto& [key, item] : m_edges) {
            m_edgesByNode[item->edge().from.node].push_back(item);
            m_edgesByNode[item->edge().to.node].push_back(item);
        }
    }
    m_syncing = false;
}

void GraphScene::placeEdge(EdgeItem* edge) {
    const auto& e = edge->edge();
    GroupItem* block = collapsedGroupOf(e.from.node);
    if (block && block == collapsedGroupOf(e.to.node)) {
        edge->setVisible(false); // inside a collapsed block
        return;
    }
    const auto from = edgeEnd(e.from, true);
    const auto to = edgeEnd(e.to, false);
    if (!from || !to) {
        edge->setVisible(false); // a dangling edge; analyze() reports it
        return;
    }
    edge->setVisible(true);
    edge->setEnds(*from, *to);
}

void GraphScene::updateEdgesOf(const QString& id) {
    if (m_syncing) {
        return; // sync() places every edge once the nodes are in place
    }
    auto it = m_edgesByNode.find(id.toStdString());
    if (it != m_edgesByNode.end()) {
        for (EdgeItem* edge : it->second) {
            placeEdge(edge);
        }
    }
    refitGroupOf(id.toStdString());
}

QStringList GraphScene::selectedNodeIds() const {
    QStringList ids;
    for (const auto& node : m_document.graph().nodes()) {
        NodeItem* item = m_nodes.value(q(node.id));
        GroupItem* block = collapsedGroupOf(node.id);
        if (item && (item->isSelected() || (block && block->isSelected()))) {
            ids << item->id();
        }
    }
    return ids;
}

std::vector<graph::Edge> GraphScene::selectedEdges() const {
    std::vector<graph::Edge> out;
    for (const auto& e : m_document.graph().edges()) {
        EdgeItem* item = edgeItem(e);
        if (item && item->isSelected()) {
            out.push_back(e);
        }
    }
    return out;
}

void GraphScene::selectNodes(const QStringList& ids) {
    clearSelection();
    for (const auto& id : ids) {
        if (NodeItem* item = m_nodes.value(id)) {
            item->setSelected(true);
        }
    }
}

Status GraphScene::deleteSelection() {
    if (m_readOnly) {
        return Status::success();
    }
    const QStringList nodes = selectedNodeIds();
    std::vector<graph::Edge> edges;
    for (const auto& e : selectedEdges()) { // edges of deleted nodes go with them
        if (!nodes.contains(q(e.from.node)) && !nodes.contains(q(e.to.node))) {
            edges.push_back(e);
        }
    }
    if (nodes.isEmpty() && edges.empty()) {
        return Status::success();
    }
    auto* stack = m_document.undoStack();
    stack->beginMacro(tr("Delete"));
    Status status;
    for (const auto& e : edges) {
        if (status) {
            status = m_document.disconnect(e);
        }
    }
    if (status && !nodes.isEmpty()) {
        status = m_document.removeNodes(nodes);
    }
    stack->endMacro();
    return status;
}

void GraphScene::drawBackground(QPainter* painter, const QRectF& rect) {
    painter->fillRect(rect, m_style.canvas);
    const double scale = painter->worldTransform().m11();
    auto drawGrid = [&](double step, const QColor& colour) {
        if (step * scale < 8) {
            return; // too dense to help
        }
        painter->setPen(QPen(colour, 0));
        QVector<QLineF> lines;
        for (double x = std::floor(rect.left() / step) * step; x < rect.right(); x += step) {
            lines.append(QLineF(x, rect.top(), x, rect.bottom()));
        }
        for (double y = std::floor(rect.top() / step) * step; y < rect.bottom(); y += step) {
            lines.append(QLineF(rect.left(), y, rect.right(), y));
        }
        painter->drawLines(lines);
    };
    drawGrid(20, m_style.gridMinor);
    drawGrid(100, m_style.gridMajor);
}

} // namespace nw::ui
