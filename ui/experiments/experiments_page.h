#pragma once
// The Experiments mode: every run of the experiment store (CLI and IDE runs alike) in a
// sortable, filterable table; the selected runs compared (overlaid curves, hyper-parameter
// differences); rename, tag, note and delete runs; open a run's project snapshot; evaluate a
// run's newest checkpoint (the "Evaluation" tab beside the comparison, so the user keeps the
// table and the selection in view; the Train mode stays about the run in progress).
// The page holds its own read connection to the store (WAL: a run may be writing). While the
// page is visible it polls the store (RunsModel::refresh) so runs of other processes
// (netwright-cli train) appear and update live, without losing selection, sort or scroll.

#include "engine/tracking/store.h"

#include <QWidget>
#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;
class QTimer;

namespace nw::app {
class TrainingController;
}

namespace nw::ui {

class EvaluationPanel;
class RunComparison;
class RunsModel;

class ExperimentsPage : public QWidget {
    Q_OBJECT
public:
    static constexpr int kPollMilliseconds = 2000;

    explicit ExperimentsPage(QWidget* parent = nullptr);
    ~ExperimentsPage() override;

    // Enables "Evaluate" (button, context menu) and the Evaluation tab, run on `controller`
    // (which must outlive the page).
    void setTrainingController(app::TrainingController* controller);

    // Where the store is: empty for the default (NETWRIGHT_DB, else the XDG location).
    void setDatabasePath(const QString& path);
    // Re-reads the runs (keeping the selection; the first time, selecting the two newest);
    // errors show in the page.
    void reload();

    // The edits behind the buttons (the buttons ask with dialogs first).
    Status renameRun(qint64 id, const QString& name);
    Status setTags(qint64 id, const QStringList& tags);
    Status setNotes(qint64 id, const QString& notes);
    Status deleteRuns(const QList<qint64>& ids);
    // The cheap live update (RunsModel::refresh), also what the poll timer calls.
    void poll();
    // Evaluates the one selected run in the Evaluation tab (shown); false when refused.
    bool evaluateSelected();
    // Selects exactly these runs in the table (and so compares them).
    void selectRuns(const QList<qint64>& ids);
    QList<qint64> selectedRuns() const;

    RunsModel* model() const { return m_model; }
    QSortFilterProxyModel* proxy() const { return m_proxy; }
    QTableView* table() const { return m_table; }
    QLineEdit* filterEdit() const { return m_filter; }
    RunComparison* comparison() const { return m_comparison; }
    EvaluationPanel* evaluationPanel() const { return m_evaluation; } // null without controller
    QTabWidget* detailTabs() const { return m_details; }
    QTimer* pollTimer() const { return m_poll; }
    QPushButton* evaluateButton() const { return m_evaluateButton; }

signals:
    // "Open project": the run's project as trained and the file it came from.
    void openSnapshot(const QString& projectJson, const QString& projectPath);
    // "Resume": continue a stopped or crashed run from its checkpoint.
    void resumeRequested(qint64 runId);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    bool ensureStore();
    void updateComparison();
    void askRename();
    void askTags();
    void askNotes();
    void askDelete();
    void openSelected();
    void resumeSelected();
    void showContextMenu(const QPoint& pos);
    void updateMessage();

    QString m_databasePath;
    std::unique_ptr<tracking::ExperimentStore> m_store;
    RunsModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QLineEdit* m_filter;
    QLabel* m_message;
    RunComparison* m_comparison;
    QTabWidget* m_details;
    EvaluationPanel* m_evaluation = nullptr;
    QPushButton* m_evaluateButton = nullptr;
    QTimer* m_poll;
    QList<QPushButton*> m_selectionButtons;
    bool m_loadedOnce = false;
};

} // namespace nw::ui
