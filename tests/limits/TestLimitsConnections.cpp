// Connection limits with real clients: max_connections, max_connections_per_ip and
// max_connect_rate (CONNACK 0x97 / 0x9F in 5.0, return code 3 in 3.1.1, each counted under its
// name), connect_timeout, the keepalive bounds and the session expiry ceiling; and what a change
// does to connections already open.

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

constexpr std::uint8_t kServerUnavailable311 = 3;

void addVersionRows()
{
    QTest::addColumn<Version>("version");
    QTest::newRow("mqtt311") << Version::V311;
    QTest::newRow("mqtt5") << Version::V5;
}

// Sends CONNECT and expects a refusal: CONNACK with `code` (5.0) or `code311` (3.1.1), then the
// close.
bool refused(std::uint16_t port, const std::string& clientId, Version version, std::uint8_t code,
             std::string& why)
{
    MqttTestClient client(port, version);
    auto connack = client.connect(connectPacket(clientId, version));
    if (!connack) {
        why = "no CONNACK: " + client.lastError();
        return false;
    }
    const std::uint8_t expected = version == Version::V5 ? code : kServerUnavailable311;
    if (connack->reasonCode != expected) {
        why = "CONNACK " + std::to_string(connack->reasonCode) + ", expected " +
              std::to_string(expected);
        return false;
    }
    if (!client.waitClosed()) {
        why = "not closed after the refusal";
        return false;
    }
    return true;
}

// TCP connections the broker holds (accepted by a worker, CONNECT or not).
std::size_t connectionCount(BrokerFixture& fixture)
{
    std::size_t count = 0;
    fixture.server().runOnEveryWorker(
        [&](core::Shard& shard) { count += shard.connectionCount(); });
    return count;
}

std::unique_ptr<MqttTestClient> accepted(std::uint16_t port, const std::string& clientId,
                                         Version version, std::string& why)
{
    return acceptedClient(port, connectPacket(clientId, version), &why);
}

} // namespace

class TestLimitsConnections : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // Beyond max_connections a CONNECT is refused (0x97 / 3) and counted; a slot freed by a
    // client leaving is taken by the next one.
    void maxConnections_data() { addVersionRows(); }
    void maxConnections()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_connections", integerValue(2)}}, &why), msg(why));
        auto first = accepted(broker.port(), "c1", version, why);
        auto second = accepted(broker.port(), "c2", version, why);
        QVERIFY2(first && second, msg(why));
        QVERIFY2(refused(broker.port(), "c3", version, 0x97, why), msg(why));
        QCOMPARE(rejectionsOf(broker.broker(), "max_connections"), std::uint64_t(1));
        QVERIFY(first->ping() && second->ping()); // the others are untouched

        QVERIFY(first->disconnect());
        QVERIFY(BrokerFixture::waitFor([&] { return broker.broker().admittedConnections() == 1; }));
        auto third = accepted(broker.port(), "c4", version, why);
        QVERIFY2(third, msg(why));
        QCOMPARE(broker.broker().admittedConnections(), std::size_t(2));
        QCOMPARE(rejectionsOf(broker.broker(), "max_connections"), std::uint64_t(1));
    }

    // The same per IP address (every client here is 127.0.0.1).
    void maxConnectionsPerIp_data() { addVersionRows(); }
    void maxConnectionsPerIp()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_connections_per_ip", integerValue(2)}}, &why),
                 msg(why));
        auto first = accepted(broker.port(), "ip1", version, why);
        auto second = accepted(broker.port(), "ip2", version, why);
        QVERIFY2(first && second, msg(why));
        QVERIFY2(refused(broker.port(), "ip3", version, 0x97, why), msg(why));
        QVERIFY2(refused(broker.port(), "ip4", version, 0x97, why), msg(why));
        QCOMPARE(rejectionsOf(broker.broker(), "max_connections_per_ip"), std::uint64_t(2));
        QCOMPARE(rejectionsOf(broker.broker(), "max_connections"), std::uint64_t(0));
        QVERIFY(second->disconnect());
        QVERIFY(BrokerFixture::waitFor([&] { return broker.broker().admittedConnections() == 1; }));
        auto fourth = accepted(broker.port(), "ip5", version, why);
        QVERIFY2(fourth, msg(why));
    }

    // max_connect_rate: a bucket of one second's worth of CONNECTs; over it 0x9F (3.1.1: 3),
    // counted; it refills with time.
    void maxConnectRate_data() { addVersionRows(); }
    void maxConnectRate()
    {
        QFETCH(Version, version);
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_connect_rate", integerValue(2)}}, &why), msg(why));
        std::vector<std::unique_ptr<MqttTestClient>> clients;
        for (const char* id : {"r1", "r2"}) {
            clients.push_back(accepted(broker.port(), id, version, why));
            QVERIFY2(clients.back(), msg(why));
        }
        QVERIFY2(refused(broker.port(), "r3", version, 0x9F, why), msg(why));
        QCOMPARE(rejectionsOf(broker.broker(), "max_connect_rate"), std::uint64_t(1));
        clock.advance(500ms); // one token back
        clients.push_back(accepted(broker.port(), "r4", version, why));
        QVERIFY2(clients.back(), msg(why));
        QVERIFY2(refused(broker.port(), "r5", version, 0x9F, why), msg(why));
        clock.advance(5s); // full again, and no more than full
        for (const char* id : {"r6", "r7"}) {
            clients.push_back(accepted(broker.port(), id, version, why));
            QVERIFY2(clients.back(), msg(why));
        }
        QVERIFY2(refused(broker.port(), "r8", version, 0x9F, why), msg(why));
        QCOMPARE(rejectionsOf(broker.broker(), "max_connect_rate"), std::uint64_t(3));
    }

    // Lowering max_connections below the number open keeps those open and refuses new ones;
    // 0 lifts the limit.
    void maxConnectionsLoweredLive()
    {
        BrokerFixture broker;
        std::string why;
        std::vector<std::unique_ptr<MqttTestClient>> clients;
        for (const char* id : {"l1", "l2", "l3"}) {
            clients.push_back(accepted(broker.port(), id, Version::V5, why));
            QVERIFY2(clients.back(), msg(why));
        }
        QVERIFY2(changeLimits(broker, {{"max_connections", integerValue(2)}}, &why), msg(why));
        for (auto& client : clients) {
            QVERIFY(client->ping());
        }
        QVERIFY2(refused(broker.port(), "l4", Version::V5, 0x97, why), msg(why));
        QVERIFY2(changeLimits(broker, {{"max_connections", integerValue(0)}}, &why), msg(why));
        auto fourth = accepted(broker.port(), "l5", Version::V5, why);
        QVERIFY2(fourth, msg(why));
    }

    // connect_timeout: a TCP connection that sends no CONNECT is closed once it passes; a change
    // applies to connections already waiting.
    void connectTimeout()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        MqttTestClient silent(broker.port());
        QVERIFY(silent.open());
        QVERIFY2(BrokerFixture::waitFor([&] { return connectionCount(broker) == 1; }),
                 "the broker never accepted the connection");
        clock.advance(2s); // within the default 10 s
        QVERIFY2(silent.receivesNothing(600ms), "closed before its timeout"); // two ticks
        QVERIFY(!silent.peerClosed());
        std::string why;
        QVERIFY2(changeLimits(broker, {{"connect_timeout", integerValue(1000)}}, &why), msg(why));
        QVERIFY2(silent.waitClosed(2s), "still open past the lowered connect_timeout");
    }

    // 5.0: a Keep Alive outside [min_keepalive, max_keepalive] (0 counts as above any ceiling)
    // is replaced and told as Server Keep Alive.
    void keepaliveBounds_data()
    {
        QTest::addColumn<int>("minimum");
        QTest::addColumn<int>("maximum");
        QTest::addColumn<int>("asked");
        QTest::addColumn<int>("told"); // -1: no Server Keep Alive
        QTest::newRow("below minimum") << 10 << 60 << 5 << 10;
        QTest::newRow("above maximum") << 10 << 60 << 100 << 60;
        QTest::newRow("0 with a ceiling") << 10 << 60 << 0 << 60;
        QTest::newRow("within") << 10 << 60 << 30 << -1;
        QTest::newRow("0 without a ceiling") << 0 << 65535 << 0 << -1;
    }
    void keepaliveBounds()
    {
        QFETCH(int, minimum);
        QFETCH(int, maximum);
        QFETCH(int, asked);
        QFETCH(int, told);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker,
                              {{"min_keepalive", integerValue(minimum)},
                               {"max_keepalive", integerValue(maximum)}},
                              &why),
                 msg(why));
        std::optional<protocol::Connack> connack;
        auto client = acceptedClient(
            broker.port(),
            connectPacket("ka", Version::V5, true, 0, static_cast<std::uint16_t>(asked)), &why,
            &connack);
        QVERIFY2(client, msg(why));
        if (told < 0) {
            QVERIFY(!connack->properties.serverKeepAlive);
        } else {
            QCOMPARE(connack->properties.serverKeepAlive.value_or(0), std::uint16_t(told));
        }
    }

    // The ceiling told to the client is enforced: silent past 1.5 x 60 s it is disconnected
    // (0x8D), though it asked for 100 s. A change applies to new connections only.
    void keepaliveCeilingEnforcedAndAppliedToNewConnections()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_keepalive", integerValue(60)}}, &why), msg(why));
        auto limited =
            acceptedClient(broker.port(), connectPacket("ka-60", Version::V5, true, 0, 100), &why);
        auto earlier = acceptedClient(broker.port(),
                                      connectPacket("ka-early", Version::V5, true, 0, 50), &why);
        QVERIFY2(limited && earlier, msg(why));
        QVERIFY2(changeLimits(broker, {{"max_keepalive", integerValue(20)}}, &why), msg(why));
        clock.advance(70s); // past 1.5 x 20 and within 1.5 x 50 and 1.5 x 60
        QVERIFY2(limited->receivesNothing(600ms), "disconnected before 1.5 x 60 s");
        QVERIFY(earlier->ping()); // the earlier connection kept the 50 s it was granted
        clock.advance(21s);       // 91 s: past 1.5 x 60
        const auto ending = awaitConnectionEnd(*limited, 3s);
        QVERIFY2(endedWithDisconnect(ending, Version::V5, 0x8D, why), msg(why));
        std::optional<protocol::Connack> connack;
        auto later = acceptedClient(
            broker.port(), connectPacket("ka-late", Version::V5, true, 0, 50), &why, &connack);
        QVERIFY2(later, msg(why));
        QCOMPARE(connack->properties.serverKeepAlive.value_or(0), std::uint16_t(20));
    }

    // max_session_expiry: 5.0 is told the lowered interval in CONNACK; a 3.1.1 persistent session
    // (which asks for no interval) gets the ceiling; either ends once it passes offline.
    void sessionExpiryCeiling_data() { addVersionRows(); }
    void sessionExpiryCeiling()
    {
        QFETCH(Version, version);
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_session_expiry", integerValue(60)}}, &why), msg(why));
        std::optional<protocol::Connack> connack;
        auto client = acceptedClient(broker.port(), connectPacket("exp", version, false, 1000),
                                     &why, &connack);
        QVERIFY2(client, msg(why));
        if (version == Version::V5) {
            QCOMPARE(connack->properties.sessionExpiryInterval.value_or(0), std::uint32_t(60));
        }
        QVERIFY(client->disconnect());
        QVERIFY(BrokerFixture::waitFor([&] {
            auto session = broker.broker().findSession("exp");
            return session && !session->isOnline();
        }));
        clock.advance(59s);
        QVERIFY2(!BrokerFixture::waitFor(
                     [&] { return broker.broker().findSession("exp") == nullptr; }, 600ms),
                 "ended before the ceiling passed");
        clock.advance(2s);
        QVERIFY2(BrokerFixture::waitFor(
                     [&] { return broker.broker().findSession("exp") == nullptr; }, 2s),
                 "the session outlived max_session_expiry");
    }

    // A DISCONNECT asking for a longer Session Expiry than the ceiling is lowered too.
    void sessionExpiryCeilingOnDisconnect()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_session_expiry", integerValue(60)}}, &why), msg(why));
        auto client =
            acceptedClient(broker.port(), connectPacket("exp-d", Version::V5, false, 30), &why);
        QVERIFY2(client, msg(why));
        protocol::Disconnect disconnect;
        disconnect.properties.sessionExpiryInterval = 100'000;
        QVERIFY(client->send(disconnect));
        QVERIFY(client->waitClosed());
        QVERIFY(BrokerFixture::waitFor([&] {
            auto session = broker.broker().findSession("exp-d");
            return session && !session->isOnline();
        }));
        clock.advance(61s);
        QVERIFY2(BrokerFixture::waitFor(
                     [&] { return broker.broker().findSession("exp-d") == nullptr; }, 2s),
                 "the session outlived max_session_expiry");
    }
};

QTEST_GUILESS_MAIN(TestLimitsConnections)
#include "TestLimitsConnections.moc"
