#pragma once
// The Design mode: the node-graph editor. The palette (left), the canvas (centre), the
// inspector (right), and below the canvas the problems list (click selects the node) and the
// per-layer table. Its edit actions (undo, redo, copy, paste, duplicate, delete, layout, fit)
// are exposed for the main window's menus and toolbar; all of them act on the
// ProjectDocument.

#include "base/expected.h"
#include "engine/core/backend_registry.h"

#include <QList>
#include <QWidget>
#include <functional>
#include <memory>

class QAction;
class QListWidget;
class QListWidgetItem;
class QTabWidget;
class QTreeWidget;

namespace nw::app {
class BlockLibrary;
class ProjectDocument;
} // namespace nw::app

namespace nw::ui {

class GraphScene;
class GraphView;
class Inspector;
class OpPalette;
class QuickAddPopup;

class DesignPage : public QWidget {
    Q_OBJECT
public:
    explicit DesignPage(app::ProjectDocument& document, QWidget* parent = nullptr);
    ~DesignPage() override;

    QTreeWidget* layerTable() const { return m_layers; }
    // The devices the layer table's Device column reads placement from (the project's
    // training.device); null: no Device column values.
    void setBackends(const engine::BackendRegistry* backends);
    QListWidget* problemList() const { return m_problems; }
    GraphScene* scene() const { return m_scene; }
    GraphView* view() const { return m_view; }
    OpPalette* opPalette() const { return m_palette; }
    Inspector* inspector() const { return m_inspector; }
    QuickAddPopup* quickAdd() const { return m_quickAdd; }

    // Edit and view actions, in menu order (nullptr entries are separators).
    QList<QAction*> editActions() const { return m_editActions; }
    QList<QAction*> viewActions() const { return m_viewActions; }

    // Clipboard operations on the selection (also the actions' slots).
    void copySelection();
    Expected<QStringList> paste();
    Expected<QStringList> duplicateSelection();
    // Selects the node a problems-list row names and centres it.
    void showProblem(QListWidgetItem* item);

    // Fine-tuning: freezes the selected nodes that have parameters (false), or unfreezes the
    // selected frozen ones (true), one undo step; the Freeze / Unfreeze actions (edit menu and
    // the canvas's context menu), enabled when the selection has such nodes.
    Status setSelectionTrainable(bool trainable);
    QAction* freezeAction() const { return m_freeze; }
    QAction* unfreezeAction() const { return m_unfreeze; }

    // Blocks (design_page_blocks.cpp), on the selection; each is one undo step.
    Expected<QString> groupSelection(const QString& name);
    Status ungroupSelection();
    Status toggleSelectedGroup();
    // Saves the selected block to the library under its name; inserts a saved block at the
    // centre of the view as a new block, selected.
    Status saveSelectedBlock();
    Expected<QStringList> insertBlock(const QString& name);
    app::BlockLibrary& blockLibrary() const { return *m_blocks; }
    // Replaces the library (tests use a temporary folder).
    void setBlockLibrary(std::unique_ptr<app::BlockLibrary> library);
    // Replaces the name dialog of "Group" and "Rename Block" (tests answer without a dialog).
    // Returns the name, or an empty string for "cancel".
    using NamePrompt = std::function<QString(const QString& title, const QString& suggested)>;
    void setNamePrompt(NamePrompt prompt) { m_namePrompt = std::move(prompt); }

signals:
    void message(const QString& text);

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void buildActions();
    void buildBlockActions();
    QString askName(const QString& title, const QString& suggested);
    void renameGroup(const QString& id);
    void refresh();
    void refreshTables();
    void refreshFreezeActions();
    // The selected nodes setSelectionTrainable(trainable) would change.
    QStringList trainableTargets(bool trainable) const;
    void fitIfPending();

    app::ProjectDocument& m_document;
    GraphScene* m_scene;
    GraphView* m_view;
    OpPalette* m_palette;
    Inspector* m_inspector;
    QuickAddPopup* m_quickAdd;
    QTabWidget* m_bottom;
    QTreeWidget* m_layers;
    const engine::BackendRegistry* m_backends = nullptr;
    QListWidget* m_problems;
    QList<QAction*> m_editActions;
    QList<QAction*> m_viewActions;
    QAction* m_freeze = nullptr;
    QAction* m_unfreeze = nullptr;
    QString m_shownPath;
    bool m_fitPending = true;
    int m_pasteCascade = 0;
    QString m_lastPaste;
    std::unique_ptr<app::BlockLibrary> m_blocks;
    NamePrompt m_namePrompt;
};

} // namespace nw::ui
