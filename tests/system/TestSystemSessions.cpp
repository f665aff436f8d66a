// Persistent sessions over real sockets: subscriptions survive the connection, QoS 1/2 messages
// queued while away arrive in order on return, unacknowledged ones are resent with DUP first,
// clean start discards everything, and Session Expiry can be changed at DISCONNECT.

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using protocol::ReasonCode;

namespace {

constexpr const char* kSentinelTopic = "zz/sentinel";

std::unique_ptr<MqttTestClient> resume(std::uint16_t port, const std::string& clientId,
                                       Version version, bool* present = nullptr)
{
    std::optional<protocol::Connack> connack;
    auto client =
        connectClient(port, makeConnect(clientId, version, false, 600), nullptr, &connack);
    if (client && present != nullptr) {
        *present = connack->sessionPresent;
    }
    return client;
}

} // namespace

class TestSystemSessions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // Subscriptions are part of the session: after a reconnect, messages still arrive.
    void subscriptionsSurviveDisconnect_data() { addVersionRows(); }
    void subscriptionsSurviveDisconnect()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        bool present = true;
        auto client = resume(broker.port(), "keeper", version, &present);
        QVERIFY(client);
        QVERIFY(!present);
        QVERIFY(subscribeOk(*client, "keep/+", 1));
        QVERIFY(client->disconnect());

        client = resume(broker.port(), "keeper", version, &present);
        QVERIFY(client);
        QVERIFY(present);
        auto publisher = connectClient(broker.port(), "keep-pub");
        QVERIFY(publisher);
        QVERIFY(publisher->publish("keep/x", "still subscribed", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*client, "still subscribed", why), text(why));
    }

    // QoS 1 and 2 messages published while the client was away arrive on its return, in order,
    // without DUP; QoS 0 ones are not kept.
    void queuedWhileAwayDeliveredInOrder_data() { addVersionRows(); }
    void queuedWhileAwayDeliveredInOrder()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto client = resume(broker.port(), "away", version);
        QVERIFY(client);
        QVERIFY(subscribeOk(*client, "away/t", 2));
        client->close(); // network drop
        QVERIFY(BrokerFixture::waitFor([&] { return sessionOnline(broker, "away") == false; }));

        auto publisher = connectClient(broker.port(), "away-pub", version);
        QVERIFY(publisher);
        constexpr int kCount = 31; // the last one QoS 1, so "all queued" covers the QoS 0 ones
        for (int i = 0; i < kCount; ++i) {
            // QoS 1, 2, 0, 1, 2, 0, ...: the QoS 0 ones are not queued for an offline session.
            QVERIFY(publisher->publish("away/t", std::to_string(i),
                                       static_cast<std::uint8_t>((i + 1) % 3)));
        }
        QVERIFY(BrokerFixture::waitFor(
            [&] { return queuedOf(broker, "away") == std::size_t(kCount - kCount / 3); }));

        bool present = false;
        client = resume(broker.port(), "away", version, &present);
        QVERIFY(client);
        QVERIFY(present);
        for (int i = 0; i < kCount; ++i) {
            if ((i + 1) % 3 == 0) {
                continue;
            }
            auto publish = client->receivePublish();
            QVERIFY2(publish, text(client->lastError()));
            QCOMPARE(publish->payload, std::to_string(i));
            QCOMPARE(publish->qos, static_cast<std::uint8_t>((i + 1) % 3));
            QVERIFY(!publish->dup);
        }
        QVERIFY(publisher->publish("away/t", "sentinel", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*client, "sentinel", why), text(why));
    }

    // On return, unacknowledged in-flight messages are resent first (DUP, same packet ids), then
    // the queued ones (no DUP), all in the original order.
    void inflightResentBeforeQueued()
    {
        BrokerFixture broker;
        protocol::Connect c = makeConnect("narrow", Version::V5, false, 600);
        c.properties.receiveMaximum = 2;
        auto client = connectClient(broker.port(), c);
        auto publisher = connectClient(broker.port(), "narrow-pub");
        QVERIFY(client && publisher);
        QVERIFY(subscribeOk(*client, "narrow/t", 2));
        for (int i = 0; i < 5; ++i) {
            QVERIFY(publisher->publish("narrow/t", std::to_string(i),
                                       static_cast<std::uint8_t>(1 + i % 2)));
        }
        auto first = client->expect<protocol::Publish>();
        auto second = client->expect<protocol::Publish>();
        QVERIFY(first && second);
        QVERIFY(BrokerFixture::waitFor([&] { return queuedOf(broker, "narrow") == 3; }));
        client->close();

        client = connectClient(broker.port(), c);
        QVERIFY(client);
        auto again1 = client->receivePublish();
        auto again2 = client->receivePublish();
        QVERIFY2(again1 && again2, text(client->lastError()));
        QCOMPARE(again1->payload, std::string("0"));
        QCOMPARE(again2->payload, std::string("1"));
        QVERIFY(again1->dup && again2->dup);
        QCOMPARE(again1->packetId, first->packetId);
        QCOMPARE(again2->packetId, second->packetId);
        for (int i = 2; i < 5; ++i) {
            auto publish = client->receivePublish();
            QVERIFY2(publish, text(client->lastError()));
            QCOMPARE(publish->payload, std::to_string(i));
            QVERIFY(!publish->dup);
        }
    }

    // Clean start discards the old session: session present 0, nothing queued is delivered and
    // the old subscriptions are gone.
    void cleanStartDiscardsSession_data() { addVersionRows(); }
    void cleanStartDiscardsSession()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto client = resume(broker.port(), "fresh", version);
        QVERIFY(client);
        QVERIFY(subscribeOk(*client, "fresh/t", 1));
        QVERIFY(client->disconnect());
        auto publisher = connectClient(broker.port(), "fresh-pub");
        QVERIFY(publisher);
        QVERIFY(publisher->publish("fresh/t", "queued", 1));
        QVERIFY(BrokerFixture::waitFor([&] { return queuedOf(broker, "fresh") == 1; }));

        std::optional<protocol::Connack> connack;
        client = connectClient(broker.port(), makeConnect("fresh", version, true, 600), nullptr,
                               &connack);
        QVERIFY(client);
        QVERIFY(!connack->sessionPresent);
        QVERIFY(subscribeOk(*client, kSentinelTopic, 1));
        QVERIFY(publisher->publish("fresh/t", "old subscription", 1));
        QVERIFY(publisher->publish(kSentinelTopic, "sentinel", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*client, "sentinel", why), text(why));
    }

    // 5.0 DISCONNECT may shorten the Session Expiry: 0 ends the session with the connection.
    void sessionExpiryChangedAtDisconnect()
    {
        BrokerFixture broker;
        auto client = resume(broker.port(), "shortened", Version::V5);
        QVERIFY(client);
        protocol::Disconnect d;
        d.properties.sessionExpiryInterval = 0;
        QVERIFY(client->send(d));
        QVERIFY(client->waitClosed());
        QVERIFY(BrokerFixture::waitFor([&] { return !sessionOnline(broker, "shortened"); }));
        bool present = true;
        client = resume(broker.port(), "shortened", Version::V5, &present);
        QVERIFY(client);
        QVERIFY(!present);
    }

    // A DISCONNECT that sets a Session Expiry when CONNECT had 0 is a Protocol Error
    // (3.14.2.2.2): the broker answers DISCONNECT 0x82.
    void sessionExpiryRaisedFromZeroAtDisconnectIsProtocolError()
    {
        BrokerFixture broker;
        auto client = connectClient(broker.port(), makeConnect("sneaky", Version::V5, true, 0));
        QVERIFY(client);
        protocol::Disconnect d;
        d.properties.sessionExpiryInterval = 600;
        QVERIFY(client->send(d));
        std::string why;
        QVERIFY2(endedWith(awaitEnding(*client), Version::V5, ReasonCode::ProtocolError, why),
                 text(why));
        QVERIFY(BrokerFixture::waitFor([&] { return !sessionOnline(broker, "sneaky"); }));
    }

    // An expired session is gone: its queued messages are dropped, its subscriptions removed.
    void expiredSessionIsGone()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        auto client = connectClient(broker.port(), makeConnect("mortal", Version::V5, false, 30));
        auto publisher = connectClient(broker.port(), "mortal-pub");
        QVERIFY(client && publisher);
        QVERIFY(subscribeOk(*client, "mortal/t", 1));
        QVERIFY(client->disconnect());
        QVERIFY(publisher->publish("mortal/t", "queued", 1));
        clock.advance(31s);
        QVERIFY(BrokerFixture::waitFor([&] { return broker.broker().sessionCount() == 1; }));
        QVERIFY(publisher->publish("mortal/t", "nobody", 1));
        QCOMPARE(publisher->lastReasonCode(), std::uint8_t(0x10)); // no subscription left
        bool present = true;
        client = resume(broker.port(), "mortal", Version::V5, &present);
        QVERIFY(client);
        QVERIFY(!present);
        QVERIFY(client->receivesNothing(200ms));
    }

    // A full session queue drops per max_queue_messages and the overflow policy: the newest
    // arrivals (drop_newest) or the oldest queued (drop_oldest).
    void queueLimitFollowsOverflowPolicy_data()
    {
        QTest::addColumn<bool>("dropOldest");
        QTest::newRow("drop newest") << false;
        QTest::newRow("drop oldest") << true;
    }
    void queueLimitFollowsOverflowPolicy()
    {
        QFETCH(bool, dropOldest);
        core::Limits limits;
        limits.maxQueueMessages = 3;
        limits.queueOverflow =
            dropOldest ? core::OverflowPolicy::DropOldest : core::OverflowPolicy::DropNewest;
        BrokerFixture broker(limits);
        auto client = resume(broker.port(), "bounded", Version::V5);
        auto publisher = connectClient(broker.port(), "bounded-pub");
        QVERIFY(client && publisher);
        QVERIFY(subscribeOk(*client, "bounded/t", 1));
        QVERIFY(client->disconnect());
        for (int i = 0; i < 5; ++i) {
            QVERIFY(publisher->publish("bounded/t", std::to_string(i), 1));
        }
        QVERIFY(BrokerFixture::waitFor([&] { return queuedOf(broker, "bounded") == 3; }));
        client = resume(broker.port(), "bounded", Version::V5);
        QVERIFY(client);
        const auto received = client->receivePublishes(3);
        QCOMPARE(received.size(), std::size_t(3));
        const int first = dropOldest ? 2 : 0;
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(received[static_cast<std::size_t>(i)].payload, std::to_string(first + i));
        }
        QVERIFY(publisher->publish("bounded/t", "sentinel", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*client, "sentinel", why), text(why));
    }

    // A client that comes back with a smaller Receive Maximum than it had is not sent more
    // unacknowledged PUBLISHes than the new value, resends included (4.9, [MQTT-3.3.4-9]); the
    // rest follow as it acknowledges.
    void resendsRespectNewReceiveMaximum()
    {
        BrokerFixture broker;
        protocol::Connect wide = makeConnect("shrinking", Version::V5, false, 600);
        wide.properties.receiveMaximum = 10;
        auto client = connectClient(broker.port(), wide);
        auto publisher = connectClient(broker.port(), "shrinking-pub");
        QVERIFY(client && publisher);
        QVERIFY(subscribeOk(*client, "shrink/t", 1));
        for (int i = 0; i < 6; ++i) {
            QVERIFY(publisher->publish("shrink/t", std::to_string(i), 1));
        }
        for (int i = 0; i < 6; ++i) {
            QVERIFY(client->expect<protocol::Publish>()); // read, never acknowledged
        }
        client->close();

        protocol::Connect narrow = wide;
        narrow.properties.receiveMaximum = 2;
        client = connectClient(broker.port(), narrow);
        QVERIFY(client);
        auto first = client->expect<protocol::Publish>();
        auto second = client->expect<protocol::Publish>();
        QVERIFY(first && second);
        QVERIFY2(client->receivesNothing(300ms),
                 "more than Receive Maximum (2) unacknowledged PUBLISHes were sent");
        std::vector<std::string> payloads{first->payload, second->payload};
        protocol::Puback ack;
        ack.packetId = first->packetId;
        QVERIFY(client->send(ack));
        ack.packetId = second->packetId;
        QVERIFY(client->send(ack));
        for (const auto& p : client->receivePublishes(4)) {
            payloads.push_back(p.payload);
        }
        QCOMPARE(payloads, (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
    }

    // Packets sent right behind CONNECT, in the same write, are processed once the session is
    // resumed (the connection pauses while the session is fetched) and in order.
    void packetsPipelinedBehindConnect_data() { addVersionRows(); }
    void packetsPipelinedBehindConnect()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto client = resume(broker.port(), "pipeline", version);
        QVERIFY(client);
        QVERIFY(client->disconnect());

        // Reconnects land on the other worker, so the session has to move there first.
        MqttTestClient raw(broker.port(), version);
        QVERIFY(raw.open());
        std::string burst =
            protocol::encodeToString(makeConnect("pipeline", version, false, 600), version);
        burst += protocol::encodeToString(makeSubscribe("pipe/t", subscriptionOptions(1), 0, 1),
                                          version);
        burst += protocol::encodeToString(makePublish("pipe/t", "echo", 1, false, 2), version);
        burst += protocol::encodeToString(protocol::Pingreq{}, version);
        QVERIFY(raw.sendRaw(burst));
        auto connack = raw.expect<protocol::Connack>();
        QVERIFY2(connack, text(raw.lastError()));
        QVERIFY(connack->sessionPresent);
        QVERIFY(raw.expect<protocol::Suback>());
        // The echo and the PUBACK may come in either order; then the PINGRESP.
        bool gotEcho = false;
        bool gotPuback = false;
        for (int i = 0; i < 2; ++i) {
            auto packet = raw.receive();
            QVERIFY2(packet, text(raw.lastError()));
            gotEcho = gotEcho || std::holds_alternative<protocol::Publish>(*packet);
            gotPuback = gotPuback || std::holds_alternative<protocol::Puback>(*packet);
        }
        QVERIFY(gotEcho && gotPuback);
        QVERIFY(raw.expect<protocol::Pingresp>());
    }

    // A connection that goes away while its session is still being fetched from another worker
    // leaves the session intact (and the broker working).
    void connectionGoneBeforeSessionReady_data() { addVersionRows(); }
    void connectionGoneBeforeSessionReady()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto client = resume(broker.port(), "impatient", version);
        QVERIFY(client);
        QVERIFY(subscribeOk(*client, "impatient/t", 1));
        QVERIFY(client->disconnect());
        for (int i = 0; i < 10; ++i) { // land on both workers, close at once
            MqttTestClient hasty(broker.port(), version);
            QVERIFY(hasty.open());
            QVERIFY(hasty.send(makeConnect("impatient", version, false, 600)));
            hasty.close();
            // Let the broker finish with it: a CONNECT it read late would (rightly) take the
            // session over from the connection below.
            QVERIFY(BrokerFixture::waitFor([&] {
                const auto perWorker = connectionsPerWorker(broker);
                return perWorker[0] + perWorker[1] == 0;
            }));
        }
        bool present = false;
        client = resume(broker.port(), "impatient", version, &present);
        QVERIFY(client);
        QVERIFY(present);
        auto publisher = connectClient(broker.port(), "impatient-pub");
        QVERIFY(publisher);
        QVERIFY(publisher->publish("impatient/t", "still here", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*client, "still here", why), text(why));
    }

    // A session survives many reconnects that alternate between the workers: each message
    // published between two of them arrives.
    void sessionFollowsReconnectsAcrossWorkers_data() { addVersionRows(); }
    void sessionFollowsReconnectsAcrossWorkers()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "hop-pub");
        QVERIFY(publisher);
        auto client = resume(broker.port(), "hopper", version);
        QVERIFY(client);
        QVERIFY(subscribeOk(*client, "hop/t", 1));
        for (int round = 0; round < 6; ++round) {
            QVERIFY(publisher->publish("hop/t", std::to_string(round), 1));
            client.reset(); // drop; the next CONNECT takes over whatever the broker still holds
            bool present = false;
            client = resume(broker.port(), "hopper", version, &present);
            QVERIFY(client);
            QVERIFY(present);
            // The PUBACK for the previous round may not have been read before the takeover: a
            // redelivery of it (with DUP) is allowed at QoS 1, anything else is not.
            for (int attempt = 0;; ++attempt) {
                auto publish = client->receivePublish();
                QVERIFY2(publish, text(client->lastError()));
                if (publish->payload == std::to_string(round)) {
                    break;
                }
                QVERIFY2(
                    publish->dup && std::stoi(publish->payload) < round && attempt < 3,
                    text("unexpected " + publish->payload + " in round " + std::to_string(round)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestSystemSessions)
#include "TestSystemSessions.moc"
