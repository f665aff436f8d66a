#include "broker/storage/SqliteDeadLetterStore.h"

#include <utility>

namespace sb::storage {

void SqliteDeadLetterStore::add(core::DeadLetter letter)
{
    m_enqueue(op::AddDeadLetter{std::move(letter)});
}

void SqliteDeadLetterStore::list(const core::DeadLetterFilter& filter, bool newestFirst,
                                 const std::string& cursor, std::size_t limit,
                                 std::function<void(core::DeadLetterPage)> done)
{
    m_enqueue(op::ListDeadLetters{filter, newestFirst, cursor, limit, std::move(done)});
}

void SqliteDeadLetterStore::get(std::uint64_t id,
                                std::function<void(std::optional<core::DeadLetter>)> done)
{
    m_enqueue(op::GetDeadLetter{id, std::move(done)});
}

void SqliteDeadLetterStore::stats(std::function<void(core::DeadLetterStats)> done)
{
    m_enqueue(op::ReadDeadLetterStats{std::move(done)});
}

void SqliteDeadLetterStore::purge(const core::DeadLetterSelection& selection,
                                  std::function<void(std::uint64_t purged)> done)
{
    m_enqueue(op::PurgeDeadLetters{selection, std::move(done)});
}

void SqliteDeadLetterStore::markReplayed(const std::vector<std::uint64_t>& ids,
                                         core::Clock::WallTimePoint when, bool remove,
                                         std::function<void()> done)
{
    m_enqueue(op::MarkDeadLettersReplayed{ids, when, remove, std::move(done)});
}

void SqliteDeadLetterStore::setBounds(std::uint64_t maxEntries, std::uint64_t maxBytes)
{
    m_enqueue(op::SetDeadLetterBounds{maxEntries, maxBytes});
}

} // namespace sb::storage
