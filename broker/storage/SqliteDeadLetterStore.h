#pragma once

#include <functional>

#include "broker/core/DeadLetters.h"
#include "broker/storage/Operation.h"

namespace sb::storage {

// The dead-letter store of a broker with a durable store: each call becomes an operation on the
// SqliteStore's queue, applied by the store thread to the dead_letters table (DeadLetterTable) in
// the one FIFO with every other write, so a read sees everything submitted before it. Callbacks
// run on the store thread (in sync mode after the commit that holds what they report), or at
// once on the caller's thread once the store is closed.
//
// list(): a topic filter with wildcards is checked row by row and one call examines a bounded
// number of rows, so a page may hold fewer than `limit` entries (even none) while nextCursor is
// not empty; keep going until nextCursor is empty. The cursor is "i:<id>" (core's
// deadLetterCursor), valid in the order it was given out for.
class SqliteDeadLetterStore final : public core::DeadLetterStore
{
public:
    using Enqueue = std::function<void(Operation)>;

    explicit SqliteDeadLetterStore(Enqueue enqueue)
        : m_enqueue(std::move(enqueue))
    {}

    void add(core::DeadLetter letter) override;
    void list(const core::DeadLetterFilter& filter, bool newestFirst, const std::string& cursor,
              std::size_t limit, std::function<void(core::DeadLetterPage)> done) override;
    void get(std::uint64_t id, std::function<void(std::optional<core::DeadLetter>)> done) override;
    void stats(std::function<void(core::DeadLetterStats)> done) override;
    void purge(const core::DeadLetterSelection& selection,
               std::function<void(std::uint64_t purged)> done) override;
    void markReplayed(const std::vector<std::uint64_t>& ids, core::Clock::WallTimePoint when,
                      bool remove, std::function<void()> done) override;
    void setBounds(std::uint64_t maxEntries, std::uint64_t maxBytes) override;

private:
    const Enqueue m_enqueue;
};

} // namespace sb::storage
