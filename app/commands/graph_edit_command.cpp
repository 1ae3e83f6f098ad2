#include "app/commands/graph_edit_command.h"

#include "app/project_document.h"

#include <QDebug>
#include <algorithm>

namespace nw::app {

GraphEditCommand::GraphEditCommand(ProjectDocument& document, graph::GraphEdit edit,
                                   const QString& text, QUndoCommand* parent)
    : QUndoCommand(text, parent)
    , m_document(document)
    , m_edit(std::move(edit)) {}

void GraphEditCommand::redo() {
    if (auto status = m_document.applyEdit(m_edit); !status) {
        // The stack and the graph disagree; drop the command rather than corrupt the graph.
        qWarning("netwright: cannot redo '%s': %s", qPrintable(text()),
                 status.error().message.c_str());
        setObsolete(true);
    }
}

void GraphEditCommand::undo() {
    if (auto status = m_document.applyEdit(m_edit.inverted()); !status) {
        qWarning("netwright: cannot undo '%s': %s", qPrintable(text()),
                 status.error().message.c_str());
        setObsolete(true);
    }
}

namespace {

QString attributeText(const graph::GraphEdit& edit) {
    const auto& c = edit.attrs.front();
    return QObject::tr("Set %1 of %2")
        .arg(QString::fromStdString(c.attr), QString::fromStdString(c.node));
}

QString moveText(const graph::GraphEdit& edit) {
    return edit.moves.size() == 1
               ? QObject::tr("Move %1").arg(QString::fromStdString(edit.moves.front().node))
               : QObject::tr("Move %n node(s)", nullptr, static_cast<int>(edit.moves.size()));
}

QString trainableText(const graph::GraphEdit& edit) {
    const int n = static_cast<int>(edit.trainable.size());
    const bool unfreeze = n > 0 && edit.trainable.front().after;
    if (n == 1) {
        const QString node = QString::fromStdString(edit.trainable.front().node);
        return unfreeze ? QObject::tr("Unfreeze %1").arg(node) : QObject::tr("Freeze %1").arg(node);
    }
    return unfreeze ? QObject::tr("Unfreeze %n node(s)", nullptr, n)
                    : QObject::tr("Freeze %n node(s)", nullptr, n);
}

} // namespace

SetTrainableCommand::SetTrainableCommand(ProjectDocument& document, graph::GraphEdit edit)
    : GraphEditCommand(document, edit, trainableText(edit)) {}

SetAttributeCommand::SetAttributeCommand(ProjectDocument& document, graph::GraphEdit edit)
    : GraphEditCommand(document, edit, attributeText(edit)) {}

bool SetAttributeCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = dynamic_cast<const SetAttributeCommand*>(other);
    if (!next || next->m_edit.attrs.size() != 1 || m_edit.attrs.size() != 1) {
        return false;
    }
    auto& mine = m_edit.attrs.front();
    const auto& theirs = next->m_edit.attrs.front();
    if (mine.node != theirs.node || mine.attr != theirs.attr) {
        return false;
    }
    mine.after = theirs.after;
    setObsolete(mine.before == mine.after);
    return true;
}

MoveNodesCommand::MoveNodesCommand(ProjectDocument& document, graph::GraphEdit edit)
    : GraphEditCommand(document, edit, moveText(edit)) {}

bool MoveNodesCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = dynamic_cast<const MoveNodesCommand*>(other);
    if (!next || next->m_edit.moves.size() != m_edit.moves.size()) {
        return false;
    }
    for (std::size_t i = 0; i < m_edit.moves.size(); ++i) {
        if (m_edit.moves[i].node != next->m_edit.moves[i].node) {
            return false;
        }
    }
    bool unchanged = true;
    for (std::size_t i = 0; i < m_edit.moves.size(); ++i) {
        m_edit.moves[i].after = next->m_edit.moves[i].after;
        unchanged = unchanged && m_edit.moves[i].after == m_edit.moves[i].before;
    }
    setObsolete(unchanged);
    return true;
}

} // namespace nw::app
