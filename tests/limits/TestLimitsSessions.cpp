// Limits of sessions with real clients: max_subscriptions_per_client (SUBACK 0x97; 3.1.1 0x80,
// counted), max_inflight (the outbound window), and the queue bounds; each also changed while the
// client is connected, where it applies at once.

#include <QtTest/QTest>

#include "broker/core/Broker.h"
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

std::uint8_t quotaCode(Version version)
{
    return version == Version::V5 ? 0x97 : 0x80;
}

// The reason codes of a SUBSCRIBE of `filters` at QoS 1.
std::vector<std::uint8_t> subscribeCodes(MqttTestClient& client,
                                         const std::vector<std::string>& filters)
{
    protocol::Subscribe s;
    s.packetId = client.nextPacketId();
    for (const auto& filter : filters) {
        protocol::TopicSubscription entry;
        entry.filter = filter;
        entry.options.qos = 1;
        s.subscriptions.push_back(entry);
    }
    auto suback = client.subscribe(s);
    return suback ? suback->reasonCodes : std::vector<std::uint8_t>{};
}

std::size_t inflightOf(BrokerFixture& fixture, const std::string& clientId)
{
    std::size_t count = 0;
    fixture.server().runOnEveryWorker([&](core::Shard& shard) {
        shard.forEachSession([&](const core::Session& session) {
            if (session.clientId == clientId && !session.hasEnded()) {
                count += session.inflightCount();
            }
        });
    });
    return count;
}

std::size_t queuedOf(BrokerFixture& fixture, const std::string& clientId)
{
    std::size_t count = 0;
    fixture.server().runOnEveryWorker([&](core::Shard& shard) {
        shard.forEachSession([&](const core::Session& session) {
            if (session.clientId == clientId && !session.hasEnded()) {
                count += session.queuedCount();
            }
        });
    });
    return count;
}

// Receives PUBLISHes without acknowledging them until nothing more comes; returns them.
std::vector<protocol::Publish> receiveUnacknowledged(MqttTestClient& client, std::size_t atMost)
{
    std::vector<protocol::Publish> received;
    while (received.size() < atMost) {
        auto publish = client.expect<protocol::Publish>(400ms);
        if (!publish) {
            break;
        }
        received.push_back(std::move(*publish));
    }
    return received;
}

bool acknowledge(MqttTestClient& client, const protocol::Publish& publish)
{
    protocol::Puback puback;
    puback.packetId = publish.packetId;
    return client.send(puback);
}

} // namespace

class TestLimitsSessions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // Beyond max_subscriptions_per_client a new filter is refused in SUBACK (0x97; 3.1.1 0x80)
    // and counted; subscribing again to a filter it has is not a new subscription.
    void maxSubscriptionsPerClient_data() { addVersionRows(); }
    void maxSubscriptionsPerClient()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_subscriptions_per_client", integerValue(2)}}, &why),
                 msg(why));
        auto client = acceptedClient(broker.port(), connectPacket("subs", version), &why);
        QVERIFY2(client, msg(why));
        QCOMPARE(subscribeCodes(*client, {"a/1", "a/2"}), (std::vector<std::uint8_t>{1, 1}));
        QCOMPARE(subscribeCodes(*client, {"a/3", "a/1"}),
                 (std::vector<std::uint8_t>{quotaCode(version), 1}));
        QCOMPARE(rejectionsOf(broker.broker(), "max_subscriptions_per_client"), std::uint64_t(1));
        // Unsubscribing makes room.
        QVERIFY(client->unsubscribe({"a/2"}));
        QCOMPARE(subscribeCodes(*client, {"a/3"}), (std::vector<std::uint8_t>{1}));
    }

    // Lowered while connected: the subscriptions held stay (and deliver), new ones are refused;
    // raised: accepted again.
    void maxSubscriptionsChangedOnLiveConnection()
    {
        BrokerFixture broker;
        std::string why;
        auto client = acceptedClient(broker.port(), connectPacket("live-subs"), &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("live-pub"), &why);
        QVERIFY2(client && publisher, msg(why));
        QCOMPARE(subscribeCodes(*client, {"s/1", "s/2", "s/3"}),
                 (std::vector<std::uint8_t>{1, 1, 1}));
        QVERIFY2(changeLimits(broker, {{"max_subscriptions_per_client", integerValue(2)}}, &why),
                 msg(why));
        QCOMPARE(subscribeCodes(*client, {"s/4"}), (std::vector<std::uint8_t>{0x97}));
        for (const char* topic : {"s/1", "s/2", "s/3"}) {
            QVERIFY(publisher->publish(topic, topic, 1));
            auto publish = client->receivePublish();
            QVERIFY2(publish, msg(client->lastError()));
            QCOMPARE(publish->topic, std::string(topic));
        }
        QVERIFY2(changeLimits(broker, {{"max_subscriptions_per_client", integerValue(5)}}, &why),
                 msg(why));
        QCOMPARE(subscribeCodes(*client, {"s/4"}), (std::vector<std::uint8_t>{1}));
    }

    // max_inflight bounds the QoS 1/2 messages sent and not acknowledged; each acknowledgement
    // lets one more go. A smaller client Receive Maximum wins.
    void maxInflight_data()
    {
        QTest::addColumn<int>("clientReceiveMaximum"); // 0: not sent
        QTest::addColumn<int>("window");
        QTest::newRow("max_inflight") << 0 << 3;
        QTest::newRow("client Receive Maximum smaller") << 2 << 2;
    }
    void maxInflight()
    {
        QFETCH(int, clientReceiveMaximum);
        QFETCH(int, window);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_inflight", integerValue(3)}}, &why), msg(why));
        auto connect = connectPacket("window");
        if (clientReceiveMaximum != 0) {
            connect.properties.receiveMaximum = static_cast<std::uint16_t>(clientReceiveMaximum);
        }
        auto subscriber = acceptedClient(broker.port(), connect, &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("window-pub"), &why);
        QVERIFY2(subscriber && publisher, msg(why));
        QVERIFY(subscriber->subscribe("w/#", 1));
        for (int i = 0; i < 10; ++i) {
            QVERIFY(publisher->publish("w/t", std::to_string(i), 1));
        }
        auto first = receiveUnacknowledged(*subscriber, 10);
        QCOMPARE(int(first.size()), window);
        QCOMPARE(int(inflightOf(broker, "window")), window);
        QVERIFY(acknowledge(*subscriber, first.front()));
        auto more = receiveUnacknowledged(*subscriber, 10);
        QCOMPARE(more.size(), std::size_t(1));
        QCOMPARE(more.front().payload, std::to_string(window));
    }

    // Lowered on a live connection: no more than the new window unacknowledged from then on.
    void maxInflightLoweredOnLiveConnection()
    {
        BrokerFixture broker;
        std::string why;
        auto subscriber = acceptedClient(broker.port(), connectPacket("shrink"), &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("shrink-pub"), &why);
        QVERIFY2(subscriber && publisher, msg(why));
        QVERIFY(subscriber->subscribe("w/#", 1));
        QVERIFY2(changeLimits(broker, {{"max_inflight", integerValue(2)}}, &why), msg(why));
        for (int i = 0; i < 6; ++i) {
            QVERIFY(publisher->publish("w/t", std::to_string(i), 1));
        }
        auto sent = receiveUnacknowledged(*subscriber, 6);
        QCOMPARE(sent.size(), std::size_t(2));
        QCOMPARE(queuedOf(broker, "shrink"), std::size_t(4));
        QVERIFY(acknowledge(*subscriber, sent.front()));
        QCOMPARE(receiveUnacknowledged(*subscriber, 6).size(), std::size_t(1));
    }

    // Raised on a live connection: what waited in the queue goes at once, with no
    // acknowledgement needed to wake it.
    void maxInflightRaisedOnLiveConnection()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_inflight", integerValue(2)}}, &why), msg(why));
        auto subscriber = acceptedClient(broker.port(), connectPacket("grow"), &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("grow-pub"), &why);
        QVERIFY2(subscriber && publisher, msg(why));
        QVERIFY(subscriber->subscribe("w/#", 1));
        for (int i = 0; i < 6; ++i) {
            QVERIFY(publisher->publish("w/t", std::to_string(i), 1));
        }
        QCOMPARE(receiveUnacknowledged(*subscriber, 6).size(), std::size_t(2));
        QVERIFY2(changeLimits(broker, {{"max_inflight", integerValue(6)}}, &why), msg(why));
        const auto rest = receiveUnacknowledged(*subscriber, 6);
        QCOMPARE(rest.size(), std::size_t(4));
        QCOMPARE(rest.back().payload, std::string("5"));
    }

    // max_queue_messages lowered below what an offline session holds: the next message is
    // refused under dead-letter-newest, and under dead-letter-oldest the queue is brought back
    // within the bound.
    void queueBoundLoweredOnLiveSession_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::newRow("dead-letter-newest") << QStringLiteral("dead-letter-newest");
        QTest::newRow("dead-letter-oldest") << QStringLiteral("dead-letter-oldest");
    }
    void queueBoundLoweredOnLiveSession()
    {
        QFETCH(QString, policy);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"queue_overflow_policy", textValue(policy.toStdString())}},
                              &why),
                 msg(why));
        auto parked =
            acceptedClient(broker.port(), connectPacket("parked", Version::V5, false, 300), &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("parked-pub"), &why);
        QVERIFY2(parked && publisher, msg(why));
        QVERIFY(parked->subscribe("q/#", 1));
        QVERIFY(parked->disconnect());
        for (int i = 0; i < 4; ++i) {
            QVERIFY(publisher->publish("q/t", std::to_string(i), 1));
        }
        QVERIFY(BrokerFixture::waitFor([&] { return queuedOf(broker, "parked") == 4; }));
        QVERIFY2(changeLimits(broker, {{"max_queue_messages", integerValue(2)}}, &why), msg(why));
        QVERIFY(publisher->publish("q/t", "4", 1));
        QVERIFY(waitForDeadLetters(broker.broker(), 1));
        settle(broker);
        const std::size_t queued = queuedOf(broker, "parked");
        if (policy == QStringLiteral("dead-letter-newest")) {
            QCOMPARE(queued, std::size_t(4));
            QCOMPARE(deadLettersMatching(broker.broker()).size(), std::size_t(1));
        } else {
            QVERIFY2(queued <= 2, msg(std::to_string(queued) + " queued over a bound of 2"));
        }
    }
};

QTEST_GUILESS_MAIN(TestLimitsSessions)
#include "TestLimitsSessions.moc"
