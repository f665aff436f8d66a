#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <QtTest/QTest>

#include "broker/storage/SqliteStore.h"
#include "tests/storage/FaultyVfs.h"
#include "tests/storage/StoreTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace std::chrono_literals;

namespace {

// A write of `payloadBytes` bytes queued for session 1 (which each test saves first).
core::Persistence::PublishWrite writeFor(test::StoreFixture& fixture, test::AppliedLog& log,
                                         int tag, std::size_t payloadBytes = 16)
{
    auto write = test::publishTo(test::makeMessage(fixture.clock(), "t/" + std::to_string(tag),
                                                   std::string(payloadBytes, 'x')),
                                 {1});
    write.onApplied = log.callback(tag);
    return write;
}

} // namespace

// How the store thread groups, orders, commits and fails: the durability contract.
class TestStoreCommit : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void concurrentWritesShareCommits();
    void callbacksComeInSubmissionOrder();
    void syncReportsOnlyAfterTheCommit();
    void asyncReportsBeforeTheCommitAndCommitsWithinTheDelay();
    void asyncPageSeesAnUnflushedWrite();
    void syncPageSeesAWriteQueuedBeforeIt();
    void closeCommitsWhatIsPending();
    void fullDatabaseRefusesWritesUntilThereIsRoom();
    void failedCommitRefusesTheWholeBatch();
    void failedAsyncCommitCountsAcknowledgedWritesAsLost();
    void callsAfterCloseAreRefusedNotLost();
    void backlogIsReportedWithoutBlocking();
    void throwingCallbackDoesNotStopTheStore();
};

// 10,000 publishes from four threads: every one is kept, in far fewer transactions.
void TestStoreCommit::concurrentWritesShareCommits()
{
    test::StoreFixture fixture;
    QVERIFY(fixture.isValid());
    fixture.open(core::Durability::Sync);
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    store.flush();
    const auto before = store.stats();

    constexpr int kThreads = 4;
    constexpr int kPerThread = 2500;
    test::AppliedLog applied;
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = 0; i < kPerThread; ++i) {
                store.submit(writeFor(fixture, applied, t * kPerThread + i));
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    store.flush();

    const auto entries = applied.entries();
    QCOMPARE(entries.size(), std::size_t{kThreads * kPerThread});
    std::vector<int> lastPerThread(kThreads, -1);
    std::uint64_t lastId = 0;
    for (const auto& entry : entries) {
        QVERIFY(entry.ok);
        QVERIFY(entry.messageId > lastId); // ids grow in the order callbacks run
        lastId = entry.messageId;
        const int thread = entry.tag / kPerThread;
        QVERIFY(entry.tag > lastPerThread[thread]); // each thread's writes stay in its order
        lastPerThread[thread] = entry.tag;
    }
    const auto after = store.stats();
    const auto commits = after.commits - before.commits;
    qInfo("10,000 writes in %llu commits", static_cast<unsigned long long>(commits));
    QVERIFY2(commits < 2000, std::to_string(commits).c_str());
    QCOMPARE(after.writes - before.writes, std::uint64_t{kThreads * kPerThread});
    QCOMPARE(after.queuedOperations, std::uint64_t{0});
    QCOMPARE(fixture.countRows("queue"), std::int64_t{kThreads * kPerThread});
    QCOMPARE(fixture.countRows("messages"), std::int64_t{kThreads * kPerThread});
    QVERIFY(after.databaseBytes > 0);
}

void TestStoreCommit::callbacksComeInSubmissionOrder()
{
    for (const auto mode : {core::Durability::Sync, core::Durability::Async}) {
        test::StoreFixture fixture;
        fixture.open(mode);
        auto& store = fixture.store();
        store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
        test::AppliedLog applied;
        for (int i = 0; i < 500; ++i) {
            if (i % 50 == 0) {
                // Moves and publishes share one order.
                core::StoredDelivery gone;
                store.moveDelivery(gone, 999, applied.callback(i));
            } else {
                store.submit(writeFor(fixture, applied, i));
            }
        }
        store.flush();
        const auto entries = applied.entries();
        QCOMPARE(entries.size(), std::size_t{500});
        std::uint64_t lastId = 0;
        for (int i = 0; i < 500; ++i) {
            QCOMPARE(entries[i].tag, i);
            QCOMPARE(entries[i].ok, i % 50 != 0);
            if (entries[i].ok) {
                QVERIFY(entries[i].messageId > lastId);
                lastId = entries[i].messageId;
            }
        }
    }
}

// In sync mode a callback saying ok means the row is on disk: another connection sees it.
void TestStoreCommit::syncReportsOnlyAfterTheCommit()
{
    test::StoreFixture fixture;
    fixture.open(core::Durability::Sync);
    fixture.store().saveSession(test::makeSession(fixture.clock(), 1, "c"));
    std::promise<std::int64_t> seen;
    auto write = test::publishTo(test::makeMessage(fixture.clock(), "t", "x"), {1});
    write.onApplied = [&](std::uint64_t, bool) {
        seen.set_value(fixture.countRows("queue"));
    };
    fixture.store().submit(std::move(write));
    auto future = seen.get_future();
    QCOMPARE(future.wait_for(test::kDeadline), std::future_status::ready);
    QCOMPARE(future.get(), std::int64_t{1});
}

void TestStoreCommit::asyncReportsBeforeTheCommitAndCommitsWithinTheDelay()
{
    test::StoreFixture fixture;
    fixture.open(core::Durability::Async, 50ms);
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    test::AppliedLog applied;
    std::promise<std::int64_t> seenAtCallback;
    auto write = test::publishTo(test::makeMessage(fixture.clock(), "t", "x"), {1});
    write.onApplied = [&](std::uint64_t, bool ok) {
        seenAtCallback.set_value(ok ? fixture.countRows("queue") : -1);
    };
    store.submit(std::move(write));
    auto future = seenAtCallback.get_future();
    QCOMPARE(future.wait_for(test::kDeadline), std::future_status::ready);
    QCOMPARE(future.get(), std::int64_t{0}); // acknowledged, not yet committed

    // Without a flush, the delay alone commits it.
    QTRY_COMPARE_WITH_TIMEOUT(fixture.countRows("queue"), std::int64_t{1}, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(store.stats().queuedOperations, std::uint64_t{0}, 10000);
}

// Reads run on the store's connection after the writes queued before them, so a page sees
// them even though nothing is committed yet.
void TestStoreCommit::asyncPageSeesAnUnflushedWrite()
{
    test::StoreFixture fixture;
    fixture.open(core::Durability::Async, 1h);
    auto& store = fixture.store();
    const auto commitsBefore = store.stats().commits;
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    test::AppliedLog applied;
    store.submit(writeFor(fixture, applied, 0));
    const auto page = test::loadPage(store, 1, 0, 10);
    QVERIFY(page);
    QCOMPARE(page->size(), std::size_t{1});
    QCOMPARE(store.stats().commits, commitsBefore);
    QCOMPARE(fixture.countRows("queue"), std::int64_t{0});
    QVERIFY(store.stats().queuedOperations >= 2);
    store.flush();
    QCOMPARE(store.stats().commits, commitsBefore + 1);
    QCOMPARE(fixture.countRows("queue"), std::int64_t{1});
}

void TestStoreCommit::syncPageSeesAWriteQueuedBeforeIt()
{
    test::StoreFixture fixture;
    fixture.open(core::Durability::Sync);
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    test::AppliedLog applied;
    store.submit(writeFor(fixture, applied, 0));
    const auto page = test::loadPage(store, 1, 0, 10);
    QVERIFY(page);
    QCOMPARE(page->size(), std::size_t{1});
    // The callback of the write ran before the page was delivered.
    QCOMPARE(applied.entries().size(), std::size_t{1});
}

void TestStoreCommit::closeCommitsWhatIsPending()
{
    test::StoreFixture fixture;
    fixture.open(core::Durability::Async, 1h);
    fixture.store().saveSession(test::makeSession(fixture.clock(), 1, "c"));
    test::AppliedLog applied;
    for (int i = 0; i < 100; ++i) {
        fixture.store().submit(writeFor(fixture, applied, i));
    }
    const auto state = fixture.reopen();
    QCOMPARE(state.queues.at(1).deliveries.size(), std::size_t{100});
    QCOMPARE(applied.entries().size(), std::size_t{100});
}

// A database capped at its current size (PRAGMA max_page_count) fails like a full disk: the
// write is refused, the store turns unhealthy, and recovers once there is room.
void TestStoreCommit::fullDatabaseRefusesWritesUntilThereIsRoom()
{
    test::StoreFixture fixture;
    fixture.open(core::Durability::Sync);
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    test::AppliedLog applied;
    store.submit(writeFor(fixture, applied, 0));
    store.flush();
    QVERIFY(store.isHealthy());

    store.setMaxDatabaseBytes(1); // never below the current size: no room to grow
    store.submit(writeFor(fixture, applied, 1, 512 * 1024));
    store.submit(writeFor(fixture, applied, 2, 512 * 1024));
    store.flush();
    auto entries = applied.entries();
    QCOMPARE(entries.size(), std::size_t{3});
    QVERIFY(entries[0].ok);
    QVERIFY(!entries[1].ok);
    QVERIFY(!entries[2].ok);
    QCOMPARE(entries[1].messageId, std::uint64_t{0});
    QVERIFY(!store.isHealthy());

    store.setMaxDatabaseBytes(0);
    store.submit(writeFor(fixture, applied, 3, 512 * 1024));
    store.flush();
    entries = applied.entries();
    QCOMPARE(entries.size(), std::size_t{4});
    QVERIFY(entries[3].ok);
    QVERIFY(entries[3].messageId > entries[0].messageId);
    QVERIFY(store.isHealthy());

    const auto state = fixture.reopen();
    QCOMPARE(state.queues.at(1).deliveries.size(), std::size_t{2});
}

// The disk fills up at the moment of the commit (the log cannot be written): the whole batch is
// rolled back, every publish in it is refused, and session writes are counted as lost.
void TestStoreCommit::failedCommitRefusesTheWholeBatch()
{
    test::StoreFixture fixture;
    storage::SqliteStoreOptions options;
    options.vfs = test::FaultyVfs::name();
    fixture.open(core::Durability::Sync, 100ms, options);
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    test::AppliedLog applied;
    store.submit(writeFor(fixture, applied, 0));
    store.flush();
    const auto before = store.stats();

    test::FaultyVfs::setFailLogWrites(true);
    store.submit(writeFor(fixture, applied, 1));
    store.saveSession(test::makeSession(fixture.clock(), 2, "lost"));
    store.submit(writeFor(fixture, applied, 2));
    store.flush();
    test::FaultyVfs::setFailLogWrites(false);

    auto entries = applied.entries();
    QCOMPARE(entries.size(), std::size_t{3});
    QVERIFY(!entries[1].ok);
    QVERIFY(!entries[2].ok);
    QVERIFY(!store.isHealthy());
    const auto failed = store.stats();
    QVERIFY(failed.failedCommits > before.failedCommits);
    QCOMPARE(failed.commits, before.commits);
    QCOMPARE(store.lostOperations(), std::uint64_t{1}); // the session
    QCOMPARE(failed.queuedOperations, std::uint64_t{0});

    store.submit(writeFor(fixture, applied, 3));
    store.flush();
    entries = applied.entries();
    QVERIFY(entries.at(3).ok);
    QVERIFY(store.isHealthy());
    QCOMPARE(store.stats().commits, before.commits + 1);

    const auto state = fixture.reopen();
    QCOMPARE(state.sessions.size(), std::size_t{1});
    const auto& rows = state.queues.at(1).deliveries;
    QCOMPARE(rows.size(), std::size_t{2});
    QCOMPARE(rows[0].message->topic, std::string("t/0"));
    QCOMPARE(rows[1].message->topic, std::string("t/3"));
}

void TestStoreCommit::failedAsyncCommitCountsAcknowledgedWritesAsLost()
{
    test::StoreFixture fixture;
    storage::SqliteStoreOptions options;
    options.vfs = test::FaultyVfs::name();
    fixture.open(core::Durability::Async, 1h, options);
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    store.flush();

    test::FaultyVfs::setFailLogWrites(true);
    test::AppliedLog applied;
    for (int i = 0; i < 5; ++i) {
        store.submit(writeFor(fixture, applied, i));
    }
    QVERIFY(applied.waitFor(5));
    for (const auto& entry : applied.entries()) {
        QVERIFY(entry.ok); // async acknowledges before the commit
    }
    store.flush();
    test::FaultyVfs::setFailLogWrites(false);
    QVERIFY(!store.isHealthy());
    QCOMPARE(store.lostOperations(), std::uint64_t{5});
    QCOMPARE(store.stats().failedCommits, std::uint64_t{1});

    store.submit(writeFor(fixture, applied, 5));
    store.flush();
    QVERIFY(store.isHealthy());
    const auto state = fixture.reopen();
    QCOMPARE(state.queues.at(1).deliveries.size(), std::size_t{1});
}

void TestStoreCommit::callsAfterCloseAreRefusedNotLost()
{
    test::StoreFixture fixture;
    fixture.open();
    fixture.store().close();
    test::AppliedLog applied;
    fixture.store().submit(writeFor(fixture, applied, 0));
    QCOMPARE(applied.entries().size(), std::size_t{1});
    QVERIFY(!applied.entries()[0].ok);
    const auto page = test::loadPage(fixture.store(), 1, 0, 10);
    QVERIFY(page && page->empty());
    fixture.store().saveSession(test::makeSession(fixture.clock(), 1, "late"));
    QCOMPARE(fixture.store().lostOperations(), std::uint64_t{1});
    fixture.store().flush(); // returns at once
}

// submit() never waits: with the store thread not yet running (before recover()) the queue only
// grows, and isBackedUp() says so until the thread has caught up.
void TestStoreCommit::backlogIsReportedWithoutBlocking()
{
    test::StoreFixture fixture;
    QVERIFY(fixture.isValid());
    storage::SqliteStoreOptions options;
    options.backedUpThreshold = 10;
    options.clock = &fixture.clock();
    storage::SqliteStore store(fixture.dataDir(), core::Durability::Sync, 100ms, options);
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    test::AppliedLog applied;
    for (int i = 0; i < 10; ++i) {
        store.submit(writeFor(fixture, applied, i));
    }
    QVERIFY(store.isBackedUp());
    QCOMPARE(store.stats().queuedOperations, std::uint64_t{11});
    store.recover(fixture.clock().wallNow(), 10);
    store.flush();
    QVERIFY(!store.isBackedUp());
    QCOMPARE(applied.entries().size(), std::size_t{10});
    QCOMPARE(store.stats().queuedOperations, std::uint64_t{0});
    QCOMPARE(store.stats().writes, std::uint64_t{11});
}

void TestStoreCommit::throwingCallbackDoesNotStopTheStore()
{
    test::StoreFixture fixture;
    fixture.open();
    fixture.store().saveSession(test::makeSession(fixture.clock(), 1, "c"));
    auto write = test::publishTo(test::makeMessage(fixture.clock(), "t", "x"), {1});
    write.onApplied = [](std::uint64_t, bool) {
        throw std::runtime_error("core bug");
    };
    fixture.store().submit(std::move(write));
    test::AppliedLog applied;
    fixture.store().submit(writeFor(fixture, applied, 1));
    fixture.store().flush();
    QCOMPARE(applied.entries().size(), std::size_t{1});
    QVERIFY(applied.entries()[0].ok);
    QCOMPARE(fixture.countRows("queue"), std::int64_t{2});
}

QTEST_GUILESS_MAIN(TestStoreCommit)
#include "TestStoreCommit.moc"
