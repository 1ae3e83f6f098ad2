#include "ui/experiments/runs_model.h"

#include <QColor>
#include <QDateTime>
#include <QStringList>
#include <algorithm>

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
        RunRow row;
        if (auto params = store.params(run.id)) {
            row.params.insert(params->begin(), params->end());
        }
        row.bestValAccuracy = best(store, run.id, "val/accuracy");
        row.bestTestAccuracy = best(store, run.id, "test/accuracy");
        // The last epoch's mean (a few rows); per-step rows only for a run that never
        // finished an epoch (a short one).
        row.lastTrainLoss = last(store, run.id, "epoch/train_loss");
        if (row.lastTrainLoss < 0) {
            row.lastTrainLoss = last(store, run.id, "train/loss");
        }
        row.run = std::move(run);
        rows.push_back(std::move(row));
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
    return nw::Status::success();
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
