#include "broker/storage/CommitLoop.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <utility>

#include <spdlog/spdlog.h>

namespace sb::storage {

namespace {

// Writes nobody waits for (sessions, deliveries, limits): they share one path in the loop.
void write(RecordWriter& writer, const op::SaveSession& o)
{
    writer.saveSession(o.session);
}
void write(RecordWriter& writer, const op::DeleteSession& o)
{
    writer.deleteSession(o.sessionId);
}
void write(RecordWriter& writer, const op::SaveSubscription& o)
{
    writer.saveSubscription(o.subscription);
}
void write(RecordWriter& writer, const op::DeleteSubscription& o)
{
    writer.deleteSubscription(o.sessionId, o.filter);
}
void write(RecordWriter& writer, const op::MarkSent& o)
{
    writer.markSent(o.sessionId, o.messageId, o.packetId, o.attempts);
}
void write(RecordWriter& writer, const op::MarkReleased& o)
{
    writer.markReleased(o.sessionId, o.messageId);
}
void write(RecordWriter& writer, const op::RemoveDelivery& o)
{
    writer.removeDelivery(o.sessionId, o.messageId);
}
void write(RecordWriter& writer, const op::RemoveInboundQos2& o)
{
    writer.removeInboundQos2(o.sessionId, o.packetId);
}
void write(RecordWriter& writer, const op::DeleteRetained& o)
{
    writer.deleteRetained(o.topic);
}
void write(RecordWriter& writer, const op::SaveLimit& o)
{
    writer.saveLimit(o.limit);
}
void write(RecordWriter& writer, const op::DeleteLimit& o)
{
    writer.deleteLimit(o.scope, o.owner, o.name);
}

// Callbacks are the core's code; one that throws must not stop the store thread.
template <typename Callback, typename... Args>
void invokeGuarded(Callback& callback, Args&&... args)
{
    if (!callback) {
        return;
    }
    try {
        callback(std::forward<Args>(args)...);
    } catch (const std::exception& e) {
        spdlog::error("storage callback threw: {}", e.what());
    } catch (...) {
        spdlog::error("storage callback threw an unknown exception");
    }
}

} // namespace

CommitLoop::CommitLoop(std::unique_ptr<Database> database, std::uint64_t lastMessageId,
                       DeadLetterTable::Totals deadLetters,
                       DeadLetterTable::Bounds deadLetterBounds, const core::Clock& clock,
                       CommitPolicy policy, StoreCounters& counters)
    : m_database(std::move(database))
    , m_writer(*m_database, lastMessageId)
    , m_reader(*m_database, clock)
    , m_deadLetters(*m_database, clock, deadLetters, deadLetterBounds)
    , m_policy(policy)
    , m_counters(counters)
{
    updateDatabaseSize();
}

CommitLoop::~CommitLoop()
{
    // run() always ends its transaction; this only matters if run() never ran.
    if (m_transaction) {
        endTransaction(false, "the store was destroyed with a transaction open");
    }
}

void CommitLoop::run(OperationQueue& queue)
{
    std::vector<Operation> batch;
    bool open = true;
    while (open) {
        std::optional<std::chrono::steady_clock::time_point> deadline;
        if (m_transaction) {
            deadline = m_transactionStarted + m_policy.asyncCommitDelay;
        }
        open = queue.takeAll(batch, deadline);
        for (Operation& operation : batch) {
            process(operation);
        }
        batch.clear();
        if (m_transaction && commitDue(open)) {
            commit();
        }
    }
}

void CommitLoop::process(Operation& operation)
{
    m_currentSettled = false;
    try {
        std::visit([this](auto& o) { apply(o); }, operation);
    } catch (const std::exception& e) {
        // Everything expected is handled inside apply(); this keeps the thread alive through
        // the unexpected (bad_alloc).
        spdlog::error("{}: storage operation failed: {}", m_database->path(), e.what());
    }
    if (m_transaction && !m_currentSettled) {
        ++m_tally.operations;
        if (m_tally.operations >= m_policy.maxBatchOperations) {
            commit();
        }
    } else {
        settleCurrent();
    }
}

void CommitLoop::settleCurrent()
{
    if (!m_currentSettled) {
        m_currentSettled = true;
        m_counters.uncommitted.fetch_sub(1, std::memory_order_relaxed);
    }
}

void CommitLoop::apply(op::Publish& publish)
{
    std::uint64_t messageId = 0;
    const bool ok = applyWrite([&] { messageId = m_writer.publish(publish.write); });
    if (ok) {
        ++m_tally.reportedWrites;
    }
    report(publish.write.onApplied, ok ? messageId : 0, ok);
}

void CommitLoop::apply(op::MoveDelivery& move)
{
    std::optional<std::uint64_t> messageId;
    bool ok =
        applyWrite([&] { messageId = m_writer.moveDelivery(move.delivery, move.toSessionId); });
    if (ok && !messageId) {
        spdlog::warn("{}: delivery of message {} cannot move to session {}: the message is gone",
                     m_database->path(), move.delivery.messageId, move.toSessionId);
        ok = false;
    }
    if (ok) {
        ++m_tally.reportedWrites;
    }
    report(move.onApplied, ok ? *messageId : 0, ok);
}

void CommitLoop::apply(op::MarkReleased& release)
{
    const bool ok = applyWrite([&] { write(m_writer, release); });
    report(release.onApplied, 0, ok);
}

void CommitLoop::apply(op::RemoveDelivery& remove)
{
    // One DELETE (its trigger included) is atomic by itself: SQLite undoes a failed statement
    // and nothing else. Without the SAVEPOINT/RELEASE pair around it, the acknowledgement of
    // each persistent QoS 1/2 delivery costs one statement instead of three.
    applyWrite([&] { write(m_writer, remove); }, false);
}

template <typename SessionOperation>
void CommitLoop::apply(SessionOperation& operation)
{
    applyWrite([&] { write(m_writer, operation); });
}

void CommitLoop::apply(op::LoadQueuePage& load)
{
    answer(
        [this, sessionId = load.sessionId, after = load.afterMessageId, limit = load.limit] {
            return guardedRead("the page",
                               [&] { return m_reader.queuePage(sessionId, after, limit); });
        },
        load.onLoaded);
}

void CommitLoop::apply(op::AddDeadLetter& add)
{
    applyDeadLetterWrite([&] { m_deadLetters.add(add.letter); });
}

void CommitLoop::apply(op::ListDeadLetters& list)
{
    answer(
        [this, filter = std::move(list.filter), newestFirst = list.newestFirst,
         cursor = std::move(list.cursor), limit = list.limit] {
            return guardedRead("the dead-letter page", [&] {
                return m_deadLetters.list(filter, newestFirst, cursor, limit);
            });
        },
        list.done);
}

void CommitLoop::apply(op::GetDeadLetter& get)
{
    answer(
        [this, id = get.id] {
            return guardedRead("the dead letter", [&] { return m_deadLetters.get(id); });
        },
        get.done);
}

void CommitLoop::apply(op::ReadDeadLetterStats& stats)
{
    // From memory; after a failed commit the totals are back at the last committed ones.
    answer([this] { return m_deadLetters.stats(); }, stats.done);
}

void CommitLoop::apply(op::PurgeDeadLetters& purge)
{
    std::uint64_t purged = 0;
    const bool ok = applyDeadLetterWrite([&] { purged = m_deadLetters.purge(purge.selection); });
    if (ok) {
        ++m_tally.reportedWrites; // its callback says 0 if the commit fails
    }
    whenApplied([done = std::move(purge.done), purged = ok ? purged : 0](bool kept) mutable {
        invokeGuarded(done, kept ? purged : 0);
    });
}

void CommitLoop::apply(op::MarkDeadLettersReplayed& mark)
{
    applyDeadLetterWrite([&] { m_deadLetters.markReplayed(mark.ids, mark.when, mark.remove); });
    whenApplied([done = std::move(mark.done)](bool) mutable { invokeGuarded(done); });
}

void CommitLoop::apply(op::SetDeadLetterBounds& bounds)
{
    m_deadLetters.setBounds({bounds.maxEntries, bounds.maxBytes});
    // Only a table over its new bound needs a write (and so a transaction).
    if (m_deadLetters.isOverBounds()) {
        applyDeadLetterWrite([&] { m_deadLetters.evict(); });
    }
}

void CommitLoop::apply(op::SetMaxDatabaseBytes& limit)
{
    const auto pageSize = static_cast<std::uint64_t>(m_database->queryInt64("PRAGMA page_size"));
    // SQLite's largest page count; it never lowers the limit below the current size.
    constexpr std::uint64_t kUnlimited = 0xFFFFFFFEU;
    const std::uint64_t pages =
        limit.bytes == 0 ? kUnlimited : std::max<std::uint64_t>(1, limit.bytes / pageSize);
    m_database->execute("PRAGMA max_page_count = " + std::to_string(std::min(pages, kUnlimited)));
}

void CommitLoop::apply(op::Flush& flush)
{
    if (m_transaction) {
        m_commitRequested = true;
        m_completions.emplace_back([done = std::move(flush.done)](bool) { done->set_value(); });
        return;
    }
    settleCurrent();
    flush.done->set_value();
}

template <typename Write>
bool CommitLoop::applyWrite(Write&& write, bool ownSavepoint)
{
    if (!m_transaction) {
        try {
            m_transaction.emplace(*m_database);
            m_transactionStarted = std::chrono::steady_clock::now();
        } catch (const SqliteError& e) {
            // No transaction, so no tally to charge: this write simply fails.
            spdlog::error("cannot begin a transaction: {}", e.what());
            m_counters.healthy.store(false);
            return false;
        }
    }
    try {
        std::optional<Savepoint> savepoint;
        if (ownSavepoint) {
            savepoint.emplace(*m_database);
        }
        write();
        if (savepoint) {
            savepoint->release();
        }
        ++m_tally.writes;
        return true;
    } catch (const SqliteError& e) {
        noteFailure("write failed", e, e.isStorageFailure());
    } catch (const std::exception& e) {
        noteFailure("write refused", e, false);
    }
    if (!m_database->inTransaction()) {
        // Some errors (an I/O error, sometimes a full disk) make SQLite roll back the whole
        // transaction, not just the statement: what was applied before is gone too.
        endTransaction(false, "SQLite rolled back the transaction after a failed write");
    }
    return false;
}

template <typename Write>
bool CommitLoop::applyDeadLetterWrite(Write&& write)
{
    const DeadLetterTable::Totals before = m_deadLetters.totals();
    const bool ok = applyWrite(std::forward<Write>(write));
    // The failed write's savepoint was rolled back, so its changes to the totals go too. If
    // SQLite rolled back the whole transaction, endTransaction() has already put back the
    // committed totals.
    if (!ok && m_transaction) {
        m_deadLetters.restore(before);
    }
    return ok;
}

void CommitLoop::noteFailure(std::string_view what, const std::exception& error,
                             bool storageFailure)
{
    if (storageFailure) {
        m_tally.storageFailed = true;
        m_counters.healthy.store(false);
    }
    // A full disk fails every write of a batch: the first is logged in full, the rest counted
    // and summed up when the transaction ends.
    if (m_tally.failures++ == 0) {
        spdlog::error("{}: {}", what, error.what());
    }
}

void CommitLoop::report(op::AppliedCallback& callback, std::uint64_t messageId, bool ok)
{
    if (m_policy.mode == core::Durability::Sync && m_transaction) {
        m_completions.emplace_back(
            [callback = std::move(callback), messageId, ok](bool committed) mutable {
                invokeGuarded(callback, ok && committed ? messageId : 0, ok && committed);
            });
        return;
    }
    if (!m_transaction) {
        settleCurrent();
    }
    invokeGuarded(callback, messageId, ok);
}

void CommitLoop::whenApplied(Completion completion)
{
    if (m_policy.mode == core::Durability::Sync && m_transaction) {
        m_completions.push_back(std::move(completion));
        return;
    }
    if (!m_transaction) {
        settleCurrent();
    }
    completion(true);
}

template <typename Read, typename Done>
void CommitLoop::answer(Read read, Done& done)
{
    // Inside the open transaction the read sees every write applied before it.
    auto result = read();
    if (m_policy.mode == core::Durability::Sync && m_transaction) {
        m_completions.emplace_back([read = std::move(read), done = std::move(done),
                                    result = std::move(result)](bool committed) mutable {
            if (!committed) {
                result = read();
            }
            invokeGuarded(done, std::move(result));
        });
        return;
    }
    if (!m_transaction) {
        settleCurrent();
    }
    invokeGuarded(done, std::move(result));
}

template <typename Read>
auto CommitLoop::guardedRead(std::string_view what, Read&& read) -> decltype(read())
{
    try {
        return read();
    } catch (const SqliteError& e) {
        spdlog::error("{}; {} is reported empty", e.what(), what);
        if (e.isStorageFailure()) {
            m_counters.healthy.store(false);
        }
        return {};
    }
}

bool CommitLoop::commitDue(bool queueOpen) const
{
    return m_policy.mode == core::Durability::Sync || m_commitRequested || !queueOpen ||
           std::chrono::steady_clock::now() >= m_transactionStarted + m_policy.asyncCommitDelay;
}

void CommitLoop::commit()
{
    try {
        m_transaction->commit();
    } catch (const SqliteError& e) {
        endTransaction(false, e.what());
        return;
    }
    endTransaction(true, {});
}

void CommitLoop::endTransaction(bool committed, std::string_view error)
{
    m_transaction.reset(); // rolls back unless committed
    m_deadLetters.transactionEnded(committed);
    const Tally tally = std::exchange(m_tally, Tally{});
    if (committed) {
        m_counters.writes.fetch_add(tally.writes, std::memory_order_relaxed);
        m_counters.commits.fetch_add(1, std::memory_order_relaxed);
        m_counters.healthy.store(!tally.storageFailed);
        updateDatabaseSize();
        if (tally.failures > 1) {
            spdlog::error("{}: {} operations failed in one transaction (first one logged above)",
                          m_database->path(), tally.failures);
        }
    } else {
        m_counters.failedCommits.fetch_add(1, std::memory_order_relaxed);
        m_counters.healthy.store(false);
        const bool async = m_policy.mode == core::Durability::Async;
        // Sync publishes, moves and dead-letter purges are refused through their callbacks
        // below; everything else in the transaction is lost and said so here.
        const std::size_t lost = async ? tally.writes : tally.writes - tally.reportedWrites;
        m_counters.lostOperations.fetch_add(lost, std::memory_order_relaxed);
        spdlog::error("{}: transaction rolled back ({}): {} write(s) in it; {} {}",
                      m_database->path(), error, tally.writes, lost,
                      async ? "write(s) lost, publishes among them already acknowledged"
                            : "write(s) without a callback lost, the others refused");
    }
    m_counters.uncommitted.fetch_sub(tally.operations, std::memory_order_relaxed);
    m_commitRequested = false;
    auto completions = std::exchange(m_completions, {});
    for (Completion& completion : completions) {
        completion(committed);
    }
}

void CommitLoop::updateDatabaseSize()
{
    std::error_code ec;
    std::uint64_t bytes = 0;
    for (const char* suffix : {"", "-wal"}) {
        const auto size = std::filesystem::file_size(m_database->path() + suffix, ec);
        if (!ec) {
            bytes += size;
        }
    }
    m_counters.databaseBytes.store(bytes, std::memory_order_relaxed);
}

} // namespace sb::storage
