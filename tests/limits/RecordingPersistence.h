#pragma once

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "broker/core/MemoryDeadLetterStore.h"
#include "broker/core/Persistence.h"

namespace sb::test {

// A Persistence that keeps only what the limit tests need across a broker restart: the limits
// changed at runtime (saveLimit / deleteLimit, read back by recover()). Everything else is
// acknowledged at once and forgotten. One object outlives the brokers started over it, the way
// a data directory does, so the core's half of "persisted and restored" can be tested without
// the SQLite store.
class RecordingPersistence final : public core::Persistence
{
public:
    core::Durability durability() const override { return core::Durability::Sync; }
    bool isHealthy() const override { return true; }
    const std::string& path() const override { return m_path; }

    core::RecoveredState recover(core::Clock::WallTimePoint now,
                                 std::size_t queuePageSize) override;
    void submit(PublishWrite write) override;
    void saveSession(const core::SessionRecord&) override {}
    void deleteSession(std::uint64_t) override {}
    void saveSubscription(const core::SubscriptionRecord&) override {}
    void deleteSubscription(std::uint64_t, const std::string&) override {}
    void markSent(std::uint64_t, std::uint64_t, std::uint16_t, std::uint32_t) override {}
    void markReleased(std::uint64_t, std::uint64_t, std::function<void(bool)> onApplied) override
    {
        if (onApplied) {
            onApplied(true);
        }
    }
    void removeDelivery(std::uint64_t, std::uint64_t) override {}
    void moveDelivery(core::StoredDelivery delivery, std::uint64_t toSessionId,
                      std::function<void(std::uint64_t, bool)> onApplied) override;
    void removeInboundQos2(std::uint64_t, std::uint16_t) override {}
    void loadQueuePage(std::uint64_t, std::uint64_t, std::size_t,
                       std::function<void(std::vector<core::StoredDelivery>)> onLoaded) override;
    void deleteRetained(const std::string&) override {}
    void saveLimit(const core::StoredLimit& limit) override;
    void deleteLimit(core::StoredLimit::Scope scope, const std::string& owner,
                     const std::string& name) override;
    core::DeadLetterStore& deadLetters() override { return m_deadLetters; }
    void flush() override {}
    void close() override {}
    Stats stats() const override { return {}; }

    // What is stored now.
    std::vector<core::StoredLimit> storedLimits() const;

private:
    using Key = std::tuple<core::StoredLimit::Scope, std::string, std::string>;

    const std::string m_path = "recording:";
    mutable std::mutex m_mutex;
    std::map<Key, core::StoredLimit> m_limits;
    std::uint64_t m_nextMessageId = 0;
    core::MemoryDeadLetterStore m_deadLetters{100'000, 64ULL * 1024 * 1024};
};

} // namespace sb::test
