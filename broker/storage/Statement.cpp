#include "broker/storage/Statement.h"

#include <stdexcept>

#include <sqlite3.h>

namespace sb::storage {

Statement::Statement(Database& database, std::string_view sql)
    : m_database(database)
    , m_cached(database.cachedStatement(sql))
{
    // Reusing a statement while an outer use is still stepping through it would silently
    // restart the outer loop: that is a programming error, caught here.
    if (m_cached.inUse) {
        throw std::logic_error("statement already in use: " + std::string(sql));
    }
    m_cached.inUse = true;
}

Statement::~Statement()
{
    sqlite3_stmt* statement = m_cached.statement.get();
    // sqlite3_reset repeats the last step's error code; that error was already reported.
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    m_cached.inUse = false;
}

Statement& Statement::bindInt64(int index, std::int64_t value)
{
    check(sqlite3_bind_int64(m_cached.statement.get(), index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value)
{
    return value ? bindInt64(index, *value) : bindNull(index);
}

Statement& Statement::bind(int index, std::string_view text)
{
    // SQLITE_TRANSIENT: SQLite copies, so callers may bind temporaries.
    check(sqlite3_bind_text64(m_cached.statement.get(), index, text.data(), text.size(),
                              SQLITE_TRANSIENT, SQLITE_UTF8),
          "bind");
    return *this;
}

Statement& Statement::bindBlob(int index, std::string_view bytes)
{
    check(sqlite3_bind_blob64(m_cached.statement.get(), index, bytes.data(), bytes.size(),
                              SQLITE_TRANSIENT),
          "bind");
    return *this;
}

Statement& Statement::bindNull(int index)
{
    check(sqlite3_bind_null(m_cached.statement.get(), index), "bind");
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_cached.statement.get());
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    check(rc, "step");
    return false;
}

void Statement::run()
{
    while (step()) {
    }
}

std::int64_t Statement::int64(int column) const
{
    return sqlite3_column_int64(m_cached.statement.get(), column);
}

std::optional<std::int64_t> Statement::optionalInt64(int column) const
{
    if (isNull(column)) {
        return std::nullopt;
    }
    return int64(column);
}

std::string Statement::text(int column) const
{
    sqlite3_stmt* statement = m_cached.statement.get();
    const auto* data = sqlite3_column_text(statement, column);
    const int size = sqlite3_column_bytes(statement, column);
    if (data == nullptr) {
        return {};
    }
    return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

std::string Statement::blob(int column) const
{
    sqlite3_stmt* statement = m_cached.statement.get();
    const void* data = sqlite3_column_blob(statement, column);
    const int size = sqlite3_column_bytes(statement, column);
    if (data == nullptr) {
        return {};
    }
    return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(m_cached.statement.get(), column) == SQLITE_NULL;
}

void Statement::check(int rc, const char* what) const
{
    if (rc != SQLITE_OK) {
        const char* sql = sqlite3_sql(m_cached.statement.get());
        std::string context = what;
        context += " \"";
        context += std::string_view(sql != nullptr ? sql : "").substr(0, 60);
        context += '"';
        m_database.fail(context, rc);
    }
}

} // namespace sb::storage
