#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/DeadLetters.h"
#include "broker/storage/Database.h"
#include "broker/storage/RecordCodec.h"
#include "broker/storage/Statement.h"

namespace sb::storage {

// The dead_letters table and its bound, on the store thread: the SQL for the rows, and the totals
// (entries, payload bytes, entries by reason) kept in memory so that the bound is enforced and
// stats answered without scanning the table. The totals follow the open transaction; the store
// reports the end of each transaction so that a rollback takes them back with the rows.
class DeadLetterTable
{
public:
    struct Bounds
    {
        std::uint64_t maxEntries = 0;
        std::uint64_t maxBytes = 0;
    };

    // What the table holds as of the last write applied, and what the bound removed.
    struct Totals
    {
        std::array<std::uint64_t, core::kDeadLetterReasons> byReason{};
        std::uint64_t entries = 0;
        std::uint64_t bytes = 0;
        std::uint64_t evicted = 0; // since this process opened the table
    };

    // A listing examines at most this many rows per item asked for before it returns a page that
    // may be short (see list()).
    static constexpr std::size_t kRowsExaminedPerItem = 50;

    // `totals`: what countRows() found at start. The bounds apply from the first write.
    DeadLetterTable(Database& database, const core::Clock& clock, Totals totals, Bounds bounds);

    // Counts what the table holds: one scan, at start (evicted is 0: it counts this process's
    // evictions only).
    static Totals countRows(Database& database);

    // ---- Writes: inside a transaction the caller holds; each throws SqliteError -------------
    // Stores `letter` under a new id (returned), then evicts the oldest entries while over the
    // bound, the new one included if it alone is over.
    std::uint64_t add(const core::DeadLetter& letter);
    // Removes the oldest entries while over the bound, counting them as evicted.
    void evict();
    // Returns how many entries went.
    std::uint64_t purge(const core::DeadLetterSelection& selection);
    // Sets replayed_at to `when`, or removes the entries; unknown ids are ignored.
    void markReplayed(const std::vector<std::uint64_t>& ids, core::Clock::WallTimePoint when,
                      bool remove);

    // ---- Reads: they see the open transaction -----------------------------------------------
    // Up to `limit` entries matching `filter` (0 is taken as 1), in id order, after `cursor`.
    // A topic filter with wildcards is checked row by row, and a call examines at most
    // limit * kRowsExaminedPerItem rows: a page may then hold fewer than `limit` entries (even
    // none) while nextCursor is not empty. nextCursor is empty only once no further entry matches.
    // A cursor this store did not give out yields an empty page with an empty nextCursor.
    core::DeadLetterPage list(const core::DeadLetterFilter& filter, bool newestFirst,
                              const std::string& cursor, std::size_t limit);
    std::optional<core::DeadLetter> get(std::uint64_t id);
    core::DeadLetterStats stats() const;

    // ---- Bounds and totals ------------------------------------------------------------------
    // Takes effect at once; the caller runs evict() in a write when isOverBounds().
    void setBounds(Bounds bounds) { m_bounds = bounds; }
    bool isOverBounds() const;
    const Totals& totals() const { return m_totals; }
    // Puts back the totals of before a write whose savepoint was rolled back.
    void restore(const Totals& totals) { m_totals = totals; }
    // The transaction holding the writes since the last call was committed or rolled back.
    void transactionEnded(bool committed);

private:
    // Deletes the row with `id` (or, with std::nullopt, the oldest row) and takes it off the
    // totals. False if there was no such row.
    bool deleteRow(std::optional<std::uint64_t> id);
    void forget(std::int64_t reason, std::int64_t payloadBytes);
    std::optional<core::DeadLetter> readLetter(const Statement& row,
                                               const records::TimeBase& time) const;

    Database& m_database;
    const core::Clock& m_clock;
    Bounds m_bounds;
    Totals m_totals;
    Totals m_committed; // as of the last commit: what a rollback returns to
};

} // namespace sb::storage
