// Decoder refusals: one row per rule of Codec.h, each with the reason code the spec assigns
// (Malformed Packet vs Protocol Error, spec 1.2 and 4.13) and the gist of the message.

#include <QtTest/QTest>

#include "broker/protocol/Codec.h"
#include "tests/protocol/CodecTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb::protocol;
using sb::test::bytes;

class TestCodecMalformed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void refuses_data();
    void refuses();
    void everyTruncatedSampleIsRefused_data();
    void everyTruncatedSampleIsRefused();
};

namespace {

void row(const char* name, Version version, const char* hexFrame, ReasonCode reason,
         const char* fragment)
{
    QTest::newRow(name) << version << bytes(hexFrame) << reason << QString::fromLatin1(fragment);
}

} // namespace

void TestCodecMalformed::refuses_data()
{
    QTest::addColumn<Version>("version");
    QTest::addColumn<std::string>("frame");
    QTest::addColumn<ReasonCode>("reason");
    QTest::addColumn<QString>("fragment"); // expected in the message

    constexpr Version v311 = Version::V311;
    constexpr Version v5 = Version::V5;
    constexpr ReasonCode malformed = ReasonCode::MalformedPacket;
    constexpr ReasonCode protocol = ReasonCode::ProtocolError;
    constexpr ReasonCode topicName = ReasonCode::TopicNameInvalid;
    constexpr ReasonCode version = ReasonCode::UnsupportedProtocolVersion;

    // ---- Framing and fixed header ----
    row("Remaining Length of 5 bytes", v5, "30 ff ff ff ff 7f", malformed, "longer than 4 bytes");
    row("frame ends inside the fixed header", v5, "30", malformed, "fixed header");
    row("frame shorter than its Remaining Length", v5, "30 05 00 01 74", malformed, "shorter");
    row("bytes after the packet", v5, "c0 00 00", malformed, "follow the packet");
    row("packet type 0 (5.0)", v5, "00 00", malformed, "type 0");
    row("packet type 0 (3.1.1)", v311, "00 00", malformed, "type 0");
    row("AUTH in 3.1.1", v311, "f0 00", malformed, "3.1.1");
    row("CONNECT flags 0001", v311, "11 0c 00 04 4d 51 54 54 04 02 00 00 00 00", malformed,
        "reserved fixed header flags");
    row("CONNACK flags 1000", v311, "28 02 00 00", malformed, "reserved fixed header flags");
    row("PUBACK flags 0010", v311, "42 02 00 01", malformed, "reserved fixed header flags");
    row("PUBREC flags 0001", v5, "51 02 00 01", malformed, "reserved fixed header flags");
    row("PUBREL flags 0000", v311, "60 02 00 01", malformed, "reserved fixed header flags");
    row("PUBCOMP flags 1000", v5, "78 02 00 01", malformed, "reserved fixed header flags");
    row("SUBSCRIBE flags 0000", v311, "80 06 00 01 00 01 74 00", malformed,
        "reserved fixed header flags");
    row("SUBACK flags 0010", v311, "92 03 00 01 00", malformed, "reserved fixed header flags");
    row("UNSUBSCRIBE flags 0000", v311, "a0 05 00 01 00 01 74", malformed,
        "reserved fixed header flags");
    row("UNSUBACK flags 0001", v311, "b1 02 00 01", malformed, "reserved fixed header flags");
    row("PINGREQ flags 0001", v5, "c1 00", malformed, "reserved fixed header flags");
    row("PINGRESP flags 0010", v5, "d2 00", malformed, "reserved fixed header flags");
    row("DISCONNECT flags 1000", v5, "e8 00", malformed, "reserved fixed header flags");
    row("AUTH flags 0001", v5, "f1 00", malformed, "reserved fixed header flags");

    // ---- PUBLISH ----
    row("PUBLISH QoS 3", v311, "36 05 00 01 74 00 01", malformed, "QoS is 3");
    row("PUBLISH DUP on QoS 0", v5, "38 04 00 01 74 00", malformed, "DUP");
    row("PUBLISH packet identifier 0", v311, "32 05 00 01 74 00 00", protocol,
        "packet identifier is 0");
    row("PUBLISH packet identifier truncated", v311, "32 04 00 01 74 00", malformed,
        "packet identifier");
    row("PUBLISH topic with '+'", v311, "30 05 00 03 61 2f 2b", topicName, "wildcard");
    row("PUBLISH topic with '#'", v5, "30 05 00 02 61 23 00", topicName, "wildcard");
    row("PUBLISH empty topic (3.1.1)", v311, "30 02 00 00", protocol, "empty");
    row("PUBLISH empty topic without Topic Alias (5.0)", v5, "30 03 00 00 00", protocol,
        "no Topic Alias");
    row("PUBLISH topic length missing", v311, "30 01 00", malformed, "topic name is truncated");
    row("PUBLISH topic truncated", v311, "30 03 00 05 61", malformed, "topic name is truncated");
    row("PUBLISH overlong UTF-8 in topic", v311, "30 04 00 02 c0 af", malformed, "UTF-8");
    row("PUBLISH surrogate in topic", v311, "30 05 00 03 ed a0 80", malformed, "UTF-8");
    row("PUBLISH U+0000 in topic", v311, "30 04 00 02 61 00", malformed, "U+0000");
    row("PUBLISH code point above U+10FFFF", v311, "30 06 00 04 f4 90 80 80", malformed, "UTF-8");
    row("PUBLISH property length missing", v5, "30 03 00 01 74", malformed, "property length");
    row("PUBLISH property length beyond the packet", v5, "30 04 00 01 74 05", malformed, "exceeds");
    row("PUBLISH property length of 5 bytes", v5, "30 08 00 01 74 ff ff ff ff 7f", malformed,
        "longer than 4 bytes");
    row("PUBLISH Topic Alias twice", v5, "30 0a 00 01 74 06 23 00 01 23 00 01", protocol,
        "more than once");
    row("PUBLISH Topic Alias 0", v5, "30 07 00 01 74 03 23 00 00", ReasonCode::TopicAliasInvalid,
        "Topic Alias");
    row("PUBLISH Session Expiry Interval", v5, "30 09 00 01 74 05 11 00 00 00 01", malformed,
        "not allowed");

    // ---- CONNECT ----
    row("CONNECT MQTT 3.1 (MQIsdp, level 3)", v311,
        "10 0e 00 06 4d 51 49 73 64 70 03 02 00 00 00 00", version, "MQIsdp");
    row("CONNECT level 3 named MQTT", v311, "10 0c 00 04 4d 51 54 54 03 02 00 00 00 00", version,
        "level 3");
    row("CONNECT level 6", v5, "10 0c 00 04 4d 51 54 54 06 02 00 00 00 00", version, "level 6");
    row("CONNECT protocol name in lower case", v5, "10 0c 00 04 6d 71 74 74 04 02 00 00 00 00",
        version, "protocol name");
    row("CONNECT protocol name truncated", v5, "10 03 00 04 4d", malformed, "protocol name");
    row("CONNECT protocol level missing", v5, "10 06 00 04 4d 51 54 54", malformed,
        "protocol level");
    row("CONNECT flags missing", v5, "10 07 00 04 4d 51 54 54 04", malformed, "connect flags");
    row("CONNECT reserved flag set", v311, "10 0c 00 04 4d 51 54 54 04 03 00 00 00 00", malformed,
        "reserved bit 0");
    row("CONNECT Will QoS 3", v311, "10 0c 00 04 4d 51 54 54 04 1e 00 00 00 00", malformed,
        "Will QoS is 3");
    row("CONNECT Will QoS without Will Flag", v311, "10 0c 00 04 4d 51 54 54 04 0a 00 00 00 00",
        malformed, "without the Will Flag");
    row("CONNECT Will Retain without Will Flag", v5, "10 0d 00 04 4d 51 54 54 05 22 00 00 00 00 00",
        malformed, "without the Will Flag");
    row("CONNECT password without user name (3.1.1)", v311,
        "10 10 00 04 4d 51 54 54 04 42 00 00 00 00 00 02 70 77", malformed, "password");
    row("CONNECT keep alive truncated", v311, "10 09 00 04 4d 51 54 54 04 02 00", malformed,
        "keep alive");
    row("CONNECT client identifier truncated", v311, "10 0d 00 04 4d 51 54 54 04 02 00 00 00 05 61",
        malformed, "client identifier");
    row("CONNECT client identifier not UTF-8", v311,
        "10 0e 00 04 4d 51 54 54 04 02 00 00 00 02 c0 80", malformed, "UTF-8");
    row("CONNECT Will Topic with a wildcard", v311,
        "10 13 00 04 4d 51 54 54 04 06 00 00 00 00 00 03 61 2f 2b 00 00", topicName, "wildcard");
    row("CONNECT Will Topic empty", v311, "10 10 00 04 4d 51 54 54 04 06 00 00 00 00 00 00 00 00",
        topicName, "empty");
    row("CONNECT Will Payload missing", v311, "10 0f 00 04 4d 51 54 54 04 06 00 00 00 00 00 01 77",
        malformed, "Will Payload");
    row("CONNECT user name missing", v311, "10 0c 00 04 4d 51 54 54 04 82 00 00 00 00", malformed,
        "user name");
    row("CONNECT user name not UTF-8", v311, "10 0f 00 04 4d 51 54 54 04 82 00 00 00 00 00 01 ff",
        malformed, "UTF-8");
    row("CONNECT password truncated", v5,
        "10 13 00 04 4d 51 54 54 05 c2 00 00 00 00 01 63 00 01 75 00 05", malformed, "password");
    row("CONNECT bytes after the payload", v311, "10 0d 00 04 4d 51 54 54 04 02 00 00 00 00 ff",
        malformed, "unexpected bytes");
    row("CONNECT Authentication Data without Method", v5,
        "10 11 00 04 4d 51 54 54 05 02 00 00 04 16 00 01 64 00 00", protocol,
        "Authentication Data");
    row("CONNECT Topic Alias property", v5, "10 10 00 04 4d 51 54 54 05 02 00 00 03 23 00 01 00 00",
        malformed, "not allowed");
    row("CONNECT Session Expiry Interval in the Will", v5,
        "10 18 00 04 4d 51 54 54 05 06 00 00 00 00 00 05 11 00 00 00 01 00 01 77 00 00", malformed,
        "CONNECT Will: property Session Expiry Interval");
    row("CONNECT properties missing (5.0)", v5, "10 0a 00 04 4d 51 54 54 05 02 00 00", malformed,
        "property length");

    // ---- CONNACK ----
    row("CONNACK return code 6 (3.1.1)", v311, "20 02 00 06", protocol, "reserved");
    row("CONNACK reserved acknowledge flags", v311, "20 02 02 00", malformed, "reserved bits");
    row("CONNACK session present on a refusal", v311, "20 02 01 05", protocol, "session present");
    row("CONNACK trailing byte (3.1.1)", v311, "20 03 00 00 00", malformed, "unexpected bytes");
    row("CONNACK truncated", v311, "20 01 00", malformed, "missing");
    row("CONNACK reason 0x01 (5.0)", v5, "20 03 00 01 00", protocol, "not defined");
    row("CONNACK without property length (5.0)", v5, "20 02 00 00", malformed, "property length");

    // ---- PUBACK, PUBREC, PUBREL, PUBCOMP ----
    row("PUBACK Remaining Length 3 (3.1.1)", v311, "40 03 00 01 00", malformed, "unexpected bytes");
    row("PUBACK packet identifier 0", v5, "40 02 00 00", protocol, "packet identifier is 0");
    row("PUBACK Remaining Length 1", v5, "40 01 00", malformed, "packet identifier");
    row("PUBACK Remaining Length 0", v311, "40 00", malformed, "packet identifier");
    row("PUBACK reason 0x92", v5, "40 03 00 01 92", protocol, "not defined");
    row("PUBREC reason 0x01", v5, "50 03 00 01 01", protocol, "not defined");
    row("PUBREL reason 0x10", v5, "62 03 00 01 10", protocol, "not defined");
    row("PUBCOMP reason 0x80", v5, "70 03 00 01 80", protocol, "not defined");
    row("PUBACK property length beyond the packet", v5, "40 04 00 01 00 03", malformed, "exceeds");
    row("PUBREL packet identifier 0 (3.1.1)", v311, "62 02 00 00", protocol,
        "packet identifier is 0");

    // ---- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK ----
    row("SUBSCRIBE without filters (3.1.1)", v311, "82 02 00 01", protocol, "no topic filter");
    row("SUBSCRIBE without filters (5.0)", v5, "82 03 00 01 00", protocol, "no topic filter");
    row("SUBSCRIBE packet identifier 0", v311, "82 06 00 00 00 01 74 00", protocol,
        "packet identifier is 0");
    row("SUBSCRIBE requested QoS upper bits (3.1.1)", v311, "82 06 00 01 00 01 74 04", malformed,
        "reserved bits");
    row("SUBSCRIBE requested QoS 3 (3.1.1)", v311, "82 06 00 01 00 01 74 03", malformed,
        "QoS is 3");
    row("SUBSCRIBE reserved option bits (5.0)", v5, "82 07 00 01 00 00 01 74 40", malformed,
        "reserved bits in subscription options are set");
    row("SUBSCRIBE maximum QoS 3 (5.0)", v5, "82 07 00 01 00 00 01 74 03", protocol, "QoS is 3");
    row("SUBSCRIBE Retain Handling 3", v5, "82 07 00 01 00 00 01 74 30", protocol,
        "Retain Handling");
    row("SUBSCRIBE No Local on a shared subscription", v5,
        "82 10 00 01 00 00 0a 24 73 68 61 72 65 2f 67 2f 74 04", protocol, "No Local");
    row("SUBSCRIBE options missing", v311, "82 05 00 01 00 01 74", malformed, "options missing");
    row("SUBSCRIBE filter not UTF-8", v311, "82 06 00 01 00 01 ff 00", malformed, "UTF-8");
    row("SUBSCRIBE two Subscription Identifiers", v5, "82 0b 00 01 04 0b 01 0b 02 00 01 74 00",
        protocol, "more than once");
    row("SUBSCRIBE second filter truncated", v311, "82 08 00 01 00 01 74 00 00 05", malformed,
        "truncated");
    row("SUBACK return code 3 (3.1.1)", v311, "90 03 00 01 03", protocol, "not defined");
    row("SUBACK reason 0x84 (5.0)", v5, "90 04 00 01 00 84", protocol, "not defined");
    row("SUBACK without reason codes", v311, "90 02 00 01", protocol, "no reason code");
    row("UNSUBSCRIBE without filters", v311, "a2 02 00 01", protocol, "no topic filter");
    row("UNSUBSCRIBE filter truncated", v311, "a2 05 00 01 00 05 61", malformed, "truncated");
    row("UNSUBSCRIBE Subscription Identifier", v5, "a2 08 00 01 02 0b 01 00 01 74", malformed,
        "not allowed");
    row("UNSUBACK with a payload (3.1.1)", v311, "b0 03 00 01 00", malformed, "unexpected bytes");
    row("UNSUBACK reason 0x10 (5.0)", v5, "b0 04 00 01 00 10", protocol, "not defined");
    row("UNSUBACK without reason codes (5.0)", v5, "b0 03 00 01 00", protocol, "no reason code");

    // ---- PINGREQ, PINGRESP, DISCONNECT, AUTH ----
    row("PINGREQ with a body", v311, "c0 01 00", malformed, "Remaining Length is not 0");
    row("PINGRESP with a body", v5, "d0 01 00", malformed, "Remaining Length is not 0");
    row("DISCONNECT with a reason code (3.1.1)", v311, "e0 01 00", malformed, "unexpected bytes");
    row("DISCONNECT reason 0x05", v5, "e0 01 05", protocol, "not defined");
    row("DISCONNECT Topic Alias", v5, "e0 05 00 03 23 00 01", malformed, "not allowed");
    row("DISCONNECT byte after the properties", v5, "e0 03 00 00 00", malformed,
        "unexpected bytes");
    row("AUTH Remaining Length 1", v5, "f0 01 18", malformed, "property length");
    row("AUTH reason 0x01", v5, "f0 02 01 00", protocol, "not defined");
    row("AUTH without Authentication Method", v5, "f0 02 18 00", protocol, "Authentication Method");
    row("AUTH two Authentication Methods", v5, "f0 0a 18 08 15 00 01 6d 15 00 01 6d", protocol,
        "more than once");
}

void TestCodecMalformed::refuses()
{
    QFETCH(Version, version);
    QFETCH(std::string, frame);
    QFETCH(ReasonCode, reason);
    QFETCH(QString, fragment);

    const DecodeResult decoded = decodeFrame(frame, version);
    QVERIFY2(!decoded.hasValue(), decoded ? sb::test::describe(*decoded).c_str() : "");
    QCOMPARE(decoded.error().reason, reason);
    const std::string& message = decoded.error().message;
    QVERIFY2(message.find(fragment.toStdString()) != std::string::npos, message.c_str());
}

void TestCodecMalformed::everyTruncatedSampleIsRefused_data()
{
    QTest::addColumn<Version>("version");
    QTest::addColumn<std::string>("frame");
    for (const sb::test::SampleFrame& sample : sb::test::sampleFrames()) {
        const std::string name =
            std::string(sb::test::versionName(sample.version)) + " " + sample.name;
        QTest::newRow(name.c_str()) << sample.version << sample.bytes;
    }
}

void TestCodecMalformed::everyTruncatedSampleIsRefused()
{
    QFETCH(Version, version);
    QFETCH(std::string, frame);
    // Every proper prefix is shorter than its fixed header says.
    for (std::size_t size = 0; size < frame.size(); ++size) {
        const DecodeResult decoded = decodeFrame(std::string_view(frame).substr(0, size), version);
        QVERIFY(!decoded.hasValue());
        QCOMPARE(decoded.error().reason, ReasonCode::MalformedPacket);
    }
    // A body cut short with a Remaining Length that agrees: refused unless what is left is
    // itself a complete packet, which must then re-encode to a valid frame.
    FixedHeader header;
    QCOMPARE(sb::protocol::parseFixedHeader(frame, header), FrameStatus::Complete);
    const std::string_view body = std::string_view(frame).substr(header.headerSize);
    for (std::size_t size = 0; size < body.size(); ++size) {
        FixedHeader shorter = header;
        shorter.remainingLength = static_cast<std::uint32_t>(size);
        const DecodeResult decoded = decode(shorter, body.substr(0, size), version);
        if (decoded) {
            QVERIFY(decodeFrame(encodeToString(*decoded, version), version).hasValue());
        } else {
            QVERIFY(!decoded.error().message.empty());
            QVERIFY(isError(decoded.error().reason));
        }
    }
}

QTEST_APPLESS_MAIN(TestCodecMalformed)
#include "TestCodecMalformed.moc"
