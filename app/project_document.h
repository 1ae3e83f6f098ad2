#pragma once
// ProjectDocument: owns the open project, its analysis, its undo stack and the one
// change signal views listen to. Views never edit the graph directly; they go through the
// document (and, with the editor, through QUndoCommands on its stack).

#include "graph/analysis.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <QObject>
#include <QString>
#include <QUndoStack>

namespace nw::app {

class ProjectDocument : public QObject {
    Q_OBJECT
public:
    // `registry` must outlive the document.
    explicit ProjectDocument(const graph::OpRegistry& registry, QObject* parent = nullptr);

    // Loads a project file; on failure returns the message (naming file and field) and keeps
    // the current project unchanged.
    Status load(const QString& path);
    Status save(const QString& path);

    const graph::Project& project() const { return m_project; }
    const graph::GraphAnalysis& analysis() const { return m_analysis; }
    const graph::OpRegistry& registry() const { return m_registry; }
    QString filePath() const { return m_path; }
    // Project name, else the file's base name, else "Untitled".
    QString displayName() const;
    QUndoStack* undoStack() { return &m_undo; }
    bool isModified() const { return !m_undo.isClean(); }

signals:
    // The project (graph, settings or file) changed; the analysis is already up to date.
    void changed();

private:
    void reanalyze();

    const graph::OpRegistry& m_registry;
    graph::Project m_project;
    graph::GraphAnalysis m_analysis;
    QString m_path;
    QUndoStack m_undo;
};

} // namespace nw::app
