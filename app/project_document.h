#pragma once
// ProjectDocument: owns the open project, its analysis, its undo stack and the one
// change signal views listen to. Views never edit the graph directly: they call the edit
// methods below, which build a reversible graph edit (graph/edit.h), push it as a
// QUndoCommand (app/commands/) and, through applyEdit(), re-analyze and emit changed().

#include "graph/analysis.h"
#include "graph/edit.h"
#include "graph/op_registry.h"
#include "graph/project.h"

#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>
#include <QUndoStack>
#include <map>

namespace nw::app {

struct DataSettings; // app/commands/data_settings_command.h

class ProjectDocument : public QObject {
    Q_OBJECT
public:
    // `registry` must outlive the document.
    explicit ProjectDocument(const graph::OpRegistry& registry, QObject* parent = nullptr);
    // Emits nothing while it is destroyed (the undo stack's clean-up included).
    ~ProjectDocument() override;

    // Loads a project file; on failure returns the message (naming file and field) and keeps
    // the current project unchanged. A graph whose nodes share positions (a file written
    // without them) is laid out automatically.
    Status load(const QString& path);
    // Writes the project (atomically) and marks the undo stack clean; the path becomes the
    // document's file path (so this is both "save" and "save as").
    Status save(const QString& path);
    // Starts an empty, unnamed project.
    void clear();
    // Shows `project` as an unnamed, unmodified project with nothing to undo (the content of
    // a view that builds its own graph, e.g. the Experiments mode's graph difference).
    void reset(graph::Project project);
    // Starts an unsaved project from a template file (a path or a Qt resource ":/templates/…"):
    // the template's graph and settings, no file path, nothing to undo.
    Status newFromTemplate(const QString& path);
    // Opens an autosaved copy (app/autosave.h) as unsaved changes to `originalPath` (empty:
    // an unsaved project): the document shows the recovered graph and is modified.
    Status restoreRecovery(const QString& recoveryFile, const QString& originalPath);

    const graph::Project& project() const { return m_project; }
    const graph::Graph& graph() const { return m_project.graph; }
    const graph::GraphAnalysis& analysis() const { return m_analysis; }
    const graph::OpRegistry& registry() const { return m_registry; }
    QString filePath() const { return m_path; }
    // Project name, else the file's base name, else "Untitled".
    QString displayName() const;
    QUndoStack* undoStack() { return &m_undo; }
    bool isModified() const { return m_recovered || !m_undo.isClean(); }

    // --- Edits. Each pushes one undoable command; a refused edit pushes nothing and returns
    // --- the reason (naming node, port or attribute).

    // Adds a node of `op` at `position` (top-left, scene units); returns its new id.
    Expected<QString> addNode(const QString& op, QPointF position);
    Status removeNodes(const QStringList& ids);
    // Connects an output port to an input port; the edge already feeding that input (if any)
    // is replaced. Refused when graph::checkConnection() refuses (cycle, shapes, ports).
    Status connectPorts(const graph::PortRef& from, const graph::PortRef& to);
    Status disconnect(const graph::Edge& edge);
    // Moves the input end of `edge` to `to` (an edge dragged to another socket), one undo
    // step; refused like connectPorts(), judged on the graph without `edge`.
    Status reconnect(const graph::Edge& edge, const graph::PortRef& to);
    // Checked against the op's AttrSpec; an invalid value is refused and never stored.
    // Consecutive changes of one attribute merge into one undo step.
    Status setAttribute(const QString& node, const QString& attr, const graph::AttrValue& value);
    // New top-left positions; consecutive moves of the same nodes merge.
    Status moveNodes(const std::map<std::string, graph::Position>& positions);
    // Layered layout of `ids` (the whole graph when empty), one undo step.
    Status autoLayout(const QStringList& ids = {});
    // Fine-tuning: freezes (trainable false) or unfreezes the nodes, one undo step for all of
    // them ("Freeze conv1", "Freeze 4 nodes"); nodes already so are left as they are.
    Status setTrainable(const QStringList& ids, bool trainable);

    // The nodes and the edges between them, as JSON for the clipboard.
    QString copyFragment(const QStringList& ids) const;
    // Inserts a fragment from copyFragment() (of this or another project), renaming clashing
    // ids and shifting positions by `offset`; returns the new ids.
    Expected<QStringList> pasteFragment(const QString& json, QPointF offset);
    // Copy + paste in one step, offset so the copies do not hide the originals.
    Expected<QStringList> duplicate(const QStringList& ids);

    // --- Blocks (graph/group.h), defined in project_document_blocks.cpp. Each is one undo step.

    // Groups `ids` into a new block named `name`; returns its id ("block1").
    Expected<QString> groupNodes(const QStringList& ids, const QString& name);
    // Removes the block; its nodes stay.
    Status ungroup(const QString& groupId);
    Status renameGroup(const QString& groupId, const QString& name);
    // Collapses the block to one card, or expands it again.
    Status setGroupCollapsed(const QString& groupId, bool collapsed);
    // The block's nodes, inner edges and the block itself as clipboard JSON: "save to library"
    // stores it, pasteFragment() inserts it again as a new block.
    QString copyGroup(const QString& groupId) const;

    // For app/commands/ only: applies an edit, re-analyzes and emits changed().
    Status applyEdit(const graph::GraphEdit& edit);

    // --- Data settings (the project's dataset and augmentation pipeline, not the graph).

    // Per-channel input normalisation stored in the dataset reference: one mean and one std
    // (> 0) per channel, both empty for none. One undo step.
    Status setNormalization(const std::vector<double>& mean, const std::vector<double>& std);
    // Replaces the augmentation pipeline. Checked as training checks it
    // (datasets::AugmentationPipeline::create()); an invalid pipeline is refused, naming the
    // step and field, and never stored. mergeKey >= 0: consecutive calls with the same key
    // merge into one undo step (a parameter dragged in a spin box).
    Status setAugmentation(const std::vector<graph::AugmentationStep>& steps, const QString& text,
                           int mergeKey = -1);

    // For app/commands/ only: stores the settings and emits changed().
    void applyDataSettings(const DataSettings& settings);

    // --- Run configuration (Train mode). One undo step; consecutive changes merge.
    void setTrainingConfig(const graph::TrainingConfig& config);
    // For app/commands/ only: stores the configuration and emits changed().
    void applyTrainingConfig(const graph::TrainingConfig& config);

signals:
    // The project (graph, settings, file or modified state) changed; the analysis is already
    // up to date.
    void changed();

private:
    void reanalyze();
    Status push(Expected<graph::GraphEdit> edit, const QString& text);

    const graph::OpRegistry& m_registry;
    graph::Project m_project;
    graph::GraphAnalysis m_analysis;
    QString m_path;
    QUndoStack m_undo;
    bool m_recovered = false; // restored from a recovery file and not saved since
};

} // namespace nw::app
