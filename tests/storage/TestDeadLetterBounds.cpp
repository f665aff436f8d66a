#include <mutex>
#include <string>
#include <vector>

#include <QtTest/QTest>

#include "broker/storage/SqliteStore.h"
#include "tests/storage/DeadLetterTestSupport.h"
#include "tests/storage/FaultyVfs.h"
#include "tests/storage/StoreTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace std::chrono_literals;
using Reason = core::DeadLetterReason;

Q_DECLARE_METATYPE(core::Durability)

// The dead-letter store stays within its bounds, counts what it evicts, and keeps its in-memory
// totals equal to the table through restarts, failed commits and a closed store; its callbacks
// come in the order the calls were made.
class TestDeadLetterBounds : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void entryBoundEvictsTheOldest_data();
    void entryBoundEvictsTheOldest();
    void byteBoundEvictsTheOldest();
    void newBoundsEvictAtOnce();
    void idsAreNeverReused();
    void failedCommitPutsTheTotalsBack();
    void callbacksComeInSubmissionOrder_data();
    void callbacksComeInSubmissionOrder();
    void callsAfterCloseAreAnswered();
};

void TestDeadLetterBounds::entryBoundEvictsTheOldest_data()
{
    QTest::addColumn<core::Durability>("mode");
    QTest::newRow("sync") << core::Durability::Sync;
    QTest::newRow("async") << core::Durability::Async;
}

void TestDeadLetterBounds::entryBoundEvictsTheOldest()
{
    QFETCH(core::Durability, mode);
    test::StoreFixture fixture;
    QVERIFY(fixture.isValid());
    storage::SqliteStoreOptions options;
    options.deadLetterMaxEntries = 5;
    fixture.open(mode, 10ms, options);
    {
        test::DeadLetterCalls calls(fixture.store().deadLetters());
        for (int i = 0; i < 8; ++i) {
            calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::MaxLen));
        }
        const auto stats = calls.stats();
        QCOMPARE(stats.total, std::uint64_t{5});
        QCOMPARE(stats.byReason[std::size_t(Reason::MaxLen)], std::uint64_t{5});
        QCOMPARE(stats.maxEntries, std::uint64_t{5});
        QCOMPARE(stats.evicted, std::uint64_t{3});
        QCOMPARE(test::idsText(calls.listAll({}, false, 100)), std::string("4,5,6,7,8"));
    }

    // The totals are counted again from the table; `evicted` counts this process's evictions
    // only, so it starts again at 0.
    fixture.reopen();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    auto stats = calls.stats();
    QCOMPARE(stats.total, std::uint64_t{5});
    QCOMPARE(stats.evicted, std::uint64_t{0});
    calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Expired));
    stats = calls.stats();
    QCOMPARE(stats.total, std::uint64_t{5});
    QCOMPARE(stats.evicted, std::uint64_t{1});
    QCOMPARE(stats.byReason[std::size_t(Reason::MaxLen)], std::uint64_t{4});
    QCOMPARE(stats.byReason[std::size_t(Reason::Expired)], std::uint64_t{1});
    QCOMPARE(test::idsText(calls.listAll({}, false, 100)), std::string("5,6,7,8,9"));
}

void TestDeadLetterBounds::byteBoundEvictsTheOldest()
{
    test::StoreFixture fixture;
    storage::SqliteStoreOptions options;
    options.deadLetterMaxBytes = 250;
    fixture.open(core::Durability::Sync, 100ms, options);
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    const auto add = [&](std::size_t payloadBytes) {
        calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::TooLarge, "target",
                                       std::string(payloadBytes, 'x')));
    };

    for (int i = 0; i < 3; ++i) {
        add(100);
    }
    auto stats = calls.stats();
    QCOMPARE(stats.total, std::uint64_t{2});
    QCOMPARE(stats.bytes, std::uint64_t{200});
    QCOMPARE(stats.maxBytes, std::uint64_t{250});
    QCOMPARE(stats.evicted, std::uint64_t{1});
    QCOMPARE(test::idsText(calls.listAll({}, false, 100)), std::string("2,3"));

    // One entry over the whole bound pushes everything out, itself included.
    add(300);
    stats = calls.stats();
    QCOMPARE(stats.total, std::uint64_t{0});
    QCOMPARE(stats.bytes, std::uint64_t{0});
    QCOMPARE(stats.byReason[std::size_t(Reason::TooLarge)], std::uint64_t{0});
    QCOMPARE(stats.evicted, std::uint64_t{4});

    add(100);
    QCOMPARE(test::idsText(calls.listAll({}, false, 100)), std::string("5"));
    QCOMPARE(calls.stats().bytes, std::uint64_t{100});
}

void TestDeadLetterBounds::newBoundsEvictAtOnce()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store().deadLetters();
    test::DeadLetterCalls calls(store);
    for (int i = 0; i < 10; ++i) {
        calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Rejected));
    }

    store.setBounds(4, 1 << 20);
    auto stats = calls.stats();
    QCOMPARE(stats.maxEntries, std::uint64_t{4});
    QCOMPARE(stats.maxBytes, std::uint64_t{1 << 20});
    QCOMPARE(stats.total, std::uint64_t{4});
    QCOMPARE(stats.evicted, std::uint64_t{6});
    QCOMPARE(test::idsText(calls.listAll({}, true, 100)), std::string("10,9,8,7"));

    store.setBounds(100, 1 << 20); // raising the bound brings nothing back and evicts nothing
    stats = calls.stats();
    QCOMPARE(stats.total, std::uint64_t{4});
    QCOMPARE(stats.evicted, std::uint64_t{6});
}

void TestDeadLetterBounds::idsAreNeverReused()
{
    test::StoreFixture fixture;
    fixture.open();
    {
        test::DeadLetterCalls calls(fixture.store().deadLetters());
        for (int i = 0; i < 3; ++i) {
            calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Rejected));
        }
        QCOMPARE(calls.purge({}), std::uint64_t{3});
    }
    fixture.reopen();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Rejected));
    QCOMPARE(test::idsText(calls.listAll({}, false, 100)), std::string("4"));
}

// The disk fills up at the commit: the entries added and the purge are rolled back, and so are
// the totals; a listing answered after the failed commit shows what the table really holds.
void TestDeadLetterBounds::failedCommitPutsTheTotalsBack()
{
    test::StoreFixture fixture;
    storage::SqliteStoreOptions options;
    options.vfs = test::FaultyVfs::name();
    fixture.open(core::Durability::Sync, 100ms, options);
    auto& store = fixture.store();
    test::DeadLetterCalls calls(store.deadLetters());
    for (int i = 0; i < 3; ++i) {
        calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Expired));
    }
    QCOMPARE(calls.stats().total, std::uint64_t{3}); // committed before the disk fills

    // Submitted without waiting, so that the reads are likely to share the failing transaction
    // and be answered after its rollback.
    test::FaultyVfs::setFailLogWrites(true);
    auto& letters = store.deadLetters();
    letters.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Rejected));
    letters.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Rejected));
    core::DeadLetterSelection first;
    first.ids = {1};
    std::uint64_t purged = 99;
    core::DeadLetterPage page;
    core::DeadLetterStats stats;
    letters.purge(first, [&](std::uint64_t count) { purged = count; });
    letters.list({}, false, {}, 10, [&](core::DeadLetterPage p) { page = std::move(p); });
    letters.stats([&](core::DeadLetterStats s) { stats = s; });
    store.flush(); // returns once the callbacks above have run
    test::FaultyVfs::setFailLogWrites(false);

    QCOMPARE(purged, std::uint64_t{0});
    QCOMPARE(test::idsText(test::idsOf(page)), std::string("1,2,3"));
    QCOMPARE(stats.total, std::uint64_t{3});
    QCOMPARE(stats.byReason[std::size_t(Reason::Rejected)], std::uint64_t{0});
    QCOMPARE(stats.byReason[std::size_t(Reason::Expired)], std::uint64_t{3});
    QCOMPARE(store.lostOperations(), std::uint64_t{2}); // the two entries added

    calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Rejected));
    QCOMPARE(calls.stats().total, std::uint64_t{4});
    QVERIFY(store.isHealthy());
    fixture.reopen();
    test::DeadLetterCalls reopened(fixture.store().deadLetters());
    QCOMPARE(reopened.stats().total, std::uint64_t{4});
    QCOMPARE(test::idsText(reopened.listAll({}, false, 100)), std::string("1,2,3,4"));
}

void TestDeadLetterBounds::callbacksComeInSubmissionOrder_data()
{
    QTest::addColumn<core::Durability>("mode");
    QTest::newRow("sync") << core::Durability::Sync;
    QTest::newRow("async") << core::Durability::Async;
}

// Calls made one after another without waiting: each read sees the writes before it, and the
// callbacks run in the order of the calls.
void TestDeadLetterBounds::callbacksComeInSubmissionOrder()
{
    QFETCH(core::Durability, mode);
    test::StoreFixture fixture;
    fixture.open(mode, 10ms);
    auto& store = fixture.store().deadLetters();
    std::mutex mutex;
    std::vector<std::string> log;
    const auto note = [&](std::string line) {
        const std::lock_guard lock(mutex);
        log.push_back(std::move(line));
    };

    for (int i = 0; i < 3; ++i) {
        store.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Rejected));
    }
    core::DeadLetterSelection first;
    first.ids = {1};
    store.purge(first, [&](std::uint64_t purged) { note("purged " + std::to_string(purged)); });
    store.list({}, false, {}, 10, [&](core::DeadLetterPage page) {
        note("listed " + test::idsText(test::idsOf(page)));
    });
    store.stats([&](core::DeadLetterStats stats) { note("total " + std::to_string(stats.total)); });
    store.markReplayed({2}, fixture.clock().wallNow(), false, [&] { note("marked"); });
    const auto last = test::awaitStoreCallback<std::optional<core::DeadLetter>>(
        [&](auto done) { store.get(2, std::move(done)); });
    QVERIFY(last && *last);
    QVERIFY((*last)->replayedAt.has_value());

    const std::lock_guard lock(mutex);
    std::string joined;
    for (const auto& line : log) {
        joined += joined.empty() ? line : "; " + line;
    }
    QCOMPARE(joined, std::string("purged 1; listed 2,3; total 2; marked"));
}

// After close() every call is answered at once on the caller's thread; writes are counted lost.
void TestDeadLetterBounds::callsAfterCloseAreAnswered()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    auto& letters = store.deadLetters();
    store.close();

    letters.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Rejected));
    QCOMPARE(store.lostOperations(), std::uint64_t{1});
    letters.setBounds(1, 1); // not data: nothing to lose
    QCOMPARE(store.lostOperations(), std::uint64_t{1});

    int answered = 0;
    letters.list({}, false, {}, 10, [&](core::DeadLetterPage page) {
        QVERIFY(page.items.empty() && page.nextCursor.empty());
        ++answered;
    });
    letters.get(1, [&](std::optional<core::DeadLetter> letter) {
        QVERIFY(!letter);
        ++answered;
    });
    letters.stats([&](core::DeadLetterStats stats) {
        QCOMPARE(stats.total, std::uint64_t{0});
        ++answered;
    });
    letters.purge({}, [&](std::uint64_t purged) {
        QCOMPARE(purged, std::uint64_t{0});
        ++answered;
    });
    letters.markReplayed({1}, fixture.clock().wallNow(), false, [&] { ++answered; });
    QCOMPARE(answered, 5);
    QCOMPARE(store.lostOperations(), std::uint64_t{2}); // the replay mark
}

QTEST_GUILESS_MAIN(TestDeadLetterBounds)
#include "TestDeadLetterBounds.moc"
