// PUBLISH over real sockets: QoS 0/1/2 with their whole handshakes in both directions, exactly
// once for QoS 2 (a resend before PUBREL is not routed again), and DUP on redelivery after a
// reconnect.

#include <QtTest/QTest>

#include "broker/core/ClientConnection.h"
#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;

class TestSystemPublish : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // Each QoS pair: the publisher's handshake completes byte-exactly, the subscriber gets
    // min(publish, granted) QoS and completes its own handshake, after which nothing is resent.
    void handshakesBothWays_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<int>("publishQos");
        QTest::addColumn<int>("grantedQos");
        for (const Version v : {Version::V311, Version::V5}) {
            for (int pub = 0; pub <= 2; ++pub) {
                for (int sub = 0; sub <= 2; ++sub) {
                    const std::string name = std::string(v == Version::V5 ? "mqtt5" : "mqtt311") +
                                             " publish qos" + std::to_string(pub) + " granted qos" +
                                             std::to_string(sub);
                    QTest::newRow(name.c_str()) << v << pub << sub;
                }
            }
        }
    }
    void handshakesBothWays()
    {
        QFETCH(Version, version);
        QFETCH(int, publishQos);
        QFETCH(int, grantedQos);
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "hs-sub", version, false, 300);
        auto publisher = connectClient(broker.port(), "hs-pub", version);
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "hs/t", static_cast<std::uint8_t>(grantedQos)));
        QVERIFY(subscribeOk(*subscriber, "hs/sentinel", 1));

        // Publisher side, byte by byte: PUBLISH, then PUBACK or PUBREC/PUBREL/PUBCOMP with id 7.
        const auto qos = static_cast<std::uint8_t>(publishQos);
        QVERIFY(publisher->send(makePublish("hs/t", "payload", qos, false, qos ? 7 : 0)));
        if (qos == 1) {
            QCOMPARE(publisher->receiveFrame().value_or(""), bytes("40 02 00 07"));
        } else if (qos == 2) {
            QCOMPARE(publisher->receiveFrame().value_or(""), bytes("50 02 00 07"));
            QVERIFY(publisher->sendRaw(bytes("62 02 00 07")));
            QCOMPARE(publisher->receiveFrame().value_or(""), bytes("70 02 00 07"));
        }

        // Subscriber side.
        const auto delivered = static_cast<std::uint8_t>(std::min(publishQos, grantedQos));
        auto publish = subscriber->expect<protocol::Publish>();
        QVERIFY2(publish, text(subscriber->lastError()));
        QCOMPARE(publish->payload, std::string("payload"));
        QCOMPARE(publish->topic, std::string("hs/t"));
        QCOMPARE(publish->qos, delivered);
        QVERIFY(!publish->dup);
        QVERIFY(!publish->retain);
        if (delivered == 0) {
            QCOMPARE(publish->packetId, std::uint16_t(0));
        } else {
            QVERIFY(publish->packetId != 0);
        }
        const std::string id = packetIdBytes(publish->packetId);
        if (delivered == 1) {
            QVERIFY(subscriber->sendRaw(bytes("40 02") + id));
        } else if (delivered == 2) {
            QVERIFY(subscriber->sendRaw(bytes("50 02") + id));
            QCOMPARE(subscriber->receiveFrame().value_or(""), bytes("62 02") + id);
            QVERIFY(subscriber->sendRaw(bytes("70 02") + id));
        }
        // The handshake is complete: nothing stays in flight...
        QVERIFY(BrokerFixture::waitFor([&] { return inflightOf(broker, "hs-sub") == 0; }));
        // ...so a reconnect resends nothing, and the next message is the sentinel.
        subscriber.reset();
        subscriber = connectClient(broker.port(), "hs-sub", version, false, 300);
        QVERIFY(subscriber);
        QVERIFY(publisher->publish("hs/sentinel", "sentinel", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*subscriber, "sentinel", why), text(why));
    }

    // A QoS 2 PUBLISH resent (DUP) before PUBREL is answered PUBREC again but delivered once;
    // after PUBCOMP the same packet id starts a new message.
    void qos2ResendBeforePubrelDeliveredOnce_data() { addVersionRows(); }
    void qos2ResendBeforePubrelDeliveredOnce()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "eo-sub", version);
        auto publisher = connectClient(broker.port(), "eo-pub", version);
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "eo/t", 2));

        auto message = makePublish("eo/t", "once", 2, false, 9);
        QVERIFY(publisher->send(message));
        QCOMPARE(publisher->receiveFrame().value_or(""), bytes("50 02 00 09"));
        message.dup = true;
        for (int resend = 0; resend < 3; ++resend) {
            QVERIFY(publisher->send(message));
            QCOMPARE(publisher->receiveFrame().value_or(""), bytes("50 02 00 09"));
        }
        QVERIFY(publisher->sendRaw(bytes("62 02 00 09")));
        QCOMPARE(publisher->receiveFrame().value_or(""), bytes("70 02 00 09"));

        // The same id again, after PUBCOMP: a new message.
        QVERIFY(publisher->publish(makePublish("eo/t", "twice", 2, false, 9)));

        auto first = subscriber->receivePublish();
        QVERIFY2(first, text(subscriber->lastError()));
        QCOMPARE(first->payload, std::string("once"));
        auto second = subscriber->receivePublish();
        QVERIFY2(second, text(subscriber->lastError()));
        QCOMPARE(second->payload, std::string("twice")); // not "once" a second time
    }

    // PUBREL for an id the broker does not hold: PUBCOMP 0x92 in 5.0, a plain PUBCOMP in 3.1.1.
    void pubrelForUnknownId_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<QByteArray>("pubcomp");
        QTest::newRow("mqtt311") << Version::V311 << QByteArray("70 02 00 2a");
        QTest::newRow("mqtt5") << Version::V5 << QByteArray("70 03 00 2a 92");
    }
    void pubrelForUnknownId()
    {
        QFETCH(Version, version);
        QFETCH(QByteArray, pubcomp);
        BrokerFixture broker;
        auto client = connectClient(broker.port(), "stray", version);
        QVERIFY(client);
        QVERIFY(client->sendRaw(bytes("62 02 00 2a")));
        QCOMPARE(client->receiveFrame().value_or(""), bytes(pubcomp.toStdString()));
        QVERIFY(client->ping()); // still connected
    }

    // QoS 1 with nobody subscribed: 5.0 PUBACK says 0x10 (No matching subscribers).
    void noMatchingSubscribers_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<QByteArray>("puback");
        QTest::newRow("mqtt311") << Version::V311 << QByteArray("40 02 00 05");
        QTest::newRow("mqtt5") << Version::V5 << QByteArray("40 03 00 05 10");
    }
    void noMatchingSubscribers()
    {
        QFETCH(Version, version);
        QFETCH(QByteArray, puback);
        BrokerFixture broker;
        auto client = connectClient(broker.port(), "lonely", version);
        QVERIFY(client);
        QVERIFY(client->send(makePublish("nobody/listens", "x", 1, false, 5)));
        QCOMPARE(client->receiveFrame().value_or(""), bytes(puback.toStdString()));
    }

    // A QoS 1/2 message the subscriber did not acknowledge is resent after a reconnect with DUP
    // set and the same packet id; once acknowledged it is not sent again.
    void dupOnRedeliveryAfterReconnect_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<int>("qos");
        QTest::newRow("mqtt311 qos1") << Version::V311 << 1;
        QTest::newRow("mqtt311 qos2") << Version::V311 << 2;
        QTest::newRow("mqtt5 qos1") << Version::V5 << 1;
        QTest::newRow("mqtt5 qos2") << Version::V5 << 2;
    }
    void dupOnRedeliveryAfterReconnect()
    {
        QFETCH(Version, version);
        QFETCH(int, qos);
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "dup-sub", version, false, 300);
        auto publisher = connectClient(broker.port(), "dup-pub", version);
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "dup/#", 2));
        QVERIFY(publisher->publish("dup/t", "again", static_cast<std::uint8_t>(qos)));

        auto first = subscriber->expect<protocol::Publish>();
        QVERIFY2(first, text(subscriber->lastError()));
        QVERIFY(!first->dup);
        subscriber->close(); // network drop, no acknowledgement

        subscriber = connectClient(broker.port(), "dup-sub", version, false, 300);
        QVERIFY(subscriber);
        auto resent = subscriber->receivePublish(); // acknowledges this time
        QVERIFY2(resent, text(subscriber->lastError()));
        QVERIFY(resent->dup);
        QCOMPARE(resent->packetId, first->packetId);
        QCOMPARE(resent->qos, first->qos);
        QCOMPARE(resent->payload, std::string("again"));

        QVERIFY(publisher->publish("dup/sentinel", "sentinel", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*subscriber, "sentinel", why), text(why));
    }

    // QoS 2 outbound: after PUBREC the broker holds only the PUBREL; a reconnect resends PUBREL,
    // never the PUBLISH.
    void pubrelResentAfterReconnect_data() { addVersionRows(); }
    void pubrelResentAfterReconnect()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "rel-sub", version, false, 300);
        auto publisher = connectClient(broker.port(), "rel-pub", version);
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "rel/t", 2));
        QVERIFY(publisher->publish("rel/t", "exactly once", 2));

        auto publish = subscriber->expect<protocol::Publish>();
        QVERIFY2(publish, text(subscriber->lastError()));
        protocol::Pubrec pubrec;
        pubrec.packetId = publish->packetId;
        QVERIFY(subscriber->send(pubrec));
        auto pubrel = subscriber->expect<protocol::Pubrel>();
        QVERIFY(pubrel);
        subscriber->close(); // before PUBCOMP

        subscriber = connectClient(broker.port(), "rel-sub", version, false, 300);
        QVERIFY(subscriber);
        auto again = subscriber->expect<protocol::Pubrel>();
        QVERIFY2(again, text(subscriber->lastError()));
        QCOMPARE(again->packetId, publish->packetId);
        protocol::Pubcomp pubcomp;
        pubcomp.packetId = publish->packetId;
        QVERIFY(subscriber->send(pubcomp));
        QVERIFY(BrokerFixture::waitFor([&] { return inflightOf(broker, "rel-sub") == 0; }));
        QVERIFY(publisher->publish("rel/t", "sentinel", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*subscriber, "sentinel", why), text(why));
    }

    // The inbound exactly-once state belongs to the session: a publisher that reconnects and
    // resends its unreleased QoS 2 PUBLISH (DUP) does not get it delivered twice.
    void inboundQos2SurvivesReconnect_data() { addVersionRows(); }
    void inboundQos2SurvivesReconnect()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "in2-sub", version);
        auto publisher = connectClient(broker.port(), "in2-pub", version, false, 300);
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "in2/t", 2));
        auto message = makePublish("in2/t", "once", 2, false, 3);
        QVERIFY(publisher->send(message));
        QCOMPARE(publisher->receiveFrame().value_or(""), bytes("50 02 00 03"));
        publisher->close();

        publisher = connectClient(broker.port(), "in2-pub", version, false, 300);
        QVERIFY(publisher);
        message.dup = true;
        QVERIFY(publisher->send(message));
        QCOMPARE(publisher->receiveFrame().value_or(""), bytes("50 02 00 03"));
        QVERIFY(publisher->sendRaw(bytes("62 02 00 03")));
        QCOMPARE(publisher->receiveFrame().value_or(""), bytes("70 02 00 03"));
        QVERIFY(publisher->publish("in2/t", "sentinel", 2));

        std::string why;
        QVERIFY2(nextPayloadIs(*subscriber, "once", why), text(why));
        QVERIFY2(nextPayloadIs(*subscriber, "sentinel", why), text(why));
    }

    // One publisher's messages of one QoS reach a subscriber in the order sent (4.6: order is
    // promised per topic and QoS), and each exactly once.
    void orderKeptPerQos_data() { addVersionRows(); }
    void orderKeptPerQos()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "ord-sub", version);
        auto publisher = connectClient(broker.port(), "ord-pub", version);
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "ord/t", 2));
        constexpr int kCount = 60;
        for (int i = 0; i < kCount; ++i) {
            QVERIFY(
                publisher->publish("ord/t", std::to_string(i), static_cast<std::uint8_t>(i % 3)));
        }
        const auto received = subscriber->receivePublishes(kCount);
        QCOMPARE(received.size(), std::size_t(kCount));
        int last[3] = {-1, -1, -1};
        for (const auto& publish : received) {
            const int i = std::stoi(publish.payload);
            QCOMPARE(publish.qos, static_cast<std::uint8_t>(i % 3));
            QVERIFY2(i > last[i % 3], text("out of order: " + publish.payload));
            last[i % 3] = i;
        }
    }

    // A payload close to the 1 MiB packet limit crosses many TCP reads and writes intact, both
    // ways, at QoS 1.
    void largePayloadRoundTrip()
    {
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "big-sub");
        auto publisher = connectClient(broker.port(), "big-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "big/t", 1));
        std::string payload(1000 * 1000, '\0');
        for (std::size_t i = 0; i < payload.size(); ++i) {
            payload[i] = static_cast<char>((i * 131) % 251);
        }
        QVERIFY(publisher->publish("big/t", payload, 1));
        auto publish = subscriber->receivePublish(10s);
        QVERIFY2(publish, text(subscriber->lastError()));
        QVERIFY(publish->payload == payload);
    }

    // A subscriber that stops reading: QoS 1 messages wait in its session while its output is
    // backed up, and all arrive, in order, once it reads again.
    void backedUpSubscriberGetsEverythingInOrder()
    {
        core::Limits limits;
        limits.maxPendingOutputBytes = 64 * 1024;
        BrokerFixture broker(limits);
        // A small, fixed receive buffer: the kernel cannot absorb the flood on our behalf.
        auto subscriber = std::make_unique<MqttTestClient>(broker.port());
        subscriber->setReceiveBufferSize(32 * 1024);
        QVERIFY(subscriber->connect("stalled"));
        auto publisher = connectClient(broker.port(), "flood");
        QVERIFY(publisher);
        QVERIFY(subscribeOk(*subscriber, "flood/t", 1));
        constexpr int kCount = 400;
        const std::string filler(20 * 1024, 'f'); // 8 MB: beyond what the socket buffers hold
        for (int i = 0; i < kCount; ++i) {
            QVERIFY(publisher->publish("flood/t", std::to_string(i) + ":" + filler, 1));
        }
        QVERIFY2(queuedOf(broker, "stalled") > 0, "the output never backed up");
        for (int i = 0; i < kCount; ++i) {
            auto publish = subscriber->receivePublish();
            QVERIFY2(publish,
                     text("message " + std::to_string(i) + ": " + subscriber->lastError()));
            QCOMPARE(publish->payload.substr(0, publish->payload.find(':')), std::to_string(i));
        }
    }

    // A publisher paused by backpressure holds its own connection alive (nothing of Asio's does
    // while it is not reading). Stopping the broker at that moment must still free it, whichever
    // comes first on the workers: the stop's disconnects, or the resume that the subscriber's
    // leaving posts (when the publisher is disconnected first, only Transport::abandon() at the
    // forced stop lets it go; the order is the workers', so this test cannot choose it).
    void stopReleasesPublisherPausedByBackpressure()
    {
        std::unique_ptr<MqttTestClient> subscriber;
        std::unique_ptr<MqttTestClient> publisher;
        std::weak_ptr<core::ClientConnection> paused;
        {
            // A subscriber that never acknowledges: 2 messages in flight, then its queue backs
            // up past half of 40, and publishers to it pause (for up to kBackpressureBreaker).
            core::Limits limits;
            limits.maxInflight = 2;
            limits.maxQueueMessages = 40;
            BrokerFixture broker(limits);
            subscriber = connectClient(broker.port(), "stalled");
            QVERIFY(subscriber);
            QVERIFY(subscribeOk(*subscriber, "flood/t", 1));
            publisher = connectClient(broker.port(), "flood");
            QVERIFY(publisher);
            for (int i = 0; i < 200 && paused.expired(); ++i) {
                // QoS 1 (the subscriber's queue holds only QoS 1/2), acknowledgements unread.
                const auto packetId = static_cast<std::uint16_t>(i + 1);
                QVERIFY(
                    publisher->send(makePublish("flood/t", std::to_string(i), 1, false, packetId)));
                broker.server().runOnEveryWorker([&](core::Shard& shard) {
                    shard.forEachConnection([&](core::ClientConnection& c) {
                        if (c.clientId() == "flood" && c.isThrottled()) {
                            paused = c.weak_from_this();
                        }
                    });
                });
            }
            QVERIFY2(!paused.expired(), "the publisher was never paused");
        } // the broker stops here, the clients still connected
        QVERIFY(paused.expired());
    }

    // A client subscribed to what it publishes gets its own message back (No Local unset).
    void ownMessageEchoedWithoutNoLocal_data() { addVersionRows(); }
    void ownMessageEchoedWithoutNoLocal()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto client = connectClient(broker.port(), "echo", version);
        QVERIFY(client);
        QVERIFY(subscribeOk(*client, "echo/t", 1));
        QVERIFY(client->send(makePublish("echo/t", "me", 0)));
        std::string why;
        QVERIFY2(nextPayloadIs(*client, "me", why), text(why));
    }
};

QTEST_GUILESS_MAIN(TestSystemPublish)
#include "TestSystemPublish.moc"
