// Schema 3's file move: each run listed in legacy_run_folders has its files moved from
// runs/<id>/ to runDirectory() and its artifact paths updated, one transaction per run. The
// step is idempotent: a move interrupted between the renames and the commit is finished on
// the next open (a recorded old path that is gone while its new path exists is updated).
//
// runs/ was shared by every database in the folder, so a file this run recorded with another
// SHA-256 than it has now is left where it is (it may be another store's run with the same id)
// and reported; so is one that cannot be renamed or whose new path is taken. A file left in
// place keeps its old path recorded: an unrecorded one gets an artifact row for that path.
#include "engine/tracking/sha256.h"
#include "engine/tracking/store.h"
#include "engine/tracking/store_rows.h"

namespace nw::tracking {

namespace fs = std::filesystem;

namespace {

std::string absoluteString(const fs::path& p) {
    return fs::absolute(p).lexically_normal().string();
}

} // namespace

Status ExperimentStore::moveLegacyRunFolders() {
    auto st = m_db->prepare("SELECT run_id FROM legacy_run_folders ORDER BY run_id");
    if (!st) {
        return st.error();
    }
    auto rows = detail::readRows<std::int64_t>(*st, [](const Statement& r) { return r.int64(0); });
    if (!rows) {
        return rows.error();
    }
    const std::vector<std::int64_t> pending = std::move(*rows);
    st->reset();
    for (auto id : pending) {
        if (auto s = moveLegacyRunFolder(id); !s) {
            return s;
        }
    }
    return Status::success();
}

Status ExperimentStore::moveLegacyRunFolder(std::int64_t runId) {
    const fs::path from = fs::absolute(legacyRunDirectory(m_path, runId)).lexically_normal();
    const fs::path to = fs::absolute(runDirectory(m_path, runId)).lexically_normal();
    return m_db->transaction([&]() -> Status {
        auto recorded = artifacts(runId);
        if (!recorded) {
            return recorded.error();
        }
        auto setPath = [&](const std::string& oldPath, const std::string& newPath) {
            auto up = m_db->prepare("UPDATE artifacts SET path = ?3 WHERE run_id = ?1 AND "
                                    "path = ?2");
            return up ? up->bind(1, runId).bind(2, oldPath).bind(3, newPath).run()
                      : Status(up.error());
        };
        // A move finished on disk by an earlier, interrupted open.
        std::error_code ec;
        for (const auto& a : *recorded) {
            const fs::path old = fs::path(a.path).lexically_normal();
            const fs::path inside = old.lexically_relative(from);
            if (inside.empty() || inside.native().starts_with("..")) {
                continue;
            }
            const fs::path moved = to / inside;
            if (!fs::exists(old, ec) && fs::exists(moved, ec)) {
                if (auto s = setPath(a.path, absoluteString(moved)); !s) {
                    return s;
                }
            }
        }
        std::vector<fs::path> files;
        if (fs::is_directory(from, ec)) {
            for (auto it = fs::recursive_directory_iterator(from, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (it->is_regular_file(ec)) {
                    files.push_back(it->path());
                }
            }
        }
        const std::string label = "run " + std::to_string(runId) + " of " + m_path.string();
        for (const auto& file : files) {
            const std::string oldPath = absoluteString(file);
            const Artifact* mine = nullptr;
            for (const auto& a : *recorded) {
                if (fs::path(a.path).lexically_normal().string() == oldPath) {
                    mine = &a;
                }
            }
            const fs::path dest = to / file.lexically_relative(from);
            std::string why;
            if (mine) {
                auto sha = sha256File(file);
                if (!sha || *sha != mine->sha256) {
                    why = "its contents differ from what the run recorded (it may be another "
                          "database's run " +
                          std::to_string(runId) + ")";
                }
            }
            std::error_code moveError;
            if (why.empty() && fs::exists(dest, moveError)) {
                why = dest.string() + " exists already";
            }
            if (why.empty()) {
                fs::create_directories(dest.parent_path(), moveError);
                if (!moveError) {
                    fs::rename(file, dest, moveError);
                }
                if (moveError) {
                    why = "cannot move it to " + dest.string() + ": " + moveError.message();
                }
            }
            if (why.empty()) {
                if (mine) {
                    if (auto s = setPath(mine->path, absoluteString(dest)); !s) {
                        return s;
                    }
                }
                continue;
            }
            m_migrationReport.push_back(oldPath + " (" + label + "): left in place: " + why);
            if (!mine) {
                std::error_code sizeError;
                auto bytes = fs::file_size(file, sizeError);
                auto sha = sha256File(file);
                Artifact kept{file.extension() == ".nwckpt" ? "checkpoint" : "file", oldPath,
                              sizeError ? 0 : std::int64_t(bytes), sha ? *sha : std::string(), 0};
                if (auto s = addArtifact(runId, kept); !s) {
                    return s;
                }
            }
        }
        fs::remove(from, ec); // only when empty
        fs::remove(from.parent_path(), ec);
        auto done = m_db->prepare("DELETE FROM legacy_run_folders WHERE run_id = ?1");
        return done ? done->bind(1, runId).run() : Status(done.error());
    });
}

} // namespace nw::tracking
