#include "engine/tracking/sqlite_db.h"

#include <sqlite3.h>

namespace nw::tracking {

namespace {

Error dbError(sqlite3* db, const std::string& name, std::string_view what) {
    return Error::internal(name + ": " + std::string(what) + ": " + sqlite3_errmsg(db));
}

} // namespace

Statement::Statement(sqlite3_stmt* stmt, std::string dbName)
    : m_stmt(stmt)
    , m_dbName(std::move(dbName)) {}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement&& other) noexcept
    : m_stmt(other.m_stmt)
    , m_dbName(std::move(other.m_dbName)) {
    other.m_stmt = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    sqlite3_bind_text(m_stmt, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bindNull(int index) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

Expected<bool> Statement::step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    return dbError(sqlite3_db_handle(m_stmt), m_dbName, sqlite3_sql(m_stmt));
}

Status Statement::run() {
    auto r = step();
    reset();
    return r ? Status::success() : Status(r.error());
}

void Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::real(int column) const {
    return sqlite3_column_double(m_stmt, column);
}

std::string Statement::text(int column) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column)))
             : std::string();
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

Expected<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path, bool create,
                                                   int busyTimeoutMs) {
    const std::string name = path.string();
    sqlite3* db = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(name.c_str(), &db, flags, nullptr) != SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_close(db);
        return Error::user(name + ": cannot open the experiment database: " + why);
    }
    std::unique_ptr<Database> d(new Database(db, name));
    sqlite3_busy_timeout(db, busyTimeoutMs);
    // A file that is not a database fails here, on its first read: a user error.
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
        return Error::user(name + ": not an experiment database: " + sqlite3_errmsg(db));
    }
    if (auto s = d->exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON"); !s) {
        return s.error();
    }
    return d;
}

Database::~Database() {
    sqlite3_close(m_db);
}

Status Database::exec(std::string_view sql) {
    std::string s(sql);
    if (sqlite3_exec(m_db, s.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        return dbError(m_db, m_name, s);
    }
    return Status::success();
}

Expected<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
        return dbError(m_db, m_name, sql);
    }
    return Statement(stmt, m_name);
}

std::int64_t Database::lastInsertId() const {
    return sqlite3_last_insert_rowid(m_db);
}

} // namespace nw::tracking
