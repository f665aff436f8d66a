// The persistent dead-letter store: a broker over storage::SqliteStore, stopped and started again
// on the same directory, keeps its dead letters with every field, continues their ids, and keeps
// what purge, replay and the bound did to them.

#include <QTemporaryDir>
#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "broker/storage/SqliteStore.h"
#include "tests/deadletters/DeadLetterTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using core::DeadLetterReason;
using protocol::Version;

namespace {

core::Clock::WallTimePoint wallNow()
{
    return std::chrono::system_clock::now();
}

class DataDirectory
{
public:
    std::unique_ptr<BrokerFixture> start(core::Limits limits = {})
    {
        BrokerFixture::Options options;
        options.limits = limits;
        options.persistence = std::make_shared<storage::SqliteStore>(m_dir.path().toStdString(),
                                                                     core::Durability::Sync);
        return std::make_unique<BrokerFixture>(std::move(options));
    }
    bool isValid() const { return m_dir.isValid(); }

private:
    QTemporaryDir m_dir;
};

// `count` rejections on topic `topic` by subscriber "sub" of messages from "pub".
bool rejections(BrokerFixture& broker, const std::string& topic,
                const std::vector<std::string>& payloads, std::string& why)
{
    auto subscriber = acceptedClient(broker.port(), connectPacket("sub"), &why);
    auto publisher = acceptedClient(broker.port(), connectPacket("pub"), &why);
    if (!subscriber || !publisher) {
        return false;
    }
    if (!subscriber->subscribe(topic, 1)) {
        why = "SUBSCRIBE failed";
        return false;
    }
    const auto stats = deadLetterStats(broker.broker());
    std::uint64_t total = stats ? stats->total + stats->evicted : 0;
    return produceRejections(broker, *subscriber, *publisher, topic, payloads, total, why);
}

} // namespace

class TestDeadLetterPersistent : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // Every field survives a restart: reason, time, topic, payload, QoS, retain, properties,
    // publisher, target, attempts; ids continue after the last one.
    void entrySurvivesRestart()
    {
        DataDirectory directory;
        QVERIFY(directory.isValid());
        std::string why;
        core::DeadLetter before;
        const auto from = wallNow() - 1ms; // a store may keep milliseconds
        {
            auto broker = directory.start();
            auto subscriber = acceptedClient(broker->port(), connectPacket("dl-sub"), &why);
            auto publisher = acceptedClient(broker->port(), connectPacket("dl-pub"), &why);
            QVERIFY2(subscriber && publisher, msg(why));
            QVERIFY(subscriber->subscribe("orders/#", 2));
            QVERIFY(publisher->publish("orders/eu/1", std::string("\x00\xff body", 7), 2, true,
                                       richProperties()));
            QVERIFY2(receiveAndAnswer(*subscriber, 0x83, why), msg(why));
            QVERIFY(waitForDeadLetters(broker->broker(), 1));
            before = deadLettersMatching(broker->broker()).at(0);
        }
        const auto to = wallNow() + 1ms;
        auto broker = directory.start();
        const auto letters = deadLettersMatching(broker->broker());
        QCOMPARE(letters.size(), std::size_t(1));
        ExpectedLetter expected;
        expected.reason = DeadLetterReason::Rejected;
        expected.topic = "orders/eu/1";
        expected.payload = std::string("\x00\xff body", 7);
        expected.qos = 2;
        expected.retain = true;
        expected.properties = richProperties();
        expected.publisher = "dl-pub";
        expected.target = "dl-sub";
        expected.attempts = 1;
        expected.from = from;
        expected.to = to;
        QVERIFY2(letterIs(letters.front(), expected, why), msg(why));
        QCOMPARE(letters.front().id, before.id);
        QVERIFY(letters.front().time - before.time < 1ms &&
                before.time - letters.front().time < 1ms);

        QVERIFY2(rejections(*broker, "more/x", {"next"}, why), msg(why));
        const auto all = deadLettersMatching(broker->broker());
        QCOMPARE(all.size(), std::size_t(2));
        QVERIFY(all[1].id > before.id);
    }

    // Listing after a restart: filters, both orders and the cursor, as before it.
    void browseAfterRestart()
    {
        DataDirectory directory;
        std::string why;
        {
            auto broker = directory.start();
            QVERIFY2(rejections(*broker, "a/1", {"m1", "m2"}, why), msg(why));
            QVERIFY2(rejections(*broker, "b/1", {"m3", "m4", "m5"}, why), msg(why));
        }
        auto broker = directory.start();
        const auto pages = listAllPages(broker->broker(), {}, true, 2);
        QVERIFY(pages);
        QCOMPARE(pages->size(), std::size_t(3));
        std::vector<std::string> seen;
        for (const auto& page : *pages) {
            for (const auto& p : payloadsOf(page.items)) {
                seen.push_back(p);
            }
        }
        QCOMPARE(joined(seen), std::string("[m5,m4,m3,m2,m1]"));
        core::DeadLetterFilter filter;
        filter.topicFilter = "a/+";
        QCOMPARE(joined(payloadsOf(deadLettersMatching(broker->broker(), filter))),
                 std::string("[m1,m2]"));
        filter = {};
        filter.publisher = "pub";
        filter.targetClientId = "sub";
        filter.reasons = {DeadLetterReason::Rejected};
        QCOMPARE(deadLettersMatching(broker->broker(), filter).size(), std::size_t(5));
        filter.reasons = {DeadLetterReason::Expired};
        QVERIFY(deadLettersMatching(broker->broker(), filter).empty());
        const auto stats = deadLetterStats(broker->broker());
        QVERIFY(stats);
        QCOMPARE(stats->total, std::uint64_t(5));
        QCOMPARE(stats->byReason[std::size_t(DeadLetterReason::Rejected)], std::uint64_t(5));
        QCOMPARE(stats->bytes, std::uint64_t(10));
    }

    // What purge removed stays removed; what replay marked stays marked (with its time).
    void purgeAndReplaySurviveRestart()
    {
        DataDirectory directory;
        std::string why;
        std::vector<core::DeadLetter> letters;
        {
            auto broker = directory.start();
            QVERIFY2(rejections(*broker, "p/1", {"keep", "purge", "replay"}, why), msg(why));
            letters = deadLettersMatching(broker->broker());
            QCOMPARE(letters.size(), std::size_t(3));
            core::DeadLetterSelection purge;
            purge.ids = {letters[1].id};
            QCOMPARE(purgeDeadLetters(broker->broker(), purge).value_or(0), std::uint64_t(1));
            core::ReplayRequest replay;
            replay.selection.ids = {letters[2].id};
            const auto result = replayDeadLetters(broker->broker(), replay);
            QVERIFY(result);
            QCOMPARE(result->replayed, std::uint64_t(1));
        }
        auto broker = directory.start();
        const auto after = deadLettersMatching(broker->broker());
        QCOMPARE(joined(payloadsOf(after)), std::string("[keep,replay]"));
        QVERIFY(!after[0].replayedAt);
        QVERIFY(after[1].replayedAt);
        core::DeadLetterFilter replayed;
        replayed.replayed = true;
        QCOMPARE(deadLettersMatching(broker->broker(), replayed).size(), std::size_t(1));
    }

    // The entries bound holds in the store, across a restart too.
    void boundHoldsAcrossRestart()
    {
        DataDirectory directory;
        std::string why;
        {
            auto broker = directory.start();
            QVERIFY2(changeLimits(*broker, {{"dead_letter_max_entries", integerValue(3)}}, &why),
                     msg(why));
            QVERIFY2(rejections(*broker, "b/1", {"m1", "m2", "m3", "m4", "m5"}, why), msg(why));
            const auto stats = deadLetterStats(broker->broker());
            QVERIFY(stats);
            QCOMPARE(stats->total, std::uint64_t(3));
            QCOMPARE(stats->evicted, std::uint64_t(2));
        }
        auto broker = directory.start();
        QCOMPARE(joined(payloadsOf(deadLettersMatching(broker->broker()))),
                 std::string("[m3,m4,m5]"));
        const auto stats = deadLetterStats(broker->broker());
        QVERIFY(stats);
        QCOMPARE(stats->maxEntries, std::uint64_t(3));
        QVERIFY2(rejections(*broker, "b/1", {"m6"}, why), msg(why));
        QCOMPARE(joined(payloadsOf(deadLettersMatching(broker->broker()))),
                 std::string("[m4,m5,m6]"));
    }

    // A queue overflow of a persistent session is kept by the store like any other reason.
    void maxlenOfPersistentSession()
    {
        DataDirectory directory;
        std::string why;
        {
            auto broker = directory.start();
            QVERIFY2(changeLimits(*broker, {{"max_queue_messages", integerValue(1)}}, &why),
                     msg(why));
            QVERIFY2(parkSession(broker->port(), "parked", "q/#", 1, why), msg(why));
            auto publisher = acceptedClient(broker->port(), connectPacket("pub"), &why);
            QVERIFY2(publisher, msg(why));
            QVERIFY(publisher->publish("q/t", "queued", 1));
            QVERIFY(publisher->publish("q/t", "refused", 1, false, richProperties()));
            QVERIFY(waitForDeadLetters(broker->broker(), 1));
        }
        auto broker = directory.start();
        const auto letters = deadLettersMatching(broker->broker());
        QCOMPARE(letters.size(), std::size_t(1));
        QCOMPARE(letters.front().reason, DeadLetterReason::MaxLen);
        QCOMPARE(letters.front().targetClientId, std::string("parked"));
        QCOMPARE(letters.front().message->payload, std::string("refused"));
        QVERIFY(letters.front().message->properties == richProperties());
        auto parked =
            acceptedClient(broker->port(), connectPacket("parked", Version::V5, false, 300), &why);
        QVERIFY2(parked, msg(why));
        auto queued = parked->receivePublish();
        QVERIFY2(queued, msg(parked->lastError()));
        QCOMPARE(queued->payload, std::string("queued"));
        QVERIFY(parked->receivesNothing());
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterPersistent)
#include "TestDeadLetterPersistent.moc"
