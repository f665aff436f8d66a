#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "broker/core/Limits.h"
#include "broker/core/Persistence.h"
#include "broker/storage/CommitLoop.h"
#include "broker/storage/OperationQueue.h"
#include "broker/storage/SqliteDeadLetterStore.h"

namespace sb::storage {

// Settings with sensible defaults that operators rarely touch and tests do.
struct SqliteStoreOptions
{
    // Clock for stored timestamps and for turning them back into monotonic time (default: the
    // system clock).
    const core::Clock* clock = nullptr;
    // SQLite VFS to open the file with (empty: the platform default). Tests use one that
    // injects I/O failures.
    std::string vfs;
    // A transaction is committed once it holds this many operations.
    std::size_t maxBatchOperations = 10'000;
    // isBackedUp() above this many operations waiting for the store thread.
    std::size_t backedUpThreshold = 100'000;
    // SQLite page cache of the connection, bounded so a large database does not grow memory.
    std::size_t pageCacheKiB = 16 * 1024;
    // The dead-letter bound until the core sets its own (DeadLetterStore::setBounds).
    std::uint64_t deadLetterMaxEntries = core::Limits{}.deadLetterMaxEntries;
    std::uint64_t deadLetterMaxBytes = core::Limits{}.deadLetterMaxBytes;
};

// The durable store behind core::Persistence: one SQLite file (switchboard.db, WAL) in the data
// directory, opened and read back by recover(), then owned by the store thread, to which every
// other call hands its work through a FIFO with group commit.
//
// Calls made after close() are answered at once on the caller's thread: writes with ok = false,
// reads (queue pages, dead-letter pages, stats) with nothing, a dead-letter purge with 0, other
// writes counted in lostOperations().
class SqliteStore final : public core::Persistence
{
public:
    static constexpr const char* kFileName = "switchboard.db";

    // `mode` is Sync or Async (Memory needs no store). Nothing touches the disk before
    // recover().
    SqliteStore(std::string dataDir, core::Durability mode,
                std::chrono::milliseconds asyncCommitDelay = std::chrono::milliseconds(100),
                SqliteStoreOptions options = {});
    ~SqliteStore() override;

    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    core::Durability durability() const override { return m_mode; }
    bool isHealthy() const override { return m_counters.healthy.load(); }
    const std::string& path() const override { return m_path; }

    // Opens (creating the directory and the file if missing), checks, migrates and reads the
    // database, then starts the store thread. Throws std::runtime_error naming the file.
    core::RecoveredState recover(core::Clock::WallTimePoint now,
                                 std::size_t queuePageSize) override;

    void submit(PublishWrite write) override;
    void saveSession(const core::SessionRecord& session) override;
    void deleteSession(std::uint64_t sessionId) override;
    void saveSubscription(const core::SubscriptionRecord& subscription) override;
    void deleteSubscription(std::uint64_t sessionId, const std::string& filter) override;
    void markSent(std::uint64_t sessionId, std::uint64_t messageId, std::uint16_t packetId,
                  std::uint32_t attempts) override;
    void markReleased(std::uint64_t sessionId, std::uint64_t messageId,
                      std::function<void(bool ok)> onApplied) override;
    void removeDelivery(std::uint64_t sessionId, std::uint64_t messageId) override;
    void moveDelivery(core::StoredDelivery delivery, std::uint64_t toSessionId,
                      std::function<void(std::uint64_t messageId, bool ok)> onApplied) override;
    void removeInboundQos2(std::uint64_t sessionId, std::uint16_t packetId) override;
    void loadQueuePage(std::uint64_t sessionId, std::uint64_t afterMessageId, std::size_t limit,
                       std::function<void(std::vector<core::StoredDelivery>)> onLoaded) override;
    void deleteRetained(const std::string& topic) override;
    void saveLimit(const core::StoredLimit& limit) override;
    void deleteLimit(core::StoredLimit::Scope scope, const std::string& owner,
                     const std::string& name) override;
    core::DeadLetterStore& deadLetters() override { return m_deadLetters; }

    // Returns once everything submitted before is committed (or failed) and its callbacks have
    // run. Must not be called from a store callback (it would wait for itself).
    void flush() override;
    void close() override;
    Stats stats() const override;

    // ---- Beyond core::Persistence ------------------------------------------------------------
    // True while more operations wait for the store thread than the configured threshold:
    // submit() still never blocks, so the core should stop reading from publishers until it
    // clears.
    bool isBackedUp() const { return m_queue.isBackedUp(); }
    // Writes lost without their submitter being told: writes of a failed transaction whose
    // callback (if any) cannot say so (sessions, limits, dead letters added or marked replayed),
    // and async writes acknowledged before their commit failed.
    std::uint64_t lostOperations() const { return m_counters.lostOperations.load(); }
    // Caps the database size (SQLite's max_page_count; rounded down to whole pages, never below
    // the current size). 0 lifts the cap. Writes that would grow past it fail like a full disk.
    void setMaxDatabaseBytes(std::uint64_t bytes);

private:
    void enqueue(Operation operation);
    // Answers an operation that can no longer be queued (the store is closed): writes are
    // refused through their callbacks, reads get an empty page, the rest is counted as lost.
    void refuse(Operation& operation);
    std::unique_ptr<Database> openDatabase();

    const std::string m_dataDir;
    const std::string m_path;
    const core::Durability m_mode;
    const std::chrono::milliseconds m_asyncCommitDelay;
    const SqliteStoreOptions m_options;
    const core::Clock& m_clock;

    StoreCounters m_counters;
    OperationQueue m_queue;
    std::atomic<bool> m_backedUpReported{false};
    SqliteDeadLetterStore m_deadLetters; // hands its calls to enqueue()

    std::mutex m_lifecycleMutex; // recover() and close()
    bool m_closed = false;       // guarded by m_lifecycleMutex
    std::unique_ptr<CommitLoop> m_loop;
    std::thread m_thread;
    std::atomic<std::thread::id> m_storeThreadId{};
    std::atomic<bool> m_running{false};
};

} // namespace sb::storage
