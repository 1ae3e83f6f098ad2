#pragma once
// RunComparison: the selected runs side by side — their loss curves overlaid (and test
// accuracy per epoch), and a hyper-parameter table with one column per run, showing only the
// parameters that differ unless "all" is ticked (or a single run is selected); for two runs,
// the difference of their graphs (nodes added, removed, changed; edges) as a list.

#include "ui/experiments/runs_model.h"

#include <QWidget>
#include <vector>

class QCheckBox;
class QTableWidget;
class QTreeWidget;

namespace nw::ui {

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
    QTreeWidget* graphDiff() const { return m_graphDiff; }

private:
    void fillParameters();
    void fillGraphDiff();

    MetricChart* m_loss;
    MetricChart* m_accuracy;
    QTableWidget* m_params;
    QTreeWidget* m_graphDiff;
    QCheckBox* m_showAll;
    std::vector<RunRow> m_runs;
};

} // namespace nw::ui
