#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/storage/Database.h"

namespace sb::storage {

// One use of a cached prepared statement: binds parameters, steps through rows, and resets the
// statement (clearing its bindings) when it goes out of scope, so the next use starts clean
// whatever happened in between. Parameters are 1-based, columns 0-based, as in SQLite.
class Statement
{
public:
    Statement(Database& database, std::string_view sql);
    ~Statement();

    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    template <std::integral T>
    Statement& bind(int index, T value)
    {
        return bindInt64(index, static_cast<std::int64_t>(value));
    }
    Statement& bind(int index, std::optional<std::int64_t> value);
    Statement& bind(int index, std::string_view text); // TEXT
    Statement& bindBlob(int index, std::string_view bytes);
    Statement& bindNull(int index);

    // Advances to the next row: true if there is one, false when the statement is done.
    // Throws SqliteError.
    bool step();
    // Executes a statement that returns no rows.
    void run();

    std::int64_t int64(int column) const;
    std::optional<std::int64_t> optionalInt64(int column) const;
    std::string text(int column) const;
    std::string blob(int column) const;
    bool isNull(int column) const;

private:
    Statement& bindInt64(int index, std::int64_t value);
    void check(int rc, const char* what) const;

    Database& m_database;
    Database::CachedStatement& m_cached;
};

} // namespace sb::storage
