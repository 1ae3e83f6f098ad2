#pragma once
// RunsModel: the experiment store's runs as a table — id, status, name, tags, the key
// hyper-parameters, best metrics and duration. Sorting uses Qt::UserRole (numbers as
// numbers); filtering is a QSortFilterProxyModel over Qt::DisplayRole. The model reads from
// the store it is given; it never writes.

#include "engine/tracking/store.h"

#include <QAbstractTableModel>
#include <map>
#include <vector>

namespace nw::ui {

struct RunRow {
    tracking::RunRecord run;
    std::map<std::string, std::string> params;
    double bestValAccuracy = -1; // < 0: not recorded
    double bestTestAccuracy = -1;
    double lastTrainLoss = -1; // the last epoch's mean training loss (else the last step's)
};

class RunsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Id,
        Status,
        Name,
        Tags,
        Optimizer,
        LearningRate,
        BatchSize,
        Epochs,
        BestValAccuracy,
        BestTestAccuracy,
        LastLoss,
        Duration,
        Started,
        ColumnCount
    };

    explicit RunsModel(QObject* parent = nullptr);

    // Re-reads every run of `store`; returns the error of a failed read (the table keeps
    // what it showed).
    nw::Status reload(tracking::ExperimentStore& store);
    // The cheap poll behind the live table: reads the runs' summaries (no snapshots) and
    // updates the rows in place — new runs inserted, deleted ones removed, changed ones
    // (status, heartbeat, end, name, tags, notes) re-read with their metrics — so views keep
    // their selection, sort and scroll. Returns the ids of the new and changed runs.
    nw::Expected<std::vector<std::int64_t>> refresh(tracking::ExperimentStore& store);
    const RunRow& row(int index) const { return m_rows[std::size_t(index)]; }
    // The row of run `id`, or -1.
    int rowOf(std::int64_t id) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    std::vector<RunRow> m_rows;
};

} // namespace nw::ui
