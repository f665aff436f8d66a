#include "broker/storage/SqliteStore.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <future>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "broker/storage/RecordReader.h"
#include "broker/storage/RecordWriter.h"
#include "broker/storage/Schema.h"
#include "broker/storage/Statement.h"
#include "broker/storage/Transaction.h"

namespace sb::storage {

namespace {

bool isCorruption(const SqliteError& error)
{
    return error.primaryCode() == SQLITE_CORRUPT || error.primaryCode() == SQLITE_NOTADB;
}

std::runtime_error corruptionError(const Database& database, const std::string& detail)
{
    return std::runtime_error(database.path() + ": database is corrupt: " + detail);
}

// The first read of the file: a file that is not a database fails here, a damaged one reports
// what quick_check found (at most a few lines of it).
void checkIntegrity(Database& database)
{
    std::string problems;
    try {
        Statement check(database, "PRAGMA quick_check(5)");
        while (check.step()) {
            const std::string line = check.text(0);
            if (line != "ok") {
                problems += problems.empty() ? "" : "; ";
                problems += line;
            }
        }
    } catch (const SqliteError& e) {
        if (isCorruption(e)) {
            throw corruptionError(database, sqlite3_errstr(e.code()));
        }
        throw;
    }
    if (!problems.empty()) {
        throw corruptionError(database, problems);
    }
}

// SQLite reports a directory it cannot write to only as "unable to open database file", and the
// log and shared-memory files it creates next to the database need the directory too: a probe
// file gets the operating system's own reason.
void checkWritableDirectory(const std::filesystem::path& directory, const std::string& path)
{
    const auto probe = directory / ".switchboard-write-test";
    errno = 0;
    std::FILE* file = std::fopen(probe.string().c_str(), "wb");
    if (file == nullptr) {
        const int error = errno;
        throw std::runtime_error(path + ": cannot open database: its directory is not writable (" +
                                 std::generic_category().message(error) + ")");
    }
    std::fclose(file);
    std::error_code ignored;
    std::filesystem::remove(probe, ignored);
}

void configureConnection(Database& database, core::Durability mode, std::size_t pageCacheKiB)
{
    // Another process reading the file (a backup, the sqlite3 shell) may hold a lock briefly.
    sqlite3_busy_timeout(database.handle(), 5000);
    const std::string journal = database.queryText("PRAGMA journal_mode = WAL");
    if (journal != "wal") {
        throw std::runtime_error(database.path() +
                                 ": cannot use write-ahead logging (journal mode is '" + journal +
                                 "')");
    }
    // In WAL mode FULL syncs the log at every commit (durable once COMMIT returns); NORMAL
    // syncs only at checkpoints, so a power cut may lose the last commits but never corrupts.
    database.execute(mode == core::Durability::Sync ? "PRAGMA synchronous = FULL"
                                                    : "PRAGMA synchronous = NORMAL");
    database.execute("PRAGMA cache_size = -" + std::to_string(pageCacheKiB));
    // Keep the log from staying large after a burst has been checkpointed.
    database.execute("PRAGMA journal_size_limit = 67108864");
    database.execute("PRAGMA temp_store = MEMORY");
}

} // namespace

SqliteStore::SqliteStore(std::string dataDir, core::Durability mode,
                         std::chrono::milliseconds asyncCommitDelay, SqliteStoreOptions options)
    : m_dataDir(std::move(dataDir))
    , m_path((std::filesystem::path(m_dataDir) / kFileName).string())
    , m_mode(mode)
    , m_asyncCommitDelay(asyncCommitDelay)
    , m_options(std::move(options))
    , m_clock(m_options.clock != nullptr ? *m_options.clock : core::Clock::system())
    , m_queue(m_options.backedUpThreshold)
    , m_deadLetters([this](Operation operation) { enqueue(std::move(operation)); })
{
    if (mode == core::Durability::Memory) {
        throw std::invalid_argument("SqliteStore: durability 'memory' keeps nothing on disk; "
                                    "use no store at all");
    }
}

SqliteStore::~SqliteStore()
{
    close();
}

std::unique_ptr<Database> SqliteStore::openDatabase()
{
    std::error_code ec;
    std::filesystem::create_directories(m_dataDir, ec);
    if (ec) {
        throw std::runtime_error(m_dataDir + ": cannot create the data directory: " + ec.message());
    }
    if (std::filesystem::is_directory(m_path, ec)) {
        throw std::runtime_error(m_path + ": cannot open database: a directory is in the way");
    }
    checkWritableDirectory(m_dataDir, m_path);
    auto database = std::make_unique<Database>(m_path, m_options.vfs);
    checkIntegrity(*database);
    configureConnection(*database, m_mode, m_options.pageCacheKiB);
    schema::migrate(*database, m_clock.wallNow());
    return database;
}

core::RecoveredState SqliteStore::recover(core::Clock::WallTimePoint now, std::size_t queuePageSize)
{
    const std::lock_guard lock(m_lifecycleMutex);
    if (m_closed || m_loop) {
        throw std::logic_error(m_path + ": recover() must be called once, before close()");
    }
    const auto started = std::chrono::steady_clock::now();
    auto database = openDatabase();

    core::RecoveredState state;
    std::uint64_t lastMessageId = 0;
    std::size_t expiredSessions = 0;
    std::size_t queuedRows = 0;
    DeadLetterTable::Totals deadLetters;
    try {
        {
            RecordWriter writer(*database, 0);
            Transaction transaction(*database);
            expiredSessions = writer.deleteExpiredSessions(now);
            writer.deleteExpiredRetained(now);
            writer.deleteOrphans();
            transaction.commit();
        }
        RecordReader reader(*database, m_clock);
        state.sessions = reader.sessions();
        state.subscriptions = reader.subscriptions();
        RecordReader::MessageCache messages;
        for (const core::SessionRecord& session : state.sessions) {
            auto page = reader.queuePage(session.sessionId, 0, queuePageSize, &messages);
            const std::uint64_t total = reader.queueLength(session.sessionId);
            queuedRows += total;
            if (total == 0) {
                continue;
            }
            auto& queue = state.queues[session.sessionId];
            queue.moreOnDisk = total > page.size() ? total - page.size() : 0;
            queue.deliveries = std::move(page);
        }
        state.inboundQos2 = reader.inboundQos2();
        state.retained = reader.retained();
        state.maxSessionId = reader.lastSessionId();
        state.limits = reader.limits();
        lastMessageId = reader.lastMessageId();
        deadLetters = DeadLetterTable::countRows(*database);
    } catch (const SqliteError& e) {
        if (isCorruption(e)) {
            spdlog::error("{}", e.what()); // which statement found it, for whoever investigates
            throw corruptionError(*database, sqlite3_errstr(e.code()));
        }
        throw;
    }

    m_loop = std::make_unique<CommitLoop>(
        std::move(database), lastMessageId, deadLetters,
        DeadLetterTable::Bounds{m_options.deadLetterMaxEntries, m_options.deadLetterMaxBytes},
        m_clock, CommitPolicy{m_mode, m_asyncCommitDelay, m_options.maxBatchOperations},
        m_counters);
    m_thread = std::thread([this] {
        m_storeThreadId.store(std::this_thread::get_id());
        m_loop->run(m_queue);
    });
    m_running.store(true);

    spdlog::info("{}: recovered {} session(s), {} subscription(s), {} queued message(s), {} "
                 "retained message(s), {} dead letter(s), {} limit(s); removed {} expired "
                 "session(s); {} ms",
                 m_path, state.sessions.size(), state.subscriptions.size(), queuedRows,
                 state.retained.size(), deadLetters.entries, state.limits.size(), expiredSessions,
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());
    return state;
}

void SqliteStore::enqueue(Operation operation)
{
    m_counters.uncommitted.fetch_add(1, std::memory_order_relaxed);
    if (!m_queue.push(operation)) {
        m_counters.uncommitted.fetch_sub(1, std::memory_order_relaxed);
        refuse(operation);
        return;
    }
    if (m_queue.isBackedUp()) {
        if (!m_backedUpReported.exchange(true)) {
            spdlog::warn("{}: more than {} operations wait for the store; it is falling behind",
                         m_path, m_options.backedUpThreshold);
        }
    } else if (m_queue.size() < m_options.backedUpThreshold / 2) {
        m_backedUpReported.store(false, std::memory_order_relaxed);
    }
}

void SqliteStore::refuse(Operation& operation)
{
    std::visit(
        [this](auto& o) {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, op::Publish>) {
                if (o.write.onApplied) {
                    o.write.onApplied(0, false);
                }
            } else if constexpr (std::is_same_v<T, op::MoveDelivery> ||
                                 std::is_same_v<T, op::MarkReleased>) {
                if (o.onApplied) {
                    o.onApplied(0, false);
                }
            } else if constexpr (std::is_same_v<T, op::LoadQueuePage>) {
                if (o.onLoaded) {
                    o.onLoaded({});
                }
            } else if constexpr (std::is_same_v<T, op::ListDeadLetters> ||
                                 std::is_same_v<T, op::GetDeadLetter> ||
                                 std::is_same_v<T, op::ReadDeadLetterStats>) {
                if (o.done) {
                    o.done({});
                }
            } else if constexpr (std::is_same_v<T, op::PurgeDeadLetters>) {
                if (o.done) {
                    o.done(0);
                }
            } else if constexpr (std::is_same_v<T, op::MarkDeadLettersReplayed>) {
                // The replay happened; only its mark is lost (the entries may be replayed again).
                m_counters.lostOperations.fetch_add(1, std::memory_order_relaxed);
                if (o.done) {
                    o.done();
                }
            } else if constexpr (std::is_same_v<T, op::Flush>) {
                o.done->set_value();
            } else if constexpr (!std::is_same_v<T, op::SetMaxDatabaseBytes> &&
                                 !std::is_same_v<T, op::SetDeadLetterBounds>) {
                m_counters.lostOperations.fetch_add(1, std::memory_order_relaxed);
                spdlog::warn("{}: a write arrived after the store was closed; lost", m_path);
            }
        },
        operation);
}

void SqliteStore::submit(PublishWrite write)
{
    enqueue(op::Publish{std::move(write)});
}

void SqliteStore::saveSession(const core::SessionRecord& session)
{
    enqueue(op::SaveSession{session});
}

void SqliteStore::deleteSession(std::uint64_t sessionId)
{
    enqueue(op::DeleteSession{sessionId});
}

void SqliteStore::saveSubscription(const core::SubscriptionRecord& subscription)
{
    enqueue(op::SaveSubscription{subscription});
}

void SqliteStore::deleteSubscription(std::uint64_t sessionId, const std::string& filter)
{
    enqueue(op::DeleteSubscription{sessionId, filter});
}

void SqliteStore::markSent(std::uint64_t sessionId, std::uint64_t messageId, std::uint16_t packetId,
                           std::uint32_t attempts)
{
    enqueue(op::MarkSent{sessionId, messageId, packetId, attempts});
}

void SqliteStore::markReleased(std::uint64_t sessionId, std::uint64_t messageId,
                               std::function<void(bool ok)> onApplied)
{
    op::AppliedCallback callback;
    if (onApplied) {
        callback = [onApplied = std::move(onApplied)](std::uint64_t, bool ok) {
            onApplied(ok);
        };
    }
    enqueue(op::MarkReleased{sessionId, messageId, std::move(callback)});
}

void SqliteStore::removeDelivery(std::uint64_t sessionId, std::uint64_t messageId)
{
    enqueue(op::RemoveDelivery{sessionId, messageId});
}

void SqliteStore::moveDelivery(core::StoredDelivery delivery, std::uint64_t toSessionId,
                               std::function<void(std::uint64_t messageId, bool ok)> onApplied)
{
    enqueue(op::MoveDelivery{std::move(delivery), toSessionId, std::move(onApplied)});
}

void SqliteStore::removeInboundQos2(std::uint64_t sessionId, std::uint16_t packetId)
{
    enqueue(op::RemoveInboundQos2{sessionId, packetId});
}

void SqliteStore::loadQueuePage(std::uint64_t sessionId, std::uint64_t afterMessageId,
                                std::size_t limit,
                                std::function<void(std::vector<core::StoredDelivery>)> onLoaded)
{
    enqueue(op::LoadQueuePage{sessionId, afterMessageId, limit, std::move(onLoaded)});
}

void SqliteStore::deleteRetained(const std::string& topic)
{
    enqueue(op::DeleteRetained{topic});
}

void SqliteStore::saveLimit(const core::StoredLimit& limit)
{
    enqueue(op::SaveLimit{limit});
}

void SqliteStore::deleteLimit(core::StoredLimit::Scope scope, const std::string& owner,
                              const std::string& name)
{
    enqueue(op::DeleteLimit{scope, owner, name});
}

void SqliteStore::setMaxDatabaseBytes(std::uint64_t bytes)
{
    enqueue(op::SetMaxDatabaseBytes{bytes});
}

void SqliteStore::flush()
{
    if (!m_running.load()) {
        return; // before recover() nothing can be committed; after close() all has been
    }
    if (m_storeThreadId.load() == std::this_thread::get_id()) {
        throw std::logic_error(m_path + ": flush() called from the store thread");
    }
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    enqueue(op::Flush{std::move(done)});
    finished.wait();
}

void SqliteStore::close()
{
    const std::lock_guard lock(m_lifecycleMutex);
    if (m_closed) {
        return;
    }
    if (m_thread.joinable() && m_storeThreadId.load() == std::this_thread::get_id()) {
        throw std::logic_error(m_path + ": close() called from the store thread");
    }
    m_closed = true;
    m_queue.close();
    if (m_thread.joinable()) {
        m_thread.join();
    } else {
        // Never recovered: whatever was queued cannot be written.
        std::vector<Operation> left;
        m_queue.takeAll(left, std::nullopt);
        for (Operation& operation : left) {
            m_counters.uncommitted.fetch_sub(1, std::memory_order_relaxed);
            refuse(operation);
        }
    }
    m_running.store(false);
    m_loop.reset(); // closes the connection (SQLite checkpoints and removes the log)
}

core::Persistence::Stats SqliteStore::stats() const
{
    Stats stats;
    stats.commits = m_counters.commits.load(std::memory_order_relaxed);
    stats.writes = m_counters.writes.load(std::memory_order_relaxed);
    stats.failedCommits = m_counters.failedCommits.load(std::memory_order_relaxed);
    stats.queuedOperations = m_counters.uncommitted.load(std::memory_order_relaxed);
    stats.databaseBytes = m_counters.databaseBytes.load(std::memory_order_relaxed);
    return stats;
}

} // namespace sb::storage
