// GraphScene's blocks: one GroupItem per graph::NodeGroup, kept in step with the document.
// An expanded block is a frame fitted around its member cards; a collapsed one hides them and
// takes the edges that cross its boundary onto its own sockets.
#include "app/project_document.h"
#include "graph/summary.h"
#include "ui/graph_editor/edge_item.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/group_item.h"
#include "ui/graph_editor/node_item.h"

#include <algorithm>

namespace nw::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

} // namespace

QRectF GraphScene::membersRect(const std::vector<std::string>& members) const {
    QRectF rect;
    for (const auto& id : members) {
        auto it = m_byId.find(id);
        if (it != m_byId.end() && it->second) {
            rect = rect.united(CardGeometry::rect().translated(it->second->pos()));
        }
    }
    return rect;
}

GroupItem* GraphScene::collapsedGroupOf(const std::string& nodeId) const {
    auto it = m_groupOfNode.find(nodeId);
    if (it == m_groupOfNode.end() || !m_groupPorts.contains(it->second)) {
        return nullptr;
    }
    return m_groups.value(q(it->second));
}

std::optional<QPointF> GraphScene::edgeEnd(const graph::PortRef& ref, bool output) const {
    if (GroupItem* block = collapsedGroupOf(ref.node)) {
        const auto& ports = m_groupPorts.at(block->id().toStdString());
        const auto& list = output ? ports.outputs : ports.inputs;
        const auto at = std::find(list.begin(), list.end(), ref);
        const int index = static_cast<int>(at - list.begin());
        return output ? block->outputPortPos(index) : block->inputPortPos(index);
    }
    auto it = m_byId.find(ref.node);
    if (it == m_byId.end() || !it->second) {
        return std::nullopt;
    }
    return output ? it->second->outputPortPos(ref.port) : it->second->inputPortPos(ref.port);
}

void GraphScene::syncGroups() {
    const auto& g = m_document.graph();
    m_groupOfNode.clear();
    m_groupPorts.clear();
    QSet<QString> live;
    for (const auto& group : g.groups()) {
        const QString id = q(group.id);
        live.insert(id);
        for (const auto& member : group.nodes) {
            m_groupOfNode[member] = group.id;
        }
        const auto ports = graph::groupPorts(g, group);
        GroupView view;
        view.id = id;
        view.name = q(group.name);
        view.nodeCount = static_cast<int>(group.nodes.size());
        std::int64_t params = 0;
        for (const auto& member : group.nodes) {
            if (const auto* info = m_document.analysis().info(member)) {
                params += info->cost.trainableParams;
            }
        }
        view.params =
            params > 0 ? tr("%1 params").arg(q(graph::formatCount(params))) : tr("no parameters");
        view.inputs = static_cast<int>(ports.inputs.size());
        view.outputs = static_cast<int>(ports.outputs.size());
        view.collapsed = group.collapsed;
        view.members = membersRect(group.nodes);
        if (group.collapsed) {
            m_groupPorts.emplace(group.id, ports);
        }
        GroupItem* item = m_groups.value(id);
        if (!item) {
            item = new GroupItem(view, m_style);
            addItem(item);
            m_groups.insert(id, item);
            connect(item, &GroupItem::toggleRequested, this, [this](const QString& block) {
                const auto* found = m_document.graph().findGroup(block.toStdString());
                if (found) {
                    (void)m_document.setGroupCollapsed(block, !found->collapsed);
                }
            });
            connect(item, &GroupItem::selectRequested, this, [this](const QString& block) {
                const auto* found = m_document.graph().findGroup(block.toStdString());
                if (found && !found->collapsed) {
                    QStringList ids;
                    for (const auto& n : found->nodes) {
                        ids << q(n);
                    }
                    selectNodes(ids);
                }
            });
            connect(item, &GroupItem::renameRequested, this, &GraphScene::groupRenameRequested);
            connect(item, &GroupItem::dragFinished, this, [this](const QString& block, QPointF d) {
                const auto* found = m_document.graph().findGroup(block.toStdString());
                if (!found) {
                    return;
                }
                std::map<std::string, graph::Position> positions;
                for (const auto& n : found->nodes) {
                    const auto* node = m_document.graph().findNode(n);
                    positions[n] = {node->position.x + d.x(), node->position.y + d.y()};
                }
                (void)m_document.moveNodes(positions);
            });
            auto follow = [this, item] {
                if (m_syncing || !item->view().collapsed) {
                    return;
                }
                const auto* found = m_document.graph().findGroup(item->id().toStdString());
                for (const auto& n : found ? found->nodes : std::vector<std::string>()) {
                    if (auto it = m_edgesByNode.find(n); it != m_edgesByNode.end()) {
                        for (EdgeItem* edge : it->second) {
                            placeEdge(edge);
                        }
                    }
                }
            };
            connect(item, &QGraphicsObject::xChanged, this, follow);
            connect(item, &QGraphicsObject::yChanged, this, follow);
        }
        item->setView(view);
        for (const auto& member : group.nodes) {
            if (NodeItem* node = m_nodes.value(q(member))) {
                node->setVisible(!group.collapsed);
            }
        }
    }
    for (auto it = m_groups.begin(); it != m_groups.end();) {
        if (!live.contains(it.key())) {
            delete it.value();
            it = m_groups.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = m_byId.begin(); it != m_byId.end(); ++it) { // ungrouped cards are shown
        if (it->second && !m_groupOfNode.contains(it->first)) {
            it->second->setVisible(true);
        }
    }
}

void GraphScene::refitGroupOf(const std::string& nodeId) {
    auto it = m_groupOfNode.find(nodeId);
    if (it == m_groupOfNode.end()) {
        return;
    }
    GroupItem* item = m_groups.value(q(it->second));
    const auto* group = m_document.graph().findGroup(it->second);
    if (!item || !group || group->collapsed) {
        return;
    }
    GroupView view = item->view();
    view.members = membersRect(group->nodes);
    item->setView(view);
}

QString GraphScene::selectedGroupId() const {
    for (auto it = m_groups.begin(); it != m_groups.end(); ++it) {
        if (it.value()->isSelected()) {
            return it.key();
        }
    }
    const QStringList ids = selectedNodeIds();
    if (ids.isEmpty()) {
        return {};
    }
    auto first = m_groupOfNode.find(ids.front().toStdString());
    if (first == m_groupOfNode.end()) {
        return {};
    }
    for (const auto& id : ids) {
        auto other = m_groupOfNode.find(id.toStdString());
        if (other == m_groupOfNode.end() || other->second != first->second) {
            return {};
        }
    }
    return q(first->second);
}

} // namespace nw::ui
