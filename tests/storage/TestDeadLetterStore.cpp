#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <QtTest/QTest>

#include "broker/storage/DeadLetterTable.h"
#include "broker/storage/SqliteStore.h"
#include "tests/storage/DeadLetterTestSupport.h"
#include "tests/storage/StoreTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace std::chrono_literals;
using Reason = core::DeadLetterReason;
using Ids = std::vector<std::uint64_t>;

namespace {

// A filter with its times relative to the first letter of the data set, so a `_data` row can
// hold it before the test knows the clock. Built by chaining: FilterSpec().publisher("p").
struct FilterSpec
{
    core::DeadLetterFilter filter; // since and until come from the seconds below
    std::optional<int> sinceSeconds;
    std::optional<int> untilSeconds;

    FilterSpec& reasons(std::vector<Reason> value)
    {
        filter.reasons = std::move(value);
        return *this;
    }
    FilterSpec& topic(std::string value)
    {
        filter.topicFilter = std::move(value);
        return *this;
    }
    FilterSpec& publisher(std::string value)
    {
        filter.publisher = std::move(value);
        return *this;
    }
    FilterSpec& target(std::string value)
    {
        filter.targetClientId = std::move(value);
        return *this;
    }
    FilterSpec& since(int seconds)
    {
        sinceSeconds = seconds;
        return *this;
    }
    FilterSpec& until(int seconds)
    {
        untilSeconds = seconds;
        return *this;
    }
    FilterSpec& replayed(bool value)
    {
        filter.replayed = value;
        return *this;
    }

    core::DeadLetterFilter at(core::Clock::WallTimePoint base) const
    {
        core::DeadLetterFilter result = filter;
        if (sinceSeconds) {
            result.since = base + std::chrono::seconds(*sinceSeconds);
        }
        if (untilSeconds) {
            result.until = base + std::chrono::seconds(*untilSeconds);
        }
        return result;
    }
};

struct Sample
{
    const char* topic;
    Reason reason;
    const char* publisher;
    const char* target;
    bool replayed;
};

// Ids 1 to 10 on a fresh store, one every 10 s. Chosen so that every filter below keeps a
// different subset, with the topics that trip up a translation to SQL: an empty level, the
// parent of "sensors/#", a '$' topic, and GLOB's special characters.
constexpr Sample kDataset[] = {
    {"sensors/a/temp", Reason::Rejected, "pub-a", "sub-1", false},    // 1
    {"sensors/b/temp", Reason::Expired, "pub-b", "sub-2", true},      // 2
    {"sensors/a/humidity", Reason::MaxLen, "pub-a", "sub-1", false},  // 3
    {"sensors/temp", Reason::DeliveryLimit, "pub-b", "sub-3", false}, // 4
    {"sensors", Reason::TooLarge, "pub-a", "sub-2", false},           // 5
    {"$SYS/broker/load", Reason::Rejected, "pub-c", "sub-1", true},   // 6
    {"other/a/temp", Reason::Expired, "pub-a", "sub-3", false},       // 7
    {"sensors/a/b/temp", Reason::Rejected, "pub-b", "sub-1", false},  // 8
    {"sens*rs/[x]/temp?", Reason::MaxLen, "pub-c", "sub-2", false},   // 9
    {"sensors//temp", Reason::Expired, "pub-a", "sub-1", false},      // 10
};
constexpr std::uint64_t kPayloadBytes = 7; // "payload"

// Adds kDataset and marks its replayed entries; returns the time of the first letter.
core::Clock::WallTimePoint addDataset(test::StoreFixture& fixture, test::DeadLetterCalls& calls)
{
    auto& clock = fixture.clock();
    const auto base = test::storedPrecision(clock.wallNow());
    Ids replayed;
    std::uint64_t id = 0; // the id the store gives the letter (a fresh store starts at 1)
    for (const Sample& sample : kDataset) {
        ++id;
        auto message = test::makeMessage(clock, sample.topic, "payload");
        message->publisherClientId = sample.publisher;
        core::DeadLetter letter;
        letter.time = test::storedPrecision(clock.wallNow());
        letter.reason = sample.reason;
        letter.message = message;
        letter.targetClientId = sample.target;
        calls.add(std::move(letter));
        if (sample.replayed) {
            replayed.push_back(id);
        }
        clock.advance(10s);
    }
    calls.markReplayed(replayed, clock.wallNow(), false);
    return base;
}

Ids reversed(Ids ids)
{
    std::reverse(ids.begin(), ids.end());
    return ids;
}

} // namespace

Q_DECLARE_METATYPE(core::Durability)
Q_DECLARE_METATYPE(FilterSpec)
Q_DECLARE_METATYPE(Ids)

// The persistent dead-letter store: what it keeps survives a restart, listings filter exactly
// (topic wildcards included) in both orders with a cursor, and purge and replay marks keep the
// totals right.
class TestDeadLetterStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void letterWithEveryFieldRoundTrips_data();
    void letterWithEveryFieldRoundTrips();
    void listFilters_data();
    void listFilters();
    void cursorCrossesPageBoundaries();
    void lastFullPageHasNoCursor();
    void foreignCursorGivesAnEmptyPage();
    void topicScanIsBoundedAndResumes();
    void getFindsOneEntry();
    void statsCountByReasonAcrossRestart();
    void purgeByIds();
    void purgeByFilter_data();
    void purgeByFilter();
    void markReplayedMarksOrRemoves();
};

void TestDeadLetterStore::letterWithEveryFieldRoundTrips_data()
{
    QTest::addColumn<core::Durability>("mode");
    QTest::newRow("sync") << core::Durability::Sync;
    QTest::newRow("async") << core::Durability::Async;
}

void TestDeadLetterStore::letterWithEveryFieldRoundTrips()
{
    QFETCH(core::Durability, mode);
    test::StoreFixture fixture;
    QVERIFY(fixture.isValid());
    fixture.open(mode, 10ms);
    auto& clock = fixture.clock();

    auto message = test::makeMessage(clock, "dead/end", std::string("\0bin\xFF", 5), 2);
    message->properties = test::everyPublishProperty();
    message->retain = true;
    message->publisherSessionId = 77;
    message->expiresAt = message->receivedAt + 90s;
    core::DeadLetter full;
    full.time = test::storedPrecision(clock.wallNow() + 5s);
    full.reason = Reason::TooLarge;
    full.message = message;
    full.targetClientId = "receiver-7";
    full.attempts = 3;
    full.replayedAt = test::storedPrecision(clock.wallNow() + 7s);
    auto plain = test::makeDeadLetter(clock, "plain", Reason::DeliveryLimit, "", "");

    test::DeadLetterCalls(fixture.store().deadLetters()).add(full);
    test::DeadLetterCalls(fixture.store().deadLetters()).add(plain);
    fixture.reopen();
    test::DeadLetterCalls calls(fixture.store().deadLetters());

    const auto first = calls.get(1);
    QVERIFY(first);
    QCOMPARE(first->id, std::uint64_t{1});
    QVERIFY(first->time == full.time);
    QVERIFY(first->reason == full.reason);
    QCOMPARE(first->targetClientId, full.targetClientId);
    QCOMPARE(first->attempts, full.attempts);
    QVERIFY(first->replayedAt == full.replayedAt);
    QVERIFY(first->message);
    QCOMPARE(test::messageDifference(*full.message, *first->message), std::string());

    const auto second = calls.get(2);
    QVERIFY(second);
    QVERIFY(!second->replayedAt);
    QVERIFY(!second->message->expiresAt);
    QCOMPARE(test::messageDifference(*plain.message, *second->message), std::string());

    const auto page = calls.list({}, false);
    QCOMPARE(test::idsText(test::idsOf(page)), std::string("1,2"));
    QCOMPARE(test::messageDifference(*full.message, *page.items[0].message), std::string());
}

void TestDeadLetterStore::listFilters_data()
{
    QTest::addColumn<FilterSpec>("spec");
    QTest::addColumn<Ids>("expected"); // oldest first

    QTest::newRow("no filter") << FilterSpec() << Ids{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    QTest::newRow("one reason") << FilterSpec().reasons({Reason::Rejected}) << Ids{1, 6, 8};
    QTest::newRow("two reasons") << FilterSpec().reasons(
                                        {Reason::Expired, Reason::Rejected, Reason::Expired})
                                 << Ids{1, 2, 6, 7, 8, 10};
    QTest::newRow("publisher") << FilterSpec().publisher("pub-a") << Ids{1, 3, 5, 7, 10};
    QTest::newRow("target") << FilterSpec().target("sub-1") << Ids{1, 3, 6, 8, 10};
    QTest::newRow("since") << FilterSpec().since(20) << Ids{3, 4, 5, 6, 7, 8, 9, 10};
    QTest::newRow("until") << FilterSpec().until(20) << Ids{1, 2};
    QTest::newRow("time range") << FilterSpec().since(20).until(60) << Ids{3, 4, 5, 6};
    QTest::newRow("replayed") << FilterSpec().replayed(true) << Ids{2, 6};
    QTest::newRow("not replayed") << FilterSpec().replayed(false) << Ids{1, 3, 4, 5, 7, 8, 9, 10};
    QTest::newRow("exact topic") << FilterSpec().topic("sensors/a/temp") << Ids{1};
    QTest::newRow("single-level wildcard") << FilterSpec().topic("sensors/+/temp") << Ids{1, 2, 10};
    QTest::newRow("multi-level wildcard, parent included")
        << FilterSpec().topic("sensors/#") << Ids{1, 2, 3, 4, 5, 8, 10};
    QTest::newRow("# skips $ topics") << FilterSpec().topic("#") << Ids{1, 2, 3, 4, 5, 7, 8, 9, 10};
    QTest::newRow("leading +") << FilterSpec().topic("+/a/temp") << Ids{1, 7};
    QTest::newRow("$ topic named") << FilterSpec().topic("$SYS/#") << Ids{6};
    QTest::newRow("GLOB characters are literal") << FilterSpec().topic("sens*rs/+/temp?") << Ids{9};
    QTest::newRow("all conditions together") << FilterSpec()
                                                    .reasons({Reason::Rejected})
                                                    .topic("sensors/#")
                                                    .publisher("pub-b")
                                                    .target("sub-1")
                                                    .since(0)
                                                    .until(100)
                                                    .replayed(false)
                                             << Ids{8};
    QTest::newRow("invalid topic filter") << FilterSpec().topic("sensors/#/x") << Ids{};
    QTest::newRow("no match") << FilterSpec().publisher("nobody") << Ids{};
}

void TestDeadLetterStore::listFilters()
{
    QFETCH(FilterSpec, spec);
    QFETCH(Ids, expected);
    test::StoreFixture fixture;
    fixture.open();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    const auto filter = spec.at(addDataset(fixture, calls));

    const auto oldest = calls.list(filter, false);
    QCOMPARE(test::idsText(test::idsOf(oldest)), test::idsText(expected));
    QCOMPARE(oldest.nextCursor, std::string());
    const auto newest = calls.list(filter, true);
    QCOMPARE(test::idsText(test::idsOf(newest)), test::idsText(reversed(expected)));
    QCOMPARE(newest.nextCursor, std::string());

    // The same, two at a time: the cursor carries the filter's position in both orders.
    QCOMPARE(test::idsText(calls.listAll(filter, false, 2)), test::idsText(expected));
    QCOMPARE(test::idsText(calls.listAll(filter, true, 2)), test::idsText(reversed(expected)));

    // The core's own test of a filter agrees with the SQL one.
    for (const auto& letter : oldest.items) {
        QVERIFY(filter.matches(letter));
    }
}

void TestDeadLetterStore::cursorCrossesPageBoundaries()
{
    test::StoreFixture fixture;
    fixture.open();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    for (int i = 0; i < 25; ++i) {
        calls.add(test::makeDeadLetter(fixture.clock(), "t/" + std::to_string(i), Reason::MaxLen));
    }

    auto page = calls.list({}, false, {}, 10);
    QCOMPARE(test::idsText(test::idsOf(page)), std::string("1,2,3,4,5,6,7,8,9,10"));
    QVERIFY(!page.nextCursor.empty());
    page = calls.list({}, false, page.nextCursor, 10);
    QCOMPARE(test::idsText(test::idsOf(page)), std::string("11,12,13,14,15,16,17,18,19,20"));
    // A letter added between two pages comes at the end of an oldest-first listing.
    calls.add(test::makeDeadLetter(fixture.clock(), "late", Reason::MaxLen));
    page = calls.list({}, false, page.nextCursor, 10);
    QCOMPARE(test::idsText(test::idsOf(page)), std::string("21,22,23,24,25,26"));
    QCOMPARE(page.nextCursor, std::string());

    page = calls.list({}, true, {}, 10);
    QCOMPARE(test::idsText(test::idsOf(page)), std::string("26,25,24,23,22,21,20,19,18,17"));
    page = calls.list({}, true, page.nextCursor, 10);
    QCOMPARE(test::idsText(test::idsOf(page)), std::string("16,15,14,13,12,11,10,9,8,7"));
    page = calls.list({}, true, page.nextCursor, 10);
    QCOMPARE(test::idsText(test::idsOf(page)), std::string("6,5,4,3,2,1"));
    QCOMPARE(page.nextCursor, std::string());
}

// Without a topic filter the store looks one entry ahead: a listing that ends exactly at a page
// boundary says so, rather than handing out a cursor to an empty page.
void TestDeadLetterStore::lastFullPageHasNoCursor()
{
    test::StoreFixture fixture;
    fixture.open();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    for (int i = 0; i < 20; ++i) {
        calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Expired));
    }
    std::size_t pages = 0;
    QCOMPARE(calls.listAll({}, false, 10, &pages).size(), std::size_t{20});
    QCOMPARE(pages, std::size_t{2});
    QCOMPARE(calls.listAll({}, true, 10, &pages).size(), std::size_t{20});
    QCOMPARE(pages, std::size_t{2});
}

void TestDeadLetterStore::foreignCursorGivesAnEmptyPage()
{
    test::StoreFixture fixture;
    fixture.open();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    calls.add(test::makeDeadLetter(fixture.clock(), "t", Reason::Expired));
    for (const char* cursor : {"bogus", "i:", "i:12x", "x:1"}) {
        const auto page = calls.list({}, false, cursor, 10);
        QVERIFY2(page.items.empty(), cursor);
        QVERIFY2(page.nextCursor.empty(), cursor);
    }
}

// A topic filter that matches one entry among many that its GLOB pattern admits ("*/end" spans
// levels, "+/end" does not): each call examines a bounded number of rows and hands back a
// cursor, even with an empty page, until the table ends.
void TestDeadLetterStore::topicScanIsBoundedAndResumes()
{
    test::StoreFixture fixture;
    fixture.open();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    constexpr int kNoise = 120;
    for (int i = 0; i < kNoise; ++i) {
        calls.add(test::makeDeadLetter(fixture.clock(), "noise/" + std::to_string(i) + "/end",
                                       Reason::MaxLen));
    }
    calls.add(test::makeDeadLetter(fixture.clock(), "match/end", Reason::MaxLen));
    for (int i = 0; i < kNoise; ++i) {
        calls.add(test::makeDeadLetter(fixture.clock(), "noise/" + std::to_string(i) + "/end",
                                       Reason::MaxLen));
    }
    core::DeadLetterFilter filter;
    filter.topicFilter = "+/end";

    const auto first = calls.list(filter, false, {}, 1);
    QVERIFY(first.items.empty());
    QCOMPARE(first.nextCursor, std::string("i:50")); // 1 * kRowsExaminedPerItem rows examined

    std::size_t pages = 0;
    const std::uint64_t rows = 2 * kNoise + 1;
    const std::uint64_t perCall = storage::DeadLetterTable::kRowsExaminedPerItem;
    QCOMPARE(test::idsText(calls.listAll(filter, false, 1, &pages)), std::string("121"));
    QCOMPARE(pages, std::size_t((rows + perCall - 1) / perCall));
    QCOMPARE(test::idsText(calls.listAll(filter, true, 1, &pages)), std::string("121"));
    QCOMPARE(pages, std::size_t((rows + perCall - 1) / perCall));
    // A larger page examines more rows per call.
    QCOMPARE(test::idsText(calls.listAll(filter, false, 10, &pages)), std::string("121"));
    QCOMPARE(pages, std::size_t{1});
}

void TestDeadLetterStore::getFindsOneEntry()
{
    test::StoreFixture fixture;
    fixture.open();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    addDataset(fixture, calls);
    const auto found = calls.get(4);
    QVERIFY(found);
    QCOMPARE(found->message->topic, std::string("sensors/temp"));
    QVERIFY(found->reason == Reason::DeliveryLimit);
    QVERIFY(!calls.get(0));
    QVERIFY(!calls.get(11));
}

void TestDeadLetterStore::statsCountByReasonAcrossRestart()
{
    test::StoreFixture fixture;
    fixture.open();
    {
        test::DeadLetterCalls calls(fixture.store().deadLetters());
        addDataset(fixture, calls);
    }
    for (int restart = 0; restart < 2; ++restart) {
        const auto stats = test::DeadLetterCalls(fixture.store().deadLetters()).stats();
        QCOMPARE(stats.total, std::uint64_t{10});
        QCOMPARE(stats.bytes, 10 * kPayloadBytes);
        QCOMPARE(stats.byReason[std::size_t(Reason::Rejected)], std::uint64_t{3});
        QCOMPARE(stats.byReason[std::size_t(Reason::Expired)], std::uint64_t{3});
        QCOMPARE(stats.byReason[std::size_t(Reason::MaxLen)], std::uint64_t{2});
        QCOMPARE(stats.byReason[std::size_t(Reason::DeliveryLimit)], std::uint64_t{1});
        QCOMPARE(stats.byReason[std::size_t(Reason::TooLarge)], std::uint64_t{1});
        QCOMPARE(stats.maxEntries, std::uint64_t{core::Limits{}.deadLetterMaxEntries});
        QCOMPARE(stats.maxBytes, core::Limits{}.deadLetterMaxBytes);
        QCOMPARE(stats.evicted, std::uint64_t{0});
        fixture.reopen(); // the second round reads what recover() counted from the table
    }
}

void TestDeadLetterStore::purgeByIds()
{
    test::StoreFixture fixture;
    fixture.open();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    addDataset(fixture, calls);

    core::DeadLetterSelection selection;
    selection.ids = {1, 3, 99, 3}; // an unknown id and a repeated one are not counted
    QCOMPARE(calls.purge(selection), std::uint64_t{2});
    QCOMPARE(test::idsText(calls.listAll({}, false, 100)), std::string("2,4,5,6,7,8,9,10"));
    const auto stats = calls.stats();
    QCOMPARE(stats.total, std::uint64_t{8});
    QCOMPARE(stats.bytes, 8 * kPayloadBytes);
    QCOMPARE(stats.byReason[std::size_t(Reason::Rejected)], std::uint64_t{2});
    QCOMPARE(stats.byReason[std::size_t(Reason::MaxLen)], std::uint64_t{1});
    QCOMPARE(stats.evicted, std::uint64_t{0}); // a purge is not an eviction
}

void TestDeadLetterStore::purgeByFilter_data()
{
    QTest::addColumn<FilterSpec>("spec");
    QTest::addColumn<Ids>("purged");
    QTest::newRow("reason") << FilterSpec().reasons({Reason::Expired}) << Ids{2, 7, 10};
    QTest::newRow("topic wildcard") << FilterSpec().topic("sensors/+/temp") << Ids{1, 2, 10};
    QTest::newRow("older than") << FilterSpec().until(30) << Ids{1, 2, 3};
    QTest::newRow("replayed") << FilterSpec().replayed(true) << Ids{2, 6};
    QTest::newRow("everything") << FilterSpec() << Ids{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    QTest::newRow("invalid topic filter") << FilterSpec().topic("a/#/b") << Ids{};
}

void TestDeadLetterStore::purgeByFilter()
{
    QFETCH(FilterSpec, spec);
    QFETCH(Ids, purged);
    test::StoreFixture fixture;
    fixture.open();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    const auto base = addDataset(fixture, calls);

    core::DeadLetterSelection selection;
    selection.filter = spec.at(base);
    QCOMPARE(calls.purge(selection), std::uint64_t(purged.size()));
    Ids left;
    for (std::uint64_t id = 1; id <= 10; ++id) {
        if (std::find(purged.begin(), purged.end(), id) == purged.end()) {
            left.push_back(id);
        }
    }
    QCOMPARE(test::idsText(calls.listAll({}, false, 100)), test::idsText(left));
    const auto stats = calls.stats();
    QCOMPARE(stats.total, std::uint64_t(left.size()));
    QCOMPARE(stats.bytes, left.size() * kPayloadBytes);
    std::uint64_t byReason = 0;
    for (const auto count : stats.byReason) {
        byReason += count;
    }
    QCOMPARE(byReason, std::uint64_t(left.size()));

    fixture.reopen(); // the purge was committed, and the totals counted again agree
    QCOMPARE(test::DeadLetterCalls(fixture.store().deadLetters()).stats().total,
             std::uint64_t(left.size()));
}

void TestDeadLetterStore::markReplayedMarksOrRemoves()
{
    test::StoreFixture fixture;
    fixture.open();
    test::DeadLetterCalls calls(fixture.store().deadLetters());
    addDataset(fixture, calls);

    const auto when = test::storedPrecision(fixture.clock().wallNow() + 1h);
    calls.markReplayed({1, 4, 99}, when, false);
    const auto marked = calls.get(1);
    QVERIFY(marked && marked->replayedAt == when);
    QCOMPARE(test::idsText(calls.listAll(FilterSpec().replayed(true).at({}), false, 100)),
             std::string("1,2,4,6"));

    calls.markReplayed({1, 2, 99}, when, true);
    QVERIFY(!calls.get(1));
    QVERIFY(!calls.get(2));
    const auto stats = calls.stats();
    QCOMPARE(stats.total, std::uint64_t{8});
    QCOMPARE(stats.byReason[std::size_t(Reason::Rejected)], std::uint64_t{2});
    QCOMPARE(stats.byReason[std::size_t(Reason::Expired)], std::uint64_t{2});

    fixture.reopen();
    test::DeadLetterCalls reopened(fixture.store().deadLetters());
    QVERIFY(reopened.get(4)->replayedAt == when);
    QCOMPARE(reopened.stats().total, std::uint64_t{8});
}

QTEST_GUILESS_MAIN(TestDeadLetterStore)
#include "TestDeadLetterStore.moc"
