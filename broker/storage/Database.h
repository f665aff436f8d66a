#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace sb::storage {

// A failed SQLite call, with SQLite's result code. Used inside the storage layer to unwind one
// operation or one transaction; the store turns it into `ok = false` for the caller, so it never
// crosses the Persistence boundary (style.md, habit 6).
class SqliteError : public std::runtime_error
{
public:
    SqliteError(int code, const std::string& message)
        : std::runtime_error(message)
        , m_code(code)
    {}

    int code() const { return m_code; } // extended result code
    int primaryCode() const { return m_code & 0xFF; }
    // True for failures of the medium rather than of the statement (disk full, I/O error,
    // corruption, lock held by another process): they make the store unhealthy.
    bool isStorageFailure() const;

private:
    int m_code;
};

// Owns one SQLite connection and the cache of its prepared statements.
class Database
{
public:
    // Opens (creating if missing) the database file at `path` in read-write mode. `vfs` names an
    // SQLite VFS (empty: the default); tests pass one that injects I/O faults. Throws SqliteError
    // naming the path and, where the OS said why, the reason ("Permission denied").
    explicit Database(std::string path, const std::string& vfs = {});
    ~Database();

    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const std::string& path() const { return m_path; }
    sqlite3* handle() const { return m_db; }

    // Runs one or more statements that return no rows we need (DDL, PRAGMA, BEGIN...).
    void execute(std::string_view sql);
    // Runs a statement and returns the first column of its first row (0 / "" when none).
    std::int64_t queryInt64(std::string_view sql);
    std::string queryText(std::string_view sql);

    // True while a transaction is open (SQLite may end one on its own after some errors).
    bool inTransaction() const;
    std::int64_t changes() const;

    // "<path>: <what>: <SQLite's message> (<OS error>)", for exceptions and logs.
    std::string describeError(std::string_view what, int code) const;
    [[noreturn]] void fail(std::string_view what, int code) const;

private:
    friend class Statement;

    struct StatementFinalizer
    {
        void operator()(sqlite3_stmt* statement) const;
    };
    struct CachedStatement
    {
        std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement;
        bool inUse = false;
    };
    struct SqlHash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const
        {
            return std::hash<std::string_view>{}(sql);
        }
    };

    // The prepared statement for `sql`, prepared on first use and kept for the connection's
    // life: the store runs the same few dozen statements millions of times.
    CachedStatement& cachedStatement(std::string_view sql);

    std::string m_path;
    sqlite3* m_db = nullptr;
    std::unordered_map<std::string, CachedStatement, SqlHash, std::equal_to<>> m_statements;
};

} // namespace sb::storage
