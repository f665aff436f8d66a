// MQTT 5.0 properties over real sockets: Message Expiry, Topic Aliases both ways, Receive Maximum
// and Maximum Packet Size both ways, application properties passed through unchanged, and
// Request Response Information.

#include <map>

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using protocol::ReasonCode;

namespace {

constexpr const char* kSentinelTopic = "zz/sentinel";

protocol::Properties applicationProperties()
{
    protocol::Properties p;
    p.payloadFormatIndicator = 1;
    p.contentType = "application/json; charset=utf-8";
    p.responseTopic = "replies/for/me";
    p.correlationData = std::string("\x00\x01\xff\xfe corr", 9); // binary, with zero bytes
    p.userProperties = {{"b", "2"}, {"a", "1"}, {"b", "again"}, {"", ""}}; // order, duplicates
    return p;
}

} // namespace

class TestSystemProperties : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // A message queued for an offline session is forwarded with the time it has left
    // (3.3.2.3.3); one that expired while queued is not delivered.
    void messageExpiryCountedDownWhileQueued()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        auto subscriber = connectClient(broker.port(), "exp-sub", Version::V5, false, 300);
        auto publisher = connectClient(broker.port(), "exp-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "exp/t", 1));
        QVERIFY(subscriber->disconnect());

        protocol::Properties shortLived;
        shortLived.messageExpiryInterval = 3;
        protocol::Properties longLived;
        longLived.messageExpiryInterval = 10;
        QVERIFY(publisher->publish("exp/t", "short", 1, false, shortLived));
        QVERIFY(publisher->publish("exp/t", "long", 1, false, longLived));
        QVERIFY(publisher->publish("exp/t", "forever", 1));
        clock.advance(4s);

        subscriber = connectClient(broker.port(), "exp-sub", Version::V5, false, 300);
        QVERIFY(subscriber);
        auto first = subscriber->receivePublish();
        QVERIFY2(first, text(subscriber->lastError()));
        QCOMPARE(first->payload, std::string("long"));
        QCOMPARE(first->properties.messageExpiryInterval.value_or(0), std::uint32_t(6));
        auto second = subscriber->receivePublish();
        QVERIFY(second);
        QCOMPARE(second->payload, std::string("forever"));
        QVERIFY(!second->properties.messageExpiryInterval.has_value());
    }

    // Expiry applies only until onward delivery starts [MQTT-3.3.2-5], [MQTT-4.3.3-7]: a message
    // sent and not acknowledged is resent after a reconnect even if its interval ran out
    // meanwhile ([MQTT-4.4.0-1]), with DUP and its packet id.
    void expiredInflightStillResent_data()
    {
        QTest::addColumn<int>("qos");
        QTest::newRow("qos1") << 1;
        QTest::newRow("qos2") << 2;
    }
    void expiredInflightStillResent()
    {
        QFETCH(int, qos);
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        auto subscriber = connectClient(broker.port(), "late-sub", Version::V5, false, 300);
        auto publisher = connectClient(broker.port(), "late-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "late/t", static_cast<std::uint8_t>(qos)));
        protocol::Properties p;
        p.messageExpiryInterval = 5;
        QVERIFY(publisher->publish("late/t", "started", static_cast<std::uint8_t>(qos), false, p));
        auto sent = subscriber->expect<protocol::Publish>(); // onward delivery has started
        QVERIFY(sent);
        subscriber->close();
        QVERIFY(BrokerFixture::waitFor([&] { return sessionOnline(broker, "late-sub") == false; }));
        clock.advance(10s);

        subscriber = connectClient(broker.port(), "late-sub", Version::V5, false, 300);
        QVERIFY(subscriber);
        auto resent = subscriber->receivePublish();
        QVERIFY2(resent, "an unacknowledged PUBLISH was not resent because it had expired");
        QVERIFY(resent->dup);
        QCOMPARE(resent->packetId, sent->packetId);
        QCOMPARE(resent->payload, std::string("started"));
    }

    // A live message is forwarded with its Message Expiry Interval (none of it has passed).
    void messageExpiryForwardedLive()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        auto subscriber = connectClient(broker.port(), "live-sub");
        auto publisher = connectClient(broker.port(), "live-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "live/t", 1));
        protocol::Properties p;
        p.messageExpiryInterval = 120;
        QVERIFY(publisher->publish("live/t", "x", 1, false, p));
        auto publish = subscriber->receivePublish();
        QVERIFY(publish);
        QCOMPARE(publish->properties.messageExpiryInterval.value_or(0), std::uint32_t(120));
    }

    // Client -> server Topic Alias: set with a topic, then used with an empty topic, then
    // remapped; subscribers see the full topic and no alias.
    void topicAliasFromClient()
    {
        core::Limits limits;
        limits.topicAliasMaximum = 2;
        BrokerFixture broker(limits);
        auto subscriber = connectClient(broker.port(), "alias-sub");
        auto publisher = connectClient(broker.port(), "alias-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "alias/#", 1));

        auto send = [&](const std::string& topic, const std::string& payload) {
            protocol::Publish p = makePublish(topic, payload, 1);
            p.properties.topicAlias = 2;
            return publisher->publish(p);
        };
        QVERIFY(send("alias/one", "set"));
        QVERIFY(send("", "used"));
        QVERIFY(send("alias/two", "remapped"));
        QVERIFY(send("", "used again"));

        const std::pair<const char*, const char*> expected[] = {{"alias/one", "set"},
                                                                {"alias/one", "used"},
                                                                {"alias/two", "remapped"},
                                                                {"alias/two", "used again"}};
        for (const auto& [topic, payload] : expected) {
            auto publish = subscriber->receivePublish();
            QVERIFY2(publish, text(subscriber->lastError()));
            QCOMPARE(publish->topic, std::string(topic));
            QCOMPARE(publish->payload, std::string(payload));
            QVERIFY(!publish->properties.topicAlias.has_value());
        }
    }

    // Bad inbound aliases end the connection: above Topic Alias Maximum or 0 -> 0x94; an alias
    // used before it was set -> 0x82.
    void badTopicAliasDisconnects_data()
    {
        QTest::addColumn<int>("alias");
        QTest::addColumn<QByteArray>("topic");
        QTest::addColumn<int>("reason");
        QTest::newRow("above maximum") << 3 << QByteArray("a/t") << 0x94;
        QTest::newRow("zero") << 0 << QByteArray("a/t") << 0x94;
        QTest::newRow("unset alias") << 1 << QByteArray("") << 0x82;
    }
    void badTopicAliasDisconnects()
    {
        QFETCH(int, alias);
        QFETCH(QByteArray, topic);
        QFETCH(int, reason);
        core::Limits limits;
        limits.topicAliasMaximum = 2;
        BrokerFixture broker(limits);
        auto client = connectClient(broker.port(), "bad-alias");
        QVERIFY(client);
        protocol::Publish p = makePublish(topic.toStdString(), "x", 0);
        p.properties.topicAlias = static_cast<std::uint16_t>(alias);
        QVERIFY(client->send(p));
        std::string why;
        QVERIFY2(endedWith(awaitEnding(*client), Version::V5, static_cast<ReasonCode>(reason), why),
                 text(why));
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // Server -> client Topic Alias: with Topic Alias Maximum 2, the first PUBLISH on a topic
    // carries topic and alias, later ones an empty topic and the alias; a third topic, with the
    // aliases used up, goes with its full name.
    void topicAliasToClient()
    {
        BrokerFixture broker;
        protocol::Connect c = makeConnect("alias-to");
        c.properties.topicAliasMaximum = 2;
        auto subscriber = connectClient(broker.port(), c);
        auto publisher = connectClient(broker.port(), "alias-to-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "to/#", 1));
        for (const char* topic : {"to/a", "to/a", "to/b", "to/a", "to/b", "to/c", "to/c"}) {
            QVERIFY(publisher->publish(topic, topic, 1));
        }
        std::map<std::string, std::uint16_t> aliases;
        for (const char* topic : {"to/a", "to/a", "to/b", "to/a", "to/b", "to/c", "to/c"}) {
            auto publish = subscriber->receivePublish();
            QVERIFY2(publish, text(subscriber->lastError()));
            QCOMPARE(publish->payload, std::string(topic));
            const std::string name(topic);
            if (name == "to/c") {
                QCOMPARE(publish->topic, name); // no alias left for it
                QVERIFY(!publish->properties.topicAlias.has_value());
                continue;
            }
            QVERIFY(publish->properties.topicAlias.has_value());
            const std::uint16_t alias = *publish->properties.topicAlias;
            QVERIFY(alias >= 1 && alias <= 2);
            if (aliases.count(name) == 0) {
                QCOMPARE(publish->topic, name); // first use: sets the alias
                aliases[name] = alias;
            } else {
                QCOMPARE(publish->topic, std::string()); // later: the alias stands for it
                QCOMPARE(alias, aliases[name]);
            }
        }
        QVERIFY(aliases["to/a"] != aliases["to/b"]);
    }

    // A client that did not allow aliases never gets one.
    void noTopicAliasWithoutClientMaximum()
    {
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "no-alias");
        auto publisher = connectClient(broker.port(), "no-alias-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "na/t", 0));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(publisher->publish("na/t", "x", 0));
            auto publish = subscriber->receivePublish();
            QVERIFY(publish);
            QCOMPARE(publish->topic, std::string("na/t"));
            QVERIFY(!publish->properties.topicAlias.has_value());
        }
    }

    // Inbound Receive Maximum: a client with more unanswered QoS 2 publishes than we announced
    // is disconnected with 0x93 (QoS 1 is answered at once and never piles up).
    void receiveMaximumExceededDisconnects()
    {
        core::Limits limits;
        limits.receiveMaximum = 2;
        BrokerFixture broker(limits);
        auto client = connectClient(broker.port(), "greedy");
        QVERIFY(client);
        for (std::uint16_t id = 1; id <= 20; ++id) { // QoS 1: each PUBACK frees the slot
            QVERIFY(client->publish(makePublish("rm/t", "q1", 1, false, id)));
        }
        QVERIFY(client->send(makePublish("rm/t", "1", 2, false, 31)));
        QCOMPARE(client->receiveFrame().value_or(""), bytes("50 03 00 1f 10"));
        QVERIFY(client->send(makePublish("rm/t", "2", 2, false, 32)));
        QCOMPARE(client->receiveFrame().value_or(""), bytes("50 03 00 20 10"));
        // A resend of an unreleased id is not a new slot.
        auto resend = makePublish("rm/t", "2", 2, false, 32);
        resend.dup = true;
        QVERIFY(client->send(resend));
        QVERIFY(client->receiveFrame().has_value());
        QVERIFY(client->send(makePublish("rm/t", "3", 2, false, 33)));
        std::string why;
        QVERIFY2(
            endedWith(awaitEnding(*client), Version::V5, ReasonCode::ReceiveMaximumExceeded, why),
            text(why));
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // Releasing a QoS 2 slot (PUBREL/PUBCOMP) lets the client use it again.
    void receiveMaximumSlotFreedByPubrel()
    {
        core::Limits limits;
        limits.receiveMaximum = 1;
        BrokerFixture broker(limits);
        auto client = connectClient(broker.port(), "careful");
        QVERIFY(client);
        for (int i = 0; i < 5; ++i) {
            QVERIFY2(client->publish("rm/t", "x", 2), text(client->lastError()));
        }
        QVERIFY(client->ping());
    }

    // Outbound Receive Maximum: a client that allows 2 gets at most 2 unacknowledged messages;
    // each acknowledgement lets the next one go, in order.
    void receiveMaximumOfClientRespected_data()
    {
        QTest::addColumn<int>("qos");
        QTest::newRow("qos1") << 1;
        QTest::newRow("qos2") << 2;
    }
    void receiveMaximumOfClientRespected()
    {
        QFETCH(int, qos);
        BrokerFixture broker;
        protocol::Connect c = makeConnect("slow");
        c.properties.receiveMaximum = 2;
        auto subscriber = connectClient(broker.port(), c);
        auto publisher = connectClient(broker.port(), "fast");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "flow/t", static_cast<std::uint8_t>(qos)));
        for (int i = 1; i <= 5; ++i) {
            QVERIFY(
                publisher->publish("flow/t", std::to_string(i), static_cast<std::uint8_t>(qos)));
        }
        auto one = subscriber->expect<protocol::Publish>();
        auto two = subscriber->expect<protocol::Publish>();
        QVERIFY(one && two);
        QCOMPARE(one->payload, std::string("1"));
        QCOMPARE(two->payload, std::string("2"));
        QVERIFY(subscriber->receivesNothing(300ms)); // the window is full
        QCOMPARE(inflightOf(broker, "slow"), std::size_t(2));

        // Complete the first one; exactly one more is sent.
        if (qos == 1) {
            protocol::Puback ack;
            ack.packetId = one->packetId;
            QVERIFY(subscriber->send(ack));
        } else {
            protocol::Pubrec rec;
            rec.packetId = one->packetId;
            QVERIFY(subscriber->send(rec));
            QVERIFY(subscriber->expect<protocol::Pubrel>());
            // Still in the window until PUBCOMP.
            QVERIFY(subscriber->receivesNothing(200ms));
            protocol::Pubcomp comp;
            comp.packetId = one->packetId;
            QVERIFY(subscriber->send(comp));
        }
        auto three = subscriber->expect<protocol::Publish>();
        QVERIFY2(three, text(subscriber->lastError()));
        QCOMPARE(three->payload, std::string("3"));
        QCOMPARE(inflightOf(broker, "slow"), std::size_t(2));
    }

    // Inbound Maximum Packet Size: a packet over the announced size ends the connection with
    // 0x95; one exactly at the size is fine.
    void packetOverOurMaximumDisconnects()
    {
        core::Limits limits;
        limits.maxPacketSize = 128;
        BrokerFixture broker(limits);
        auto client = connectClient(broker.port(), "big-sender");
        QVERIFY(client);
        // PUBLISH QoS 0, topic "t": 2 header + 3 topic + 1 property length + payload.
        const std::string atLimit = std::string(128 - 2 - 3 - 1, 'x');
        QCOMPARE(protocol::encodeToString(makePublish("t", atLimit), Version::V5).size(),
                 std::size_t(128));
        QVERIFY(client->send(makePublish("t", atLimit)));
        QVERIFY(client->ping());
        QVERIFY(client->send(makePublish("t", atLimit + "x")));
        std::string why;
        QVERIFY2(endedWith(awaitEnding(*client), Version::V5, ReasonCode::PacketTooLarge, why),
                 text(why));
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // Outbound Maximum Packet Size: a message bigger than a client's limit is not sent to it
    // (and does not block what follows), while other subscribers still get it.
    void messageOverClientMaximumSkipped_data()
    {
        QTest::addColumn<int>("qos");
        QTest::newRow("qos0") << 0;
        QTest::newRow("qos1") << 1;
    }
    void messageOverClientMaximumSkipped()
    {
        QFETCH(int, qos);
        BrokerFixture broker;
        protocol::Connect c = makeConnect("small");
        c.properties.maximumPacketSize = 64;
        c.properties.receiveMaximum = 1; // a stuck message would block everything after it
        auto small = connectClient(broker.port(), c);
        auto big = connectClient(broker.port(), "big");
        auto publisher = connectClient(broker.port(), "mps-pub");
        QVERIFY(small && big && publisher);
        const auto q = static_cast<std::uint8_t>(qos);
        QVERIFY(subscribeOk(*small, "mps/t", q));
        QVERIFY(subscribeOk(*big, "mps/t", q));
        QVERIFY(publisher->publish("mps/t", std::string(100, 'B'), q));
        QVERIFY(publisher->publish("mps/t", "small", q));
        std::string why;
        QVERIFY2(nextPayloadIs(*small, "small", why), text(why));
        QVERIFY2(nextPayloadIs(*big, std::string(100, 'B'), why), text(why));
        QVERIFY2(nextPayloadIs(*big, "small", why), text(why));
    }

    // Payload Format Indicator, Content Type, Response Topic, Correlation Data and User
    // Properties reach the subscriber unchanged, live, from a queue and from the retained store.
    void applicationPropertiesPassThrough_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("qos");
        QTest::newRow("live qos0") << QByteArray("live") << 0;
        QTest::newRow("live qos2") << QByteArray("live") << 2;
        QTest::newRow("queued qos1") << QByteArray("queued") << 1;
        QTest::newRow("retained qos1") << QByteArray("retained") << 1;
    }
    void applicationPropertiesPassThrough()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, qos);
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "props-pub");
        QVERIFY(publisher);
        const auto q = static_cast<std::uint8_t>(qos);
        const protocol::Properties sent = applicationProperties();
        std::unique_ptr<MqttTestClient> subscriber;
        if (path == "retained") {
            QVERIFY(publisher->publish("props/t", "payload", q, true, sent));
            subscriber = connectClient(broker.port(), "props-sub");
            QVERIFY(subscriber);
            QVERIFY(subscribeOk(*subscriber, "props/t", q));
        } else {
            subscriber = connectClient(broker.port(), "props-sub", Version::V5, false, 300);
            QVERIFY(subscriber);
            QVERIFY(subscribeOk(*subscriber, "props/t", q));
            if (path == "queued") {
                QVERIFY(subscriber->disconnect());
            }
            QVERIFY(publisher->publish("props/t", "payload", q, false, sent));
            if (path == "queued") {
                subscriber = connectClient(broker.port(), "props-sub", Version::V5, false, 300);
                QVERIFY(subscriber);
            }
        }
        auto publish = subscriber->receivePublish();
        QVERIFY2(publish, text(subscriber->lastError()));
        QCOMPARE(publish->payload, std::string("payload"));
        QCOMPARE(publish->properties, sent); // nothing added, dropped or reordered
    }

    // A 3.1.1 subscriber gets a plain 3.1.1 PUBLISH of a 5.0 message: every property left out,
    // byte-exact.
    void propertiesLeftOutFor311Subscriber()
    {
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "old-sub", Version::V311);
        auto publisher = connectClient(broker.port(), "new-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "t", 0));
        protocol::Properties p = applicationProperties();
        p.messageExpiryInterval = 60;
        QVERIFY(publisher->publish("t", "x", 1, false, p));
        QCOMPARE(subscriber->receiveFrame().value_or(""), bytes("30 04 00 01 74 78"));
    }

    // Request Response Information 1 gets Response Information in CONNACK; 0 or absent does not.
    void requestResponseInformation_data()
    {
        QTest::addColumn<int>("request"); // -1: property absent
        QTest::newRow("requested") << 1;
        QTest::newRow("declined") << 0;
        QTest::newRow("absent") << -1;
    }
    void requestResponseInformation()
    {
        QFETCH(int, request);
        BrokerFixture broker;
        protocol::Connect c = makeConnect("asker");
        if (request >= 0) {
            c.properties.requestResponseInformation = static_cast<std::uint8_t>(request);
        }
        std::optional<protocol::Connack> connack;
        auto client = connectClient(broker.port(), c, nullptr, &connack);
        QVERIFY(client);
        QCOMPARE(connack->properties.responseInformation.has_value(), request == 1);
        if (request == 1) {
            QVERIFY(!connack->properties.responseInformation->empty());
            // The client can use it: a topic under it works for publish and subscribe.
            const std::string topic = *connack->properties.responseInformation + "reply";
            QVERIFY(subscribeOk(*client, topic, 1));
            auto responder = connectClient(broker.port(), "responder");
            QVERIFY(responder);
            QVERIFY(responder->publish(topic, "answer", 1));
            std::string why;
            QVERIFY2(nextPayloadIs(*client, "answer", why), text(why));
        }
    }
};

QTEST_GUILESS_MAIN(TestSystemProperties)
#include "TestSystemProperties.moc"
