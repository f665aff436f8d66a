// CONNECT/CONNACK over real sockets: clean start and session present, session expiry, session
// takeover, server-assigned client identifiers, and the limits and capabilities CONNACK announces
// (each checked against what the broker then actually does).

#include <thread>

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using protocol::ReasonCode;

namespace {

// Connects, checks CONNACK's Session Present, and disconnects normally.
bool connectAndLeave(std::uint16_t port, const protocol::Connect& connect, bool expectPresent,
                     std::string& why)
{
    std::optional<protocol::Connack> connack;
    auto client = connectClient(port, connect, &why, &connack);
    if (!client) {
        return false;
    }
    if (connack->sessionPresent != expectPresent) {
        why = std::string("session present was ") + (connack->sessionPresent ? "1" : "0");
        return false;
    }
    if (!client->disconnect()) {
        why = "DISCONNECT not followed by a close: " + client->lastError();
        return false;
    }
    return true;
}

} // namespace

class TestSystemConnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // A persistent session is resumed (session present 1); clean start discards it (present 0).
    void persistentSessionResumedCleanStartDiscards_data() { addVersionRows(); }
    void persistentSessionResumedCleanStartDiscards()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        std::string why;
        const auto persistent = makeConnect("keeper", version, false, 300);
        QVERIFY2(connectAndLeave(broker.port(), persistent, false, why), text(why));
        QVERIFY2(connectAndLeave(broker.port(), persistent, true, why), text(why));
        const auto clean = makeConnect("keeper", version, true, 300);
        QVERIFY2(connectAndLeave(broker.port(), clean, false, why), text(why));
    }

    // 3.1.1 CONNACK is byte-exact: 20 02 <session present> 00.
    void connack311IsByteExact()
    {
        BrokerFixture broker;
        for (const bool present : {false, true}) {
            MqttTestClient client(broker.port(), Version::V311);
            QVERIFY(client.open());
            QVERIFY(client.send(makeConnect("exact311", Version::V311, false)));
            const auto frame = client.receiveFrame();
            QVERIFY2(frame, text(client.lastError()));
            QCOMPARE(*frame, bytes(present ? "20 02 01 00" : "20 02 00 00"));
            QVERIFY(client.disconnect());
        }
    }

    // Session Expiry 0: the session ends with the connection, so nothing is resumed.
    void sessionExpiryZeroEndsWithConnection()
    {
        BrokerFixture broker;
        std::string why;
        const auto connect = makeConnect("short-lived", Version::V5, false, 0);
        QVERIFY2(connectAndLeave(broker.port(), connect, false, why), text(why));
        QVERIFY(BrokerFixture::waitFor([&] { return broker.broker().sessionCount() == 0; }));
        QVERIFY2(connectAndLeave(broker.port(), connect, false, why), text(why));
    }

    // A session is kept for its Session Expiry Interval after the connection ends, then dropped.
    void sessionKeptForExpiryIntervalThenDropped()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        const auto connect = makeConnect("expiring", Version::V5, false, 10);
        QVERIFY2(connectAndLeave(broker.port(), connect, false, why), text(why));
        clock.advance(9s);
        QVERIFY2(connectAndLeave(broker.port(), connect, true, why), text(why)); // still there
        clock.advance(11s);
        QVERIFY(BrokerFixture::waitFor([&] { return broker.broker().sessionCount() == 0; }));
        QVERIFY2(connectAndLeave(broker.port(), connect, false, why), text(why));
    }

    // A Session Expiry above the broker's ceiling is lowered and the client told in CONNACK.
    void sessionExpiryCeilingAnnounced()
    {
        core::Limits limits;
        limits.maxSessionExpiry = 100;
        BrokerFixture broker(limits);
        std::optional<protocol::Connack> connack;
        auto client = connectClient(broker.port(), makeConnect("ceiling", Version::V5, false, 5000),
                                    nullptr, &connack);
        QVERIFY(client);
        QCOMPARE(connack->properties.sessionExpiryInterval.value_or(0), std::uint32_t(100));
        // Below the ceiling nothing is said.
        auto other = connectClient(broker.port(), makeConnect("under", Version::V5, false, 50),
                                   nullptr, &connack);
        QVERIFY(other);
        QVERIFY(!connack->properties.sessionExpiryInterval.has_value());
    }

    // A second connection with the same client id ends the first: 5.0 is told DISCONNECT 0x8E,
    // 3.1.1 is just closed; the newcomer gets the session and its messages.
    void secondConnectionTakesOver_data() { addVersionRows(); }
    void secondConnectionTakesOver()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto first = connectClient(broker.port(), "twin", version, false, 300);
        QVERIFY(first);
        QVERIFY(subscribeOk(*first, "twin/t", 1));

        std::optional<protocol::Connack> connack;
        auto second = connectClient(broker.port(), makeConnect("twin", version, false, 300),
                                    nullptr, &connack);
        QVERIFY(second);
        QVERIFY(connack->sessionPresent);

        std::string received;
        QVERIFY2(first->waitClosedRaw(5s, received), text(first->lastError()));
        QCOMPARE(received, version == Version::V5 ? bytes("e0 01 8e") : std::string());

        auto publisher = connectClient(broker.port(), "twin-pub");
        QVERIFY(publisher);
        QVERIFY(publisher->publish("twin/t", "after takeover", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*second, "after takeover", why), text(why));
    }

    // Takeover with Clean Start: the old session is discarded, the old connection still told.
    void takeoverWithCleanStartDiscardsOldSession_data() { addVersionRows(); }
    void takeoverWithCleanStartDiscardsOldSession()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto first = connectClient(broker.port(), "twin", version, false, 300);
        QVERIFY(first);
        QVERIFY(subscribeOk(*first, "twin/t", 1));

        std::optional<protocol::Connack> connack;
        auto second = connectClient(broker.port(), makeConnect("twin", version, true, 300), nullptr,
                                    &connack);
        QVERIFY(second);
        QVERIFY(!connack->sessionPresent);
        std::string received;
        QVERIFY(first->waitClosedRaw(5s, received));
        QCOMPARE(received, version == Version::V5 ? bytes("e0 01 8e") : std::string());

        // The old subscription went with the old session.
        QVERIFY(subscribeOk(*second, "twin/sentinel", 1));
        auto publisher = connectClient(broker.port(), "twin-pub");
        QVERIFY(publisher);
        QVERIFY(publisher->publish("twin/t", "old subscription", 1));
        QVERIFY(publisher->publish("twin/sentinel", "sentinel", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*second, "sentinel", why), text(why));
    }

    // 5.0: an empty client id gets a fresh one, announced as Assigned Client Identifier.
    void serverAssignsClientIdentifier_data()
    {
        QTest::addColumn<bool>("cleanStart");
        QTest::newRow("clean start") << true;
        QTest::newRow("persistent") << false;
    }
    void serverAssignsClientIdentifier()
    {
        QFETCH(bool, cleanStart);
        BrokerFixture broker;
        std::optional<protocol::Connack> first;
        std::optional<protocol::Connack> second;
        auto a = connectClient(broker.port(), makeConnect("", Version::V5, cleanStart, 60), nullptr,
                               &first);
        auto b = connectClient(broker.port(), makeConnect("", Version::V5, cleanStart, 60), nullptr,
                               &second);
        QVERIFY(a && b);
        QVERIFY(first->properties.assignedClientIdentifier.has_value());
        QVERIFY(second->properties.assignedClientIdentifier.has_value());
        QVERIFY(!first->properties.assignedClientIdentifier->empty());
        QVERIFY(*first->properties.assignedClientIdentifier !=
                *second->properties.assignedClientIdentifier);
        // The two are distinct sessions: a message to one reaches only that one.
        QVERIFY(subscribeOk(*a, "assigned/a", 1));
        QVERIFY(subscribeOk(*b, "assigned/b", 1));
        QVERIFY(b->publish("assigned/a", "for a", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*a, "for a", why), text(why));
        // A persistent session under the assigned id can be resumed by naming it.
        if (!cleanStart) {
            const std::string assigned = *first->properties.assignedClientIdentifier;
            a.reset();
            std::optional<protocol::Connack> resumed;
            auto again = connectClient(broker.port(), makeConnect(assigned, Version::V5, false, 60),
                                       nullptr, &resumed);
            QVERIFY(again);
            QVERIFY(resumed->sessionPresent);
            QVERIFY(!resumed->properties.assignedClientIdentifier.has_value());
        }
        // A client that named itself is not told an id.
        std::optional<protocol::Connack> named;
        auto c = connectClient(broker.port(), makeConnect("named"), nullptr, &named);
        QVERIFY(c);
        QVERIFY(!named->properties.assignedClientIdentifier.has_value());
    }

    // 3.1.1: an empty client id is accepted with clean session (20 02 00 00) and refused with
    // return code 2 without it (20 02 00 02), then closed (3.1.3-8, 3.1.3-9).
    void emptyClientId311_data()
    {
        QTest::addColumn<bool>("cleanSession");
        QTest::addColumn<QByteArray>("connack");
        QTest::newRow("clean session accepted") << true << QByteArray("20 02 00 00");
        QTest::newRow("persistent refused") << false << QByteArray("20 02 00 02");
    }
    void emptyClientId311()
    {
        QFETCH(bool, cleanSession);
        QFETCH(QByteArray, connack);
        BrokerFixture broker;
        MqttTestClient client(broker.port(), Version::V311);
        QVERIFY(client.open());
        QVERIFY(client.send(makeConnect("", Version::V311, cleanSession)));
        const auto frame = client.receiveFrame();
        QVERIFY2(frame, text(client.lastError()));
        QCOMPARE(*frame, bytes(connack.toStdString()));
        if (cleanSession) {
            QVERIFY(client.ping());
        } else {
            QVERIFY(client.waitClosed());
        }
        std::string why;
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // Server Keep Alive: announced only when the broker's bounds change what the client asked.
    void serverKeepAliveAnnounced_data()
    {
        QTest::addColumn<int>("asked");
        QTest::addColumn<int>("announced"); // -1: no Server Keep Alive property
        QTest::newRow("within bounds") << 20 << -1;
        QTest::newRow("above maximum") << 600 << 60;
        QTest::newRow("below minimum") << 2 << 5;
        QTest::newRow("zero (never) above maximum") << 0 << 60;
    }
    void serverKeepAliveAnnounced()
    {
        QFETCH(int, asked);
        QFETCH(int, announced);
        core::Limits limits;
        limits.minKeepAlive = 5;
        limits.maxKeepAlive = 60;
        BrokerFixture broker(limits);
        std::optional<protocol::Connack> connack;
        auto connect = makeConnect("ka", Version::V5, true, 0, static_cast<std::uint16_t>(asked));
        auto client = connectClient(broker.port(), connect, nullptr, &connack);
        QVERIFY(client);
        if (announced < 0) {
            QVERIFY(!connack->properties.serverKeepAlive.has_value());
        } else {
            QCOMPARE(connack->properties.serverKeepAlive.value_or(0),
                     static_cast<std::uint16_t>(announced));
        }
    }

    // CONNACK announces the configured limits and every capability; Maximum QoS is absent (= 2).
    void connackAnnouncesLimitsAndCapabilities()
    {
        core::Limits limits;
        limits.receiveMaximum = 7;
        limits.maxPacketSize = 4096;
        limits.topicAliasMaximum = 3;
        BrokerFixture broker(limits);
        std::optional<protocol::Connack> connack;
        auto client = connectClient(broker.port(), makeConnect("caps"), nullptr, &connack);
        QVERIFY(client);
        const protocol::Properties& p = connack->properties;
        QCOMPARE(p.receiveMaximum.value_or(0), std::uint16_t(7));
        QCOMPARE(p.maximumPacketSize.value_or(0), std::uint32_t(4096));
        QCOMPARE(p.topicAliasMaximum.value_or(0), std::uint16_t(3));
        QVERIFY(!p.maximumQos.has_value());
        // Each capability is either absent (= available) or 1; 0 would be a lie, as tested below.
        QCOMPARE(p.retainAvailable.value_or(1), std::uint8_t(1));
        QCOMPARE(p.wildcardSubscriptionAvailable.value_or(1), std::uint8_t(1));
        QCOMPARE(p.subscriptionIdentifierAvailable.value_or(1), std::uint8_t(1));
        QCOMPARE(p.sharedSubscriptionAvailable.value_or(1), std::uint8_t(1));
    }

    // What CONNACK announces is true: QoS 2, retained, wildcard, shared subscriptions and
    // Subscription Identifiers all work on the same connection.
    void announcedCapabilitiesWork()
    {
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "caps-pub");
        QVERIFY(publisher);
        QVERIFY(publisher->publish("caps/retained", "kept", 2, true));
        QCOMPARE(publisher->lastReasonCode(), std::uint8_t(0));

        auto client = connectClient(broker.port(), "caps");
        QVERIFY(client);
        protocol::Subscribe subscribe;
        subscribe.packetId = 1;
        subscribe.properties.subscriptionIdentifiers.push_back(77);
        subscribe.subscriptions.push_back({"caps/+", subscriptionOptions(2)});
        subscribe.subscriptions.push_back({"$share/g/caps/shared/#", subscriptionOptions(2)});
        auto suback = client->subscribe(subscribe);
        QVERIFY(suback);
        QCOMPARE(suback->reasonCodes, (std::vector<std::uint8_t>{2, 2}));

        auto retained = client->receivePublish();
        QVERIFY2(retained, text(client->lastError()));
        QCOMPARE(retained->payload, std::string("kept"));
        QVERIFY(retained->retain);
        QCOMPARE(retained->qos, std::uint8_t(2));
        QCOMPARE(retained->properties.subscriptionIdentifiers, (std::vector<std::uint32_t>{77}));

        QVERIFY(publisher->publish("caps/shared/x", "shared", 2));
        auto shared = client->receivePublish();
        QVERIFY2(shared, text(client->lastError()));
        QCOMPARE(shared->payload, std::string("shared"));
        QCOMPARE(shared->qos, std::uint8_t(2));
        QCOMPARE(shared->properties.subscriptionIdentifiers, (std::vector<std::uint32_t>{77}));
    }

    // A CONNECT that arrives one byte at a time is still one CONNECT.
    void connectInSingleBytes()
    {
        BrokerFixture broker;
        MqttTestClient client(broker.port());
        QVERIFY(client.open());
        const std::string connect = protocol::encodeToString(makeConnect("trickle"), Version::V5);
        for (const char byte : connect) {
            QVERIFY(client.sendRaw(std::string(1, byte)));
        }
        auto connack = client.expect<protocol::Connack>();
        QVERIFY2(connack, text(client.lastError()));
        QCOMPARE(connack->reasonCode, std::uint8_t(0));
        QVERIFY(client.ping());
    }

    // Stopping the broker tells every client: DISCONNECT 0x8B (Server shutting down) in 5.0, a
    // plain close in 3.1.1.
    void shutdownTellsClients()
    {
        BrokerFixture broker;
        auto v5 = connectClient(broker.port(), "stopping-5");
        auto v311 = connectClient(broker.port(), "stopping-311", Version::V311);
        QVERIFY(v5 && v311);
        // stop() waits (up to its grace period) for the clients to close: let it run on its
        // own thread while this one reads and closes them.
        std::thread stopper([&] { broker.server().stop(); });
        std::string received5;
        std::string received311;
        const bool closed5 = v5->waitClosedRaw(5s, received5);
        const bool closed311 = v311->waitClosedRaw(5s, received311);
        v5->close();
        v311->close();
        stopper.join();
        QVERIFY(closed5 && closed311);
        QCOMPARE(received5, bytes("e0 01 8b"));
        QCOMPARE(received311, std::string());
    }

    // A TCP connection that never sends CONNECT is closed after the connect timeout, silently.
    void noConnectWithinTimeoutIsClosed()
    {
        core::Limits limits;
        limits.connectTimeout = 300ms;
        BrokerFixture broker(limits);
        MqttTestClient client(broker.port());
        QVERIFY(client.open());
        std::string received;
        QVERIFY2(client.waitClosedRaw(5s, received), "connection without CONNECT not closed");
        QCOMPARE(received, std::string());
    }
};

QTEST_GUILESS_MAIN(TestSystemConnect)
#include "TestSystemConnect.moc"
