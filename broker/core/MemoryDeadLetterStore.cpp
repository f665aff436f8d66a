#include "broker/core/MemoryDeadLetterStore.h"

#include <algorithm>
#include <charconv>

namespace sb::core {

std::string deadLetterCursor(std::uint64_t lastId)
{
    return "i:" + std::to_string(lastId);
}

std::optional<std::uint64_t> parseDeadLetterCursor(const std::string& cursor)
{
    if (cursor.size() < 3 || cursor.compare(0, 2, "i:") != 0) {
        return std::nullopt;
    }
    std::uint64_t id = 0;
    const auto* end = cursor.data() + cursor.size();
    const auto [ptr, ec] = std::from_chars(cursor.data() + 2, end, id);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return id;
}

namespace {
std::uint64_t payloadBytes(const DeadLetter& letter)
{
    return letter.message ? letter.message->payload.size() : 0;
}
} // namespace

MemoryDeadLetterStore::MemoryDeadLetterStore(std::uint64_t maxEntries, std::uint64_t maxBytes)
{
    m_stats.maxEntries = maxEntries;
    m_stats.maxBytes = maxBytes;
}

void MemoryDeadLetterStore::add(DeadLetter letter)
{
    const std::lock_guard lock(m_mutex);
    letter.id = m_nextId++;
    m_stats.byReason[static_cast<std::size_t>(letter.reason)]++;
    m_stats.total++;
    m_stats.bytes += payloadBytes(letter);
    m_letters.emplace(letter.id, std::move(letter));
    evictLocked();
}

void MemoryDeadLetterStore::eraseLocked(std::map<std::uint64_t, DeadLetter>::iterator it)
{
    m_stats.byReason[static_cast<std::size_t>(it->second.reason)]--;
    m_stats.total--;
    m_stats.bytes -= payloadBytes(it->second);
    m_letters.erase(it);
}

void MemoryDeadLetterStore::evictLocked()
{
    while (!m_letters.empty() &&
           (m_stats.total > m_stats.maxEntries || m_stats.bytes > m_stats.maxBytes)) {
        eraseLocked(m_letters.begin());
        m_stats.evicted++;
    }
}

void MemoryDeadLetterStore::list(const DeadLetterFilter& filter, bool newestFirst,
                                 const std::string& cursor, std::size_t limit,
                                 std::function<void(DeadLetterPage)> done)
{
    DeadLetterPage page;
    limit = std::max<std::size_t>(limit, 1);
    const auto after = parseDeadLetterCursor(cursor);
    if (!cursor.empty() && !after) {
        done(std::move(page)); // a cursor we did not issue: nothing (as the SQLite store does)
        return;
    }
    {
        const std::lock_guard lock(m_mutex);
        auto take = [&](const DeadLetter& letter) {
            if (!filter.matches(letter)) {
                return true;
            }
            if (page.items.size() == limit) {
                page.nextCursor = deadLetterCursor(page.items.back().id);
                return false;
            }
            page.items.push_back(letter);
            return true;
        };
        if (newestFirst) {
            auto it = after ? m_letters.lower_bound(*after) : m_letters.end();
            while (it != m_letters.begin()) {
                --it;
                if (!take(it->second)) {
                    break;
                }
            }
        } else {
            for (auto it = after ? m_letters.upper_bound(*after) : m_letters.begin();
                 it != m_letters.end(); ++it) {
                if (!take(it->second)) {
                    break;
                }
            }
        }
    }
    done(std::move(page));
}

void MemoryDeadLetterStore::get(std::uint64_t id,
                                std::function<void(std::optional<DeadLetter>)> done)
{
    std::optional<DeadLetter> found;
    {
        const std::lock_guard lock(m_mutex);
        if (const auto it = m_letters.find(id); it != m_letters.end()) {
            found = it->second;
        }
    }
    done(std::move(found));
}

void MemoryDeadLetterStore::stats(std::function<void(DeadLetterStats)> done)
{
    DeadLetterStats copy;
    {
        const std::lock_guard lock(m_mutex);
        copy = m_stats;
    }
    done(copy);
}

void MemoryDeadLetterStore::purge(const DeadLetterSelection& selection,
                                  std::function<void(std::uint64_t)> done)
{
    std::uint64_t purged = 0;
    {
        const std::lock_guard lock(m_mutex);
        if (!selection.ids.empty()) {
            for (const std::uint64_t id : selection.ids) {
                if (const auto it = m_letters.find(id); it != m_letters.end()) {
                    eraseLocked(it);
                    ++purged;
                }
            }
        } else {
            for (auto it = m_letters.begin(); it != m_letters.end();) {
                auto next = std::next(it);
                if (selection.filter.matches(it->second)) {
                    eraseLocked(it);
                    ++purged;
                }
                it = next;
            }
        }
    }
    done(purged);
}

void MemoryDeadLetterStore::markReplayed(const std::vector<std::uint64_t>& ids,
                                         Clock::WallTimePoint when, bool remove,
                                         std::function<void()> done)
{
    {
        const std::lock_guard lock(m_mutex);
        for (const std::uint64_t id : ids) {
            const auto it = m_letters.find(id);
            if (it == m_letters.end()) {
                continue;
            }
            if (remove) {
                eraseLocked(it);
            } else {
                it->second.replayedAt = when;
            }
        }
    }
    done();
}

void MemoryDeadLetterStore::setBounds(std::uint64_t maxEntries, std::uint64_t maxBytes)
{
    const std::lock_guard lock(m_mutex);
    m_stats.maxEntries = maxEntries;
    m_stats.maxBytes = maxBytes;
    evictLocked();
}

} // namespace sb::core
