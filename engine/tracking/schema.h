#pragma once
// The experiment database's schema and its migrations. PRAGMA user_version holds the
// version; migrate() brings an older database up to kSchemaVersion step by step, each step in
// one transaction, keeping every row. A newer version than this build knows is refused.
//
// Version 1: runs (id, name, status, started_at, ended_at, project_json, graph_hash, dataset,
//            seed, device, host, notes), params (run_id, key, value),
//            metrics (run_id, name, step, epoch, value, wall_time).
// Version 2: runs gains tags (comma-separated), pid, heartbeat_at, project_path;
//            artifacts (run_id, kind, path, bytes, sha256, created_at); metrics indexed by
//            (run_id, name, step) and (name, run_id).
// Version 3: runs gains uuid (32 random hex digits, unique; old runs get one); a run's files
//            move from runs/<id>/ to <database stem>.runs/<id>/ (store.h runDirectory):
//            legacy_run_folders (run_id) lists the runs whose files are still to move, which
//            ExperimentStore::open does after the schema step (store_migration.cpp).
// Times are Unix seconds (UTC) as REAL.

#include "engine/tracking/sqlite_db.h"

namespace nw::tracking {

inline constexpr int kSchemaVersion = 3;

// The SQL that creates a version-1 database (used by migrate() on an empty file and by the
// migration tests).
extern const char* const kSchemaV1;

Expected<int> schemaVersion(Database& db);
Status migrate(Database& db);

} // namespace nw::tracking
