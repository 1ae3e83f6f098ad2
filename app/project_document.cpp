#include "app/project_document.h"

#include "graph/project_file.h"

#include <QFileInfo>

namespace nw::app {

ProjectDocument::ProjectDocument(const graph::OpRegistry& registry, QObject* parent)
    : QObject(parent)
    , m_registry(registry) {
    reanalyze();
}

Status ProjectDocument::load(const QString& path) {
    auto project = graph::readProject(path.toStdString(), m_registry);
    if (!project) {
        return project.error();
    }
    m_project = std::move(*project);
    m_path = path;
    m_undo.clear();
    reanalyze();
    emit changed();
    return Status::success();
}

Status ProjectDocument::save(const QString& path) {
    auto status = graph::writeProject(m_project, path.toStdString());
    if (!status) {
        return status;
    }
    m_path = path;
    m_undo.setClean();
    emit changed();
    return Status::success();
}

QString ProjectDocument::displayName() const {
    if (!m_project.name.empty()) {
        return QString::fromStdString(m_project.name);
    }
    if (!m_path.isEmpty()) {
        return QFileInfo(m_path).completeBaseName();
    }
    return tr("Untitled");
}

void ProjectDocument::reanalyze() {
    m_analysis = graph::analyze(m_project.graph, m_registry);
}

} // namespace nw::app
