// Protocol violations over real sockets, as exact bytes: the broker answers what the spec asks
// (5.0: DISCONNECT with the reason code, or CONNACK for a bad CONNECT; 3.1.1: close), and after
// every bad input a new client is still served (the broker neither crashed nor hung).

#include <random>

#include <QtTest/QTest>

#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using protocol::ReasonCode;

namespace {

// CONNECT for client id "abc", clean start, keep alive 60.
constexpr const char* kConnect5 = "10 10 00 04 4d 51 54 54 05 02 00 3c 00 00 03 61 62 63";
constexpr const char* kConnect311 = "10 0f 00 04 4d 51 54 54 04 02 00 3c 00 03 61 62 63";

} // namespace

class TestSystemMalformed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // After CONNACK: each violation gets DISCONNECT <reason> then a close in 5.0, a close with
    // nothing sent in 3.1.1.
    void violationAfterConnect_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("reason");
        struct Row
        {
            const char* name;
            const char* v5;   // bytes for a 5.0 connection (null: not applicable)
            const char* v311; // bytes for a 3.1.1 connection (null: not applicable)
            ReasonCode reason;
        };
        const Row rows[] = {
            // Remaining Length with a fifth continuation byte (1.5.5).
            {"remaining length of 5 bytes", "30 ff ff ff ff ff", "30 ff ff ff ff ff",
             ReasonCode::MalformedPacket},
            {"remaining length over maximum packet size", "30 ff ff ff 7f", "30 ff ff ff 7f",
             ReasonCode::PacketTooLarge},
            // Topic "a" + 0xC3 0x28 (a broken two-byte sequence).
            {"invalid UTF-8 in topic", "30 07 00 03 61 c3 28 00 78", "30 06 00 03 61 c3 28 78",
             ReasonCode::MalformedPacket},
            {"U+0000 in topic", "30 06 00 02 61 00 00 78", "30 05 00 02 61 00 78",
             ReasonCode::MalformedPacket},
            {"UTF-16 surrogate in topic", "30 07 00 03 ed a0 80 00 78", "30 06 00 03 ed a0 80 78",
             ReasonCode::MalformedPacket},
            // [MQTT-3.3.2-2]: no wildcards in a topic name; 5.0 has a code for it (0x90).
            {"'+' in PUBLISH topic", "30 06 00 03 61 2f 2b 00", "30 05 00 03 61 2f 2b",
             ReasonCode::TopicNameInvalid},
            {"'#' in PUBLISH topic", "30 06 00 03 61 2f 23 00", "30 05 00 03 61 2f 23",
             ReasonCode::TopicNameInvalid},
            {"empty topic without alias", "30 03 00 00 00", "30 02 00 00",
             ReasonCode::ProtocolError},
            {"second CONNECT", kConnect5, kConnect311, ReasonCode::ProtocolError},
            {"reserved packet type 0", "00 00", "00 00", ReasonCode::MalformedPacket},
            {"CONNACK from a client", "20 03 00 00 00", "20 02 00 00", ReasonCode::ProtocolError},
            {"SUBACK from a client", "90 04 00 01 00 00", "90 03 00 01 00",
             ReasonCode::ProtocolError},
            {"UNSUBACK from a client", "b0 04 00 01 00 00", "b0 02 00 01",
             ReasonCode::ProtocolError},
            {"PINGRESP from a client", "d0 00", "d0 00", ReasonCode::ProtocolError},
            // Fixed-header flags (2.1.3).
            {"SUBSCRIBE with flags 0", "80 09 00 01 00 00 03 61 2f 62 01",
             "80 08 00 01 00 03 61 2f 62 01", ReasonCode::MalformedPacket},
            {"UNSUBSCRIBE with flags 0", "a0 08 00 01 00 00 03 61 2f 62",
             "a0 07 00 01 00 03 61 2f 62", ReasonCode::MalformedPacket},
            {"PUBREL with flags 0", "60 02 00 01", "60 02 00 01", ReasonCode::MalformedPacket},
            {"PINGREQ with flags 1", "c1 00", "c1 00", ReasonCode::MalformedPacket},
            {"DISCONNECT with flags 8", "e8 00", "e8 00", ReasonCode::MalformedPacket},
            {"PUBLISH with QoS 3", "36 08 00 01 74 00 01 00 78 78", "36 07 00 01 74 00 01 78 78",
             ReasonCode::MalformedPacket},
            {"PUBLISH with DUP on QoS 0", "38 05 00 01 74 00 78", "38 04 00 01 74 78",
             ReasonCode::MalformedPacket},
            {"PINGREQ with a body", "c0 01 00", "c0 01 00", ReasonCode::MalformedPacket},
            {"QoS 1 PUBLISH with packet id 0", "32 07 00 01 74 00 00 00 78",
             "32 06 00 01 74 00 00 78", ReasonCode::ProtocolError},
            {"SUBSCRIBE without filter", "82 03 00 01 00", "82 02 00 01",
             ReasonCode::ProtocolError},
            {"UNSUBSCRIBE without filter", "a2 03 00 01 00", "a2 02 00 01",
             ReasonCode::ProtocolError},
            {"SUBSCRIBE truncated after filter", "82 08 00 01 00 00 03 61 2f 62",
             "82 07 00 01 00 03 61 2f 62", ReasonCode::MalformedPacket},
            // 3.1.1 SUBSCRIBE with QoS 3 is malformed; 5.0 calls it a Protocol Error.
            {"SUBSCRIBE QoS 3", "82 09 00 01 00 00 03 61 2f 62 03", nullptr,
             ReasonCode::ProtocolError},
            {"SUBSCRIBE QoS 3 (3.1.1)", nullptr, "82 08 00 01 00 03 61 2f 62 03",
             ReasonCode::MalformedPacket},
            {"SUBSCRIBE reserved option bits", "82 09 00 01 00 00 03 61 2f 62 c1",
             "82 08 00 01 00 03 61 2f 62 c1", ReasonCode::MalformedPacket},
            {"SUBSCRIBE Retain Handling 3", "82 09 00 01 00 00 03 61 2f 62 31", nullptr,
             ReasonCode::ProtocolError},
            // 3.8.2.1.2: "It is a Protocol Error if the Subscription Identifier has a value of 0".
            {"Subscription Identifier 0", "82 0b 00 01 02 0b 00 00 03 61 2f 62 01", nullptr,
             ReasonCode::ProtocolError},
            {"Subscription Identifier in client PUBLISH", "30 07 00 01 74 02 0b 01 78", nullptr,
             ReasonCode::ProtocolError},
            {"property not allowed in PUBLISH", "30 09 00 01 74 05 11 00 00 00 0a", nullptr,
             ReasonCode::MalformedPacket},
            {"Topic Alias 0", "30 08 00 01 74 03 23 00 00 78", nullptr,
             ReasonCode::TopicAliasInvalid},
            {"DISCONNECT with an undefined reason", "e0 01 03", nullptr, ReasonCode::ProtocolError},
            {"AUTH without authentication method", "f0 00", nullptr, ReasonCode::ProtocolError},
            {"AUTH in 3.1.1", nullptr, "f0 00", ReasonCode::MalformedPacket},
        };
        for (const Row& row : rows) {
            if (row.v311 != nullptr) {
                QTest::newRow((std::string("mqtt311 ") + row.name).c_str())
                    << Version::V311 << QByteArray(row.v311) << static_cast<int>(row.reason);
            }
            if (row.v5 != nullptr) {
                QTest::newRow((std::string("mqtt5 ") + row.name).c_str())
                    << Version::V5 << QByteArray(row.v5) << static_cast<int>(row.reason);
            }
        }
    }
    void violationAfterConnect()
    {
        QFETCH(Version, version);
        QFETCH(QByteArray, input);
        QFETCH(int, reason);
        BrokerFixture broker;
        auto client = connectClient(broker.port(), "offender", version);
        QVERIFY(client);
        QVERIFY(client->sendRaw(bytes(input.toStdString())));
        std::string why;
        QVERIFY2(endedWith(awaitEnding(*client), version, static_cast<ReasonCode>(reason), why),
                 text(why));
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // Anything but CONNECT first: the connection is closed and nothing at all is sent (no
    // CONNACK may precede a CONNECT; the client's version is not even known), 3.1.0-1 / 4.8.0.
    void packetBeforeConnect_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::newRow("PINGREQ") << QByteArray("c0 00");
        QTest::newRow("PUBLISH") << QByteArray("30 05 00 01 74 00 78");
        QTest::newRow("SUBSCRIBE") << QByteArray("82 09 00 01 00 00 03 61 2f 62 01");
        QTest::newRow("DISCONNECT") << QByteArray("e0 00");
        QTest::newRow("CONNACK") << QByteArray("20 02 00 00");
        QTest::newRow("reserved type 0") << QByteArray("00 00");
        QTest::newRow("remaining length of 5 bytes") << QByteArray("30 ff ff ff ff ff");
        QTest::newRow("PINGREQ with flags 1") << QByteArray("c1 00");
        QTest::newRow("PUBLISH with QoS 3") << QByteArray("36 07 00 01 74 00 01 78 78");
        QTest::newRow("huge remaining length") << QByteArray("30 ff ff ff 7f");
    }
    void packetBeforeConnect()
    {
        QFETCH(QByteArray, input);
        BrokerFixture broker;
        MqttTestClient client(broker.port());
        QVERIFY(client.open());
        QVERIFY(client.sendRaw(bytes(input.toStdString())));
        std::string received;
        QVERIFY2(client.waitClosedRaw(5s, received), "not closed");
        QCOMPARE(received, std::string());
        std::string why;
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // A bad CONNECT: 5.0 gets CONNACK with the reason then a close; 3.1.1 gets its return code
    // where 3.1.1 has one (unacceptable protocol version: 1), else just a close.
    void badConnect_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("answer");
        // 5.0 with the reserved connect flag (bit 0) set: Malformed.
        QTest::newRow("mqtt5 reserved flag")
            << QByteArray("10 10 00 04 4d 51 54 54 05 03 00 3c 00 00 03 61 62 63")
            << QByteArray("20 03 00 81 00");
        QTest::newRow("mqtt311 reserved flag")
            << QByteArray("10 0f 00 04 4d 51 54 54 04 03 00 3c 00 03 61 62 63") << QByteArray("");
        // Will QoS 3.
        QTest::newRow("mqtt5 will qos 3")
            << QByteArray("10 16 00 04 4d 51 54 54 05 1e 00 3c 00 00 03 61 62 63 00 00 01 74 00 00")
            << QByteArray("20 03 00 81 00");
        // A wildcard in the Will Topic: Topic Name invalid.
        QTest::newRow("mqtt5 will topic with wildcard")
            << QByteArray("10 16 00 04 4d 51 54 54 05 06 00 3c 00 00 03 61 62 63 00 00 01 23 00 00")
            << QByteArray("20 03 00 90 00");
        QTest::newRow("mqtt311 will topic with wildcard")
            << QByteArray("10 14 00 04 4d 51 54 54 04 06 00 3c 00 03 61 62 63 00 01 23 00 00")
            << QByteArray("");
        // Protocol levels we do not speak.
        QTest::newRow("MQTT 3.1 (MQIsdp, level 3)")
            << QByteArray("10 11 00 06 4d 51 49 73 64 70 03 02 00 3c 00 03 61 62 63")
            << QByteArray("20 02 00 01");
        QTest::newRow("level 6") << QByteArray(
                                        "10 10 00 04 4d 51 54 54 06 02 00 3c 00 00 03 61 62 63")
                                 << QByteArray("20 03 00 84 00");
        // Invalid UTF-8 in the client id.
        QTest::newRow("mqtt5 client id not UTF-8")
            << QByteArray("10 10 00 04 4d 51 54 54 05 02 00 3c 00 00 03 61 c3 28")
            << QByteArray("20 03 00 81 00");
        QTest::newRow("mqtt311 client id not UTF-8")
            << QByteArray("10 0f 00 04 4d 51 54 54 04 02 00 3c 00 03 61 c3 28") << QByteArray("");
        // Receive Maximum 0 and Maximum Packet Size 0 are Protocol Errors (3.1.2.11.3/4).
        QTest::newRow("mqtt5 receive maximum 0")
            << QByteArray("10 13 00 04 4d 51 54 54 05 02 00 3c 03 21 00 00 00 03 61 62 63")
            << QByteArray("20 03 00 82 00");
        QTest::newRow("mqtt5 maximum packet size 0")
            << QByteArray("10 15 00 04 4d 51 54 54 05 02 00 3c 05 27 00 00 00 00 00 03 61 62 63")
            << QByteArray("20 03 00 82 00");
        // Enhanced authentication is not supported: Bad authentication method.
        QTest::newRow("mqtt5 authentication method")
            << QByteArray("10 15 00 04 4d 51 54 54 05 02 00 3c 05 15 00 02 6b 38 00 03 61 62 63")
            << QByteArray("20 03 00 8c 00");
    }
    void badConnect()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, answer);
        BrokerFixture broker;
        MqttTestClient client(broker.port());
        QVERIFY(client.open());
        QVERIFY(client.sendRaw(bytes(input.toStdString())));
        std::string received;
        QVERIFY2(client.waitClosedRaw(5s, received), "not closed");
        // A CONNACK may carry a Reason String: compare the fixed part and the reason code.
        const std::string expected = bytes(answer.toStdString());
        if (expected.size() == 5 && received.size() >= 5) {
            QCOMPARE(received.substr(0, 1), expected.substr(0, 1));
            QCOMPARE(received.substr(2, 2), expected.substr(2, 2));
            auto decoded = protocol::decodeFrame(received, Version::V5);
            QVERIFY2(decoded, text(hex(received)));
        } else {
            QCOMPARE(received, expected);
        }
        std::string why;
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // A topic deeper than max_topic_levels: a 5.0 QoS 1/2 PUBLISH is answered 0x90 and the
    // connection stays; QoS 0 (no answer possible) and 3.1.1 end the connection.
    void tooDeepTopicRefused_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<int>("qos");
        QTest::newRow("mqtt5 qos1") << Version::V5 << 1;
        QTest::newRow("mqtt5 qos2") << Version::V5 << 2;
        QTest::newRow("mqtt5 qos0") << Version::V5 << 0;
        QTest::newRow("mqtt311 qos1") << Version::V311 << 1;
    }
    void tooDeepTopicRefused()
    {
        QFETCH(Version, version);
        QFETCH(int, qos);
        core::Limits limits;
        limits.maxTopicLevels = 3;
        BrokerFixture broker(limits);
        auto client = connectClient(broker.port(), "deep", version);
        QVERIFY(client);
        const auto q = static_cast<std::uint8_t>(qos);
        QVERIFY(client->send(makePublish("a/b/c/d", "deep", q, false, q ? 4 : 0)));
        std::string why;
        if (version == Version::V5 && qos > 0) {
            QCOMPARE(client->receiveFrame().value_or(""),
                     bytes(qos == 1 ? "40 03 00 04 90" : "50 03 00 04 90"));
            QVERIFY(client->publish("a/b/c", "shallow", 1)); // three levels are fine
        } else {
            QVERIFY2(endedWith(awaitEnding(*client), version, ReasonCode::TopicNameInvalid, why),
                     text(why));
        }
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // A frame cut short, then the socket closed: nothing breaks.
    void truncatedFrameThenClose_data() { addVersionRows(); }
    void truncatedFrameThenClose()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        {
            auto client = connectClient(broker.port(), "truncator", version);
            QVERIFY(client);
            QVERIFY(client->sendRaw(bytes("30 7f 00 03 61 2f 62"))); // 127 announced, 5 sent
            QVERIFY(client->receivesNothing(100ms)); // the broker waits for the rest
        }
        std::string why;
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // Seeded random garbage, before and after CONNECT, on many connections: the broker
    // survives it all (ASan builds make this a memory-safety check of the decoder path).
    void randomGarbageSurvived()
    {
        BrokerFixture broker;
        std::mt19937 random(20261121);
        for (int round = 0; round < 60; ++round) {
            MqttTestClient client(broker.port());
            QVERIFY(client.open());
            if (round % 2 == 1) {
                QVERIFY(client.sendRaw(bytes(round % 4 == 1 ? kConnect5 : kConnect311)));
            }
            std::string garbage(1 + random() % 64, '\0');
            for (char& c : garbage) {
                c = static_cast<char>(random());
            }
            client.sendRaw(garbage); // may fail if the broker already closed: that is fine
            // Either the broker closes or it waits for more; do not wait long for either.
            std::string ignored;
            client.waitClosedRaw(20ms, ignored);
        }
        std::string why;
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }
};

QTEST_GUILESS_MAIN(TestSystemMalformed)
#include "TestSystemMalformed.moc"
