// ProjectDocument's block edits: group, ungroup, rename, collapse (graph/group.h), each one
// undoable command, and a block's fragment for the block library.
#include "app/project_document.h"
#include "graph/fragment.h"
#include "graph/group.h"

namespace nw::app {

Expected<QString> ProjectDocument::groupNodes(const QStringList& ids, const QString& name) {
    std::vector<std::string> members;
    members.reserve(static_cast<std::size_t>(ids.size()));
    for (const auto& id : ids) {
        members.push_back(id.toStdString());
    }
    const std::string groupId = graph::uniqueGroupId(m_project.graph);
    auto status =
        push(graph::makeGroup(m_project.graph, members, name.trimmed().toStdString(), groupId),
             tr("Group %n node(s)", nullptr, static_cast<int>(ids.size())));
    if (!status) {
        return status.error();
    }
    return QString::fromStdString(groupId);
}

Status ProjectDocument::ungroup(const QString& groupId) {
    return push(graph::makeUngroup(m_project.graph, groupId.toStdString()),
                tr("Ungroup %1").arg(groupId));
}

Status ProjectDocument::renameGroup(const QString& groupId, const QString& name) {
    return push(graph::makeRenameGroup(m_project.graph, groupId.toStdString(),
                                       name.trimmed().toStdString()),
                tr("Rename %1").arg(groupId));
}

Status ProjectDocument::setGroupCollapsed(const QString& groupId, bool collapsed) {
    return push(graph::makeSetGroupCollapsed(m_project.graph, groupId.toStdString(), collapsed),
                collapsed ? tr("Collapse %1").arg(groupId) : tr("Expand %1").arg(groupId));
}

QString ProjectDocument::copyGroup(const QString& groupId) const {
    const graph::NodeGroup* group = m_project.graph.findGroup(groupId.toStdString());
    if (!group) {
        return {};
    }
    return QString::fromStdString(
        graph::fragmentToJson(graph::extractFragment(m_project.graph, group->nodes)));
}

} // namespace nw::app
