#pragma once
// Internal to engine/tracking: how a runs row maps to a RunRecord (shared by store.cpp's
// writes and store_queries.cpp's reads).

#include "engine/tracking/sqlite_db.h"
#include "engine/tracking/store.h"

#include <sstream>
#include <vector>

namespace nw::tracking::detail {

// Steps `st` through its remaining rows and collects readRow(st) of each; the first failed
// step's error otherwise.
template <typename Row, typename ReadRow>
Expected<std::vector<Row>> readRows(Statement& st, ReadRow readRow) {
    std::vector<Row> out;
    for (;;) {
        auto row = st.step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return out;
        }
        out.push_back(readRow(st));
    }
}

// Tags are stored comma-separated.
inline std::vector<std::string> splitTags(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string t; std::getline(in, t, ',');) {
        if (!t.empty()) {
            out.push_back(t);
        }
    }
    return out;
}

inline constexpr const char* kRunColumns =
    "id, name, status, started_at, ended_at, heartbeat_at, project_json, project_path, "
    "graph_hash, dataset, seed, device, host, pid, notes, tags, uuid";

inline RunRecord readRun(const Statement& st) {
    RunRecord r;
    r.id = st.int64(0);
    r.name = st.text(1);
    r.status = st.text(2);
    r.startedAt = st.real(3);
    r.endedAt = st.isNull(4) ? 0 : st.real(4);
    r.heartbeatAt = st.isNull(5) ? 0 : st.real(5);
    r.projectJson = st.text(6);
    r.projectPath = st.text(7);
    r.graphHash = st.text(8);
    r.dataset = st.text(9);
    r.seed = static_cast<std::uint64_t>(st.int64(10));
    r.device = st.text(11);
    r.host = st.text(12);
    r.pid = st.int64(13);
    r.notes = st.text(14);
    r.tags = splitTags(st.text(15));
    r.uuid = st.text(16);
    return r;
}

} // namespace nw::tracking::detail
