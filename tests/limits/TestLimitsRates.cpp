// Publish rate limits with real clients: max_publish_rate and max_publish_bytes_rate are token
// buckets of one second's worth; over them the connection ends (0x96; 3.1.1 closed) and the
// rejection is counted; a change on a live connection takes effect within a second, lowered or
// raised.

#include <thread>

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/limits/PublishProbe.h"
#include "tests/support/BrokerControl.h"
#include "tests/support/TestPrinters.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using protocol::Version;

Q_DECLARE_METATYPE(sb::protocol::Version)

namespace {

void addVersionRows()
{
    QTest::addColumn<Version>("version");
    QTest::newRow("mqtt311") << Version::V311;
    QTest::newRow("mqtt5") << Version::V5;
}

} // namespace

class TestLimitsRates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // max_publish_rate: one second's worth of PUBLISHes at once; the next ends the connection
    // (0x96; 3.1.1 closed) and is counted. Another client has its own bucket.
    void maxPublishRate_data() { addVersionRows(); }
    void maxPublishRate()
    {
        QFETCH(Version, version);
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_publish_rate", integerValue(5)}}, &why), msg(why));
        auto client = acceptedClient(broker.port(), connectPacket("rate", version), &why);
        auto other = acceptedClient(broker.port(), connectPacket("rate-other", version), &why);
        QVERIFY2(client && other, msg(why));
        for (std::uint16_t i = 1; i <= 5; ++i) {
            const auto answer = publishAndAnswer(*client, publishOf("rate/t", "x", 1, i));
            QVERIFY2(answer.accepted, msg(describe(answer)));
        }
        QVERIFY(publishAndAnswer(*other, publishOf("rate/t", "x", 0, 0)).accepted);
        const auto over = publishAndAnswer(*client, publishOf("rate/t", "x", 1, 6));
        QVERIFY2(closedWith(over, version, 0x96, why), msg(why));
        QCOMPARE(rejectionsOf(broker.broker(), "max_publish_rate"), std::uint64_t(1));
        QVERIFY(publishAndAnswer(*other, publishOf("rate/t", "x", 1, 1)).accepted);
    }

    // The bucket refills continuously and holds no more than one second's worth.
    void publishRateRefills()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_publish_rate", integerValue(10)}}, &why), msg(why));
        auto client = acceptedClient(broker.port(), connectPacket("refill"), &why);
        QVERIFY2(client, msg(why));
        std::uint16_t id = 0;
        for (int i = 0; i < 10; ++i) {
            QVERIFY(publishAndAnswer(*client, publishOf("r/t", "x", 1, ++id)).accepted);
        }
        clock.advance(300ms); // three back
        for (int i = 0; i < 3; ++i) {
            QVERIFY(publishAndAnswer(*client, publishOf("r/t", "x", 1, ++id)).accepted);
        }
        clock.advance(1h); // full: ten, not 36000
        for (int i = 0; i < 10; ++i) {
            const auto answer = publishAndAnswer(*client, publishOf("r/t", "x", 1, ++id));
            QVERIFY2(answer.accepted, msg(std::to_string(i) + ": " + describe(answer)));
        }
        QVERIFY2(closedWith(publishAndAnswer(*client, publishOf("r/t", "x", 1, ++id)), Version::V5,
                            0x96, why),
                 msg(why));
    }

    // max_publish_bytes_rate: payload bytes per second; over it 0x96, counted under its name.
    void maxPublishBytesRate_data() { addVersionRows(); }
    void maxPublishBytesRate()
    {
        QFETCH(Version, version);
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_publish_bytes_rate", integerValue(1000)}}, &why),
                 msg(why));
        auto client = acceptedClient(broker.port(), connectPacket("bytes", version), &why);
        QVERIFY2(client, msg(why));
        QVERIFY(publishAndAnswer(*client, publishOf("b/t", std::string(600, 'x'), 1, 1)).accepted);
        QVERIFY(publishAndAnswer(*client, publishOf("b/t", std::string(300, 'x'), 1, 2)).accepted);
        const auto over = publishAndAnswer(*client, publishOf("b/t", std::string(200, 'x'), 1, 3));
        QVERIFY2(closedWith(over, version, 0x96, why), msg(why));
        QCOMPARE(rejectionsOf(broker.broker(), "max_publish_bytes_rate"), std::uint64_t(1));
        QCOMPARE(rejectionsOf(broker.broker(), "max_publish_rate"), std::uint64_t(0));
    }

    // A live connection publishing 50 messages/s without a limit; max_publish_rate is lowered to
    // 5 and within one second (of the broker's clock) it is disconnected with 0x96.
    void publishRateLoweredOnLiveConnection()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        auto client = acceptedClient(broker.port(), connectPacket("live-rate"), &why);
        QVERIFY2(client, msg(why));
        std::uint16_t id = 0;
        for (int i = 0; i < 50; ++i) { // one second at 50/s
            clock.advance(20ms);
            QVERIFY(publishAndAnswer(*client, publishOf("live/t", "x", 1, ++id)).accepted);
        }
        QVERIFY2(changeLimits(broker, {{"max_publish_rate", integerValue(5)}}, &why), msg(why));
        const auto changedAt = clock.now();
        Answer answer;
        for (int i = 0; i < 50; ++i) { // at most one more second at 50/s
            answer = publishAndAnswer(*client, publishOf("live/t", "x", 1, ++id));
            if (!answer.accepted) {
                break;
            }
            clock.advance(20ms);
        }
        QVERIFY2(closedWith(answer, Version::V5, 0x96, why), msg(why));
        QVERIFY(clock.now() - changedAt < 1s);
        QCOMPARE(rejectionsOf(broker.broker(), "max_publish_rate"), std::uint64_t(1));
    }

    // The same on the real clock: a client paced at about 50 messages/s is disconnected within
    // a second of the change.
    void publishRateLoweredOnLiveConnectionRealTime()
    {
        BrokerFixture broker;
        std::string why;
        auto client = acceptedClient(broker.port(), connectPacket("live-real"), &why);
        QVERIFY2(client, msg(why));
        std::uint16_t id = 0;
        auto next = std::chrono::steady_clock::now();
        auto paced = [&] {
            // Pacing the load generator, not waiting for the broker: each answer is awaited.
            next += 20ms;
            std::this_thread::sleep_until(next);
            return publishAndAnswer(*client, publishOf("live/t", "x", 1, ++id));
        };
        for (int i = 0; i < 25; ++i) {
            QVERIFY(paced().accepted);
        }
        QVERIFY2(changeLimits(broker, {{"max_publish_rate", integerValue(5)}}, &why), msg(why));
        const auto changedAt = std::chrono::steady_clock::now();
        Answer answer;
        for (int i = 0; i < 100; ++i) { // at most two seconds at 50/s
            answer = paced();
            if (!answer.accepted) {
                break;
            }
        }
        const auto took = std::chrono::steady_clock::now() - changedAt;
        QVERIFY2(closedWith(answer, Version::V5, 0x96, why), msg(why));
        QVERIFY2(took < 1s,
                 msg(std::to_string(
                         std::chrono::duration_cast<std::chrono::milliseconds>(took).count()) +
                     " ms"));
    }

    // Raising the rate on a live connection takes effect at once too.
    void publishRateRaisedOnLiveConnection()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_publish_rate", integerValue(5)}}, &why), msg(why));
        auto client = acceptedClient(broker.port(), connectPacket("raised"), &why);
        QVERIFY2(client, msg(why));
        std::uint16_t id = 0;
        for (int i = 0; i < 5; ++i) {
            QVERIFY(publishAndAnswer(*client, publishOf("r/t", "x", 1, ++id)).accepted);
        }
        QVERIFY2(changeLimits(broker, {{"max_publish_rate", integerValue(100)}}, &why), msg(why));
        clock.advance(100ms); // ten at the new rate (half of one at the old)
        for (int i = 0; i < 10; ++i) {
            const auto answer = publishAndAnswer(*client, publishOf("r/t", "x", 1, ++id));
            QVERIFY2(answer.accepted, msg(std::to_string(i) + ": " + describe(answer)));
        }
        QVERIFY2(changeLimits(broker, {{"max_publish_rate", integerValue(0)}}, &why), msg(why));
        for (int i = 0; i < 200; ++i) {
            QVERIFY(publishAndAnswer(*client, publishOf("r/t", "x", 0, 0)).accepted);
        }
    }
};

QTEST_GUILESS_MAIN(TestLimitsRates)
#include "TestLimitsRates.moc"
