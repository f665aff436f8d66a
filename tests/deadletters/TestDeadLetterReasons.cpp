// Every dead-letter reason produced with real MQTT clients over sockets, each entry found in the
// store with every field it must keep: id, time, reason, topic, payload, QoS, retain flag, every
// MQTT 5 property (user properties included), publisher, target session and attempts. Also what
// is counted and not kept: the `drop` overflow policies and QoS 0 to a backed-up connection.

#include <QtTest/QTest>

#include "broker/core/Broker.h"
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

core::DeadLetterFilter byReason(DeadLetterReason reason)
{
    core::DeadLetterFilter filter;
    filter.reasons = {reason};
    return filter;
}

// Fields every test here fills the same way.
ExpectedLetter expectation(DeadLetterReason reason, const std::string& topic,
                           const std::string& payload, std::uint8_t qos,
                           const protocol::Properties& properties, const std::string& target,
                           std::uint32_t attempts)
{
    ExpectedLetter e;
    e.reason = reason;
    e.topic = topic;
    e.payload = payload;
    e.qos = qos;
    e.properties = properties;
    e.publisher = "dl-pub";
    e.target = target;
    e.attempts = attempts;
    return e;
}

} // namespace

class TestDeadLetterReasons : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // `rejected`: the receiver answers PUBACK (QoS 1) or PUBREC (QoS 2) with a reason code
    // >= 0x80. The entry keeps the original QoS and retain flag, every property, one attempt.
    void rejectedByReceiver_data()
    {
        QTest::addColumn<int>("qos");
        QTest::addColumn<int>("reasonCode");
        QTest::addColumn<bool>("retain");
        QTest::newRow("PUBACK 0x80") << 1 << 0x80 << false;
        QTest::newRow("PUBACK 0x87 retained") << 1 << 0x87 << true;
        QTest::newRow("PUBACK 0x99") << 1 << 0x99 << false;
        QTest::newRow("PUBREC 0x83") << 2 << 0x83 << false;
        QTest::newRow("PUBREC 0x97 retained") << 2 << 0x97 << true;
    }
    void rejectedByReceiver()
    {
        QFETCH(int, qos);
        QFETCH(int, reasonCode);
        QFETCH(bool, retain);
        BrokerFixture broker;
        std::string why;
        auto subscriber = acceptedClient(broker.port(), connectPacket("dl-sub"), &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(subscriber && publisher, msg(why));
        QVERIFY(subscriber->subscribe("orders/eu/1", 2));

        const auto from = wallNow();
        const auto properties = richProperties();
        QVERIFY(publisher->publish("orders/eu/1", "refused body", static_cast<std::uint8_t>(qos),
                                   retain, properties));
        QVERIFY2(receiveAndAnswer(*subscriber, static_cast<std::uint8_t>(reasonCode), why),
                 msg(why));
        QVERIFY(waitForDeadLetters(broker.broker(), 1));
        const auto to = wallNow();

        const auto letters = deadLettersMatching(broker.broker());
        QCOMPARE(letters.size(), std::size_t(1));
        auto expected = expectation(DeadLetterReason::Rejected, "orders/eu/1", "refused body",
                                    static_cast<std::uint8_t>(qos), properties, "dl-sub", 1);
        expected.retain = retain;
        expected.from = from;
        expected.to = to;
        QVERIFY2(letterIs(letters.front(), expected, why), msg(why));
        QCOMPARE(deadLetteredTotal(broker.broker(), DeadLetterReason::Rejected), std::uint64_t(1));

        // The refused message left the window: the next one is delivered normally.
        QVERIFY(publisher->publish("orders/eu/1", "next", 1));
        auto next = subscriber->receivePublish();
        QVERIFY2(next, msg(subscriber->lastError()));
        QCOMPARE(next->payload, std::string("next"));
    }

    // `expired`: the Message Expiry Interval passes while the message waits in a queue: the
    // queue of an offline session (found on reconnect), or the queue behind a full in-flight
    // window (found when the window opens). It is not delivered; attempts 0.
    void expiredWhileQueued_data()
    {
        QTest::addColumn<bool>("online");
        QTest::newRow("queued for an offline session") << false;
        QTest::newRow("queued behind a full window") << true;
    }
    void expiredWhileQueued()
    {
        QFETCH(bool, online);
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_inflight", integerValue(1)}}, &why), msg(why));
        const auto resume = connectPacket("dl-sub", Version::V5, false, 300);
        auto subscriber = acceptedClient(broker.port(), resume, &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(subscriber && publisher, msg(why));
        QVERIFY(subscriber->subscribe("telemetry/+", 1));
        std::optional<protocol::Publish> blocker;
        if (online) {
            QVERIFY(publisher->publish("telemetry/t0", "blocker", 1));
            blocker = subscriber->expect<protocol::Publish>(); // not acknowledged yet
            QVERIFY2(blocker, msg(subscriber->lastError()));
        } else {
            QVERIFY(subscriber->disconnect());
        }

        const auto from = clock.wallNow();
        const auto properties = richProperties(2);
        QVERIFY(publisher->publish("telemetry/t1", "stale soon", 1, false, properties));
        clock.advance(3s);
        QVERIFY(publisher->publish("telemetry/t2", "fresh", 1));
        if (online) {
            protocol::Puback puback;
            puback.packetId = blocker->packetId;
            QVERIFY(subscriber->send(puback));
        } else {
            subscriber = acceptedClient(broker.port(), resume, &why);
            QVERIFY2(subscriber, msg(why));
        }
        auto delivered = subscriber->receivePublish();
        QVERIFY2(delivered, msg(subscriber->lastError()));
        QCOMPARE(delivered->payload, std::string("fresh"));
        QVERIFY2(subscriber->receivesNothing(), "the expired message was delivered");

        QVERIFY(waitForDeadLetters(broker.broker(), 1));
        const auto letters = deadLettersMatching(broker.broker());
        QCOMPARE(letters.size(), std::size_t(1));
        auto expected = expectation(DeadLetterReason::Expired, "telemetry/t1", "stale soon", 1,
                                    properties, "dl-sub", 0);
        expected.from = from;
        expected.to = clock.wallNow();
        QVERIFY2(letterIs(letters.front(), expected, why), msg(why));
        QCOMPARE(deadLetteredTotal(broker.broker(), DeadLetterReason::Expired), std::uint64_t(1));
    }

    // Not `expired`: once onward delivery has started the message is completed even if its
    // interval passes (3.3.2.3.3), so an unacknowledged one is resent (DUP) on reconnect.
    void inflightPastExpiryIsCompleted()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        const auto resume = connectPacket("dl-sub", Version::V5, false, 300);
        auto subscriber = acceptedClient(broker.port(), resume, &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(subscriber && publisher, msg(why));
        QVERIFY(subscriber->subscribe("telemetry/+", 1));
        QVERIFY(publisher->publish("telemetry/t1", "started", 1, false, richProperties(2)));
        auto first = subscriber->expect<protocol::Publish>(); // and no PUBACK
        QVERIFY2(first, msg(subscriber->lastError()));
        QVERIFY(subscriber->disconnect());
        clock.advance(3s);
        subscriber = acceptedClient(broker.port(), resume, &why);
        QVERIFY2(subscriber, msg(why));
        auto again = subscriber->receivePublish();
        QVERIFY2(again, msg(subscriber->lastError()));
        QCOMPARE(again->payload, std::string("started"));
        QVERIFY(again->dup);
        const auto stats = deadLetterStats(broker.broker());
        QVERIFY(stats);
        QCOMPARE(stats->total, std::uint64_t(0));
    }

    // `maxlen`: the queue of an offline session holds 2 messages and 4 arrive. The overflow
    // policy decides which two are refused and whether they are kept (dead-letter-*) or only
    // counted (drop-*); the other two are delivered on reconnect, in order.
    void queueFullPolicies_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QStringList>("deadLettered");
        QTest::addColumn<QStringList>("delivered");
        const QStringList oldest{QStringLiteral("m1"), QStringLiteral("m2")};
        const QStringList newest{QStringLiteral("m3"), QStringLiteral("m4")};
        QTest::newRow("dead-letter-newest")
            << QStringLiteral("dead-letter-newest") << newest << oldest;
        QTest::newRow("dead-letter-oldest")
            << QStringLiteral("dead-letter-oldest") << oldest << newest;
        QTest::newRow("drop-newest") << QStringLiteral("drop-newest") << QStringList() << oldest;
        QTest::newRow("drop-oldest") << QStringLiteral("drop-oldest") << QStringList() << newest;
    }
    void queueFullPolicies()
    {
        QFETCH(QString, policy);
        QFETCH(QStringList, deadLettered);
        QFETCH(QStringList, delivered);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker,
                              {{"max_queue_messages", integerValue(2)},
                               {"queue_overflow_policy", textValue(policy.toStdString())}},
                              &why),
                 msg(why));
        QVERIFY2(parkSession(broker.port(), "dl-sub", "queue/#", 1, why), msg(why));
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(publisher, msg(why));

        const auto from = wallNow();
        const auto properties = richProperties();
        for (const char* payload : {"m1", "m2", "m3", "m4"}) {
            QVERIFY(publisher->publish("queue/q", payload, 1, false, properties));
        }
        // Two refusals, counted whatever the policy.
        QVERIFY2(BrokerFixture::waitFor([&] {
                     return droppedTotal(broker.broker(), core::DropReason::QueueFull) == 2;
                 }),
                 "the two overflowing messages were not counted");
        QVERIFY(waitForDeadLetters(broker.broker(), std::uint64_t(deadLettered.size())));
        const auto to = wallNow();

        const auto letters = deadLettersMatching(broker.broker());
        QCOMPARE(letters.size(), std::size_t(deadLettered.size()));
        for (int i = 0; i < deadLettered.size(); ++i) {
            auto expected = expectation(DeadLetterReason::MaxLen, "queue/q",
                                        deadLettered[i].toStdString(), 1, properties, "dl-sub", 0);
            expected.from = from;
            expected.to = to;
            QVERIFY2(letterIs(letters[std::size_t(i)], expected, why), msg(why));
        }
        QCOMPARE(deadLetteredTotal(broker.broker(), DeadLetterReason::MaxLen),
                 std::uint64_t(deadLettered.size()));

        auto subscriber =
            acceptedClient(broker.port(), connectPacket("dl-sub", Version::V5, false, 300), &why);
        QVERIFY2(subscriber, msg(why));
        for (const QString& payload : delivered) {
            auto publish = subscriber->receivePublish();
            QVERIFY2(publish, msg(subscriber->lastError()));
            QCOMPARE(publish->payload, payload.toStdString());
        }
        QVERIFY(subscriber->receivesNothing());
    }

    // `maxlen` for max_queue_bytes: 1024 payload bytes hold two 400-byte messages; the third is
    // refused and kept.
    void queueBytesFull()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_queue_bytes", integerValue(1024)}}, &why), msg(why));
        QVERIFY2(parkSession(broker.port(), "dl-sub", "bytes/#", 1, why), msg(why));
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(publisher, msg(why));
        const auto from = wallNow();
        for (char c : {'a', 'b', 'c'}) {
            QVERIFY(publisher->publish("bytes/b", std::string(400, c), 1, false, richProperties()));
        }
        QVERIFY(waitForDeadLetters(broker.broker(), 1));
        const auto letters = deadLettersMatching(broker.broker());
        QCOMPARE(letters.size(), std::size_t(1));
        auto expected = expectation(DeadLetterReason::MaxLen, "bytes/b", std::string(400, 'c'), 1,
                                    richProperties(), "dl-sub", 0);
        expected.from = from;
        expected.to = wallNow();
        QVERIFY2(letterIs(letters.front(), expected, why), msg(why));
    }

    // dead-letter-oldest under max_queue_bytes makes room until the new message fits: a
    // 1000-byte message arriving at a queue of three 300-byte ones (bound 1024) evicts all three.
    // The queue never holds more than its bound.
    void oldestPolicyEvictsUntilTheNewMessageFits()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker,
                              {{"max_queue_bytes", integerValue(1024)},
                               {"queue_overflow_policy", textValue("dead-letter-oldest")}},
                              &why),
                 msg(why));
        QVERIFY2(parkSession(broker.port(), "dl-sub", "bytes/#", 1, why), msg(why));
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(publisher, msg(why));
        for (char c : {'a', 'b', 'c'}) {
            QVERIFY(publisher->publish("bytes/b", std::string(300, c), 1));
        }
        QVERIFY(publisher->publish("bytes/b", std::string(1000, 'z'), 1));
        QVERIFY(waitForDeadLetters(broker.broker(), 1));

        std::uint64_t queuedBytes = 0;
        broker.server().runOnEveryWorker([&](core::Shard& shard) {
            shard.forEachSession([&](const core::Session& session) {
                if (session.clientId == "dl-sub") {
                    queuedBytes += session.queuedBytes();
                }
            });
        });
        const auto letters = deadLettersMatching(broker.broker());
        QVERIFY2(queuedBytes <= 1024, msg("the queue holds " + std::to_string(queuedBytes) +
                                          " bytes over its bound of 1024; dead-lettered: " +
                                          std::to_string(letters.size()) + " of the 3 needed"));
        QCOMPARE(letters.size(), std::size_t(3));
    }

    // `delivery_limit`: with max_delivery_attempts 2, a message sent twice (once, then again
    // with DUP after a reconnect) and never acknowledged is kept on the next reconnect instead
    // of being sent a third time.
    void deliveryLimitAcrossReconnects()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_delivery_attempts", integerValue(2)}}, &why),
                 msg(why));
        const auto resume = connectPacket("dl-sub", Version::V5, false, 300);
        auto subscriber = acceptedClient(broker.port(), resume, &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(subscriber && publisher, msg(why));
        QVERIFY(subscriber->subscribe("poison/#", 1));

        const auto from = wallNow();
        QVERIFY(publisher->publish("poison/p", "crashes the consumer", 1, false, richProperties()));
        auto first = subscriber->expect<protocol::Publish>();
        QVERIFY2(first, msg(subscriber->lastError()));
        QVERIFY(!first->dup);
        QVERIFY(subscriber->disconnect());

        subscriber = acceptedClient(broker.port(), resume, &why);
        QVERIFY2(subscriber, msg(why));
        auto second = subscriber->expect<protocol::Publish>();
        QVERIFY2(second, msg(subscriber->lastError()));
        QVERIFY(second->dup);
        QCOMPARE(second->payload, std::string("crashes the consumer"));
        QVERIFY(subscriber->disconnect());

        subscriber = acceptedClient(broker.port(), resume, &why);
        QVERIFY2(subscriber, msg(why));
        QVERIFY2(subscriber->receivesNothing(), "sent a third time");
        QVERIFY(waitForDeadLetters(broker.broker(), 1));
        const auto letters = deadLettersMatching(broker.broker());
        QCOMPARE(letters.size(), std::size_t(1));
        auto expected = expectation(DeadLetterReason::DeliveryLimit, "poison/p",
                                    "crashes the consumer", 1, richProperties(), "dl-sub", 2);
        expected.from = from;
        expected.to = wallNow();
        QVERIFY2(letterIs(letters.front(), expected, why), msg(why));
        QCOMPARE(deadLetteredTotal(broker.broker(), DeadLetterReason::DeliveryLimit),
                 std::uint64_t(1));
        // The session is not stuck: the next message flows.
        QVERIFY(publisher->publish("poison/p", "fine", 1));
        auto fine = subscriber->receivePublish();
        QVERIFY2(fine, msg(subscriber->lastError()));
        QCOMPARE(fine->payload, std::string("fine"));
    }

    // `too_large`: bigger than the Maximum Packet Size the receiver announced in CONNECT. The
    // spec says discard it (3.1.2.11.4); the broker keeps it, at QoS 0 as at QoS 1.
    void tooLargeForReceiver_data()
    {
        QTest::addColumn<int>("qos");
        QTest::newRow("QoS 1") << 1;
        QTest::newRow("QoS 0") << 0;
    }
    void tooLargeForReceiver()
    {
        QFETCH(int, qos);
        BrokerFixture broker;
        std::string why;
        auto small = connectPacket("dl-sub");
        small.properties.maximumPacketSize = 256;
        auto subscriber = acceptedClient(broker.port(), small, &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(subscriber && publisher, msg(why));
        QVERIFY(subscriber->subscribe("big/#", 1));

        const auto from = wallNow();
        const std::string payload(1000, 'L');
        QVERIFY(publisher->publish("big/one", payload, static_cast<std::uint8_t>(qos), false,
                                   richProperties()));
        // Same publisher, same subscriber: once this arrives the big one was dealt with.
        QVERIFY(publisher->publish("big/after", "small", static_cast<std::uint8_t>(qos)));
        auto after = subscriber->receivePublish();
        QVERIFY2(after, msg(subscriber->lastError()));
        QCOMPARE(after->payload, std::string("small"));

        QCOMPARE(droppedTotal(broker.broker(), core::DropReason::TooLarge), std::uint64_t(1));
        QVERIFY2(waitForDeadLetters(broker.broker(), 1, 1s), "no too_large dead letter");
        const auto letters = deadLettersMatching(broker.broker());
        QCOMPARE(letters.size(), std::size_t(1));
        auto expected = expectation(DeadLetterReason::TooLarge, "big/one", payload,
                                    static_cast<std::uint8_t>(qos), richProperties(), "dl-sub", 0);
        expected.from = from;
        expected.to = wallNow();
        QVERIFY2(letterIs(letters.front(), expected, why), msg(why));
    }

    // QoS 0 messages dropped because the receiver's output is backed up are counted by reason
    // but not kept, unless dead_letter_qos0 asks for it (then they are `maxlen` entries).
    void qos0DroppedForFullOutput_data()
    {
        QTest::addColumn<bool>("keepQos0");
        QTest::newRow("counted only") << false;
        QTest::newRow("dead_letter_qos0") << true;
    }
    void qos0DroppedForFullOutput()
    {
        QFETCH(bool, keepQos0);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker,
                              {{"max_pending_output_bytes", integerValue(4096)},
                               {"dead_letter_qos0", booleanValue(keepQos0)}},
                              &why),
                 msg(why));
        auto subscriber = std::make_unique<MqttTestClient>(broker.port());
        subscriber->setReceiveBufferSize(16 * 1024); // and it never reads
        QVERIFY(subscriber->connect(connectPacket("dl-slow")));
        QVERIFY(subscriber->subscribe("flood/#", 0));
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(publisher, msg(why));

        const std::string filler(16 * 1024, 'f');
        bool dropped = false;
        for (int batch = 0; batch < 60 && !dropped; ++batch) {
            for (int i = 0; i < 10; ++i) {
                QVERIFY(publisher->publish("flood/f", filler, 0));
            }
            QVERIFY(publisher->ping()); // the broker has read the batch
            dropped = BrokerFixture::waitFor(
                [&] { return droppedTotal(broker.broker(), core::DropReason::SlowConsumer) > 0; },
                50ms);
        }
        QVERIFY2(dropped, "the subscriber's output never backed up");
        const std::uint64_t drops = droppedTotal(broker.broker(), core::DropReason::SlowConsumer);
        if (!keepQos0) {
            const auto stats = deadLetterStats(broker.broker());
            QVERIFY(stats);
            QCOMPARE(stats->total, std::uint64_t(0));
            QCOMPARE(deadLetteredTotal(broker.broker(), DeadLetterReason::MaxLen),
                     std::uint64_t(0));
            return;
        }
        QVERIFY(waitForDeadLetters(broker.broker(), drops));
        const auto letters = deadLettersMatching(broker.broker());
        QVERIFY(letters.size() >= drops);
        for (const auto& letter : letters) {
            QCOMPARE(letter.reason, DeadLetterReason::MaxLen);
            QCOMPARE(letter.targetClientId, std::string("dl-slow"));
            QVERIFY(letter.message);
            QCOMPARE(letter.message->qos, std::uint8_t(0));
            QCOMPARE(letter.message->topic, std::string("flood/f"));
            QCOMPARE(letter.message->publisherClientId, std::string("dl-pub"));
        }
    }

    // Ids are unique and increase; stats count the entries kept, by reason.
    void idsUniqueAndStatsByReason()
    {
        BrokerFixture broker;
        std::string why;
        auto subscriber = acceptedClient(broker.port(), connectPacket("dl-sub"), &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(subscriber && publisher, msg(why));
        QVERIFY(subscriber->subscribe("ids/#", 1));
        std::uint64_t total = 0;
        QVERIFY2(produceRejections(broker, *subscriber, *publisher, "ids/x", {"a", "b", "c"}, total,
                                   why),
                 msg(why));
        const auto letters = deadLettersMatching(broker.broker());
        QCOMPARE(letters.size(), std::size_t(3));
        QVERIFY(letters[0].id < letters[1].id && letters[1].id < letters[2].id);
        const auto stats = deadLetterStats(broker.broker());
        QVERIFY(stats);
        QCOMPARE(stats->total, std::uint64_t(3));
        QCOMPARE(stats->byReason[std::size_t(DeadLetterReason::Rejected)], std::uint64_t(3));
        QCOMPARE(stats->byReason[std::size_t(DeadLetterReason::TooLarge)], std::uint64_t(0));
        QCOMPARE(stats->bytes, std::uint64_t(3));
        QCOMPARE(deadLettersMatching(broker.broker(), byReason(DeadLetterReason::Rejected)).size(),
                 std::size_t(3));
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterReasons)
#include "TestDeadLetterReasons.moc"
