// Will messages and keepalive over real sockets. Will delays and session expiry run on a manual
// clock (the workers' 250 ms tick reads it), so a 10 s delay takes no 10 s; keepalive runs on
// the real clock with Keep Alive 1 s, as a client would see it.

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using protocol::ReasonCode;

namespace {

constexpr const char* kSentinelTopic = "zz/sentinel";

// A CONNECT with a will on "will/<clientId>".
protocol::Connect withWill(const std::string& clientId, Version version, std::uint32_t delay = 0,
                           std::uint32_t sessionExpiry = 0, bool cleanStart = true)
{
    protocol::Connect c = makeConnect(clientId, version, cleanStart, sessionExpiry);
    protocol::Will will;
    will.topic = "will/" + clientId;
    will.payload = clientId + " is gone";
    will.qos = 1;
    if (version == Version::V5 && delay != 0) {
        will.properties.willDelayInterval = delay;
    }
    c.will = will;
    return c;
}

// A client that watches "will/#" and the sentinel topic.
std::unique_ptr<MqttTestClient> watcher(std::uint16_t port)
{
    auto client = connectClient(port, "watcher");
    if (!client || !subscribeOk(*client, "will/#", 1) || !subscribeOk(*client, kSentinelTopic, 1)) {
        return nullptr;
    }
    return client;
}

// Publishes the sentinel from a fresh client. Anything the broker published before (a will
// sent while the connection was closing) reaches the watcher first.
bool sendSentinel(std::uint16_t port)
{
    auto client = connectClient(port, "sentinel-pub");
    return client && client->publish(kSentinelTopic, "sentinel", 1);
}

} // namespace

class TestSystemWillKeepalive : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // The will is published when the network connection drops without DISCONNECT.
    void willSentAfterNetworkDrop_data() { addVersionRows(); }
    void willSentAfterNetworkDrop()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto watch = watcher(broker.port());
        QVERIFY(watch);
        auto connect = withWill("dropper", version);
        if (version == Version::V5) {
            connect.will->properties.contentType = "text/plain";
            connect.will->properties.userProperties = {{"k", "v"}};
        }
        auto client = connectClient(broker.port(), connect);
        QVERIFY(client);
        client->close();
        auto will = watch->receivePublish();
        QVERIFY2(will, text(watch->lastError()));
        QCOMPARE(will->topic, std::string("will/dropper"));
        QCOMPARE(will->payload, std::string("dropper is gone"));
        QCOMPARE(will->qos, std::uint8_t(1));
        QVERIFY(!will->retain);
        if (version == Version::V5) {
            QCOMPARE(will->properties.contentType.value_or(""), std::string("text/plain"));
            QCOMPARE(will->properties.userProperties.size(), std::size_t(1));
            QVERIFY(!will->properties.willDelayInterval.has_value());
        }
    }

    // DISCONNECT (5.0 reason 0x00, or any 3.1.1 DISCONNECT) deletes the will.
    void willNotSentAfterNormalDisconnect_data() { addVersionRows(); }
    void willNotSentAfterNormalDisconnect()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto watch = watcher(broker.port());
        QVERIFY(watch);
        auto client = connectClient(broker.port(), withWill("polite", version));
        QVERIFY(client);
        QVERIFY(client->disconnect(0x00));
        QVERIFY(sendSentinel(broker.port()));
        std::string why;
        QVERIFY2(nextPayloadIs(*watch, "sentinel", why), text(why));
    }

    // 5.0 DISCONNECT with 0x04 (Disconnect with Will Message) publishes the will.
    void willSentAfterDisconnectWithWill()
    {
        BrokerFixture broker;
        auto watch = watcher(broker.port());
        QVERIFY(watch);
        auto client = connectClient(broker.port(), withWill("leaving", Version::V5));
        QVERIFY(client);
        QVERIFY(client->disconnect(0x04));
        std::string why;
        QVERIFY2(nextPayloadIs(*watch, "leaving is gone", why), text(why));
    }

    // The broker ending the connection for a protocol error publishes the will (3.1.2.5).
    void willSentAfterProtocolError_data() { addVersionRows(); }
    void willSentAfterProtocolError()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto watch = watcher(broker.port());
        QVERIFY(watch);
        auto client = connectClient(broker.port(), withWill("offender", version));
        QVERIFY(client);
        QVERIFY(client->sendRaw(bytes("c1 00"))); // PINGREQ with reserved flags set
        QVERIFY(client->waitClosed());
        std::string why;
        QVERIFY2(nextPayloadIs(*watch, "offender is gone", why), text(why));
    }

    // Will Delay: nothing before the delay passes, the will after it.
    void willDelayed()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        auto watch = watcher(broker.port());
        QVERIFY(watch);
        auto client = connectClient(broker.port(), withWill("delayed", Version::V5, 10, 60));
        QVERIFY(client);
        client->close();
        QVERIFY(BrokerFixture::waitFor([&] { return sessionOnline(broker, "delayed") == false; }));
        clock.advance(9s);
        QVERIFY(watch->receivesNothing(600ms)); // two ticks of the workers at 9 s: not yet
        clock.advance(2s);
        std::string why;
        QVERIFY2(nextPayloadIs(*watch, "delayed is gone", why), text(why));
    }

    // The will goes when the session ends, if that comes before the delay (3.1.3.2.2): with
    // Session Expiry 5 and Will Delay 60, at 5 s; with Session Expiry 0, at once.
    void willSentWhenSessionEndsFirst_data()
    {
        QTest::addColumn<int>("sessionExpiry");
        QTest::newRow("expiry 5 s") << 5;
        QTest::newRow("expiry 0") << 0;
    }
    void willSentWhenSessionEndsFirst()
    {
        QFETCH(int, sessionExpiry);
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        auto watch = watcher(broker.port());
        QVERIFY(watch);
        auto client =
            connectClient(broker.port(), withWill("ending", Version::V5, 60,
                                                  static_cast<std::uint32_t>(sessionExpiry)));
        QVERIFY(client);
        client->close();
        if (sessionExpiry != 0) {
            QVERIFY(
                BrokerFixture::waitFor([&] { return sessionOnline(broker, "ending") == false; }));
            clock.advance(std::chrono::seconds(sessionExpiry + 1));
        }
        std::string why;
        QVERIFY2(nextPayloadIs(*watch, "ending is gone", why), text(why));
        QVERIFY(BrokerFixture::waitFor([&] { return !sessionOnline(broker, "ending"); }));
    }

    // Reconnecting within the Will Delay cancels the will.
    void reconnectWithinDelayCancelsWill()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        auto watch = watcher(broker.port());
        QVERIFY(watch);
        auto client = connectClient(broker.port(), withWill("flaky", Version::V5, 10, 300, false));
        QVERIFY(client);
        client->close();
        QVERIFY(BrokerFixture::waitFor([&] { return sessionOnline(broker, "flaky") == false; }));
        clock.advance(5s);
        client = connectClient(broker.port(), makeConnect("flaky", Version::V5, false, 300));
        QVERIFY(client);
        clock.advance(20s);
        QVERIFY(watch->receivesNothing(600ms)); // ticks at 25 s: the will stays cancelled
        QVERIFY(sendSentinel(broker.port()));
        std::string why;
        QVERIFY2(nextPayloadIs(*watch, "sentinel", why), text(why));
    }

    // A will with RETAIN=1 becomes the retained message of its topic.
    void retainedWill()
    {
        BrokerFixture broker;
        auto connect = withWill("retainer", Version::V5);
        connect.will->retain = true;
        auto client = connectClient(broker.port(), connect);
        QVERIFY(client);
        client->close();
        QVERIFY(BrokerFixture::waitFor([&] { return broker.broker().retainedCount() == 1; }));
        auto later = connectClient(broker.port(), "later");
        QVERIFY(later);
        QVERIFY(subscribeOk(*later, "will/+", 1));
        auto will = later->receivePublish();
        QVERIFY(will);
        QCOMPARE(will->payload, std::string("retainer is gone"));
        QVERIFY(will->retain);
    }

    // PINGREQ is answered PINGRESP, byte-exact, in both versions.
    void pingAnswered_data() { addVersionRows(); }
    void pingAnswered()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto client = connectClient(broker.port(), "pinger", version);
        QVERIFY(client);
        QVERIFY(client->sendRaw(bytes("c0 00")));
        QCOMPARE(client->receiveFrame().value_or(""), bytes("d0 00"));
    }

    // A client silent for 1.5 x Keep Alive (1 s) is disconnected: DISCONNECT 0x8D in 5.0, a
    // plain close in 3.1.1; its will is published.
    void silentClientDisconnected_data() { addVersionRows(); }
    void silentClientDisconnected()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto watch = watcher(broker.port());
        QVERIFY(watch);
        auto connect = withWill("silent", version);
        connect.keepAlive = 1;
        const auto start = std::chrono::steady_clock::now();
        auto client = connectClient(broker.port(), connect);
        QVERIFY(client);
        std::string received;
        QVERIFY2(client->waitClosedRaw(5s, received), "silent client not disconnected");
        const auto elapsed = std::chrono::steady_clock::now() - start;
        QCOMPARE(received, version == Version::V5 ? bytes("e0 01 8d") : std::string());
        QVERIFY2(elapsed >= 1400ms, "disconnected before 1.5 x Keep Alive");
        std::string why;
        QVERIFY2(nextPayloadIs(*watch, "silent is gone", why), text(why));
    }

    // PINGREQs within the Keep Alive keep the connection open well past 1.5 x Keep Alive.
    void pingsKeepConnectionAlive()
    {
        BrokerFixture broker;
        auto connect = makeConnect("lively", Version::V5, true, 0, 1);
        auto client = connectClient(broker.port(), connect);
        QVERIFY(client);
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < 5; ++i) { // 5 x 500 ms = 2.5 s > 1.5 s
            QVERIFY2(client->ping(), text(client->lastError()));
            QVERIFY(client->receivesNothing(500ms)); // paces the pings; no DISCONNECT meanwhile
        }
        QVERIFY(std::chrono::steady_clock::now() - start >= 2s);
        QVERIFY(client->ping());
    }

    // The Server Keep Alive the broker announced is the one it enforces.
    void serverKeepAliveEnforced()
    {
        core::Limits limits;
        limits.maxKeepAlive = 1;
        BrokerFixture broker(limits);
        std::optional<protocol::Connack> connack;
        auto client = connectClient(
            broker.port(), makeConnect("bounded", Version::V5, true, 0, 600), nullptr, &connack);
        QVERIFY(client);
        QCOMPARE(connack->properties.serverKeepAlive.value_or(0), std::uint16_t(1));
        std::string received;
        QVERIFY2(client->waitClosedRaw(5s, received), "Server Keep Alive not enforced");
        QCOMPARE(received, bytes("e0 01 8d"));
    }

    // Keep Alive 0 switches the mechanism off: a day of silence ends nothing.
    void keepAliveZeroNeverExpires()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        auto client = connectClient(broker.port(), makeConnect("forever", Version::V5, true, 0, 0));
        QVERIFY(client);
        clock.advance(24h);
        QVERIFY(client->receivesNothing(600ms)); // the workers tick at the new time
        QVERIFY(client->ping());
    }
};

QTEST_GUILESS_MAIN(TestSystemWillKeepalive)
#include "TestSystemWillKeepalive.moc"
