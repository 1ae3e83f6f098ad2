#pragma once
// SQLite's own verdict on a database file (PRAGMA integrity_check): "ok", the problems it
// found, or "cannot open". For the tests that kill, starve or lock a training process and
// then check that the experiment store survived. Link SQLite::SQLite3.

#include <QString>
#include <sqlite3.h>

namespace nw::testing {

// readOnly: open without write access (a database on a read-only mount); otherwise as
// sqlite3_open() does, creating an empty database where there is none (which is "ok").
inline QString integrityCheck(const QString& path, bool readOnly = false) {
    sqlite3* db = nullptr;
    sqlite3_stmt* st = nullptr;
    QString out = "cannot open";
    const int flags =
        readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path.toUtf8().constData(), &db, flags, nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        out = QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

} // namespace nw::testing
