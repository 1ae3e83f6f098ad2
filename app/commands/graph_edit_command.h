#pragma once
// QUndoCommands over graph/'s reversible edits. They act on the ProjectDocument, never on a
// view: redo() applies the edit, undo() applies its inverse, and the document re-analyzes
// and emits changed() each time.

#include "graph/edit.h"

#include <QUndoCommand>

namespace nw::app {

class ProjectDocument;

// Any edit: add, remove, connect, disconnect, paste, duplicate, layout.
class GraphEditCommand : public QUndoCommand {
public:
    // `document` must outlive the command (the document owns the stack holding it).
    GraphEditCommand(ProjectDocument& document, graph::GraphEdit edit, const QString& text,
                     QUndoCommand* parent = nullptr);

    void redo() override;
    void undo() override;

    const graph::GraphEdit& edit() const { return m_edit; }

protected:
    ProjectDocument& m_document;
    graph::GraphEdit m_edit;
};

// Merge ids for QUndoCommand::id().
enum CommandId { SetAttributeId = 1, MoveNodesId = 2 };

// The generic "change a value" command: one attribute of one node. Consecutive changes of
// the same node and attribute merge into one undo step (a spin-box drag is one edit), and a
// merge that lands back on the original value makes the command obsolete.
class SetAttributeCommand : public GraphEditCommand {
public:
    // `edit` holds exactly one AttrChange (graph::makeSetAttribute()).
    SetAttributeCommand(ProjectDocument& document, graph::GraphEdit edit);
    int id() const override { return SetAttributeId; }
    bool mergeWith(const QUndoCommand* other) override;
};

// Moves nodes. Consecutive moves of the same set of nodes merge (keyboard nudges, a drag
// reported in steps).
class MoveNodesCommand : public GraphEditCommand {
public:
    MoveNodesCommand(ProjectDocument& document, graph::GraphEdit edit);
    int id() const override { return MoveNodesId; }
    bool mergeWith(const QUndoCommand* other) override;
};

// Freezes or unfreezes nodes (graph::makeSetTrainable()), one undo step however many nodes:
// "Freeze conv1", "Unfreeze 4 nodes". Never merges (each toggle is its own step).
class SetTrainableCommand : public GraphEditCommand {
public:
    // `edit` holds only trainable changes, all in the same direction.
    SetTrainableCommand(ProjectDocument& document, graph::GraphEdit edit);
};

} // namespace nw::app
