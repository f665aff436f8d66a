#include "broker/storage/Database.h"

#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "broker/storage/Statement.h"

namespace sb::storage {

bool SqliteError::isStorageFailure() const
{
    switch (primaryCode()) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
    case SQLITE_PERM:
        return true;
    default:
        return false;
    }
}

void Database::StatementFinalizer::operator()(sqlite3_stmt* statement) const
{
    sqlite3_finalize(statement);
}

Database::Database(std::string path, const std::string& vfs)
    : m_path(std::move(path))
{
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                      // One thread at a time uses the connection (recover, then the store
                      // thread), so SQLite's per-connection mutex would only cost time.
                      SQLITE_OPEN_NOMUTEX;
    const int rc =
        sqlite3_open_v2(m_path.c_str(), &m_db, flags, vfs.empty() ? nullptr : vfs.c_str());
    if (rc != SQLITE_OK) {
        // The message must be built before the handle (which holds the OS error) is closed.
        const std::string message = describeError("cannot open database", rc);
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw SqliteError(rc, message);
    }
    sqlite3_extended_result_codes(m_db, 1);
    // SQLite silently falls back to read-only when the file is not writable; a store that
    // cannot write must fail at start, not at its first commit.
    if (sqlite3_db_readonly(m_db, "main") == 1) {
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw SqliteError(SQLITE_READONLY,
                          m_path + ": cannot open database: the file is not writable");
    }
}

Database::~Database()
{
    // Statements first: sqlite3_close_v2 would otherwise keep the connection as a zombie.
    m_statements.clear();
    if (m_db != nullptr) {
        const int rc = sqlite3_close_v2(m_db);
        if (rc != SQLITE_OK) {
            spdlog::error("{}: closing the database failed: {}", m_path, sqlite3_errstr(rc));
        }
    }
}

void Database::execute(std::string_view sql)
{
    // sqlite3_exec wants a terminated string; every caller passes a literal or a short string.
    const std::string text(sql);
    char* message = nullptr;
    const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        throw SqliteError(rc, m_path + ": " + text.substr(0, 60) + ": " + detail);
    }
}

std::int64_t Database::queryInt64(std::string_view sql)
{
    Statement statement(*this, sql);
    return statement.step() ? statement.int64(0) : 0;
}

std::string Database::queryText(std::string_view sql)
{
    Statement statement(*this, sql);
    return statement.step() ? statement.text(0) : std::string();
}

bool Database::inTransaction() const
{
    return sqlite3_get_autocommit(m_db) == 0;
}

std::int64_t Database::changes() const
{
    return sqlite3_changes64(m_db);
}

std::string Database::describeError(std::string_view what, int code) const
{
    std::string text = m_path;
    text += ": ";
    text += what;
    text += ": ";
    // The connection's message is more specific than the generic text for the code, but only
    // if it belongs to this error.
    if (m_db != nullptr && sqlite3_extended_errcode(m_db) == code) {
        text += sqlite3_errmsg(m_db);
    } else {
        text += sqlite3_errstr(code);
    }
    const int osError = m_db != nullptr ? sqlite3_system_errno(m_db) : 0;
    if (osError != 0 && ((code & 0xFF) == SQLITE_CANTOPEN || (code & 0xFF) == SQLITE_IOERR ||
                         (code & 0xFF) == SQLITE_FULL || (code & 0xFF) == SQLITE_READONLY)) {
        text += " (";
        text += std::generic_category().message(osError);
        text += ')';
    }
    return text;
}

void Database::fail(std::string_view what, int code) const
{
    throw SqliteError(code, describeError(what, code));
}

Database::CachedStatement& Database::cachedStatement(std::string_view sql)
{
    auto found = m_statements.find(sql);
    if (found == m_statements.end()) {
        sqlite3_stmt* raw = nullptr;
        const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(raw);
            fail("cannot prepare \"" + std::string(sql.substr(0, 60)) + "\"", rc);
        }
        CachedStatement entry;
        entry.statement.reset(raw);
        found = m_statements.emplace(std::string(sql), std::move(entry)).first;
    }
    return found->second;
}

} // namespace sb::storage
