#include "broker/core/TapHub.h"

#include <algorithm>

#include "broker/core/Topic.h"

namespace sb::core {

TapHub::TapPtr TapHub::open(std::string filter, double maxRate, Clock::TimePoint now)
{
    auto tap = std::make_shared<Tap>();
    tap->filter = std::move(filter);
    tap->maxRate = std::max(maxRate, 0.0);
    tap->tokens = tap->maxRate;
    tap->refilled = now;
    const std::lock_guard lock(m_mutex);
    m_taps.push_back(tap);
    m_open.store(static_cast<int>(m_taps.size()), std::memory_order_relaxed);
    return tap;
}

void TapHub::close(const TapPtr& tap)
{
    const std::lock_guard lock(m_mutex);
    std::erase(m_taps, tap);
    m_open.store(static_cast<int>(m_taps.size()), std::memory_order_relaxed);
}

void TapHub::offerSlow(const MessagePtr& message, Clock::TimePoint now)
{
    const std::unique_lock lock(m_mutex, std::try_to_lock);
    if (!lock.owns_lock()) {
        m_busySkips.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    for (const TapPtr& tap : m_taps) {
        if (!topic::matches(tap->filter, message->topic)) {
            continue;
        }
        const double elapsed = std::chrono::duration<double>(now - tap->refilled).count();
        tap->tokens = std::min(tap->maxRate, tap->tokens + elapsed * tap->maxRate);
        tap->refilled = now;
        if (tap->tokens < 1.0 || tap->buffer.size() >= kBufferLimit) {
            ++tap->skipped;
            continue;
        }
        tap->tokens -= 1.0;
        tap->buffer.push_back(message);
    }
}

std::vector<MessagePtr> TapHub::drain(const TapPtr& tap, std::uint64_t& skipped)
{
    const std::lock_guard lock(m_mutex);
    std::vector<MessagePtr> taken(std::make_move_iterator(tap->buffer.begin()),
                                  std::make_move_iterator(tap->buffer.end()));
    tap->buffer.clear();
    // Messages skipped because the hub was busy cannot be attributed to one tap (they were not
    // matched); every tap reports those since its last drain.
    const std::uint64_t busy = m_busySkips.load(std::memory_order_relaxed);
    skipped = tap->skipped + (busy - tap->busySeen);
    tap->skipped = 0;
    tap->busySeen = busy;
    return taken;
}

} // namespace sb::core
