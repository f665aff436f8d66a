#include "tests/limits/RecordingPersistence.h"

namespace sb::test {

core::RecoveredState RecordingPersistence::recover(core::Clock::WallTimePoint /*now*/,
                                                   std::size_t /*queuePageSize*/)
{
    core::RecoveredState state;
    state.limits = storedLimits();
    return state;
}

void RecordingPersistence::submit(PublishWrite write)
{
    std::uint64_t id = 0;
    {
        const std::lock_guard lock(m_mutex);
        id = ++m_nextMessageId;
    }
    if (write.onApplied) {
        write.onApplied(id, true);
    }
}

void RecordingPersistence::moveDelivery(core::StoredDelivery /*delivery*/,
                                        std::uint64_t /*toSessionId*/,
                                        std::function<void(std::uint64_t, bool)> onApplied)
{
    std::uint64_t id = 0;
    {
        const std::lock_guard lock(m_mutex);
        id = ++m_nextMessageId;
    }
    onApplied(id, true);
}

void RecordingPersistence::loadQueuePage(
    std::uint64_t, std::uint64_t, std::size_t,
    std::function<void(std::vector<core::StoredDelivery>)> onLoaded)
{
    onLoaded({});
}

void RecordingPersistence::saveLimit(const core::StoredLimit& limit)
{
    const std::lock_guard lock(m_mutex);
    m_limits[{limit.scope, limit.owner, limit.name}] = limit;
}

void RecordingPersistence::deleteLimit(core::StoredLimit::Scope scope, const std::string& owner,
                                       const std::string& name)
{
    const std::lock_guard lock(m_mutex);
    for (auto it = m_limits.begin(); it != m_limits.end();) {
        const auto& [s, o, n] = it->first;
        if (s == scope && o == owner && (name.empty() || n == name)) {
            it = m_limits.erase(it);
        } else {
            ++it;
        }
    }
}

std::vector<core::StoredLimit> RecordingPersistence::storedLimits() const
{
    const std::lock_guard lock(m_mutex);
    std::vector<core::StoredLimit> limits;
    for (const auto& entry : m_limits) {
        limits.push_back(entry.second);
    }
    return limits;
}

} // namespace sb::test
