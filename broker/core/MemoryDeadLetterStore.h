#pragma once

#include <map>
#include <mutex>

#include "broker/core/DeadLetters.h"

namespace sb::core {

// The dead-letter store of a broker in `memory` durability: the same operations and bounds as
// the SQLite one, kept in an ordered map under a mutex. Callbacks run on the caller's thread
// before the call returns.
class MemoryDeadLetterStore final : public DeadLetterStore
{
public:
    MemoryDeadLetterStore(std::uint64_t maxEntries, std::uint64_t maxBytes);

    void add(DeadLetter letter) override;
    void list(const DeadLetterFilter& filter, bool newestFirst, const std::string& cursor,
              std::size_t limit, std::function<void(DeadLetterPage)> done) override;
    void get(std::uint64_t id, std::function<void(std::optional<DeadLetter>)> done) override;
    void stats(std::function<void(DeadLetterStats)> done) override;
    void purge(const DeadLetterSelection& selection,
               std::function<void(std::uint64_t purged)> done) override;
    void markReplayed(const std::vector<std::uint64_t>& ids, Clock::WallTimePoint when, bool remove,
                      std::function<void()> done) override;
    void setBounds(std::uint64_t maxEntries, std::uint64_t maxBytes) override;

private:
    void evictLocked();
    void eraseLocked(std::map<std::uint64_t, DeadLetter>::iterator it);

    mutable std::mutex m_mutex;
    std::map<std::uint64_t, DeadLetter> m_letters; // by id, oldest first
    std::uint64_t m_nextId = 1;
    DeadLetterStats m_stats;
};

// The cursor format shared by the dead-letter stores: "i:<last id>".
std::string deadLetterCursor(std::uint64_t lastId);
std::optional<std::uint64_t> parseDeadLetterCursor(const std::string& cursor);

} // namespace sb::core
