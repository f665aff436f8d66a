// Encoder: byte-exact frames for every packet type in both versions, sizes, short forms.

#include <QtTest/QTest>

#include "broker/protocol/Codec.h"
#include "tests/protocol/CodecTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb::protocol;
using sb::test::bytes;
using sb::test::hexOf;

class TestCodecEncode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void encodesSampleFrames_data();
    void encodesSampleFrames();
    void appendsToExistingBuffer();
    void encodePublishMatchesEncode_data();
    void encodePublishMatchesEncode();
    void shortForms_data();
    void shortForms();
    void leavesOutPropertiesTheVersionOrPacketCannotCarry_data();
    void leavesOutPropertiesTheVersionOrPacketCannotCarry();
    void subscriptionOptionsIn311_data();
    void subscriptionOptionsIn311();
    void remainingLengthGrows_data();
    void remainingLengthGrows();
    void variableByteInteger_data();
    void variableByteInteger();
};

void TestCodecEncode::encodesSampleFrames_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<Version>("version");
    QTest::addColumn<std::string>("expected");
    for (const sb::test::SampleFrame& frame : sb::test::sampleFrames()) {
        const std::string name =
            std::string(sb::test::versionName(frame.version)) + " " + frame.name;
        QTest::newRow(name.c_str()) << frame.packet << frame.version << frame.bytes;
    }
}

void TestCodecEncode::encodesSampleFrames()
{
    QFETCH(Packet, packet);
    QFETCH(Version, version);
    QFETCH(std::string, expected);

    QCOMPARE(hexOf(encodeToString(packet, version)), hexOf(expected));
    QCOMPARE(encodedSize(packet, version), expected.size());
}

void TestCodecEncode::appendsToExistingBuffer()
{
    std::string out = "prefix";
    encode(Pingreq{}, Version::V5, out);
    encode(Puback{9, 0, {}}, Version::V311, out);
    QCOMPARE(hexOf(out), hexOf("prefix" + bytes("c0 00 40 02 00 09")));
}

void TestCodecEncode::encodePublishMatchesEncode_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<Version>("version");
    for (const sb::test::SampleFrame& frame : sb::test::sampleFrames()) {
        if (std::holds_alternative<Publish>(frame.packet)) {
            const std::string name =
                std::string(sb::test::versionName(frame.version)) + " " + frame.name;
            QTest::newRow(name.c_str()) << frame.packet << frame.version;
        }
    }
}

void TestCodecEncode::encodePublishMatchesEncode()
{
    QFETCH(Packet, packet);
    QFETCH(Version, version);
    const Publish& publish = std::get<Publish>(packet);

    std::string viaPublish;
    encodePublish(publish, version, viaPublish);
    QCOMPARE(hexOf(viaPublish), hexOf(encodeToString(packet, version)));
    QCOMPARE(encodedPublishSize(publish, version), viaPublish.size());
}

void TestCodecEncode::shortForms_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<std::string>("expected");

    Properties reason;
    reason.reasonString = "r";
    QTest::newRow("PUBACK success, no properties: no reason code")
        << Packet(Puback{5, 0, {}}) << bytes("40 02 00 05");
    QTest::newRow("PUBACK error, no properties: no property length")
        << Packet(Puback{5, 0x97, {}}) << bytes("40 03 00 05 97");
    QTest::newRow("PUBACK success with properties: full form")
        << Packet(Puback{5, 0, reason}) << bytes("40 08 00 05 00 04 1f 00 01 72");
    QTest::newRow("PUBREC error, no properties")
        << Packet(Pubrec{6, 0x80, {}}) << bytes("50 03 00 06 80");
    QTest::newRow("PUBREL success") << Packet(Pubrel{7, 0, {}}) << bytes("62 02 00 07");
    QTest::newRow("PUBCOMP not found") << Packet(Pubcomp{8, 0x92, {}}) << bytes("70 03 00 08 92");
    QTest::newRow("DISCONNECT normal: Remaining Length 0")
        << Packet(Disconnect{}) << bytes("e0 00");
    QTest::newRow("DISCONNECT error, no properties")
        << Packet(Disconnect{0x8e, {}}) << bytes("e0 01 8e");
    QTest::newRow("DISCONNECT normal with properties")
        << Packet(Disconnect{0, reason}) << bytes("e0 06 00 04 1f 00 01 72");
    QTest::newRow("AUTH success: Remaining Length 0") << Packet(Auth{}) << bytes("f0 00");
    QTest::newRow("AUTH re-authenticate keeps the property length")
        << Packet(Auth{0x19, {}}) << bytes("f0 02 19 00");
    // Only properties the packet may carry count: a Topic Alias is left out of a PUBACK, so the
    // short form still applies.
    Properties topicAlias;
    topicAlias.topicAlias = 4;
    QTest::newRow("PUBACK with only a disallowed property")
        << Packet(Puback{5, 0, topicAlias}) << bytes("40 02 00 05");
}

void TestCodecEncode::shortForms()
{
    QFETCH(Packet, packet);
    QFETCH(std::string, expected);
    QCOMPARE(hexOf(encodeToString(packet, Version::V5)), hexOf(expected));
    QCOMPARE(encodedSize(packet, Version::V5), expected.size());
}

void TestCodecEncode::leavesOutPropertiesTheVersionOrPacketCannotCarry_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<Version>("version");
    QTest::addColumn<std::string>("expected");

    Publish publish{false, 1, false, "t", 2, {}, "x"};
    publish.properties.messageExpiryInterval = 5;
    publish.properties.userProperties = {{"k", "v"}};
    QTest::newRow("3.1.1 PUBLISH drops all properties")
        << Packet(publish) << Version::V311 << bytes("32 06 00 01 74 00 02 78");

    Publish disallowed{false, 0, false, "t", 0, {}, ""};
    disallowed.properties.sessionExpiryInterval = 5; // CONNECT/CONNACK/DISCONNECT only
    disallowed.properties.receiveMaximum = 1;        // CONNECT/CONNACK only
    QTest::newRow("5.0 PUBLISH drops CONNECT properties")
        << Packet(disallowed) << Version::V5 << bytes("30 04 00 01 74 00");

    Connect connect;
    connect.version = Version::V311;
    connect.clientId = "c";
    connect.properties.sessionExpiryInterval = 5;
    Will will{"w", "", 0, false, {}};
    will.properties.willDelayInterval = 5;
    connect.will = will;
    QTest::newRow("3.1.1 CONNECT drops properties and will properties")
        << Packet(connect) << Version::V5
        << bytes("10 12 00 04 4d 51 54 54 04 06 00 00 00 01 63 00 01 77 00 00");

    Will willWithTopicAlias{"w", "", 0, false, {}};
    willWithTopicAlias.properties.topicAlias = 1; // not a will property
    Connect v5Connect;
    v5Connect.clientId = "c";
    v5Connect.will = willWithTopicAlias;
    QTest::newRow("5.0 will drops Topic Alias")
        << Packet(v5Connect) << Version::V5
        << bytes("10 14 00 04 4d 51 54 54 05 06 00 00 00 00 01 63 00 00 01 77 00 00");

    Suback suback{3, {0}, {}};
    suback.properties.reasonString = "r";
    QTest::newRow("3.1.1 SUBACK drops reason string")
        << Packet(suback) << Version::V311 << bytes("90 03 00 03 00");

    Unsuback unsuback{4, {0x11}, {}};
    QTest::newRow("3.1.1 UNSUBACK has no payload")
        << Packet(unsuback) << Version::V311 << bytes("b0 02 00 04");

    QTest::newRow("3.1.1 DISCONNECT drops reason code")
        << Packet(Disconnect{0x8e, {}}) << Version::V311 << bytes("e0 00");

    QTest::newRow("3.1.1 PUBACK drops reason code")
        << Packet(Puback{1, 0x10, {}}) << Version::V311 << bytes("40 02 00 01");
}

void TestCodecEncode::leavesOutPropertiesTheVersionOrPacketCannotCarry()
{
    QFETCH(Packet, packet);
    QFETCH(Version, version);
    QFETCH(std::string, expected);
    QCOMPARE(hexOf(encodeToString(packet, version)), hexOf(expected));
    QCOMPARE(encodedSize(packet, version), expected.size());
}

void TestCodecEncode::subscriptionOptionsIn311_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<std::string>("expected");
    Subscribe subscribe;
    subscribe.packetId = 1;
    subscribe.subscriptions = {{"t", {2, true, true, RetainHandling::DoNotSend}}};
    QTest::newRow("only the requested QoS is written")
        << Packet(subscribe) << bytes("82 06 00 01 00 01 74 02");
}

void TestCodecEncode::subscriptionOptionsIn311()
{
    QFETCH(Packet, packet);
    QFETCH(std::string, expected);
    QCOMPARE(hexOf(encodeToString(packet, Version::V311)), hexOf(expected));
}

void TestCodecEncode::remainingLengthGrows_data()
{
    QTest::addColumn<int>("payloadSize");
    QTest::addColumn<std::string>("expectedHeader");
    // Body = 2 + 1 (topic "t") + 1 (property length) + payload.
    QTest::newRow("123: one byte") << 123 << bytes("30 7f");
    QTest::newRow("124: two bytes") << 124 << bytes("30 80 01");
    QTest::newRow("16379: two bytes") << 16379 << bytes("30 ff 7f");
    QTest::newRow("16380: three bytes") << 16380 << bytes("30 80 80 01");
    QTest::newRow("2097148: four bytes") << 2097148 << bytes("30 80 80 80 01");
}

void TestCodecEncode::remainingLengthGrows()
{
    QFETCH(int, payloadSize);
    QFETCH(std::string, expectedHeader);
    const Publish publish{
        false, 0, false, "t", 0, {}, std::string(static_cast<std::size_t>(payloadSize), 'p')};

    std::string out;
    encodePublish(publish, Version::V5, out);
    QCOMPARE(out.size(), expectedHeader.size() + 4 + static_cast<std::size_t>(payloadSize));
    QCOMPARE(hexOf(out.substr(0, expectedHeader.size())), hexOf(expectedHeader));
    QCOMPARE(encodedPublishSize(publish, Version::V5), out.size());

    const DecodeResult decoded = decodeFrame(out, Version::V5);
    QVERIFY2(decoded.hasValue(), decoded ? "" : decoded.error().message.c_str());
    QCOMPARE(std::get<Publish>(*decoded).payload.size(), static_cast<std::size_t>(payloadSize));
}

void TestCodecEncode::variableByteInteger_data()
{
    QTest::addColumn<quint32>("value");
    QTest::addColumn<std::string>("expected");
    // Spec 1.5.5, table 1-1: the boundaries of each length.
    QTest::newRow("0") << quint32{0} << bytes("00");
    QTest::newRow("127") << quint32{127} << bytes("7f");
    QTest::newRow("128") << quint32{128} << bytes("80 01");
    QTest::newRow("16383") << quint32{16383} << bytes("ff 7f");
    QTest::newRow("16384") << quint32{16384} << bytes("80 80 01");
    QTest::newRow("2097151") << quint32{2097151} << bytes("ff ff 7f");
    QTest::newRow("2097152") << quint32{2097152} << bytes("80 80 80 01");
    QTest::newRow("268435455 (maximum)")
        << quint32{kMaxVariableByteInteger} << bytes("ff ff ff 7f");
}

void TestCodecEncode::variableByteInteger()
{
    QFETCH(quint32, value);
    QFETCH(std::string, expected);
    std::string out;
    appendVariableByteInteger(value, out);
    QCOMPARE(hexOf(out), hexOf(expected));
    QCOMPARE(variableByteIntegerSize(value), expected.size());
}

QTEST_APPLESS_MAIN(TestCodecEncode)
#include "TestCodecEncode.moc"
