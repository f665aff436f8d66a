#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <QtCore/QTemporaryDir>

#include "broker/core/Clock.h"
#include "broker/core/DeadLetters.h"
#include "broker/core/Persistence.h"
#include "broker/storage/SqliteStore.h"

namespace sb::test {

// What the storage suites share: sample records with every field set, a store in a fresh
// temporary directory on a manual clock, and ways to wait for the store thread with deadlines.

inline constexpr std::chrono::seconds kDeadline{20};

// Wall time rounded to what the store keeps (milliseconds), so round trips compare equal.
core::Clock::WallTimePoint storedPrecision(core::Clock::WallTimePoint time);

// Every property a PUBLISH may carry, binary and duplicate user properties included.
protocol::Properties everyPublishProperty();
// Every property a will may carry (the PUBLISH ones plus Will Delay Interval).
protocol::Properties everyWillProperty();

// A message as the core builds it, received "now" on `clock`.
std::shared_ptr<core::Message> makeMessage(const core::Clock& clock, std::string topic,
                                           std::string payload, std::uint8_t qos = 1);

core::SessionRecord makeSession(const core::Clock& clock, std::uint64_t sessionId,
                                std::string clientId);

// A publish write with one Queued row per session.
core::Persistence::PublishWrite publishTo(core::MessagePtr message,
                                          const std::vector<std::uint64_t>& sessionIds);

// Compares what a message means (not its monotonic time points, which are rebuilt from the
// wall clock on recovery); returns a description of the first difference, empty if none.
std::string messageDifference(const core::Message& expected, const core::Message& actual);

// A dead letter as the core builds one: a message from makeMessage() on `topic`, at the
// clock's wall time (to the millisecond, as stored).
core::DeadLetter makeDeadLetter(const core::Clock& clock, std::string topic,
                                core::DeadLetterReason reason, std::string target = "target",
                                std::string payload = "payload");

// Calls `start` with a callback taking a Result and waits for that callback (or the deadline):
// its argument, or nullopt if it never came.
template <typename Result, typename Start>
std::optional<Result> awaitStoreCallback(Start&& start)
{
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    start([promise](Result result) { promise->set_value(std::move(result)); });
    if (future.wait_for(kDeadline) != std::future_status::ready) {
        return std::nullopt;
    }
    return future.get();
}

// Records onApplied callbacks in the order the store thread runs them.
class AppliedLog
{
public:
    struct Entry
    {
        int tag = 0;
        std::uint64_t messageId = 0;
        bool ok = false;
    };

    std::function<void(std::uint64_t, bool)> callback(int tag);
    std::vector<Entry> entries() const;
    // Waits until `count` callbacks have run (or the deadline passed).
    bool waitFor(std::size_t count) const;

private:
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_changed;
    std::vector<Entry> m_entries;
};

// Loads one page through the store thread and waits for it.
std::optional<std::vector<core::StoredDelivery>> loadPage(storage::SqliteStore& store,
                                                          std::uint64_t sessionId,
                                                          std::uint64_t afterMessageId,
                                                          std::size_t limit);

// One data directory, one manual clock, and the store on them (reopened as often as a test
// likes, as a restart would).
class StoreFixture
{
public:
    StoreFixture();
    ~StoreFixture();

    bool isValid() const { return m_dir.isValid(); }
    std::string dataDir() const;
    std::string databasePath() const;
    core::ManualClock& clock() { return m_clock; }
    storage::SqliteStore& store() { return *m_store; }

    core::RecoveredState
    open(core::Durability mode = core::Durability::Sync,
         std::chrono::milliseconds asyncCommitDelay = std::chrono::milliseconds(100),
         storage::SqliteStoreOptions options = {}, std::size_t queuePageSize = 100);
    // close() then open() with the same settings.
    core::RecoveredState reopen(std::size_t queuePageSize = 100);
    void close();

    // Counts rows on a second connection (WAL lets it read while the store writes).
    std::int64_t countRows(const std::string& table) const;

private:
    QTemporaryDir m_dir;
    core::ManualClock m_clock;
    std::unique_ptr<storage::SqliteStore> m_store;
    core::Durability m_mode = core::Durability::Sync;
    std::chrono::milliseconds m_delay{100};
    storage::SqliteStoreOptions m_options;
};

} // namespace sb::test
