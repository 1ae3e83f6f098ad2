#pragma once
// RunComparison: the selected runs side by side — their loss curves overlaid (and test
// accuracy per epoch), and a hyper-parameter table with one column per run, showing only the
// parameters that differ unless "all" is ticked (or a single run is selected); the columns
// share the table's width, a long value summarised ("3 steps: horizontal_flip, pad_crop, …")
// or elided, in full in its tooltip; for two runs,
// the difference of their graphs (nodes added, removed, changed; edges) on a read-only canvas
// beside the same difference as a list (GraphDiffView).

#include "ui/experiments/runs_model.h"

#include <QWidget>
#include <vector>

class QCheckBox;
class QTabWidget;
class QTableWidget;
class QTreeWidget;

namespace nw::ui {

class GraphDiffView;
class MetricChart;

class RunComparison : public QWidget {
    Q_OBJECT
public:
    explicit RunComparison(QWidget* parent = nullptr);

    // Shows `runs` (their curves read from `store`).
    void setRuns(tracking::ExperimentStore& store, const std::vector<RunRow>& runs);

    QTableWidget* parameterTable() const { return m_params; }
    MetricChart* lossChart() const { return m_loss; }
    MetricChart* accuracyChart() const { return m_accuracy; }
    // Top-level items "Added nodes", "Removed nodes", "Changed nodes", "Edges" (empty ones
    // left out); one "No differences" item when the graphs match; empty unless two runs.
    QTreeWidget* graphDiff() const;
    // The graph difference of two runs: canvas, counts and the list above.
    GraphDiffView* graphDiffView() const { return m_graphDiff; }
    // The "Hyper-parameters" and "Graph" tabs.
    QTabWidget* tabs() const { return m_tabs; }

private:
    void fillParameters();
    void fillGraphDiff();

    MetricChart* m_loss;
    MetricChart* m_accuracy;
    QTableWidget* m_params;
    GraphDiffView* m_graphDiff;
    QTabWidget* m_tabs;
    QCheckBox* m_showAll;
    std::vector<RunRow> m_runs;
};

} // namespace nw::ui
