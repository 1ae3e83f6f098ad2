#include "app/project_document.h"

#include "app/commands/graph_edit_command.h"
#include "app/commands/training_config_command.h"
#include "graph/connection.h"
#include "graph/fragment.h"
#include "graph/layout.h"
#include "graph/project_file.h"

#include <QFile>
#include <QFileInfo>
#include <cctype>

namespace nw::app {

namespace {

std::vector<std::string> toStd(const QStringList& ids) {
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(ids.size()));
    for (const auto& id : ids) {
        out.push_back(id.toStdString());
    }
    return out;
}

// Snake-case-ish id stem for an op: "Conv2D" -> "conv2d", "MaxPool2D" -> "maxpool2d".
std::string idStem(const QString& op) {
    auto stem = op.toLower().toStdString();
    // Ids end in a counter; an op ending in a digit gets a separator ("conv2d_1").
    if (!stem.empty() && std::isdigit(static_cast<unsigned char>(stem.back()))) {
        stem += "_";
    }
    return stem;
}

} // namespace

ProjectDocument::ProjectDocument(const graph::OpRegistry& registry, QObject* parent)
    : QObject(parent)
    , m_registry(registry) {
    connect(&m_undo, &QUndoStack::cleanChanged, this, &ProjectDocument::changed);
    reanalyze();
}

ProjectDocument::~ProjectDocument() {
    QObject::disconnect(&m_undo, nullptr, this, nullptr);
    blockSignals(true);
}

Status ProjectDocument::load(const QString& path) {
    auto project = graph::readProject(path.toStdString(), m_registry);
    if (!project) {
        return project.error();
    }
    m_project = std::move(*project);
    if (graph::needsLayout(m_project.graph)) {
        auto layout = graph::makeMoveNodes(m_project.graph, graph::layeredLayout(m_project.graph));
        if (layout) {
            (void)layout->apply(m_project.graph);
        }
    }
    m_path = path;
    m_recovered = false;
    m_undo.clear();
    reanalyze();
    emit changed();
    return Status::success();
}

Status ProjectDocument::restoreRecovery(const QString& recoveryFile, const QString& originalPath) {
    auto project = graph::readProject(recoveryFile.toStdString(), m_registry);
    if (!project) {
        return project.error();
    }
    m_project = std::move(*project);
    m_path = originalPath;
    m_recovered = true;
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
    m_recovered = false;
    m_undo.setClean();
    emit changed();
    return Status::success();
}

void ProjectDocument::clear() {
    m_project = graph::Project{};
    m_path.clear();
    m_recovered = false;
    m_undo.clear();
    reanalyze();
    emit changed();
}

void ProjectDocument::reset(graph::Project project) {
    m_project = std::move(project);
    m_path.clear();
    m_recovered = false;
    m_undo.clear();
    reanalyze();
    emit changed();
}

Status ProjectDocument::newFromTemplate(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return Error::user(path.toStdString() + ": cannot read the template");
    }
    const QByteArray text = file.readAll();
    auto project = graph::parseProject(std::string_view(text.constData(), text.size()),
                                       path.toStdString(), m_registry);
    if (!project) {
        return project.error();
    }
    m_project = std::move(*project);
    m_path.clear();
    m_recovered = false;
    m_undo.clear();
    reanalyze();
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

Status ProjectDocument::applyEdit(const graph::GraphEdit& edit) {
    auto status = edit.apply(m_project.graph);
    if (status) {
        reanalyze();
        emit changed();
    }
    return status;
}

Status ProjectDocument::push(Expected<graph::GraphEdit> edit, const QString& text) {
    if (!edit) {
        return edit.error();
    }
    if (edit->empty()) {
        return Status::success();
    }
    m_undo.push(new GraphEditCommand(*this, std::move(*edit), text));
    return Status::success();
}

Expected<QString> ProjectDocument::addNode(const QString& op, QPointF position) {
    if (!m_registry.find(op.toStdString())) {
        return Error::user("unknown op '" + op.toStdString() + "'");
    }
    auto id = m_project.graph.uniqueId(idStem(op));
    graph::Node node{id, op.toStdString(), {}, {position.x(), position.y()}};
    auto status = push(graph::makeAddNode(m_project.graph, node, m_registry),
                       tr("Add %1").arg(QString::fromStdString(id)));
    if (!status) {
        return status.error();
    }
    return QString::fromStdString(id);
}

Status ProjectDocument::removeNodes(const QStringList& ids) {
    return push(graph::makeRemoveNodes(m_project.graph, toStd(ids)),
                ids.size() == 1 ? tr("Delete %1").arg(ids.front())
                                : tr("Delete %n node(s)", nullptr, static_cast<int>(ids.size())));
}

Status ProjectDocument::connectPorts(const graph::PortRef& from, const graph::PortRef& to) {
    if (auto why = graph::checkConnection(m_project.graph, m_analysis, from, to, m_registry)) {
        return Error::user(*why);
    }
    return push(graph::makeConnect(m_project.graph, from, to, m_registry),
                tr("Connect %1 to %2")
                    .arg(QString::fromStdString(from.node), QString::fromStdString(to.node)));
}

Status ProjectDocument::disconnect(const graph::Edge& edge) {
    return push(
        graph::makeDisconnect(m_project.graph, edge),
        tr("Disconnect %1 from %2")
            .arg(QString::fromStdString(edge.from.node), QString::fromStdString(edge.to.node)));
}

Status ProjectDocument::reconnect(const graph::Edge& edge, const graph::PortRef& to) {
    auto unplug = graph::makeDisconnect(m_project.graph, edge);
    if (!unplug) {
        return unplug.error();
    }
    graph::Graph without = m_project.graph;
    if (auto status = unplug->apply(without); !status) {
        return status;
    }
    auto analysis = graph::analyze(without, m_registry);
    if (auto why = graph::checkConnection(without, analysis, edge.from, to, m_registry)) {
        return Error::user(*why);
    }
    auto plug = graph::makeConnect(without, edge.from, to, m_registry);
    if (!plug) {
        return plug.error();
    }
    m_undo.beginMacro(
        tr("Reconnect %1 to %2")
            .arg(QString::fromStdString(edge.from.node), QString::fromStdString(to.node)));
    m_undo.push(new GraphEditCommand(*this, std::move(*unplug), tr("Disconnect")));
    m_undo.push(new GraphEditCommand(*this, std::move(*plug), tr("Connect")));
    m_undo.endMacro();
    return Status::success();
}

Status ProjectDocument::setAttribute(const QString& node, const QString& attr,
                                     const graph::AttrValue& value) {
    auto edit = graph::makeSetAttribute(m_project.graph, node.toStdString(), attr.toStdString(),
                                        value, m_registry);
    if (!edit) {
        return edit.error();
    }
    if (!edit->empty()) {
        m_undo.push(new SetAttributeCommand(*this, std::move(*edit)));
    }
    return Status::success();
}

Status ProjectDocument::moveNodes(const std::map<std::string, graph::Position>& positions) {
    auto edit = graph::makeMoveNodes(m_project.graph, positions);
    if (!edit) {
        return edit.error();
    }
    if (!edit->empty()) {
        m_undo.push(new MoveNodesCommand(*this, std::move(*edit)));
    }
    return Status::success();
}

Status ProjectDocument::autoLayout(const QStringList& ids) {
    auto positions = graph::layeredLayout(m_project.graph, toStd(ids));
    return push(graph::makeMoveNodes(m_project.graph, positions), tr("Auto layout"));
}

Status ProjectDocument::setTrainable(const QStringList& ids, bool trainable) {
    auto edit = graph::makeSetTrainable(m_project.graph, toStd(ids), trainable);
    if (!edit) {
        return edit.error();
    }
    if (!edit->empty()) {
        m_undo.push(new SetTrainableCommand(*this, std::move(*edit)));
    }
    return Status::success();
}

QString ProjectDocument::copyFragment(const QStringList& ids) const {
    auto fragment = graph::extractFragment(m_project.graph, toStd(ids));
    return QString::fromStdString(graph::fragmentToJson(fragment));
}

Expected<QStringList> ProjectDocument::pasteFragment(const QString& json, QPointF offset) {
    auto fragment = graph::fragmentFromJson(json.toStdString(), m_registry);
    if (!fragment) {
        return fragment.error();
    }
    if (fragment->nodes().empty()) {
        return Error::user("the clipboard holds no nodes");
    }
    auto ready = graph::prepareFragment(m_project.graph, *fragment, {offset.x(), offset.y()});
    auto status = push(graph::makeInsertFragment(m_project.graph, ready),
                       tr("Paste %n node(s)", nullptr, static_cast<int>(ready.nodes().size())));
    if (!status) {
        return status.error();
    }
    QStringList ids;
    for (const auto& n : ready.nodes()) {
        ids << QString::fromStdString(n.id);
    }
    return ids;
}

Expected<QStringList> ProjectDocument::duplicate(const QStringList& ids) {
    if (ids.isEmpty()) {
        return Error::user("nothing is selected");
    }
    return pasteFragment(copyFragment(ids), QPointF(40, 40));
}

void ProjectDocument::reanalyze() {
    m_analysis = graph::analyze(m_project.graph, m_registry);
}

void ProjectDocument::setTrainingConfig(const graph::TrainingConfig& config) {
    if (config != m_project.training) {
        m_undo.push(new TrainingConfigCommand(*this, m_project.training, config));
    }
}

void ProjectDocument::applyTrainingConfig(const graph::TrainingConfig& config) {
    m_project.training = config;
    emit changed();
}

} // namespace nw::app
