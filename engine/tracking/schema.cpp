#include "engine/tracking/schema.h"

namespace nw::tracking {

const char* const kSchemaV1 = R"sql(
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'stopped',
                                           'crashed')),
    started_at REAL NOT NULL,
    ended_at REAL,
    project_json TEXT NOT NULL DEFAULT '',
    graph_hash TEXT NOT NULL DEFAULT '',
    dataset TEXT NOT NULL DEFAULT '',
    seed INTEGER NOT NULL DEFAULT 0,
    device TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE params (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    step INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    value REAL NOT NULL,
    wall_time REAL NOT NULL
);
PRAGMA user_version = 1;
)sql";

namespace {

const char* const kV1ToV2 = R"sql(
ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN heartbeat_at REAL;
ALTER TABLE runs ADD COLUMN project_path TEXT NOT NULL DEFAULT '';
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX metrics_by_run ON metrics (run_id, name, step);
CREATE INDEX metrics_by_name ON metrics (name, run_id);
CREATE INDEX artifacts_by_run ON artifacts (run_id);
PRAGMA user_version = 2;
)sql";

const char* const kV2ToV3 = R"sql(
ALTER TABLE runs ADD COLUMN uuid TEXT NOT NULL DEFAULT '';
UPDATE runs SET uuid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX runs_by_uuid ON runs (uuid);
CREATE TABLE legacy_run_folders (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE
);
INSERT INTO legacy_run_folders (run_id) SELECT id FROM runs;
PRAGMA user_version = 3;
)sql";

// migrations[v] takes a database from version v to v + 1.
const char* const kMigrations[] = {kSchemaV1, kV1ToV2, kV2ToV3};

} // namespace

Expected<int> schemaVersion(Database& db) {
    auto st = db.prepare("PRAGMA user_version");
    if (!st) {
        return st.error();
    }
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    return static_cast<int>(st->int64(0));
}

Status migrate(Database& db) {
    // BEGIN IMMEDIATE takes the write lock first, so two processes opening a fresh database at
    // once migrate it one after the other; the second then sees the new version.
    for (;;) {
        auto version = schemaVersion(db);
        if (!version) {
            return version.error();
        }
        if (*version > kSchemaVersion) {
            return Error::user(db.name() + ": the experiment database has schema version " +
                               std::to_string(*version) + "; this build reads up to " +
                               std::to_string(kSchemaVersion) + " (a newer Netwright wrote it)");
        }
        if (*version == kSchemaVersion) {
            return Status::success();
        }
        Status s = db.transaction([&]() -> Status {
            auto now = schemaVersion(db);
            if (!now) {
                return now.error();
            }
            if (*now != *version) {
                return Status::success(); // another process migrated meanwhile
            }
            return db.exec(kMigrations[*version]);
        });
        if (!s) {
            return s;
        }
    }
}

} // namespace nw::tracking
