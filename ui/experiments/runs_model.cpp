#include "ui/experiments/runs_model.h"

#include <QColor>
#include <QDateTime>
#include <QStringList>
#include <algorithm>
#include <set>

namespace nw::ui {

namespace {

double best(tracking::ExperimentStore& store, std::int64_t id, const char* name) {
    auto points = store.metrics(id, name);
    double out = -1;
    if (points) {
        for (const auto& p : *points) {
            out = std::max(out, p.value);
        }
    }
    return out;
}

double last(tracking::ExperimentStore& store, std::int64_t id, const char* name) {
    auto points = store.metrics(id, name);
    return points && !points->empty() ? points->back().value : -1;
}

QString param(const RunRow& r, const char* key) {
    auto it = r.params.find(key);
    return it == r.params.end() ? QString() : QString::fromStdString(it->second);
}

double duration(const tracking::RunRecord& r) {
    const double end = r.endedAt > 0 ? r.endedAt : r.heartbeatAt;
    return std::max(0.0, end - r.startedAt);
}

QString percent(double v) {
    return v < 0 ? QString() : QStringLiteral("%1%").arg(v * 100, 0, 'f', 2);
}

void fillMetrics(tracking::ExperimentStore& store, RunRow& row) {
    const std::int64_t id = row.run.id;
    row.bestValAccuracy = best(store, id, "val/accuracy");
    row.bestTestAccuracy = best(store, id, "test/accuracy");
    // The last epoch's mean (a few rows); per-step rows only for a run that never finished an
    // epoch (a short one).
    row.lastTrainLoss = last(store, id, "epoch/train_loss");
    if (row.lastTrainLoss < 0) {
        row.lastTrainLoss = last(store, id, "train/loss");
    }
}

RunRow readRow(tracking::ExperimentStore& store, tracking::RunRecord run) {
    RunRow row;
    if (auto params = store.params(run.id)) {
        row.params.insert(params->begin(), params->end());
    }
    row.run = std::move(run);
    fillMetrics(store, row);
    return row;
}

bool sameSummary(const tracking::RunRecord& a, const tracking::RunRecord& b) {
    return a.status == b.status && a.endedAt == b.endedAt && a.heartbeatAt == b.heartbeatAt &&
           a.name == b.name && a.notes == b.notes && a.tags == b.tags;
}

} // namespace

RunsModel::RunsModel(QObject* parent)
    : QAbstractTableModel(parent) {}

nw::Status RunsModel::reload(tracking::ExperimentStore& store) {
    auto runs = store.runs();
    if (!runs) {
        return runs.error();
    }
    std::vector<RunRow> rows;
    rows.reserve(runs->size());
    for (auto& run : *runs) {
        rows.push_back(readRow(store, std::move(run)));
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
    return nw::Status::success();
}

nw::Expected<std::vector<std::int64_t>> RunsModel::refresh(tracking::ExperimentStore& store) {
    auto summaries = store.runSummaries();
    if (!summaries) {
        return summaries.error();
    }
    std::set<std::int64_t> present;
    for (const auto& s : *summaries) {
        present.insert(s.id);
    }
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (!present.count(m_rows[std::size_t(i)].run.id)) {
            beginRemoveRows({}, i, i);
            m_rows.erase(m_rows.begin() + i);
            endRemoveRows();
        }
    }
    std::vector<std::int64_t> changed;
    std::vector<RunRow> added;
    for (auto& s : *summaries) {
        const int i = rowOf(s.id);
        if (i < 0) {
            if (auto full = store.run(s.id)) { // else deleted since the summaries were read
                added.push_back(readRow(store, std::move(*full)));
                changed.push_back(s.id);
            }
            continue;
        }
        RunRow& r = m_rows[std::size_t(i)];
        if (sameSummary(r.run, s)) {
            continue;
        }
        const bool metricsMayChange = s.status == "running" || s.status != r.run.status;
        s.projectJson = std::move(r.run.projectJson); // the snapshot never changes
        r.run = std::move(s);
        if (metricsMayChange) {
            fillMetrics(store, r);
        }
        emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
        changed.push_back(r.run.id);
    }
    if (!added.empty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        for (auto& row : added) {
            m_rows.push_back(std::move(row));
        }
        endInsertRows();
    }
    return changed;
}

int RunsModel::rowOf(std::int64_t id) const {
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].run.id == id) {
            return int(i);
        }
    }
    return -1;
}

int RunsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) {
        return {};
    }
    const RunRow& r = m_rows[std::size_t(index.row())];
    if (role == Qt::ForegroundRole && index.column() == Status) {
        const auto& s = r.run.status;
        return s == "completed" ? QColor(0x2e, 0xa0, 0x4f)
               : s == "running" ? QColor(0x4c, 0x8b, 0xf5)
               : s == "stopped" ? QColor(0xb0, 0x80, 0x10)
                                : QColor(0xc0, 0x39, 0x2b);
    }
    if (role == Qt::ToolTipRole && index.column() == Name && !r.run.notes.empty()) {
        return QString::fromStdString(r.run.notes);
    }
    if (role != Qt::DisplayRole && role != Qt::UserRole) {
        return {};
    }
    const bool sortKey = role == Qt::UserRole;
    switch (Column(index.column())) {
    case Id:
        return qint64(r.run.id);
    case Status:
        return QString::fromStdString(r.run.status);
    case Name:
        return QString::fromStdString(r.run.name);
    case Tags: {
        QStringList tags;
        for (const auto& t : r.run.tags) {
            tags << QString::fromStdString(t);
        }
        return tags.join(QStringLiteral(", "));
    }
    case Optimizer:
        return param(r, "training.optimizer.type");
    case LearningRate:
        return sortKey ? QVariant(param(r, "training.optimizer.learning_rate").toDouble())
                       : QVariant(param(r, "training.optimizer.learning_rate"));
    case BatchSize:
        return param(r, "training.batch_size").toLongLong();
    case Epochs:
        return param(r, "training.epochs").toLongLong();
    case BestValAccuracy:
        return sortKey ? QVariant(r.bestValAccuracy) : QVariant(percent(r.bestValAccuracy));
    case BestTestAccuracy:
        return sortKey ? QVariant(r.bestTestAccuracy) : QVariant(percent(r.bestTestAccuracy));
    case LastLoss:
        return sortKey ? QVariant(r.lastTrainLoss)
                       : QVariant(r.lastTrainLoss < 0 ? QString()
                                                      : QString::number(r.lastTrainLoss, 'g', 4));
    case Duration: {
        const double s = duration(r.run);
        return sortKey ? QVariant(s)
                       : QVariant(QStringLiteral("%1:%2")
                                      .arg(qint64(s) / 60)
                                      .arg(qint64(s) % 60, 2, 10, QLatin1Char('0')));
    }
    case Started: {
        const auto t = QDateTime::fromMSecsSinceEpoch(qint64(r.run.startedAt * 1000));
        return sortKey ? QVariant(r.run.startedAt)
                       : QVariant(t.toString(QStringLiteral("yyyy-MM-dd hh:mm")));
    }
    case ColumnCount:
        break;
    }
    return {};
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    static const char* const names[] = {"ID",         "Status",   "Name",   "Tags",     "Optimizer",
                                        "LR",         "Batch",    "Epochs", "Best val", "Best test",
                                        "Train loss", "Duration", "Started"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

} // namespace nw::ui
