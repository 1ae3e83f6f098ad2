#pragma once
// A thin RAII layer over SQLite's C API: one Database (connection) per thread, prepared
// Statements with typed binds and columns. Errors are values whose message names the
// database file.

#include "base/expected.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace nw::tracking {

class Statement {
public:
    Statement(sqlite3_stmt* stmt, std::string dbName);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;

    // 1-based parameter indices, as in SQL's ?1, ?2, ...
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view value);
    Statement& bindNull(int index);

    // Runs to the next row: true with a row to read, false when done.
    Expected<bool> step();
    // Runs a statement that returns no rows.
    Status run();
    // Clears the binds' results so the statement can run again with new binds.
    void reset();

    // 0-based result columns of the current row.
    std::int64_t int64(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    bool isNull(int column) const;

private:
    sqlite3_stmt* m_stmt;
    std::string m_dbName;
};

class Database {
public:
    // Opens (creating when `create`) the database file and sets WAL mode, synchronous=NORMAL
    // (a committed transaction survives a process crash; only a power loss may lose the last
    // ones) and a busy timeout, so that readers and one writer in other processes coexist.
    static Expected<std::unique_ptr<Database>> open(const std::filesystem::path& path,
                                                    bool create = true, int busyTimeoutMs = 5000);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    Status exec(std::string_view sql);
    Expected<Statement> prepare(std::string_view sql);
    std::int64_t lastInsertId() const;
    const std::string& name() const { return m_name; }
    sqlite3* handle() const { return m_db; }

    // Runs fn() inside BEGIN IMMEDIATE ... COMMIT, rolling back when it fails.
    template <class Fn>
    Status transaction(Fn&& fn) {
        if (auto s = exec("BEGIN IMMEDIATE"); !s) {
            return s;
        }
        Status s = fn();
        if (!s) {
            (void)exec("ROLLBACK");
            return s;
        }
        return exec("COMMIT");
    }

private:
    Database(sqlite3* db, std::string name)
        : m_db(db)
        , m_name(std::move(name)) {}
    sqlite3* m_db;
    std::string m_name;
};

} // namespace nw::tracking
