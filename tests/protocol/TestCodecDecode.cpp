// Decoder: byte-exact packets for every type in both versions, alternative valid encodings,
// round trips, the fixed header, UTF-8 validation and the name tables.

#include <QtTest/QTest>

#include "broker/protocol/Codec.h"
#include "tests/protocol/CodecTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb::protocol;
using sb::test::bytes;
using sb::test::hexOf;

namespace {

std::string rowName(const sb::test::SampleFrame& frame)
{
    return std::string(sb::test::versionName(frame.version)) + " " + frame.name;
}

const char* errorText(const DecodeResult& result)
{
    return result ? "" : result.error().message.c_str();
}

} // namespace

class TestCodecDecode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodesSampleFrames_data();
    void decodesSampleFrames();
    void roundTrips_data();
    void roundTrips();
    void acceptsAlternativeValidForms_data();
    void acceptsAlternativeValidForms();
    void connectCarriesItsOwnVersion();
    void connectErrorsReportTheProtocolLevel_data();
    void connectErrorsReportTheProtocolLevel();
    void bodySizeMustMatchRemainingLength();
    void parseFixedHeader_data();
    void parseFixedHeader();
    void utf8Validation_data();
    void utf8Validation();
    void packetTypeNames();
    void packetTypeOfVariant();
    void reasonCodeNames_data();
    void reasonCodeNames();
    void connackReturnCodeFor311_data();
    void connackReturnCodeFor311();
};

void TestCodecDecode::decodesSampleFrames_data()
{
    QTest::addColumn<std::string>("frame");
    QTest::addColumn<Version>("version");
    QTest::addColumn<Packet>("expected");
    for (const sb::test::SampleFrame& frame : sb::test::sampleFrames()) {
        QTest::newRow(rowName(frame).c_str()) << frame.bytes << frame.version << frame.packet;
    }
}

void TestCodecDecode::decodesSampleFrames()
{
    QFETCH(std::string, frame);
    QFETCH(Version, version);
    QFETCH(Packet, expected);

    const DecodeResult viaFrame = decodeFrame(frame, version);
    QVERIFY2(viaFrame.hasValue(), errorText(viaFrame));
    QCOMPARE(*viaFrame, expected);

    // The path the connection takes: fixed header first, then the body.
    FixedHeader header;
    QCOMPARE(sb::protocol::parseFixedHeader(frame, header), FrameStatus::Complete);
    QCOMPARE(header.frameSize(), frame.size());
    QCOMPARE(header.type(), packetType(expected));
    const DecodeResult viaHeader =
        decode(header, std::string_view(frame).substr(header.headerSize), version);
    QVERIFY2(viaHeader.hasValue(), errorText(viaHeader));
    QCOMPARE(*viaHeader, expected);
}

void TestCodecDecode::roundTrips_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<Version>("version");
    for (const sb::test::SampleFrame& frame : sb::test::sampleFrames()) {
        QTest::newRow(rowName(frame).c_str()) << frame.packet << frame.version;
    }
}

void TestCodecDecode::roundTrips()
{
    QFETCH(Packet, packet);
    QFETCH(Version, version);
    const std::string wire = encodeToString(packet, version);
    const DecodeResult decoded = decodeFrame(wire, version);
    QVERIFY2(decoded.hasValue(), errorText(decoded));
    QCOMPARE(*decoded, packet);
    QCOMPARE(hexOf(encodeToString(*decoded, version)), hexOf(wire));
}

void TestCodecDecode::acceptsAlternativeValidForms_data()
{
    QTest::addColumn<std::string>("frame");
    QTest::addColumn<Version>("version");
    QTest::addColumn<Packet>("expected");

    QTest::newRow("5.0 PUBACK with reason 0x00 and property length 0")
        << bytes("40 04 00 01 00 00") << Version::V5 << Packet(Puback{1, 0, {}});
    QTest::newRow("5.0 PUBCOMP with reason 0x00 only")
        << bytes("70 03 00 01 00") << Version::V5 << Packet(Pubcomp{1, 0, {}});
    QTest::newRow("5.0 DISCONNECT with reason 0x00 and property length 0")
        << bytes("e0 02 00 00") << Version::V5 << Packet(Disconnect{});
    QTest::newRow("5.0 DISCONNECT with reason 0x00 only")
        << bytes("e0 01 00") << Version::V5 << Packet(Disconnect{});
    QTest::newRow("Remaining Length in a non-minimal encoding")
        << bytes("c0 80 00") << Version::V311 << Packet(Pingreq{});

    Publish reordered{false, 0, false, "t", 0, {}, ""};
    reordered.properties.messageExpiryInterval = 9;
    reordered.properties.userProperties = {{"k", "v"}};
    QTest::newRow("properties in another order than the encoder's")
        << bytes("30 10 00 01 74 0c 26 00 01 6b 00 01 76 02 00 00 00 09") << Version::V5
        << Packet(reordered);

    Publish repeatedUser{false, 0, false, "t", 0, {}, ""};
    repeatedUser.properties.userProperties = {{"k", "2"}, {"k", "1"}, {"k", "2"}};
    QTest::newRow("user properties keep order and duplicates")
        << bytes("30 19 00 01 74 15 26 00 01 6b 00 01 32 26 00 01 6b 00 01 31 26 00 01 6b 00 01"
                 " 32")
        << Version::V5 << Packet(repeatedUser);

    Publish maxSubscriptionId{false, 0, false, "t", 0, {}, ""};
    maxSubscriptionId.properties.subscriptionIdentifiers = {kMaxVariableByteInteger};
    QTest::newRow("Subscription Identifier 268435455")
        << bytes("30 09 00 01 74 05 0b ff ff ff 7f") << Version::V5 << Packet(maxSubscriptionId);

    QTest::newRow("multi-byte UTF-8 topic")
        << bytes("30 0d 00 0b c3 bc 2f e2 82 ac 2f f0 9d 84 9e") << Version::V311
        << Packet(Publish{false, 0, false, "\xc3\xbc/\xe2\x82\xac/\xf0\x9d\x84\x9e", 0, {}, ""});

    QTest::newRow("payload is bytes: NUL and invalid UTF-8 are fine")
        << bytes("30 06 00 01 74 00 ff c0") << Version::V311
        << Packet(Publish{false, 0, false, "t", 0, {}, std::string("\x00\xff\xc0", 3)});

    QTest::newRow("PUBLISH with Payload Format Indicator 1 and a binary payload (not checked)")
        << bytes("30 08 00 01 74 02 01 01 ff fe") << Version::V5 << [] {
               Publish p{false, 0, false, "t", 0, {}, "\xff\xfe"};
               p.properties.payloadFormatIndicator = 1;
               return Packet(p);
           }();

    Subscribe oddFilter;
    oddFilter.packetId = 1;
    oddFilter.subscriptions = {{"a/#/b", {0, false, false, RetainHandling::SendOnSubscribe}}};
    QTest::newRow("SUBSCRIBE filter syntax is the topic tree's concern")
        << bytes("82 0a 00 01 00 05 61 2f 23 2f 62 00") << Version::V311 << Packet(oddFilter);

    Connect emptyId;
    emptyId.version = Version::V311;
    emptyId.cleanStart = false;
    QTest::newRow("3.1.1 CONNECT empty client id without clean session (CONNACK 0x02 is the "
                  "session's call)")
        << bytes("10 0c 00 04 4d 51 54 54 04 00 00 00 00 00") << Version::V311 << Packet(emptyId);

    QTest::newRow("5.0 AUTH success with properties")
        << bytes("f0 06 00 04 15 00 01 6d") << Version::V5 << [] {
               Auth a;
               a.properties.authenticationMethod = "m";
               return Packet(a);
           }();
}

void TestCodecDecode::acceptsAlternativeValidForms()
{
    QFETCH(std::string, frame);
    QFETCH(Version, version);
    QFETCH(Packet, expected);
    const DecodeResult decoded = decodeFrame(frame, version);
    QVERIFY2(decoded.hasValue(), errorText(decoded));
    QCOMPARE(*decoded, expected);
}

void TestCodecDecode::connectCarriesItsOwnVersion()
{
    // Before CONNECT the connection has no version: whatever the caller passes is ignored.
    const std::string v5Connect = bytes("10 0d 00 04 4d 51 54 54 05 02 00 00 00 00 00");
    const DecodeResult decoded = decodeFrame(v5Connect, Version::V311);
    QVERIFY2(decoded.hasValue(), errorText(decoded));
    QCOMPARE(std::get<Connect>(*decoded).version, Version::V5);

    const std::string v311Connect = bytes("10 0c 00 04 4d 51 54 54 04 02 00 00 00 00");
    const DecodeResult decoded311 = decodeFrame(v311Connect, Version::V5);
    QVERIFY2(decoded311.hasValue(), errorText(decoded311));
    QCOMPARE(std::get<Connect>(*decoded311).version, Version::V311);

    // Encoding follows the packet's version too.
    Connect connect;
    connect.version = Version::V311;
    QCOMPARE(hexOf(encodeToString(connect, Version::V5)), hexOf(v311Connect));
}

void TestCodecDecode::connectErrorsReportTheProtocolLevel_data()
{
    QTest::addColumn<std::string>("frame");
    QTest::addColumn<ReasonCode>("reason");
    QTest::addColumn<int>("level");
    QTest::newRow("MQTT 3.1 (MQIsdp)") << bytes("10 0e 00 06 4d 51 49 73 64 70 03 02 00 00 00 00")
                                       << ReasonCode::UnsupportedProtocolVersion << 3;
    QTest::newRow("level 6") << bytes("10 0c 00 04 4d 51 54 54 06 02 00 00 00 00")
                             << ReasonCode::UnsupportedProtocolVersion << 6;
    QTest::newRow("broken 5.0 CONNECT: level known")
        << bytes("10 0b 00 04 4d 51 54 54 05 02 00 00 00") << ReasonCode::MalformedPacket << 5;
    QTest::newRow("broken 3.1.1 CONNECT: level known")
        << bytes("10 0a 00 04 4d 51 54 54 04 03 00 00") << ReasonCode::MalformedPacket << 4;
    QTest::newRow("too broken to tell")
        << bytes("10 03 00 04 4d") << ReasonCode::MalformedPacket << 0;
}

void TestCodecDecode::connectErrorsReportTheProtocolLevel()
{
    QFETCH(std::string, frame);
    QFETCH(ReasonCode, reason);
    QFETCH(int, level);
    const DecodeResult decoded = decodeFrame(frame, Version::V5);
    QVERIFY(!decoded.hasValue());
    QCOMPARE(decoded.error().reason, reason);
    QCOMPARE(static_cast<int>(decoded.error().connectProtocolLevel), level);
}

void TestCodecDecode::bodySizeMustMatchRemainingLength()
{
    FixedHeader header;
    header.typeAndFlags = 0xC0;
    header.remainingLength = 1;
    header.headerSize = 2;
    const DecodeResult decoded = decode(header, "", Version::V5);
    QVERIFY(!decoded.hasValue());
    QCOMPARE(decoded.error().reason, ReasonCode::MalformedPacket);
}

void TestCodecDecode::parseFixedHeader_data()
{
    QTest::addColumn<std::string>("data");
    QTest::addColumn<FrameStatus>("status");
    QTest::addColumn<int>("typeAndFlags");
    QTest::addColumn<quint32>("remainingLength");
    QTest::addColumn<int>("headerSize");

    QTest::newRow("empty") << std::string() << FrameStatus::NeedMore << 0 << 0U << 0;
    QTest::newRow("first byte only") << bytes("30") << FrameStatus::NeedMore << 0 << 0U << 0;
    QTest::newRow("length continues") << bytes("30 80") << FrameStatus::NeedMore << 0 << 0U << 0;
    QTest::newRow("length continues 3 bytes")
        << bytes("30 ff ff ff") << FrameStatus::NeedMore << 0 << 0U << 0;
    QTest::newRow("5-byte Remaining Length")
        << bytes("30 ff ff ff ff 7f") << FrameStatus::Malformed << 0 << 0U << 0;
    QTest::newRow("4 continuation bytes, nothing more yet")
        << bytes("30 80 80 80 80") << FrameStatus::Malformed << 0 << 0U << 0;
    QTest::newRow("0") << bytes("c0 00") << FrameStatus::Complete << 0xC0 << 0U << 2;
    QTest::newRow("body not arrived yet does not matter")
        << bytes("32 0a") << FrameStatus::Complete << 0x32 << 10U << 2;
    QTest::newRow("321") << bytes("30 c1 02 00") << FrameStatus::Complete << 0x30 << 321U << 3;
    QTest::newRow("maximum") << bytes("30 ff ff ff 7f") << FrameStatus::Complete << 0x30
                             << kMaxVariableByteInteger << 5;
    QTest::newRow("type 0 is parsed, decode refuses it")
        << bytes("00 00") << FrameStatus::Complete << 0x00 << 0U << 2;
}

void TestCodecDecode::parseFixedHeader()
{
    QFETCH(std::string, data);
    QFETCH(FrameStatus, status);
    QFETCH(int, typeAndFlags);
    QFETCH(quint32, remainingLength);
    QFETCH(int, headerSize);

    FixedHeader header;
    QCOMPARE(sb::protocol::parseFixedHeader(data, header), status);
    if (status == FrameStatus::Complete) {
        QCOMPARE(static_cast<int>(header.typeAndFlags), typeAndFlags);
        QCOMPARE(header.remainingLength, remainingLength);
        QCOMPARE(static_cast<int>(header.headerSize), headerSize);
        QCOMPARE(header.frameSize(), static_cast<std::size_t>(headerSize) + remainingLength);
    }
}

void TestCodecDecode::utf8Validation_data()
{
    QTest::addColumn<std::string>("text");
    QTest::addColumn<bool>("valid");

    QTest::newRow("empty") << std::string() << true;
    QTest::newRow("ASCII") << std::string("sensors/kitchen/temperature") << true;
    QTest::newRow("ASCII, long enough for the 8-byte path")
        << std::string("abcdefghijklmnopqrstuvwxyz0123456789") << true;
    QTest::newRow("2-byte U+00FC") << bytes("c3 bc") << true;
    QTest::newRow("3-byte U+20AC") << bytes("e2 82 ac") << true;
    QTest::newRow("4-byte U+1D11E") << bytes("f0 9d 84 9e") << true;
    QTest::newRow("U+FEFF (BOM) is allowed (spec 1.5.4)") << bytes("ef bb bf") << true;
    QTest::newRow("U+0001 control is allowed") << bytes("01") << true;
    QTest::newRow("U+D7FF last before surrogates") << bytes("ed 9f bf") << true;
    QTest::newRow("U+E000 first after surrogates") << bytes("ee 80 80") << true;
    QTest::newRow("U+10FFFF last code point") << bytes("f4 8f bf bf") << true;
    QTest::newRow("non-ASCII after 8 ASCII bytes") << std::string("abcdefgh\xc3\xbc") << true;

    QTest::newRow("U+0000") << bytes("61 00 62") << false;
    QTest::newRow("U+0000 inside an 8-byte chunk") << std::string("abc\0defghijk", 12) << false;
    QTest::newRow("overlong NUL (C0 80)") << bytes("c0 80") << false;
    QTest::newRow("overlong '/' (C0 AF)") << bytes("c0 af") << false;
    QTest::newRow("overlong C1") << bytes("c1 bf") << false;
    QTest::newRow("overlong 3-byte (E0 80 AF)") << bytes("e0 80 af") << false;
    QTest::newRow("overlong 4-byte (F0 80 80 AF)") << bytes("f0 80 80 af") << false;
    QTest::newRow("surrogate U+D800") << bytes("ed a0 80") << false;
    QTest::newRow("surrogate U+DFFF") << bytes("ed bf bf") << false;
    QTest::newRow("above U+10FFFF (F4 90 80 80)") << bytes("f4 90 80 80") << false;
    QTest::newRow("F5 lead byte") << bytes("f5 80 80 80") << false;
    QTest::newRow("FF byte") << bytes("ff") << false;
    QTest::newRow("lone continuation byte") << bytes("80") << false;
    QTest::newRow("truncated 3-byte sequence") << bytes("e2 82") << false;
    QTest::newRow("truncated 4-byte sequence at the end") << bytes("61 f0 9d 84") << false;
    QTest::newRow("bad third byte") << bytes("e2 82 41") << false;
    QTest::newRow("bad fourth byte") << bytes("f0 9d 84 41") << false;
    QTest::newRow("lead byte followed by ASCII") << bytes("c3 41") << false;
}

void TestCodecDecode::utf8Validation()
{
    QFETCH(std::string, text);
    QFETCH(bool, valid);
    QCOMPARE(isValidMqttUtf8(text), valid);
}

void TestCodecDecode::packetTypeNames()
{
    QCOMPARE(packetTypeName(PacketType::Connect), std::string_view("CONNECT"));
    QCOMPARE(packetTypeName(PacketType::Pubrel), std::string_view("PUBREL"));
    QCOMPARE(packetTypeName(PacketType::Unsuback), std::string_view("UNSUBACK"));
    QCOMPARE(packetTypeName(PacketType::Auth), std::string_view("AUTH"));
    QCOMPARE(packetTypeName(static_cast<PacketType>(0)), std::string_view("RESERVED"));
}

void TestCodecDecode::packetTypeOfVariant()
{
    for (const sb::test::SampleFrame& frame : sb::test::sampleFrames()) {
        const auto wireType =
            static_cast<PacketType>(static_cast<std::uint8_t>(frame.bytes[0]) >> 4);
        QVERIFY2(packetType(frame.packet) == wireType, frame.name.c_str());
    }
}

void TestCodecDecode::reasonCodeNames_data()
{
    QTest::addColumn<ReasonCode>("code");
    QTest::addColumn<QString>("name");
    QTest::newRow("0x00") << ReasonCode::Success << QStringLiteral("Success");
    QTest::newRow("0x04") << ReasonCode::DisconnectWithWillMessage
                          << QStringLiteral("Disconnect with Will Message");
    QTest::newRow("0x81") << ReasonCode::MalformedPacket << QStringLiteral("Malformed Packet");
    QTest::newRow("0x82") << ReasonCode::ProtocolError << QStringLiteral("Protocol Error");
    QTest::newRow("0x8E") << ReasonCode::SessionTakenOver << QStringLiteral("Session taken over");
    QTest::newRow("0xA2") << ReasonCode::WildcardSubscriptionsNotSupported
                          << QStringLiteral("Wildcard Subscriptions not supported");
    QTest::newRow("0x03 is not a reason code")
        << static_cast<ReasonCode>(0x03) << QStringLiteral("Unknown reason code");
}

void TestCodecDecode::reasonCodeNames()
{
    QFETCH(ReasonCode, code);
    QFETCH(QString, name);
    const std::string_view actual = reasonCodeName(code);
    QCOMPARE(QString::fromUtf8(actual.data(), static_cast<qsizetype>(actual.size())), name);
}

void TestCodecDecode::connackReturnCodeFor311_data()
{
    QTest::addColumn<ReasonCode>("code");
    QTest::addColumn<int>("expected");
    QTest::newRow("success") << ReasonCode::Success << 0;
    QTest::newRow("unsupported version") << ReasonCode::UnsupportedProtocolVersion << 1;
    QTest::newRow("client id not valid") << ReasonCode::ClientIdentifierNotValid << 2;
    QTest::newRow("server busy") << ReasonCode::ServerBusy << 3;
    QTest::newRow("server unavailable") << ReasonCode::ServerUnavailable << 3;
    QTest::newRow("bad user name or password") << ReasonCode::BadUserNameOrPassword << 4;
    QTest::newRow("bad authentication method") << ReasonCode::BadAuthenticationMethod << 4;
    QTest::newRow("not authorized") << ReasonCode::NotAuthorized << 5;
    QTest::newRow("banned") << ReasonCode::Banned << 5;
    QTest::newRow("quota exceeded") << ReasonCode::QuotaExceeded << 3;
}

void TestCodecDecode::connackReturnCodeFor311()
{
    QFETCH(ReasonCode, code);
    QFETCH(int, expected);
    QCOMPARE(static_cast<int>(connackReturnCode311(code)), expected);
}

QTEST_APPLESS_MAIN(TestCodecDecode)
#include "TestCodecDecode.moc"
