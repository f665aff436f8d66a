// The in-memory dead-letter store (memory durability) on its own: the edges of its interface
// that clients over sockets cannot reach. Ordered so that a crash shows up last.

#include <QtTest/QTest>

#include "broker/core/MemoryDeadLetterStore.h"
#include "tests/support/BrokerControl.h"

using namespace sb;
using namespace sb::test;
using core::DeadLetterReason;

namespace {

core::DeadLetter letterOf(const std::string& payload, DeadLetterReason reason)
{
    auto message = std::make_shared<core::Message>();
    message->topic = "t/" + payload;
    message->payload = payload;
    message->qos = 1;
    message->publisherClientId = "pub";
    core::DeadLetter letter;
    letter.reason = reason;
    letter.message = std::move(message);
    letter.targetClientId = "sub";
    letter.time = std::chrono::system_clock::now();
    return letter;
}

core::DeadLetterPage listOf(core::DeadLetterStore& store, bool newestFirst,
                            const std::string& cursor, std::size_t limit)
{
    core::DeadLetterPage result;
    store.list({}, newestFirst, cursor, limit, [&](core::DeadLetterPage page) {
        result = std::move(page); // the memory store answers before list() returns
    });
    return result;
}

core::DeadLetterStats statsOf(core::DeadLetterStore& store)
{
    core::DeadLetterStats result;
    store.stats([&](core::DeadLetterStats stats) { result = stats; });
    return result;
}

} // namespace

class TestDeadLetterStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Removing entries (purge, replay with remove) gives their bytes back to the bound; only
    // bound-driven removals count as evictions.
    void accountingFollowsRemovals()
    {
        core::MemoryDeadLetterStore store(10, 1024);
        store.add(letterOf(std::string(100, 'a'), DeadLetterReason::Rejected));
        store.add(letterOf(std::string(200, 'b'), DeadLetterReason::Expired));
        store.add(letterOf(std::string(300, 'c'), DeadLetterReason::Expired));
        auto stats = statsOf(store);
        QCOMPARE(stats.total, std::uint64_t(3));
        QCOMPARE(stats.bytes, std::uint64_t(600));
        store.markReplayed({2}, std::chrono::system_clock::now(), true, [] {});
        core::DeadLetterSelection ids;
        ids.ids = {1};
        store.purge(ids, [](std::uint64_t) {});
        stats = statsOf(store);
        QCOMPARE(stats.total, std::uint64_t(1));
        QCOMPARE(stats.bytes, std::uint64_t(300));
        QCOMPARE(stats.byReason[std::size_t(DeadLetterReason::Expired)], std::uint64_t(1));
        QCOMPARE(stats.byReason[std::size_t(DeadLetterReason::Rejected)], std::uint64_t(0));
        QCOMPARE(stats.evicted, std::uint64_t(0));
        // A letter bigger than the whole bound cannot be kept: the bound still holds.
        store.add(letterOf(std::string(2000, 'd'), DeadLetterReason::TooLarge));
        stats = statsOf(store);
        QVERIFY(stats.bytes <= 1024);
        QVERIFY(stats.evicted >= 1);
    }

    // A cursor naming an entry that was purged meanwhile still continues after its place.
    void cursorSurvivesPurgeOfItsEntry()
    {
        core::MemoryDeadLetterStore store(100, 1 << 20);
        for (const char* p : {"1", "2", "3", "4", "5"}) {
            store.add(letterOf(p, DeadLetterReason::Rejected));
        }
        const auto first = listOf(store, true, {}, 2); // 5, 4
        QCOMPARE(first.items.size(), std::size_t(2));
        core::DeadLetterSelection selection;
        selection.ids = {4, 3};
        store.purge(selection, [](std::uint64_t) {});
        const auto second = listOf(store, true, first.nextCursor, 2);
        QCOMPARE(second.items.size(), std::size_t(2));
        QCOMPARE(second.items[0].message->payload, std::string("2"));
        QCOMPARE(second.items[1].message->payload, std::string("1"));
        QVERIFY(second.nextCursor.empty());
    }

    // A page size of 0 (an API caller's choice) must not crash the broker: at most one entry
    // comes back (an empty page, or 0 read as "the smallest page").
    void zeroPageSize()
    {
        core::MemoryDeadLetterStore store(100, 1 << 20);
        store.add(letterOf("first", DeadLetterReason::Rejected));
        store.add(letterOf("second", DeadLetterReason::Rejected));
        for (const bool newestFirst : {true, false}) {
            const auto page = listOf(store, newestFirst, {}, 0);
            QVERIFY(page.items.size() <= 1);
            QCOMPARE(page.nextCursor.empty(), page.items.empty());
        }
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterStore)
#include "TestDeadLetterStore.moc"
