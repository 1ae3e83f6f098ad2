#pragma once
// The Train mode's undoable edit: replaces the project's run configuration. Consecutive edits
// of the same fields merge into one undo step (typing a learning rate, dragging a spin box);
// choosing or clearing the initial weights file is always a step of its own.

#include "graph/project.h"

#include <QUndoCommand>

namespace nw::app {

class ProjectDocument;

class TrainingConfigCommand : public QUndoCommand {
public:
    // `document` must outlive the command (the document owns the stack holding it).
    TrainingConfigCommand(ProjectDocument& document, graph::TrainingConfig before,
                          graph::TrainingConfig after);

    void redo() override;
    void undo() override;
    int id() const override { return kId; }
    bool mergeWith(const QUndoCommand* other) override;

    static constexpr int kId = 100; // apart from graph_edit_command.h's CommandId values

private:
    ProjectDocument& m_document;
    graph::TrainingConfig m_before, m_after;
};

} // namespace nw::app
