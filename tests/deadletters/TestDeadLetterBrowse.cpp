// Browsing and managing the dead-letter store of a broker fed by real clients: list with each
// filter, newest or oldest first, cursor paging across page boundaries, count by reason, get one,
// purge by filter and by ids, and the store's bounds (entries and bytes) with evictions counted.

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/deadletters/DeadLetterTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using core::DeadLetterReason;
using protocol::Version;

Q_DECLARE_METATYPE(sb::core::DeadLetterFilter)

namespace {

// Six dead letters, one second apart on a manual clock:
//   m1 alice sensors/t1 -> s1 rejected      m4 bob   alarms/a2 -> s2 too_large
//   m2 bob   sensors/t2 -> s1 rejected      m5 alice sensors/t3 -> s1 rejected
//   m3 alice alarms/a1 -> s2 too_large      m6 bob   alarms/a3 -> s2 too_large
// s1 refuses everything on sensors/#; s2 announced a Maximum Packet Size of 128 bytes and every
// alarms/ message is bigger (its payload is padded, the letter's name first).
class Population
{
public:
    explicit Population(core::ManualClock& clock)
        : m_clock(clock)
        , m_broker({}, 2, &clock)
    {}

    bool build(std::string& why)
    {
        m_start = m_clock.wallNow();
        m_s1 = acceptedClient(m_broker.port(), connectPacket("s1"), &why);
        auto small = connectPacket("s2");
        small.properties.maximumPacketSize = 128;
        m_s2 = acceptedClient(m_broker.port(), small, &why);
        m_alice = acceptedClient(m_broker.port(), connectPacket("alice"), &why);
        m_bob = acceptedClient(m_broker.port(), connectPacket("bob"), &why);
        if (!m_s1 || !m_s2 || !m_alice || !m_bob) {
            return false;
        }
        if (!m_s1->subscribe("sensors/#", 1) || !m_s2->subscribe("alarms/#", 1)) {
            why = "SUBSCRIBE failed";
            return false;
        }
        struct Item
        {
            MqttTestClient* publisher;
            const char* topic;
            const char* name;
        };
        const Item items[] = {
            {m_alice.get(), "sensors/t1", "m1"}, {m_bob.get(), "sensors/t2", "m2"},
            {m_alice.get(), "alarms/a1", "m3"},  {m_bob.get(), "alarms/a2", "m4"},
            {m_alice.get(), "sensors/t3", "m5"}, {m_bob.get(), "alarms/a3", "m6"}};
        std::uint64_t count = 0;
        for (const Item& item : items) {
            const std::string topic = item.topic;
            const bool alarm = topic.rfind("alarms/", 0) == 0;
            const std::string payload = alarm ? payloadOf(item.name) : std::string(item.name);
            if (!item.publisher->publish(topic, payload, 1)) {
                why = std::string("PUBLISH ") + item.name;
                return false;
            }
            if (!alarm && !receiveAndAnswer(*m_s1, 0x80, why)) {
                return false;
            }
            ++count;
            if (!waitForDeadLetters(m_broker.broker(), count)) {
                why = std::string("no dead letter for ") + item.name;
                return false;
            }
            m_times.push_back(m_clock.wallNow());
            m_clock.advance(1s);
        }
        return true;
    }

    // The payload an entry named `name` carries (alarms are padded beyond 128 bytes).
    static std::string payloadOf(const std::string& name)
    {
        return name.size() == 2 && (name == "m3" || name == "m4" || name == "m6")
                   ? name + std::string(200, '.')
                   : name;
    }
    // The name back from a payload.
    static std::string nameOf(const core::DeadLetter& letter)
    {
        return letter.message ? letter.message->payload.substr(0, 2) : std::string("??");
    }
    static std::vector<std::string> namesOf(const std::vector<core::DeadLetter>& letters)
    {
        std::vector<std::string> names;
        for (const auto& letter : letters) {
            names.push_back(nameOf(letter));
        }
        return names;
    }

    BrokerFixture& fixture() { return m_broker; }
    core::Broker& broker() { return m_broker.broker(); }
    // When entry i (0-based) was made.
    core::Clock::WallTimePoint timeOf(std::size_t i) const { return m_times.at(i); }
    core::Clock::WallTimePoint start() const { return m_start; }
    MqttTestClient& s1() { return *m_s1; }
    MqttTestClient& alice() { return *m_alice; }

private:
    core::ManualClock& m_clock;
    BrokerFixture m_broker;
    core::Clock::WallTimePoint m_start{};
    std::vector<core::Clock::WallTimePoint> m_times;
    std::unique_ptr<MqttTestClient> m_s1, m_s2, m_alice, m_bob;
};

QStringList qNames(const std::vector<std::string>& names)
{
    QStringList list;
    for (const auto& name : names) {
        list << QString::fromStdString(name);
    }
    return list;
}

core::DeadLetterFilter filterOf(std::vector<DeadLetterReason> reasons, std::string topic = {},
                                std::string publisher = {}, std::string target = {})
{
    core::DeadLetterFilter f;
    f.reasons = std::move(reasons);
    f.topicFilter = std::move(topic);
    f.publisher = std::move(publisher);
    f.targetClientId = std::move(target);
    return f;
}

} // namespace

class TestDeadLetterBrowse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // Each filter alone and combined; results oldest first.
    void listFilters_data()
    {
        QTest::addColumn<core::DeadLetterFilter>("filter");
        QTest::addColumn<QStringList>("expected");
        using R = DeadLetterReason;
        auto names = [](std::initializer_list<const char*> list) {
            QStringList out;
            for (const char* n : list) {
                out << QString::fromLatin1(n);
            }
            return out;
        };
        QTest::newRow("no filter")
            << core::DeadLetterFilter{} << names({"m1", "m2", "m3", "m4", "m5", "m6"});
        QTest::newRow("reason rejected") << filterOf({R::Rejected}) << names({"m1", "m2", "m5"});
        QTest::newRow("reason too_large") << filterOf({R::TooLarge}) << names({"m3", "m4", "m6"});
        QTest::newRow("two reasons")
            << filterOf({R::TooLarge, R::Rejected}) << names({"m1", "m2", "m3", "m4", "m5", "m6"});
        QTest::newRow("reason with none") << filterOf({R::Expired}) << QStringList();
        QTest::newRow("topic sensors/#") << filterOf({}, "sensors/#") << names({"m1", "m2", "m5"});
        QTest::newRow("topic +/a2") << filterOf({}, "+/a2") << names({"m4"});
        QTest::newRow("topic exact") << filterOf({}, "sensors/t3") << names({"m5"});
        QTest::newRow("topic #") << filterOf({}, "#")
                                 << names({"m1", "m2", "m3", "m4", "m5", "m6"});
        QTest::newRow("publisher alice") << filterOf({}, {}, "alice") << names({"m1", "m3", "m5"});
        QTest::newRow("publisher unknown") << filterOf({}, {}, "carol") << QStringList();
        QTest::newRow("target s2") << filterOf({}, {}, {}, "s2") << names({"m3", "m4", "m6"});
        QTest::newRow("alice to s1") << filterOf({}, {}, "alice", "s1") << names({"m1", "m5"});
        QTest::newRow("bob, alarms, too_large")
            << filterOf({R::TooLarge}, "alarms/#", "bob") << names({"m4", "m6"});
        QTest::newRow("rejected on alarms") << filterOf({R::Rejected}, "alarms/#") << QStringList();
    }
    void listFilters()
    {
        QFETCH(core::DeadLetterFilter, filter);
        QFETCH(QStringList, expected);
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(population.build(why), msg(why));
        const auto letters = deadLettersMatching(population.broker(), filter);
        QCOMPARE(qNames(Population::namesOf(letters)), expected);
    }

    // The time range [since, until): entries made at t2 and t3 of t0..t5.
    void listTimeRange()
    {
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(population.build(why), msg(why));
        core::DeadLetterFilter range;
        range.since = population.timeOf(2);
        range.until = population.timeOf(4);
        QCOMPARE(qNames(Population::namesOf(deadLettersMatching(population.broker(), range))),
                 QStringList({QStringLiteral("m3"), QStringLiteral("m4")}));
        core::DeadLetterFilter sinceOnly;
        sinceOnly.since = population.timeOf(5);
        QCOMPARE(qNames(Population::namesOf(deadLettersMatching(population.broker(), sinceOnly))),
                 QStringList({QStringLiteral("m6")}));
        core::DeadLetterFilter untilOnly;
        untilOnly.until = population.timeOf(1);
        QCOMPARE(qNames(Population::namesOf(deadLettersMatching(population.broker(), untilOnly))),
                 QStringList({QStringLiteral("m1")}));
        core::DeadLetterFilter before;
        before.until = population.start();
        QVERIFY(deadLettersMatching(population.broker(), before).empty());
    }

    // Newest first orders by id descending, oldest first ascending.
    void bothOrders()
    {
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(population.build(why), msg(why));
        auto newest = listDeadLetters(population.broker(), {}, true);
        auto oldest = listDeadLetters(population.broker(), {}, false);
        QVERIFY(newest && oldest);
        QCOMPARE(qNames(Population::namesOf(newest->items)),
                 qNames({"m6", "m5", "m4", "m3", "m2", "m1"}));
        QCOMPARE(qNames(Population::namesOf(oldest->items)),
                 qNames({"m1", "m2", "m3", "m4", "m5", "m6"}));
        QVERIFY(newest->nextCursor.empty() && oldest->nextCursor.empty());
        for (std::size_t i = 1; i < newest->items.size(); ++i) {
            QVERIFY(newest->items[i - 1].id > newest->items[i].id);
            QVERIFY(oldest->items[i - 1].id < oldest->items[i].id);
        }
    }

    // Following the opaque cursor visits every entry once, in order, across page boundaries,
    // with no empty page at the end; with a filter too.
    void cursorPaging_data()
    {
        QTest::addColumn<bool>("newestFirst");
        QTest::addColumn<int>("pageSize");
        QTest::addColumn<core::DeadLetterFilter>("filter");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<int>("pages");
        const QStringList all = qNames({"m1", "m2", "m3", "m4", "m5", "m6"});
        QStringList reversed;
        for (auto it = all.rbegin(); it != all.rend(); ++it) {
            reversed << *it;
        }
        for (const bool newest : {true, false}) {
            const QStringList order = newest ? reversed : all;
            const char* dir = newest ? "newest" : "oldest";
            for (const int size : {1, 2, 4, 5, 6, 7}) {
                QTest::addRow("%s first, pages of %d", dir, size)
                    << newest << size << core::DeadLetterFilter{} << order << (6 + size - 1) / size;
            }
        }
        QTest::newRow("newest too_large in 2s")
            << true << 2 << filterOf({DeadLetterReason::TooLarge}) << qNames({"m6", "m4", "m3"})
            << 2;
        QTest::newRow("oldest alice in 1s")
            << false << 1 << filterOf({}, {}, "alice") << qNames({"m1", "m3", "m5"}) << 3;
    }
    void cursorPaging()
    {
        QFETCH(bool, newestFirst);
        QFETCH(int, pageSize);
        QFETCH(core::DeadLetterFilter, filter);
        QFETCH(QStringList, expected);
        QFETCH(int, pages);
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(population.build(why), msg(why));
        const auto all =
            listAllPages(population.broker(), filter, newestFirst, std::size_t(pageSize));
        QVERIFY2(all, "the cursor never ended");
        QStringList seen;
        for (const auto& page : *all) {
            QVERIFY2(!page.items.empty(), "an empty page");
            QVERIFY(page.items.size() <= std::size_t(pageSize));
            seen << qNames(Population::namesOf(page.items));
        }
        QCOMPARE(seen, expected);
        QCOMPARE(int(all->size()), pages);
    }

    // A cursor keeps its place while entries are added: the next page continues where the
    // previous one stopped and does not jump to the new entries.
    void cursorStableWhileEntriesArrive()
    {
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(population.build(why), msg(why));
        auto first = listDeadLetters(population.broker(), {}, true, {}, 2);
        QVERIFY(first);
        QCOMPARE(qNames(Population::namesOf(first->items)), qNames({"m6", "m5"}));
        std::uint64_t total = 6;
        QVERIFY2(produceRejections(population.fixture(), population.s1(), population.alice(),
                                   "sensors/t9", {"m7"}, total, why),
                 msg(why));
        auto second = listDeadLetters(population.broker(), {}, true, first->nextCursor, 2);
        QVERIFY(second);
        QCOMPARE(qNames(Population::namesOf(second->items)), qNames({"m4", "m3"}));
        auto oldest = listDeadLetters(population.broker(), {}, false, {}, 5);
        QVERIFY(oldest);
        auto rest = listDeadLetters(population.broker(), {}, false, oldest->nextCursor, 5);
        QVERIFY(rest);
        QCOMPARE(qNames(Population::namesOf(rest->items)), qNames({"m6", "m7"}));
        QVERIFY(rest->nextCursor.empty());
    }

    // Count by reason: what is kept now, and the broker's counters since start.
    void statsByReason()
    {
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(population.build(why), msg(why));
        const auto stats = deadLetterStats(population.broker());
        QVERIFY(stats);
        QCOMPARE(stats->total, std::uint64_t(6));
        QCOMPARE(stats->byReason[std::size_t(DeadLetterReason::Rejected)], std::uint64_t(3));
        QCOMPARE(stats->byReason[std::size_t(DeadLetterReason::TooLarge)], std::uint64_t(3));
        QCOMPARE(stats->byReason[std::size_t(DeadLetterReason::Expired)], std::uint64_t(0));
        QCOMPARE(stats->bytes, std::uint64_t(3 * 2 + 3 * 202));
        const core::Limits defaults;
        QCOMPARE(stats->maxEntries, std::uint64_t(defaults.deadLetterMaxEntries));
        QCOMPARE(stats->maxBytes, defaults.deadLetterMaxBytes);
        QCOMPARE(stats->evicted, std::uint64_t(0));
        QCOMPARE(deadLetteredTotal(population.broker(), DeadLetterReason::Rejected),
                 std::uint64_t(3));
        QCOMPARE(deadLetteredTotal(population.broker(), DeadLetterReason::TooLarge),
                 std::uint64_t(3));
        QCOMPARE(core::deadLetterReasonName(DeadLetterReason::DeliveryLimit),
                 std::string_view("delivery_limit"));
        QCOMPARE(core::parseDeadLetterReason("too_large"),
                 std::optional<DeadLetterReason>(DeadLetterReason::TooLarge));
        QVERIFY(!core::parseDeadLetterReason("bogus"));
    }

    // get() returns the one entry with every field; an unknown id is "not found".
    void getOne()
    {
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(population.build(why), msg(why));
        const auto listed = deadLettersMatching(population.broker(), filterOf({}, "alarms/a1"));
        QCOMPARE(listed.size(), std::size_t(1));
        const auto found = getDeadLetter(population.broker(), listed.front().id);
        QVERIFY2(found, "no answer");
        QVERIFY2(*found, "not found");
        ExpectedLetter expected;
        expected.reason = DeadLetterReason::TooLarge;
        expected.topic = "alarms/a1";
        expected.payload = Population::payloadOf("m3");
        expected.qos = 1;
        expected.publisher = "alice";
        expected.target = "s2";
        expected.attempts = 0;
        expected.from = population.timeOf(2);
        expected.to = population.timeOf(2);
        QVERIFY2(letterIs(**found, expected, why), msg(why));
        QCOMPARE((*found)->id, listed.front().id);

        const auto missing = getDeadLetter(population.broker(), 1'000'000);
        QVERIFY2(missing, "no answer");
        QVERIFY(!*missing);
    }

    // Purge by filter removes what matches and reports how many.
    void purgeByFilter_data()
    {
        QTest::addColumn<core::DeadLetterFilter>("filter");
        QTest::addColumn<QStringList>("left");
        QTest::newRow("reason too_large")
            << filterOf({DeadLetterReason::TooLarge}) << qNames({"m1", "m2", "m5"});
        QTest::newRow("publisher bob") << filterOf({}, {}, "bob") << qNames({"m1", "m3", "m5"});
        QTest::newRow("topic sensors/+") << filterOf({}, "sensors/+") << qNames({"m3", "m4", "m6"});
        QTest::newRow("target s1, alice")
            << filterOf({}, {}, "alice", "s1") << qNames({"m2", "m3", "m4", "m6"});
        QTest::newRow("everything") << core::DeadLetterFilter{} << QStringList();
        QTest::newRow("nothing matches") << filterOf({DeadLetterReason::Expired})
                                         << qNames({"m1", "m2", "m3", "m4", "m5", "m6"});
    }
    void purgeByFilter()
    {
        QFETCH(core::DeadLetterFilter, filter);
        QFETCH(QStringList, left);
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(population.build(why), msg(why));
        core::DeadLetterSelection selection;
        selection.filter = filter;
        const auto purged = purgeDeadLetters(population.broker(), selection);
        QVERIFY(purged);
        QCOMPARE(*purged, std::uint64_t(6 - left.size()));
        QCOMPARE(qNames(Population::namesOf(deadLettersMatching(population.broker()))), left);
        const auto stats = deadLetterStats(population.broker());
        QVERIFY(stats);
        QCOMPARE(stats->total, std::uint64_t(left.size()));
        QCOMPARE(stats->byReason[std::size_t(DeadLetterReason::Rejected)] +
                     stats->byReason[std::size_t(DeadLetterReason::TooLarge)],
                 std::uint64_t(left.size()));
        QCOMPARE(stats->evicted, std::uint64_t(0)); // a purge is not an eviction
    }

    // Purge by ids removes those that exist (an unknown id is ignored) and reports how many.
    void purgeByIds()
    {
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(population.build(why), msg(why));
        const auto all = deadLettersMatching(population.broker());
        QCOMPARE(all.size(), std::size_t(6));
        core::DeadLetterSelection selection;
        selection.ids = {all[0].id, all[4].id, 999'999};
        // Ids win over the filter when both are given.
        selection.filter = filterOf({DeadLetterReason::TooLarge});
        const auto purged = purgeDeadLetters(population.broker(), selection);
        QVERIFY(purged);
        QCOMPARE(*purged, std::uint64_t(2));
        QCOMPARE(qNames(Population::namesOf(deadLettersMatching(population.broker()))),
                 qNames({"m2", "m3", "m4", "m6"}));
        const auto again = purgeDeadLetters(population.broker(), selection);
        QVERIFY(again);
        QCOMPARE(*again, std::uint64_t(0));
    }

    // dead_letter_max_entries: when full the oldest go, counted as evictions; lowering the bound
    // at runtime evicts at once.
    void entriesBound()
    {
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        QVERIFY2(changeLimits(population.fixture(), {{"dead_letter_max_entries", integerValue(4)}},
                              &why),
                 msg(why));
        QVERIFY2(population.build(why), msg(why));
        QCOMPARE(qNames(Population::namesOf(deadLettersMatching(population.broker()))),
                 qNames({"m3", "m4", "m5", "m6"}));
        auto stats = deadLetterStats(population.broker());
        QVERIFY(stats);
        QCOMPARE(stats->total, std::uint64_t(4));
        QCOMPARE(stats->maxEntries, std::uint64_t(4));
        QCOMPARE(stats->evicted, std::uint64_t(2));
        // The broker's counters still say how many were dead-lettered.
        QCOMPARE(deadLetteredTotal(population.broker(), DeadLetterReason::Rejected),
                 std::uint64_t(3));

        QVERIFY2(changeLimits(population.fixture(), {{"dead_letter_max_entries", integerValue(1)}},
                              &why),
                 msg(why));
        QCOMPARE(qNames(Population::namesOf(deadLettersMatching(population.broker()))),
                 qNames({"m6"}));
        stats = deadLetterStats(population.broker());
        QVERIFY(stats);
        QCOMPARE(stats->evicted, std::uint64_t(5));
        QCOMPARE(stats->byReason[std::size_t(DeadLetterReason::TooLarge)], std::uint64_t(1));
        QCOMPARE(stats->byReason[std::size_t(DeadLetterReason::Rejected)], std::uint64_t(0));
    }

    // dead_letter_max_bytes: payload bytes kept stay within the bound; the oldest go first.
    void bytesBound()
    {
        core::ManualClock clock;
        Population population(clock);
        std::string why;
        // The six entries hold 3 * 2 + 3 * 202 = 612 payload bytes: within a 1024 bound.
        QVERIFY2(population.build(why), msg(why));
        QVERIFY2(changeLimits(population.fixture(), {{"dead_letter_max_bytes", integerValue(1024)}},
                              &why),
                 msg(why));
        auto stats = deadLetterStats(population.broker());
        QVERIFY(stats);
        QCOMPARE(stats->total, std::uint64_t(6));
        QCOMPARE(stats->maxBytes, std::uint64_t(1024));

        // Four 300-byte rejections: 612 + 1200 is over 1024, so old entries go as they arrive.
        std::uint64_t total = 6;
        for (int i = 0; i < 4; ++i) {
            const std::string payload = "b" + std::to_string(i) + std::string(298, '#');
            QVERIFY(population.alice().publish("sensors/big", payload, 1));
            QVERIFY2(receiveAndAnswer(population.s1(), 0x80, why), msg(why));
            ++total;
            QVERIFY2(BrokerFixture::waitFor([&] {
                         const auto s = deadLetterStats(population.broker());
                         return s && s->total + s->evicted == total;
                     }),
                     "the rejection was not recorded");
        }
        stats = deadLetterStats(population.broker());
        QVERIFY(stats);
        QVERIFY2(stats->bytes <= 1024, msg(std::to_string(stats->bytes) + " bytes kept"));
        const auto kept = deadLettersMatching(population.broker());
        std::uint64_t bytes = 0;
        for (const auto& letter : kept) {
            bytes += letter.message->payload.size();
        }
        QCOMPARE(bytes, stats->bytes);
        QCOMPARE(stats->total, std::uint64_t(kept.size()));
        QCOMPARE(stats->evicted, std::uint64_t(10 - kept.size()));
        // The newest three 300-byte entries fit (900); the fourth newest would not.
        QCOMPARE(kept.size(), std::size_t(3));
        QCOMPARE(kept.front().message->payload.substr(0, 2), std::string("b1"));
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterBrowse)
#include "TestDeadLetterBrowse.moc"
