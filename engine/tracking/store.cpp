#include "engine/tracking/store.h"

#include "engine/tracking/schema.h"
#include "engine/tracking/store_rows.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace nw::tracking {

namespace {

std::string joinTags(const std::vector<std::string>& tags) {
    std::string out;
    for (const auto& t : tags) {
        out += (out.empty() ? "" : ",") + t;
    }
    return out;
}

bool processAlive(std::int64_t pid) {
    return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH);
}

// Recording a run writes the database and, in WAL mode, creates its -wal and -shm files next
// to it: a read-only file or folder (a read-only mount, missing write permission) is a user
// error naming the database, found before SQLite opens it read-only or fails on its first
// write with a less helpful message.
Status checkWritable(const std::filesystem::path& path) {
    // errno of a denied write access to `p`; 0 when writable or for any other answer
    // (a missing file, which SQLite creates).
    auto denied = [](const std::filesystem::path& p) {
        if (::access(p.c_str(), W_OK) == 0) {
            return 0;
        }
        const int error = errno;
        return error == EROFS || error == EACCES || error == EPERM ? error : 0;
    };
    auto why = [](int error) {
        return std::string(error == EROFS ? "read-only (" : "not writable (") +
               std::strerror(error) + ")";
    };
    const auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
        if (const int error = denied(path)) {
            return Error::user(path.string() + ": the experiment database is " + why(error) +
                               "; runs cannot be recorded in it");
        }
    }
    if (const int error = denied(dir)) {
        return Error::user(path.string() + ": the experiment database's folder " + dir.string() +
                           " is " + why(error) + "; runs cannot be recorded there");
    }
    return Status::success();
}

} // namespace

double nowSeconds() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string hostName() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) {
        return "localhost";
    }
    return buf;
}

std::filesystem::path defaultDatabasePath(const std::string& override) {
    if (!override.empty()) {
        return override;
    }
    if (const char* env = std::getenv("NETWRIGHT_DB"); env && *env) {
        return env;
    }
    std::filesystem::path base;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
        base = xdg;
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        base = std::filesystem::path(home) / ".local" / "share";
    } else {
        base = ".";
    }
    return base / "netwright" / "experiments.db";
}

std::filesystem::path runDirectory(const std::filesystem::path& database, std::int64_t runId) {
    return database.parent_path() / (database.stem().string() + ".runs") / std::to_string(runId);
}

std::filesystem::path legacyRunDirectory(const std::filesystem::path& database,
                                         std::int64_t runId) {
    return database.parent_path() / "runs" / std::to_string(runId);
}

Expected<std::unique_ptr<ExperimentStore>> ExperimentStore::open(const std::filesystem::path& path,
                                                                 bool recover) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return Error::user(path.string() + ": is a folder, not an experiment database");
    }
    if (path.has_parent_path() && !std::filesystem::exists(path.parent_path(), ec)) {
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec) {
            return Error::user(path.string() +
                               ": cannot create the folder for the experiment "
                               "database: " +
                               ec.message());
        }
    }
    if (auto s = checkWritable(path); !s) {
        return s.error();
    }
    auto db = Database::open(path);
    if (!db) {
        return db.error();
    }
    if (auto s = migrate(**db); !s) {
        return s.error();
    }
    std::unique_ptr<ExperimentStore> store(new ExperimentStore(path, std::move(*db)));
    if (auto s = store->moveLegacyRunFolders(); !s) {
        return s.error();
    }
    if (recover) {
        if (auto n = store->recoverCrashedRuns(); !n) {
            return n.error();
        }
    }
    return store;
}

Status ExperimentStore::execRun(std::string_view sql, std::int64_t runId) {
    auto st = m_db->prepare(sql);
    if (!st) {
        return st.error();
    }
    return st->bind(1, runId).run();
}

Expected<std::int64_t> ExperimentStore::createRun(const RunRecord& r) {
    auto st = m_db->prepare(
        "INSERT INTO runs (name, status, started_at, heartbeat_at, project_json, project_path, "
        "graph_hash, dataset, seed, device, host, pid, notes, tags, uuid) "
        "VALUES (?1, 'running', ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
        "lower(hex(randomblob(16))))");
    if (!st) {
        return st.error();
    }
    st->bind(1, r.name)
        .bind(2, nowSeconds())
        .bind(3, r.projectJson)
        .bind(4, r.projectPath)
        .bind(5, r.graphHash)
        .bind(6, r.dataset)
        .bind(7, static_cast<std::int64_t>(r.seed))
        .bind(8, r.device)
        .bind(9, hostName())
        .bind(10, static_cast<std::int64_t>(::getpid()))
        .bind(11, r.notes)
        .bind(12, joinTags(r.tags));
    if (auto s = st->run(); !s) {
        return s.error();
    }
    return m_db->lastInsertId();
}

Status ExperimentStore::setParams(std::int64_t runId, const Params& params) {
    return m_db->transaction([&]() -> Status {
        auto st = m_db->prepare("INSERT OR REPLACE INTO params (run_id, key, value) "
                                "VALUES (?1, ?2, ?3)");
        if (!st) {
            return st.error();
        }
        for (const auto& [k, v] : params) {
            if (auto s = st->bind(1, runId).bind(2, k).bind(3, v).run(); !s) {
                return s;
            }
        }
        return Status::success();
    });
}

Status ExperimentStore::appendMetrics(std::int64_t runId, std::span<const MetricPoint> points) {
    if (!m_insertMetric) {
        auto st = m_db->prepare("INSERT INTO metrics (run_id, name, step, epoch, value, "
                                "wall_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        if (!st) {
            return st.error();
        }
        m_insertMetric.emplace(std::move(*st));
    }
    return m_db->transaction([&]() -> Status {
        for (const auto& p : points) {
            auto s = m_insertMetric->bind(1, runId)
                         .bind(2, p.name)
                         .bind(3, p.step)
                         .bind(4, p.epoch)
                         .bind(5, p.value)
                         .bind(6, p.wallTime)
                         .run();
            if (!s) {
                return s;
            }
        }
        auto hb = m_db->prepare("UPDATE runs SET heartbeat_at = ?2 WHERE id = ?1");
        return hb ? hb->bind(1, runId).bind(2, nowSeconds()).run() : Status(hb.error());
    });
}

Status ExperimentStore::heartbeat(std::int64_t runId) {
    auto st = m_db->prepare("UPDATE runs SET heartbeat_at = ?2 WHERE id = ?1");
    return st ? st->bind(1, runId).bind(2, nowSeconds()).run() : Status(st.error());
}

Status ExperimentStore::reopenRun(std::int64_t runId) {
    auto st = m_db->prepare("UPDATE runs SET status = 'running', ended_at = NULL, "
                            "heartbeat_at = ?2, pid = ?3, host = ?4 WHERE id = ?1");
    if (!st) {
        return st.error();
    }
    return st->bind(1, runId)
        .bind(2, nowSeconds())
        .bind(3, static_cast<std::int64_t>(::getpid()))
        .bind(4, hostName())
        .run();
}

Status ExperimentStore::finishRun(std::int64_t runId, const std::string& status) {
    auto st = m_db->prepare("UPDATE runs SET status = ?2, ended_at = ?3 WHERE id = ?1");
    return st ? st->bind(1, runId).bind(2, status).bind(3, nowSeconds()).run() : Status(st.error());
}

Status ExperimentStore::deleteMetricsAfter(std::int64_t runId, std::int64_t step,
                                           bool partialEpoch) {
    auto st = m_db->prepare(partialEpoch ? "DELETE FROM metrics WHERE run_id = ?1 AND (step > ?2 "
                                           "OR (step = ?2 AND name NOT LIKE 'train/%'))"
                                         : "DELETE FROM metrics WHERE run_id = ?1 AND step > ?2");
    return st ? st->bind(1, runId).bind(2, step).run() : Status(st.error());
}

// One row per (run, path): writing a file again replaces its row.
Status ExperimentStore::addArtifact(std::int64_t runId, const Artifact& a) {
    auto del = m_db->prepare("DELETE FROM artifacts WHERE run_id = ?1 AND path = ?2");
    if (!del) {
        return del.error();
    }
    if (auto s = del->bind(1, runId).bind(2, a.path).run(); !s) {
        return s;
    }
    auto st = m_db->prepare("INSERT INTO artifacts (run_id, kind, path, bytes, sha256, "
                            "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!st) {
        return st.error();
    }
    return st->bind(1, runId)
        .bind(2, a.kind)
        .bind(3, a.path)
        .bind(4, a.bytes)
        .bind(5, a.sha256)
        .bind(6, a.createdAt > 0 ? a.createdAt : nowSeconds())
        .run();
}

Status ExperimentStore::addTag(std::int64_t runId, const std::string& tag) {
    auto r = run(runId);
    if (!r) {
        return r.error();
    }
    for (const auto& t : r->tags) {
        if (t == tag) {
            return Status::success();
        }
    }
    r->tags.push_back(tag);
    auto st = m_db->prepare("UPDATE runs SET tags = ?2 WHERE id = ?1");
    return st ? st->bind(1, runId).bind(2, joinTags(r->tags)).run() : Status(st.error());
}

Status ExperimentStore::renameRun(std::int64_t runId, const std::string& name) {
    if (auto r = run(runId); !r) {
        return r.error();
    }
    auto st = m_db->prepare("UPDATE runs SET name = ?2 WHERE id = ?1");
    return st ? st->bind(1, runId).bind(2, name).run() : Status(st.error());
}

Status ExperimentStore::setNotes(std::int64_t runId, const std::string& notes) {
    if (auto r = run(runId); !r) {
        return r.error();
    }
    auto st = m_db->prepare("UPDATE runs SET notes = ?2 WHERE id = ?1");
    return st ? st->bind(1, runId).bind(2, notes).run() : Status(st.error());
}

Status ExperimentStore::setTags(std::int64_t runId, const std::vector<std::string>& tags) {
    if (auto r = run(runId); !r) {
        return r.error();
    }
    auto st = m_db->prepare("UPDATE runs SET tags = ?2 WHERE id = ?1");
    return st ? st->bind(1, runId).bind(2, joinTags(tags)).run() : Status(st.error());
}

Status ExperimentStore::deleteRun(std::int64_t runId) {
    if (auto r = run(runId); !r) {
        return r.error();
    }
    return execRun("DELETE FROM runs WHERE id = ?1", runId); // cascades
}

Expected<int> ExperimentStore::recoverCrashedRuns(double staleSeconds) {
    auto st = m_db->prepare("SELECT id, heartbeat_at, host, pid FROM runs "
                            "WHERE status = 'running'");
    if (!st) {
        return st.error();
    }
    const double now = nowSeconds();
    const std::string host = hostName();
    std::vector<std::int64_t> crashed;
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        double beat = st->isNull(1) ? 0 : st->real(1);
        bool sameHost = st->text(2) == host;
        std::int64_t pid = st->int64(3);
        bool mine = sameHost && pid == static_cast<std::int64_t>(::getpid());
        bool gone = sameHost && !processAlive(pid);
        if (!mine && (gone || now - beat > staleSeconds)) {
            crashed.push_back(st->int64(0));
        }
    }
    st->reset(); // ends the read before the writes
    for (auto id : crashed) {
        auto up = m_db->prepare("UPDATE runs SET status = 'crashed', ended_at = "
                                "COALESCE(heartbeat_at, started_at) "
                                "WHERE id = ?1 AND status = 'running'");
        if (!up) {
            return up.error();
        }
        if (auto s = up->bind(1, id).run(); !s) {
            return s.error();
        }
    }
    return static_cast<int>(crashed.size());
}

} // namespace nw::tracking
