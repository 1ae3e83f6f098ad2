#pragma once
// The undo command for the project's data settings: its dataset reference (normalisation
// included) and its augmentation pipeline. Like the graph commands it acts on the
// ProjectDocument, never on a view: redo() stores the new settings, undo() the old ones.

#include "graph/project.h"

#include <QUndoCommand>
#include <vector>

namespace nw::app {

class ProjectDocument;

// The dataset reference and the augmentation list, as one value.
struct DataSettings {
    graph::DatasetRef dataset;
    std::vector<graph::AugmentationStep> augmentation;
    friend bool operator==(const DataSettings&, const DataSettings&) = default;
};

class DataSettingsCommand : public QUndoCommand {
public:
    // Merge id (QUndoCommand::id()); distinct from app/commands/graph_edit_command.h's ids.
    static constexpr int kMergeId = 100;

    // `document` must outlive the command. mergeKey >= 0: a following command with the same
    // key merges into this one (a spin-box drag is one undo step); -1: never merges.
    DataSettingsCommand(ProjectDocument& document, DataSettings before, DataSettings after,
                        const QString& text, int mergeKey = -1);

    void redo() override;
    void undo() override;
    int id() const override { return m_mergeKey >= 0 ? kMergeId : -1; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    ProjectDocument& m_document;
    DataSettings m_before;
    DataSettings m_after;
    int m_mergeKey;
};

} // namespace nw::app
