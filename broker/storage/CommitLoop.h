#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "broker/core/Persistence.h"
#include "broker/storage/Database.h"
#include "broker/storage/DeadLetterTable.h"
#include "broker/storage/Operation.h"
#include "broker/storage/OperationQueue.h"
#include "broker/storage/RecordReader.h"
#include "broker/storage/RecordWriter.h"
#include "broker/storage/Transaction.h"

namespace sb::storage {

// Counters the store thread updates and any thread reads (stats, health, backpressure).
struct StoreCounters
{
    std::atomic<std::uint64_t> commits{0};
    std::atomic<std::uint64_t> writes{0};
    std::atomic<std::uint64_t> failedCommits{0};
    // Operations lost without their submitter hearing of it: writes of a failed transaction
    // whose callback (if any) cannot say so (sessions, limits, dead letters added or marked
    // replayed), and in async mode writes already reported as applied.
    std::atomic<std::uint64_t> lostOperations{0};
    std::atomic<std::uint64_t> uncommitted{0}; // submitted, transaction not yet ended
    std::atomic<std::uint64_t> databaseBytes{0};
    std::atomic<bool> healthy{true};
};

// When the store thread commits (fixed at construction from the durability mode).
struct CommitPolicy
{
    core::Durability mode = core::Durability::Sync;
    // Async: how long a transaction stays open collecting writes before it is committed.
    std::chrono::milliseconds asyncCommitDelay{100};
    // Either mode: a transaction is committed once it holds this many operations.
    std::size_t maxBatchOperations = 10'000;
};

// The store thread's work: takes everything queued, applies it inside one transaction (each
// operation in its own savepoint, so one failure spoils only itself), commits, and reports back
// in submission order. Sync reports after the commit; async reports as soon as an operation is
// applied and commits when the delay or the batch bound is reached.
class CommitLoop
{
public:
    // `deadLetters`: what the dead_letters table held when it was read at start.
    CommitLoop(std::unique_ptr<Database> database, std::uint64_t lastMessageId,
               DeadLetterTable::Totals deadLetters, DeadLetterTable::Bounds deadLetterBounds,
               const core::Clock& clock, CommitPolicy policy, StoreCounters& counters);
    ~CommitLoop();

    CommitLoop(const CommitLoop&) = delete;
    CommitLoop& operator=(const CommitLoop&) = delete;

    // Runs until the queue is closed and drained; everything taken is committed (or failed and
    // reported) before it returns.
    void run(OperationQueue& queue);

private:
    using Completion = std::function<void(bool committed)>;

    void process(Operation& operation);
    void apply(op::Publish& publish);
    void apply(op::MoveDelivery& move);
    void apply(op::MarkReleased& release);
    void apply(op::RemoveDelivery& remove);
    void apply(op::LoadQueuePage& load);
    void apply(op::AddDeadLetter& add);
    void apply(op::ListDeadLetters& list);
    void apply(op::GetDeadLetter& get);
    void apply(op::ReadDeadLetterStats& stats);
    void apply(op::PurgeDeadLetters& purge);
    void apply(op::MarkDeadLettersReplayed& mark);
    void apply(op::SetDeadLetterBounds& bounds);
    void apply(op::SetMaxDatabaseBytes& limit);
    void apply(op::Flush& flush);
    template <typename SessionOperation>
    void apply(SessionOperation& operation);

    // Runs `write` in a savepoint of the open transaction (beginning one if needed), so that
    // a failure undoes it alone; a write of one statement may do without (`ownSavepoint`
    // false): SQLite undoes a failed statement by itself. Returns false if it failed; the
    // failure is logged and counted.
    template <typename Write>
    bool applyWrite(Write&& write, bool ownSavepoint = true);
    // applyWrite() for the dead-letter table, whose in-memory totals must follow its rows when a
    // write is rolled back.
    template <typename Write>
    bool applyDeadLetterWrite(Write&& write);
    void noteFailure(std::string_view what, const std::exception& error, bool storageFailure);
    // Reports a write's outcome: now (async, or no transaction to wait for), or after the
    // commit (sync), in order with everything before it.
    void report(op::AppliedCallback& callback, std::uint64_t messageId, bool ok);
    // The same for callbacks of other shapes: `completion` gets whether the write is kept
    // (committed in sync; applied in async).
    void whenApplied(Completion completion);
    // Answers a read with what `read` returns, at the same point in the order as report(). A
    // read answered after the commit is made again if the commit failed: what it saw may have
    // included writes that were rolled back.
    template <typename Read, typename Done>
    void answer(Read read, Done& done);
    // Runs `read`; a read that fails is logged (the store marked unhealthy if the medium failed)
    // and answered with an empty result.
    template <typename Read>
    auto guardedRead(std::string_view what, Read&& read) -> decltype(read());

    // Takes the operation being processed off the uncommitted count, once. Done before any
    // callback that reports it outside a transaction, so that whoever the callback wakes (a
    // flush) sees the count without it.
    void settleCurrent();

    bool commitDue(bool queueOpen) const;
    void commit();
    // Ends the open transaction (committed or rolled back), updates the counters, then runs
    // the deferred completions.
    void endTransaction(bool committed, std::string_view error);
    void updateDatabaseSize();

    std::unique_ptr<Database> m_database;
    RecordWriter m_writer;
    RecordReader m_reader;
    DeadLetterTable m_deadLetters;
    const CommitPolicy m_policy;
    StoreCounters& m_counters;

    std::optional<Transaction> m_transaction;
    std::chrono::steady_clock::time_point m_transactionStarted{};
    std::vector<Completion> m_completions; // sync: callbacks waiting for the commit
    bool m_commitRequested = false;        // a flush is waiting
    bool m_currentSettled = false;         // the operation being processed is off the count

    // What the open transaction holds, for the counters and for the log if it fails.
    struct Tally
    {
        std::size_t operations = 0;     // every operation taken while it was open
        std::size_t writes = 0;         // writes applied
        std::size_t reportedWrites = 0; // of those, publishes and moves (they have callbacks)
        std::size_t failures = 0;       // operations that failed inside it
        bool storageFailed = false;     // one of them because of the medium (disk full, I/O)
    } m_tally;
};

} // namespace sb::storage
