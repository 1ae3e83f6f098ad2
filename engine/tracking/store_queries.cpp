// ExperimentStore's reads: runs, parameters, metrics, artifacts.
#include "engine/tracking/store.h"
#include "engine/tracking/store_rows.h"

namespace nw::tracking {

using detail::kRunColumns;
using detail::readRun;

using detail::readRows;

Expected<std::vector<RunRecord>> ExperimentStore::runs() {
    return readRuns(std::string("SELECT ") + kRunColumns + " FROM runs ORDER BY id DESC");
}

Expected<std::vector<RunRecord>> ExperimentStore::runSummaries() {
    std::string columns = kRunColumns;
    columns.replace(columns.find("project_json"), 12, "''");
    return readRuns("SELECT " + columns + " FROM runs ORDER BY id DESC");
}

Expected<std::vector<RunRecord>> ExperimentStore::readRuns(const std::string& sql) {
    auto st = m_db->prepare(sql);
    if (!st) {
        return st.error();
    }
    return readRows<RunRecord>(*st, readRun);
}

Expected<RunRecord> ExperimentStore::run(std::int64_t runId) {
    auto st = m_db->prepare(std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?1");
    if (!st) {
        return st.error();
    }
    auto row = st->bind(1, runId).step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return Error::user("unknown run id " + std::to_string(runId) + " in " + m_path.string());
    }
    return readRun(*st);
}

Expected<Params> ExperimentStore::params(std::int64_t runId) {
    auto st = m_db->prepare("SELECT key, value FROM params WHERE run_id = ?1 ORDER BY key");
    if (!st) {
        return st.error();
    }
    st->bind(1, runId);
    return readRows<Params::value_type>(
        *st, [](const Statement& row) { return Params::value_type(row.text(0), row.text(1)); });
}

Expected<std::vector<MetricPoint>> ExperimentStore::metrics(std::int64_t runId,
                                                            const std::string& name) {
    auto st = m_db->prepare(
        name.empty() ? "SELECT name, step, epoch, value, wall_time FROM metrics WHERE run_id = ?1 "
                       "ORDER BY step, rowid"
                     : "SELECT name, step, epoch, value, wall_time FROM metrics WHERE run_id = ?1 "
                       "AND name = ?2 ORDER BY step, rowid");
    if (!st) {
        return st.error();
    }
    st->bind(1, runId);
    if (!name.empty()) {
        st->bind(2, name);
    }
    return readRows<MetricPoint>(*st, [](const Statement& row) {
        return MetricPoint{row.text(0), row.int64(1), row.int64(2), row.real(3), row.real(4)};
    });
}

Expected<std::int64_t> ExperimentStore::metricCount(std::int64_t runId) {
    auto st = m_db->prepare("SELECT COUNT(*) FROM metrics WHERE run_id = ?1");
    if (!st) {
        return st.error();
    }
    auto row = st->bind(1, runId).step();
    if (!row) {
        return row.error();
    }
    return st->int64(0);
}

Expected<std::vector<Artifact>> ExperimentStore::artifacts(std::int64_t runId) {
    auto st = m_db->prepare("SELECT kind, path, bytes, sha256, created_at FROM artifacts "
                            "WHERE run_id = ?1 ORDER BY id");
    if (!st) {
        return st.error();
    }
    st->bind(1, runId);
    return readRows<Artifact>(*st, [](const Statement& row) {
        return Artifact{row.text(0), row.text(1), row.int64(2), row.text(3), row.real(4)};
    });
}

} // namespace nw::tracking
