#pragma once
// ExperimentStore: the SQLite experiment database (schema in engine/tracking/schema.h) —
// runs, their parameters, metrics and artifacts. One store is one connection: use it from
// one thread at a time; other threads and processes open their own (WAL mode lets the IDE
// read while a CLI run writes).
//
// Never lose a run: every write is a transaction; a run's MetricWriter updates its heartbeat
// every second; open() marks a 'running' run whose heartbeat is older than kStaleSeconds, or
// whose process is gone on this host, as 'crashed' — its committed metrics stay.

#include "base/expected.h"
#include "engine/tracking/sqlite_db.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace nw::tracking {

inline constexpr double kStaleSeconds = 10.0;

struct RunRecord {
    std::int64_t id = 0;
    std::string uuid; // 32 random hex digits made by createRun(): unique across stores
    std::string name;
    std::string status = "running"; // running, completed, failed, stopped, crashed
    double startedAt = 0;           // Unix seconds
    double endedAt = 0;             // 0 while running
    double heartbeatAt = 0;
    std::string projectJson; // the project as trained (.nwproj text, overrides applied)
    std::string projectPath; // the file it came from (its folder resolves dataset paths)
    std::string graphHash;   // SHA-256 of the graph's JSON
    std::string dataset;     // the dataset's kind and path or catalog id
    std::uint64_t seed = 0;
    std::string device;
    std::string host;
    std::int64_t pid = 0;
    std::string notes;
    std::vector<std::string> tags;
};

// One metric value; small and allocation-free for short names (the trainer's hot path).
struct MetricPoint {
    std::string name; // "train/loss", "val/accuracy", ...
    std::int64_t step = 0;
    std::int64_t epoch = 0;
    double value = 0;
    double wallTime = 0; // Unix seconds
};

struct Artifact {
    std::string kind; // "checkpoint", "weights", "onnx", ...
    std::string path;
    std::int64_t bytes = 0;
    std::string sha256; // lowercase hex
    double createdAt = 0;
};

using Params = std::vector<std::pair<std::string, std::string>>;

double nowSeconds();
std::string hostName();
// $NETWRIGHT_DB, else $XDG_DATA_HOME/netwright/experiments.db, else
// ~/.local/share/netwright/experiments.db. An explicit `override` wins over all of them.
std::filesystem::path defaultDatabasePath(const std::string& override = {});
// Where a run's files live: <database stem>.runs/<id>/ next to the database (a.db ->
// a.runs/1/), so two databases in one folder never share a run's folder.
std::filesystem::path runDirectory(const std::filesystem::path& database, std::int64_t runId);
// Where schema versions before 3 kept them: runs/<id>/ next to the database (shared by every
// database in the folder). Only the migration reads it.
std::filesystem::path legacyRunDirectory(const std::filesystem::path& database, std::int64_t runId);

class ExperimentStore {
public:
    // Opens or creates the database (and its folder), migrates it and marks crashed runs.
    // `recover` false skips the crash check (a writer's second connection). A path that
    // cannot be a database, and a database file or folder that is read-only (a read-only
    // mount, no write permission), are user errors naming the file.
    static Expected<std::unique_ptr<ExperimentStore>> open(const std::filesystem::path& path,
                                                           bool recover = true);

    const std::filesystem::path& path() const { return m_path; }
    Database& database() { return *m_db; }

    // What opening it did to move old runs' files (schema 3): one line per file that could
    // not be moved (it keeps its old path, recorded as an artifact). Empty when all moved.
    const std::vector<std::string>& migrationReport() const { return m_migrationReport; }

    // A new run, 'running', owned by this process and host, with a new UUID; returns its id.
    Expected<std::int64_t> createRun(const RunRecord& run);
    Status setParams(std::int64_t runId, const Params& params);
    Status appendMetrics(std::int64_t runId, std::span<const MetricPoint> points);
    Status heartbeat(std::int64_t runId);
    // 'running' again, owned by this process: a resumed run.
    Status reopenRun(std::int64_t runId);
    Status finishRun(std::int64_t runId, const std::string& status);
    // Drops metrics after `step` (a resumed run redoes those steps). `partialEpoch`: the run
    // stopped mid-epoch at `step`, so that epoch's rows at `step` (every name outside
    // "train/") go too — the resumed run reports the whole epoch at its end.
    Status deleteMetricsAfter(std::int64_t runId, std::int64_t step, bool partialEpoch = false);
    Status addArtifact(std::int64_t runId, const Artifact& artifact);
    Status addTag(std::int64_t runId, const std::string& tag);
    // Replace a run's name, notes or whole tag list (the Experiments mode's edits). An unknown
    // id is a user error naming it.
    Status renameRun(std::int64_t runId, const std::string& name);
    Status setNotes(std::int64_t runId, const std::string& notes);
    Status setTags(std::int64_t runId, const std::vector<std::string>& tags);
    Status deleteRun(std::int64_t runId);
    // Marks stale 'running' runs 'crashed'; returns how many.
    Expected<int> recoverCrashedRuns(double staleSeconds = kStaleSeconds);

    // Newest first.
    Expected<std::vector<RunRecord>> runs();
    // The same without each run's project snapshot (projectJson empty): a cheap poll of
    // what changes while runs go on (status, heartbeat, end, name, tags, notes).
    Expected<std::vector<RunRecord>> runSummaries();
    // An unknown id is a user error naming it.
    Expected<RunRecord> run(std::int64_t runId);
    Expected<Params> params(std::int64_t runId);
    // In step order; `name` empty: every metric.
    Expected<std::vector<MetricPoint>> metrics(std::int64_t runId, const std::string& name = {});
    Expected<std::int64_t> metricCount(std::int64_t runId);
    Expected<std::vector<Artifact>> artifacts(std::int64_t runId);

private:
    ExperimentStore(std::filesystem::path path, std::unique_ptr<Database> db)
        : m_path(std::move(path))
        , m_db(std::move(db)) {}
    Status execRun(std::string_view sql, std::int64_t runId);
    Expected<std::vector<RunRecord>> readRuns(const std::string& sql);
    // Moves the files of the runs listed in legacy_run_folders (store_migration.cpp).
    Status moveLegacyRunFolders();
    Status moveLegacyRunFolder(std::int64_t runId);

    std::filesystem::path m_path;
    std::unique_ptr<Database> m_db;
    std::optional<Statement> m_insertMetric; // prepared once, reused by appendMetrics
    std::vector<std::string> m_migrationReport;
};

} // namespace nw::tracking
