// Limits on what clients send, with real clients: max_packet_size (0x95), max_topic_levels /
// max_topic_length (0x90, SUBACK 0x8F), max_retained_messages (0x97), receive_maximum (0x93) and
// topic_alias_maximum (0x94); 3.1.1 behaviour for each; every rejection counted under the
// limit's name; the announced limits apply to new connections only, and as announced per user
// and per client id.

#include <atomic>
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

class TestLimitsPublish : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // max_packet_size is announced in CONNACK; a bigger packet ends the connection (0x95; 3.1.1
    // closed) and is counted.
    void maxPacketSize_data() { addVersionRows(); }
    void maxPacketSize()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_packet_size", integerValue(256)}}, &why), msg(why));
        std::optional<protocol::Connack> connack;
        auto client = acceptedClient(broker.port(), connectPacket("big", version), &why, &connack);
        QVERIFY2(client, msg(why));
        if (version == Version::V5) {
            QCOMPARE(connack->properties.maximumPacketSize.value_or(0), std::uint32_t(256));
        }
        QVERIFY(publishAndAnswer(*client, publishOf("p/t", std::string(200, 'x'), 1, 1)).accepted);
        const auto over = publishAndAnswer(*client, publishOf("p/t", std::string(1000, 'x'), 1, 2));
        QVERIFY2(closedWith(over, version, 0x95, why), msg(why));
        QCOMPARE(rejectionsOf(broker.broker(), "max_packet_size"), std::uint64_t(1));
    }

    // A value announced in CONNACK is not taken back from an open connection: lowering
    // max_packet_size applies to new connections only.
    void maxPacketSizeAppliesToNewConnections()
    {
        BrokerFixture broker;
        std::string why;
        auto before = acceptedClient(broker.port(), connectPacket("before"), &why);
        QVERIFY2(before, msg(why));
        QVERIFY2(changeLimits(broker, {{"max_packet_size", integerValue(256)}}, &why), msg(why));
        QVERIFY(publishAndAnswer(*before, publishOf("p/t", std::string(1000, 'x'), 1, 1)).accepted);
        std::optional<protocol::Connack> connack;
        auto after = acceptedClient(broker.port(), connectPacket("after"), &why, &connack);
        QVERIFY2(after, msg(why));
        QCOMPARE(connack->properties.maximumPacketSize.value_or(0), std::uint32_t(256));
        QVERIFY2(
            closedWith(publishAndAnswer(*after, publishOf("p/t", std::string(1000, 'x'), 1, 1)),
                       Version::V5, 0x95, why),
            msg(why));
    }

    // Per user and per client id overrides of max_packet_size: the broker enforces what it
    // announced in CONNACK, lowered or raised.
    void maxPacketSizeOverride_data()
    {
        QTest::addColumn<bool>("byUser");
        QTest::addColumn<int>("global");
        QTest::addColumn<int>("overridden");
        QTest::newRow("client override lowers") << false << 1024 * 1024 << 256;
        QTest::newRow("user override lowers") << true << 1024 * 1024 << 256;
        QTest::newRow("client override raises") << false << 256 << 4096;
        QTest::newRow("user override raises") << true << 256 << 4096;
    }
    void maxPacketSizeOverride()
    {
        QFETCH(bool, byUser);
        QFETCH(int, global);
        QFETCH(int, overridden);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_packet_size", integerValue(global)}}, &why), msg(why));
        QVERIFY2(changeOverrides(broker,
                                 byUser ? core::Broker::OverrideScope::User
                                        : core::Broker::OverrideScope::Client,
                                 byUser ? "pat" : "special",
                                 {{"max_packet_size", integerValue(overridden)}}, &why),
                 msg(why));
        std::optional<protocol::Connack> connack;
        auto client = acceptedClient(
            broker.port(), connectPacket("special", Version::V5, true, 0, 60, std::string("pat")),
            &why, &connack);
        QVERIFY2(client, msg(why));
        QCOMPARE(connack->properties.maximumPacketSize.value_or(0), std::uint32_t(overridden));
        const auto answer =
            publishAndAnswer(*client, publishOf("o/t", std::string(1000, 'x'), 1, 1));
        if (overridden < 1000) {
            QVERIFY2(
                closedWith(answer, Version::V5, 0x95, why),
                msg("announced " + std::to_string(overridden) + ", a 1000-byte packet: " + why));
        } else {
            QVERIFY2(answer.accepted, msg("announced " + std::to_string(overridden) +
                                          ", a 1000-byte packet: " + describe(answer)));
        }
    }

    // A receive_maximum override is enforced as announced: 10 unanswered QoS 2 PUBLISHes are
    // allowed where CONNACK said 10, though the global value is 2.
    void receiveMaximumOverrideEnforcedAsAnnounced()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"receive_maximum", integerValue(2)}}, &why), msg(why));
        QVERIFY2(changeOverrides(broker, core::Broker::OverrideScope::Client, "roomy",
                                 {{"receive_maximum", integerValue(10)}}, &why),
                 msg(why));
        std::optional<protocol::Connack> connack;
        auto client = acceptedClient(broker.port(), connectPacket("roomy"), &why, &connack);
        QVERIFY2(client, msg(why));
        QCOMPARE(connack->properties.receiveMaximum.value_or(0), std::uint16_t(10));
        for (std::uint16_t i = 1; i <= 4; ++i) { // QoS 2 without PUBREL: 4 pending
            const auto answer = publishAndAnswer(*client, publishOf("f/t", "x", 2, i));
            QVERIFY2(answer.accepted,
                     msg("QoS 2 #" + std::to_string(i) + " of 10 allowed: " + describe(answer)));
        }
    }

    // A topic_alias_maximum override is enforced as announced: alias 4 of the 5 CONNACK
    // allowed, though the global value is 2.
    void topicAliasMaximumOverrideEnforcedAsAnnounced()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"topic_alias_maximum", integerValue(2)}}, &why), msg(why));
        QVERIFY2(changeOverrides(broker, core::Broker::OverrideScope::Client, "roomy",
                                 {{"topic_alias_maximum", integerValue(5)}}, &why),
                 msg(why));
        std::optional<protocol::Connack> connack;
        auto client = acceptedClient(broker.port(), connectPacket("roomy"), &why, &connack);
        QVERIFY2(client, msg(why));
        QCOMPARE(connack->properties.topicAliasMaximum.value_or(0), std::uint16_t(5));
        auto aliased = publishOf("f/alias", "x", 1, 1);
        aliased.properties.topicAlias = 4;
        const auto answer = publishAndAnswer(*client, aliased);
        QVERIFY2(answer.accepted, msg("alias 4 of 5 allowed: " + describe(answer)));
    }

    // Topic names and filters over max_topic_levels / max_topic_length: a QoS 1 PUBLISH is
    // answered 0x90 (5.0; 3.1.1 closed), a QoS 0 one ends the connection (0x90), a SUBSCRIBE is
    // answered 0x8F (3.1.1 0x80); each counted under the limit's name.
    void topicLimits_data()
    {
        QTest::addColumn<QString>("limit");
        QTest::addColumn<int>("value");
        QTest::addColumn<QString>("topic");
        QTest::addColumn<Version>("version");
        QTest::addColumn<int>("qos");
        for (const auto version : {Version::V311, Version::V5}) {
            const char* v = version == Version::V5 ? "5.0" : "3.1.1";
            for (const int qos : {0, 1}) {
                QTest::addRow("levels, %s, QoS %d", v, qos)
                    << QStringLiteral("max_topic_levels") << 3 << QStringLiteral("a/b/c/d")
                    << version << qos;
                QTest::addRow("length, %s, QoS %d", v, qos)
                    << QStringLiteral("max_topic_length") << 10 << QStringLiteral("abcdefghijk")
                    << version << qos;
            }
        }
    }
    void topicLimits()
    {
        QFETCH(QString, limit);
        QFETCH(int, value);
        QFETCH(QString, topic);
        QFETCH(Version, version);
        QFETCH(int, qos);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{limit.toStdString(), integerValue(value)}}, &why),
                 msg(why));
        auto client = acceptedClient(broker.port(), connectPacket("topics", version), &why);
        QVERIFY2(client, msg(why));
        auto suback = client->subscribe(topic.toStdString(), 1);
        QVERIFY2(suback, msg(client->lastError()));
        QCOMPARE(suback->reasonCodes,
                 std::vector<std::uint8_t>{std::uint8_t(version == Version::V5 ? 0x8F : 0x80)});
        QVERIFY(publishAndAnswer(*client, publishOf("a/b/c", "fits", 1, 1)).accepted);
        const auto answer = publishAndAnswer(
            *client, publishOf(topic.toStdString(), "x", static_cast<std::uint8_t>(qos), 2));
        if (version == Version::V5 && qos == 1) {
            QCOMPARE(answer.ackReason, 0x90);
            QVERIFY(client->ping()); // refused, not disconnected
        } else {
            QVERIFY2(closedWith(answer, version, 0x90, why), msg(why));
        }
        QCOMPARE(rejectionsOf(broker.broker(), limit.toStdString()), std::uint64_t(2));
    }

    // A change of a topic limit applies at once to open connections.
    void topicLimitChangedOnLiveConnection()
    {
        BrokerFixture broker;
        std::string why;
        auto client = acceptedClient(broker.port(), connectPacket("live-topics"), &why);
        QVERIFY2(client, msg(why));
        QVERIFY(publishAndAnswer(*client, publishOf("a/b/c/d", "x", 1, 1)).accepted);
        QVERIFY2(changeLimits(broker, {{"max_topic_levels", integerValue(3)}}, &why), msg(why));
        QCOMPARE(publishAndAnswer(*client, publishOf("a/b/c/d", "x", 1, 2)).ackReason, 0x90);
        auto suback = client->subscribe("a/b/c/#", 1);
        QVERIFY(suback);
        QCOMPARE(suback->reasonCodes, std::vector<std::uint8_t>{0x8F});
    }

    // max_retained_messages: a new retained topic beyond it is refused at QoS 1 (0x97; 3.1.1
    // closed), delivered but not retained at QoS 0; replacing or clearing one is always fine.
    void maxRetainedMessages_data() { addVersionRows(); }
    void maxRetainedMessages()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_retained_messages", integerValue(2)}}, &why),
                 msg(why));
        auto watcher = acceptedClient(broker.port(), connectPacket("watcher"), &why);
        auto client = acceptedClient(broker.port(), connectPacket("keeper", version), &why);
        QVERIFY2(watcher && client, msg(why));
        QVERIFY(watcher->subscribe("ret/#", 0));
        QVERIFY(publishAndAnswer(*client, publishOf("ret/1", "one", 1, 1, true)).accepted);
        QVERIFY(publishAndAnswer(*client, publishOf("ret/2", "two", 1, 2, true)).accepted);
        QVERIFY(publishAndAnswer(*client, publishOf("ret/1", "one again", 1, 3, true)).accepted);
        QCOMPARE(broker.broker().retainedCount(), std::size_t(2));
        const auto over = publishAndAnswer(*client, publishOf("ret/3", "three", 1, 4, true));
        QCOMPARE(rejectionsOf(broker.broker(), "max_retained_messages"), std::uint64_t(1));
        QCOMPARE(broker.broker().retainedCount(), std::size_t(2));
        if (version == Version::V311) {
            QVERIFY2(over.closed && !over.accepted, msg(describe(over)));
            return;
        }
        QCOMPARE(over.ackReason, 0x97);
        // QoS 0: delivered now, not kept.
        for (const char* payload : {"one", "two", "one again"}) {
            QVERIFY(watcher->receivePublish());
            Q_UNUSED(payload);
        }
        QVERIFY(publishAndAnswer(*client, publishOf("ret/4", "four", 0, 0, true)).accepted);
        auto live = watcher->receivePublish();
        QVERIFY2(live, msg(watcher->lastError()));
        QCOMPARE(live->payload, std::string("four"));
        QCOMPARE(rejectionsOf(broker.broker(), "max_retained_messages"), std::uint64_t(2));
        auto late = acceptedClient(broker.port(), connectPacket("late"), &why);
        QVERIFY2(late, msg(why));
        QVERIFY(late->subscribe("ret/#", 0));
        const auto retained = late->receivePublishes(3, 1s);
        QCOMPARE(retained.size(), std::size_t(2));
        // Clearing one makes room.
        QVERIFY(publishAndAnswer(*client, publishOf("ret/2", "", 1, 5, true)).accepted);
        QVERIFY(publishAndAnswer(*client, publishOf("ret/3", "three", 1, 6, true)).accepted);
        QCOMPARE(broker.broker().retainedCount(), std::size_t(2));
    }

    // The bound holds when publishers on different workers race for the last free places.
    void maxRetainedMessagesUnderConcurrentPublishers()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_retained_messages", integerValue(50)}}, &why),
                 msg(why));
        std::vector<std::unique_ptr<MqttTestClient>> publishers;
        for (int p = 0; p < 4; ++p) {
            publishers.push_back(
                acceptedClient(broker.port(), connectPacket("racer-" + std::to_string(p)), &why));
            QVERIFY2(publishers.back(), msg(why));
        }
        std::vector<std::thread> threads;
        std::atomic<int> failures{0};
        for (int p = 0; p < 4; ++p) {
            threads.emplace_back([&, p] {
                auto& client = *publishers[std::size_t(p)];
                for (int i = 0; i < 100; ++i) {
                    const std::string topic = "race/" + std::to_string(p) + "/" + std::to_string(i);
                    if (!client.send(publishOf(topic, "x", 0, 0, true))) {
                        ++failures;
                    }
                }
                if (!client.ping()) {
                    ++failures;
                }
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        QCOMPARE(failures.load(), 0);
        QVERIFY2(broker.broker().retainedCount() <= 50,
                 msg(std::to_string(broker.broker().retainedCount()) +
                     " retained messages over a bound of 50"));
        QCOMPARE(rejectionsOf(broker.broker(), "max_retained_messages"),
                 std::uint64_t(400 - broker.broker().retainedCount()));
    }

    // receive_maximum: announced in CONNACK; one more unanswered QoS 2 PUBLISH ends the
    // connection (0x93; 3.1.1 closed), counted. Lowering it applies to new connections only.
    void receiveMaximum_data() { addVersionRows(); }
    void receiveMaximum()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        std::string why;
        auto before = acceptedClient(broker.port(), connectPacket("rm-before", version), &why);
        QVERIFY2(before, msg(why));
        QVERIFY2(changeLimits(broker, {{"receive_maximum", integerValue(2)}}, &why), msg(why));
        std::optional<protocol::Connack> connack;
        auto client = acceptedClient(broker.port(), connectPacket("rm", version), &why, &connack);
        QVERIFY2(client, msg(why));
        if (version == Version::V5) {
            QCOMPARE(connack->properties.receiveMaximum.value_or(0), std::uint16_t(2));
        }
        for (std::uint16_t i = 1; i <= 2; ++i) { // QoS 2, never released
            QVERIFY(publishAndAnswer(*client, publishOf("rm/t", "x", 2, i)).accepted);
            QVERIFY(publishAndAnswer(*before, publishOf("rm/t", "x", 2, i)).accepted);
        }
        QVERIFY2(publishAndAnswer(*before, publishOf("rm/t", "x", 2, 3)).accepted,
                 "the lowered value was applied to an open connection");
        const auto over = publishAndAnswer(*client, publishOf("rm/t", "x", 2, 3));
        QVERIFY2(closedWith(over, version, 0x93, why), msg(why));
        QCOMPARE(rejectionsOf(broker.broker(), "receive_maximum"), std::uint64_t(1));
    }

    // topic_alias_maximum: announced in CONNACK; an alias above it ends the connection (0x94),
    // counted.
    void topicAliasMaximum()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"topic_alias_maximum", integerValue(2)}}, &why), msg(why));
        std::optional<protocol::Connack> connack;
        auto client = acceptedClient(broker.port(), connectPacket("alias"), &why, &connack);
        QVERIFY2(client, msg(why));
        QCOMPARE(connack->properties.topicAliasMaximum.value_or(0), std::uint16_t(2));
        auto ok = publishOf("al/t", "x", 1, 1);
        ok.properties.topicAlias = 2;
        QVERIFY(publishAndAnswer(*client, ok).accepted);
        auto over = publishOf("al/t", "x", 1, 2);
        over.properties.topicAlias = 3;
        QVERIFY2(closedWith(publishAndAnswer(*client, over), Version::V5, 0x94, why), msg(why));
        QCOMPARE(rejectionsOf(broker.broker(), "topic_alias_maximum"), std::uint64_t(1));
    }
};

QTEST_GUILESS_MAIN(TestLimitsPublish)
#include "TestLimitsPublish.moc"
