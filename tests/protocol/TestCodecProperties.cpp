// MQTT 5.0 properties: each one in every packet that may carry it, refused in every packet that
// may not, refused when repeated, and values outside their range.

#include <algorithm>
#include <vector>

#include <QtTest/QTest>

#include "broker/protocol/Codec.h"
#include "tests/protocol/CodecTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb::protocol;
using sb::test::bytes;
using sb::test::hexOf;

namespace {

// Where a property can sit: every packet type with properties, plus CONNECT's Will.
enum class Target
{
    Connect,
    Will,
    Connack,
    Publish,
    Puback,
    Pubrec,
    Pubrel,
    Pubcomp,
    Subscribe,
    Suback,
    Unsubscribe,
    Unsuback,
    Disconnect,
    Auth,
};

constexpr Target kAllTargets[] = {
    Target::Connect,     Target::Will,     Target::Connack,    Target::Publish,   Target::Puback,
    Target::Pubrec,      Target::Pubrel,   Target::Pubcomp,    Target::Subscribe, Target::Suback,
    Target::Unsubscribe, Target::Unsuback, Target::Disconnect, Target::Auth,
};

const char* targetName(Target target)
{
    switch (target) {
    case Target::Connect:
        return "CONNECT";
    case Target::Will:
        return "CONNECT Will";
    case Target::Connack:
        return "CONNACK";
    case Target::Publish:
        return "PUBLISH";
    case Target::Puback:
        return "PUBACK";
    case Target::Pubrec:
        return "PUBREC";
    case Target::Pubrel:
        return "PUBREL";
    case Target::Pubcomp:
        return "PUBCOMP";
    case Target::Subscribe:
        return "SUBSCRIBE";
    case Target::Suback:
        return "SUBACK";
    case Target::Unsubscribe:
        return "UNSUBSCRIBE";
    case Target::Unsuback:
        return "UNSUBACK";
    case Target::Disconnect:
        return "DISCONNECT";
    case Target::Auth:
        return "AUTH";
    }
    return "?";
}

// One valid instance of each property and where spec 2.2.2.2 (table 2-4) allows it. Written
// from the spec, independently of the codec's own table.
struct PropertySample
{
    std::uint8_t id;
    const char* name;
    const char* hexBytes; // identifier and value
    std::vector<Target> allowedIn;
};

const std::vector<PropertySample>& propertySamples()
{
    using T = Target;
    static const std::vector<PropertySample> samples = {
        {0x01, "Payload Format Indicator", "01 01", {T::Publish, T::Will}},
        {0x02, "Message Expiry Interval", "02 00 00 00 3c", {T::Publish, T::Will}},
        {0x03, "Content Type", "03 00 01 74", {T::Publish, T::Will}},
        {0x08, "Response Topic", "08 00 01 72", {T::Publish, T::Will}},
        {0x09, "Correlation Data", "09 00 02 00 ff", {T::Publish, T::Will}},
        {0x0B, "Subscription Identifier", "0b 05", {T::Publish, T::Subscribe}},
        {0x11,
         "Session Expiry Interval",
         "11 00 00 00 0a",
         {T::Connect, T::Connack, T::Disconnect}},
        {0x12, "Assigned Client Identifier", "12 00 01 63", {T::Connack}},
        {0x13, "Server Keep Alive", "13 00 1e", {T::Connack}},
        {0x15, "Authentication Method", "15 00 01 6d", {T::Connect, T::Connack, T::Auth}},
        {0x16, "Authentication Data", "16 00 01 64", {T::Connect, T::Connack, T::Auth}},
        {0x17, "Request Problem Information", "17 01", {T::Connect}},
        {0x18, "Will Delay Interval", "18 00 00 00 05", {T::Will}},
        {0x19, "Request Response Information", "19 01", {T::Connect}},
        {0x1A, "Response Information", "1a 00 01 69", {T::Connack}},
        {0x1C, "Server Reference", "1c 00 01 73", {T::Connack, T::Disconnect}},
        {0x1F,
         "Reason String",
         "1f 00 01 72",
         {T::Connack, T::Puback, T::Pubrec, T::Pubrel, T::Pubcomp, T::Suback, T::Unsuback,
          T::Disconnect, T::Auth}},
        {0x21, "Receive Maximum", "21 00 0a", {T::Connect, T::Connack}},
        {0x22, "Topic Alias Maximum", "22 00 05", {T::Connect, T::Connack}},
        {0x23, "Topic Alias", "23 00 02", {T::Publish}},
        {0x24, "Maximum QoS", "24 01", {T::Connack}},
        {0x25, "Retain Available", "25 01", {T::Connack}},
        {0x26,
         "User Property",
         "26 00 01 6b 00 01 76",
         {T::Connect, T::Will, T::Connack, T::Publish, T::Puback, T::Pubrec, T::Pubrel, T::Pubcomp,
          T::Subscribe, T::Suback, T::Unsubscribe, T::Unsuback, T::Disconnect, T::Auth}},
        {0x27, "Maximum Packet Size", "27 00 00 10 00", {T::Connect, T::Connack}},
        {0x28, "Wildcard Subscription Available", "28 01", {T::Connack}},
        {0x29, "Subscription Identifier Available", "29 01", {T::Connack}},
        {0x2A, "Shared Subscription Available", "2a 00", {T::Connack}},
    };
    return samples;
}

std::string variableByteInteger(std::size_t value)
{
    std::string out;
    appendVariableByteInteger(static_cast<std::uint32_t>(value), out);
    return out;
}

std::string withLength(const std::string& properties)
{
    return variableByteInteger(properties.size()) + properties;
}

// The smallest valid 5.0 frame of `target` carrying `properties` (identifier-value bytes),
// in the encoder's canonical form. AUTH always needs an Authentication Method, and CONNECT
// needs one with Authentication Data; `properties` is expected to bring it when it must come
// first.
std::string frameWith(Target target, const std::string& properties)
{
    std::uint8_t first = 0;
    std::string body;
    switch (target) {
    case Target::Connect:
        first = 0x10;
        body = bytes("00 04 4d 51 54 54 05 02 00 00") + withLength(properties) + bytes("00 00");
        break;
    case Target::Will:
        first = 0x10;
        body = bytes("00 04 4d 51 54 54 05 06 00 00 00 00 00") + withLength(properties) +
               bytes("00 01 77 00 00");
        break;
    case Target::Connack:
        first = 0x20;
        body = bytes("00 00") + withLength(properties);
        break;
    case Target::Publish:
        first = 0x30;
        body = bytes("00 01 74") + withLength(properties);
        break;
    case Target::Puback:
    case Target::Pubrec:
    case Target::Pubrel:
    case Target::Pubcomp:
        first = target == Target::Puback   ? 0x40
                : target == Target::Pubrec ? 0x50
                : target == Target::Pubrel ? 0x62
                                           : 0x70;
        body = bytes("00 01 00") + withLength(properties);
        break;
    case Target::Subscribe:
        first = 0x82;
        body = bytes("00 01") + withLength(properties) + bytes("00 01 74 00");
        break;
    case Target::Suback:
        first = 0x90;
        body = bytes("00 01") + withLength(properties) + bytes("00");
        break;
    case Target::Unsubscribe:
        first = 0xA2;
        body = bytes("00 01") + withLength(properties) + bytes("00 01 74");
        break;
    case Target::Unsuback:
        first = 0xB0;
        body = bytes("00 01") + withLength(properties) + bytes("00");
        break;
    case Target::Disconnect:
        first = 0xE0;
        body = bytes("00") + withLength(properties);
        break;
    case Target::Auth:
        first = 0xF0;
        body = bytes("18") + withLength(properties);
        break;
    }
    return std::string(1, static_cast<char>(first)) + variableByteInteger(body.size()) + body;
}

// The properties the test puts in `target` so that only the property under test can be wrong.
std::string prerequisites(Target target, std::uint8_t id)
{
    const bool needsMethod =
        (target == Target::Auth && id != 0x15) || (target == Target::Connect && id == 0x16);
    return needsMethod ? bytes("15 00 01 6d") : std::string();
}

const Properties& propertiesOf(const Packet& packet, Target target)
{
    if (target == Target::Will) {
        return std::get<Connect>(packet).will->properties;
    }
    return std::visit(
        [](const auto& p) -> const Properties& {
            if constexpr (requires { p.properties; }) {
                return p.properties;
            } else {
                static const Properties none;
                return none;
            }
        },
        packet);
}

bool allowed(const PropertySample& sample, Target target)
{
    return std::find(sample.allowedIn.begin(), sample.allowedIn.end(), target) !=
           sample.allowedIn.end();
}

std::string rowName(const PropertySample& sample, Target target)
{
    return std::string(sample.name) + " in " + targetName(target);
}

} // namespace

Q_DECLARE_METATYPE(Target)

class TestCodecProperties : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyPropertyInEveryPacketAllowingIt_data();
    void everyPropertyInEveryPacketAllowingIt();
    void propertyInAPacketNotAllowingItIsMalformed_data();
    void propertyInAPacketNotAllowingItIsMalformed();
    void repeatedPropertyIsAProtocolError_data();
    void repeatedPropertyIsAProtocolError();
    void repeatablePropertiesAccumulate_data();
    void repeatablePropertiesAccumulate();
    void invalidValues_data();
    void invalidValues();
    void encoderWritesOnlyAllowedProperties_data();
    void encoderWritesOnlyAllowedProperties();
};

void TestCodecProperties::everyPropertyInEveryPacketAllowingIt_data()
{
    QTest::addColumn<Target>("target");
    QTest::addColumn<std::string>("frame");
    for (const PropertySample& sample : propertySamples()) {
        for (const Target target : sample.allowedIn) {
            const std::string properties =
                prerequisites(target, sample.id) + bytes(sample.hexBytes);
            QTest::newRow(rowName(sample, target).c_str())
                << target << frameWith(target, properties);
        }
    }
}

void TestCodecProperties::everyPropertyInEveryPacketAllowingIt()
{
    QFETCH(Target, target);
    QFETCH(std::string, frame);

    const DecodeResult decoded = decodeFrame(frame, Version::V5);
    QVERIFY2(decoded.hasValue(), decoded ? "" : decoded.error().message.c_str());
    QVERIFY2(!propertiesOf(*decoded, target).empty(), "property stored in the wrong place");
    // The frame is canonical, so encoding the decoded packet gives it back: the value survived.
    QCOMPARE(hexOf(encodeToString(*decoded, Version::V5)), hexOf(frame));
}

void TestCodecProperties::propertyInAPacketNotAllowingItIsMalformed_data()
{
    QTest::addColumn<std::string>("frame");
    for (const PropertySample& sample : propertySamples()) {
        for (const Target target : kAllTargets) {
            if (!allowed(sample, target)) {
                const std::string properties =
                    prerequisites(target, sample.id) + bytes(sample.hexBytes);
                QTest::newRow(rowName(sample, target).c_str()) << frameWith(target, properties);
            }
        }
    }
}

void TestCodecProperties::propertyInAPacketNotAllowingItIsMalformed()
{
    QFETCH(std::string, frame);
    const DecodeResult decoded = decodeFrame(frame, Version::V5);
    QVERIFY(!decoded.hasValue());
    // Spec 2.2.2.2: "an Identifier which is not valid for its packet type ... is a Malformed
    // Packet".
    QCOMPARE(decoded.error().reason, ReasonCode::MalformedPacket);
    QVERIFY2(decoded.error().message.find("is not allowed") != std::string::npos,
             decoded.error().message.c_str());
}

void TestCodecProperties::repeatedPropertyIsAProtocolError_data()
{
    QTest::addColumn<std::string>("frame");
    for (const PropertySample& sample : propertySamples()) {
        for (const Target target : sample.allowedIn) {
            const bool repeatable =
                sample.id == 0x26 || (sample.id == 0x0B && target == Target::Publish);
            if (!repeatable) {
                const std::string one = bytes(sample.hexBytes);
                QTest::newRow(rowName(sample, target).c_str())
                    << frameWith(target, prerequisites(target, sample.id) + one + one);
            }
        }
    }
}

void TestCodecProperties::repeatedPropertyIsAProtocolError()
{
    QFETCH(std::string, frame);
    const DecodeResult decoded = decodeFrame(frame, Version::V5);
    QVERIFY(!decoded.hasValue());
    QCOMPARE(decoded.error().reason, ReasonCode::ProtocolError);
    QVERIFY2(decoded.error().message.find("more than once") != std::string::npos,
             decoded.error().message.c_str());
}

void TestCodecProperties::repeatablePropertiesAccumulate_data()
{
    QTest::addColumn<std::string>("frame");
    QTest::addColumn<Packet>("expected");

    Publish publish{false, 0, false, "t", 0, {}, ""};
    publish.properties.subscriptionIdentifiers = {7, 1, 300};
    QTest::newRow("Subscription Identifiers in PUBLISH, in order")
        << frameWith(Target::Publish, bytes("0b 07 0b 01 0b ac 02")) << Packet(publish);

    Disconnect disconnect;
    disconnect.properties.userProperties = {{"a", "1"}, {"a", "1"}, {"", ""}};
    QTest::newRow("User Properties, duplicates and empty strings kept")
        << frameWith(Target::Disconnect,
                     bytes("26 00 01 61 00 01 31 26 00 01 61 00 01 31 26 00 00 00 00"))
        << Packet(disconnect);
}

void TestCodecProperties::repeatablePropertiesAccumulate()
{
    QFETCH(std::string, frame);
    QFETCH(Packet, expected);
    const DecodeResult decoded = decodeFrame(frame, Version::V5);
    QVERIFY2(decoded.hasValue(), decoded ? "" : decoded.error().message.c_str());
    QCOMPARE(*decoded, expected);
    QCOMPARE(hexOf(encodeToString(expected, Version::V5)), hexOf(frame));
}

void TestCodecProperties::invalidValues_data()
{
    QTest::addColumn<std::string>("frame");
    QTest::addColumn<ReasonCode>("reason");
    QTest::addColumn<QString>("fragment");

    const auto add = [](const char* name, Target target, const char* properties, ReasonCode reason,
                        const char* fragment) {
        QTest::newRow(name) << frameWith(target, bytes(properties)) << reason
                            << QString::fromLatin1(fragment);
    };
    const ReasonCode protocol = ReasonCode::ProtocolError;
    const ReasonCode malformed = ReasonCode::MalformedPacket;

    // Byte properties that are booleans: "a value other than 0 or 1" is a Protocol Error.
    add("Payload Format Indicator 2", Target::Publish, "01 02", protocol, "expected 0 or 1");
    add("Payload Format Indicator 2 in Will", Target::Will, "01 02", protocol, "expected 0 or 1");
    add("Request Problem Information 2", Target::Connect, "17 02", protocol, "expected 0 or 1");
    add("Request Response Information 2", Target::Connect, "19 02", protocol, "expected 0 or 1");
    add("Maximum QoS 2", Target::Connack, "24 02", protocol, "expected 0 or 1");
    add("Retain Available 2", Target::Connack, "25 02", protocol, "expected 0 or 1");
    add("Wildcard Subscription Available 2", Target::Connack, "28 02", protocol, "expected 0 or 1");
    add("Subscription Identifier Available 255", Target::Connack, "29 ff", protocol,
        "expected 0 or 1");
    add("Shared Subscription Available 2", Target::Connack, "2a 02", protocol, "expected 0 or 1");

    add("Receive Maximum 0 in CONNECT", Target::Connect, "21 00 00", protocol, "is 0");
    add("Receive Maximum 0 in CONNACK", Target::Connack, "21 00 00", protocol, "is 0");
    add("Maximum Packet Size 0 in CONNECT", Target::Connect, "27 00 00 00 00", protocol, "is 0");
    add("Maximum Packet Size 0 in CONNACK", Target::Connack, "27 00 00 00 00", protocol, "is 0");
    add("Subscription Identifier 0 in PUBLISH", Target::Publish, "0b 00", protocol, "is 0");
    add("Subscription Identifier 0 in SUBSCRIBE", Target::Subscribe, "0b 00", protocol, "is 0");
    add("Topic Alias 0", Target::Publish, "23 00 00", ReasonCode::TopicAliasInvalid, "is 0");
    add("Response Topic with '+'", Target::Publish, "08 00 03 61 2f 2b", protocol, "wildcard");
    add("Response Topic with '#' in Will", Target::Will, "08 00 01 23", protocol, "wildcard");
    add("Response Topic empty", Target::Publish, "08 00 00", protocol, "is empty");

    add("Subscription Identifier of 5 bytes", Target::Publish, "0b ff ff ff ff 7f", malformed,
        "longer than 4 bytes");
    add("Subscription Identifier truncated", Target::Publish, "0b ff", malformed, "truncated");
    add("Two Byte Integer truncated", Target::Publish, "23 00", malformed, "truncated");
    add("Four Byte Integer truncated", Target::Publish, "02 00 00 00", malformed, "truncated");
    add("Byte missing", Target::Publish, "01", malformed, "truncated");
    add("string longer than the properties", Target::Publish, "03 00 05 61", malformed,
        "truncated");
    add("string length cut", Target::Publish, "03 00", malformed, "truncated");
    add("Content Type not UTF-8", Target::Publish, "03 00 02 c0 af", malformed, "UTF-8");
    add("Reason String with U+0000", Target::Puback, "1f 00 01 00", malformed, "U+0000");
    add("User Property key with a surrogate", Target::Publish, "26 00 03 ed a0 80 00 00", malformed,
        "UTF-8");
    add("User Property value invalid", Target::Publish, "26 00 00 00 01 ff", malformed, "UTF-8");
    add("User Property value missing", Target::Publish, "26 00 01 6b", malformed, "truncated");
    add("Correlation Data is binary: any byte, but truncated here", Target::Publish, "09 00 03 ff",
        malformed, "truncated");

    add("identifier 0x00", Target::Publish, "00", malformed, "not a known property");
    add("identifier 0x04", Target::Publish, "04 00", malformed, "not a known property");
    add("identifier 0x2B", Target::Connack, "2b 00", malformed, "not a known property");
    add("identifier with continuation bit", Target::Publish, "81 01 00", malformed,
        "not a known property");
}

void TestCodecProperties::invalidValues()
{
    QFETCH(std::string, frame);
    QFETCH(ReasonCode, reason);
    QFETCH(QString, fragment);
    const DecodeResult decoded = decodeFrame(frame, Version::V5);
    QVERIFY(!decoded.hasValue());
    QCOMPARE(decoded.error().reason, reason);
    QVERIFY2(decoded.error().message.find(fragment.toStdString()) != std::string::npos,
             decoded.error().message.c_str());
}

void TestCodecProperties::encoderWritesOnlyAllowedProperties_data()
{
    QTest::addColumn<Target>("target");
    for (const Target target : kAllTargets) {
        QTest::newRow(targetName(target)) << target;
    }
}

void TestCodecProperties::encoderWritesOnlyAllowedProperties()
{
    QFETCH(Target, target);
    // Every property set: the encoder must keep exactly those the packet may carry, so its
    // output decodes cleanly and holds each allowed property.
    Properties every;
    {
        // Decode each sample in a packet that allows it, and merge.
        for (const PropertySample& sample : propertySamples()) {
            const Target home = sample.allowedIn.front();
            const DecodeResult decoded = decodeFrame(
                frameWith(home, prerequisites(home, sample.id) + bytes(sample.hexBytes)),
                Version::V5);
            QVERIFY2(decoded.hasValue(), sample.name);
            const Properties& p = propertiesOf(*decoded, home);
            auto merge = [](auto& into, const auto& from) {
                if constexpr (requires { into.has_value(); }) {
                    if (from) {
                        into = from;
                    }
                } else {
                    into.insert(into.end(), from.begin(), from.end());
                }
            };
            merge(every.payloadFormatIndicator, p.payloadFormatIndicator);
            merge(every.messageExpiryInterval, p.messageExpiryInterval);
            merge(every.contentType, p.contentType);
            merge(every.responseTopic, p.responseTopic);
            merge(every.correlationData, p.correlationData);
            merge(every.subscriptionIdentifiers, p.subscriptionIdentifiers);
            merge(every.sessionExpiryInterval, p.sessionExpiryInterval);
            merge(every.assignedClientIdentifier, p.assignedClientIdentifier);
            merge(every.serverKeepAlive, p.serverKeepAlive);
            merge(every.authenticationMethod, p.authenticationMethod);
            merge(every.authenticationData, p.authenticationData);
            merge(every.requestProblemInformation, p.requestProblemInformation);
            merge(every.willDelayInterval, p.willDelayInterval);
            merge(every.requestResponseInformation, p.requestResponseInformation);
            merge(every.responseInformation, p.responseInformation);
            merge(every.serverReference, p.serverReference);
            merge(every.reasonString, p.reasonString);
            merge(every.receiveMaximum, p.receiveMaximum);
            merge(every.topicAliasMaximum, p.topicAliasMaximum);
            merge(every.topicAlias, p.topicAlias);
            merge(every.maximumQos, p.maximumQos);
            merge(every.retainAvailable, p.retainAvailable);
            merge(every.userProperties, p.userProperties);
            merge(every.maximumPacketSize, p.maximumPacketSize);
            merge(every.wildcardSubscriptionAvailable, p.wildcardSubscriptionAvailable);
            merge(every.subscriptionIdentifierAvailable, p.subscriptionIdentifierAvailable);
            merge(every.sharedSubscriptionAvailable, p.sharedSubscriptionAvailable);
        }
    }
    QCOMPARE(every.userProperties.size(), std::size_t{1});
    QCOMPARE(every.subscriptionIdentifiers.size(), std::size_t{1});

    // Put them all in a packet of the target type and encode.
    const DecodeResult base = decodeFrame(frameWith(target, prerequisites(target, 0)), Version::V5);
    QVERIFY2(base.hasValue(), base ? "" : base.error().message.c_str());
    Packet packet = *base;
    if (target == Target::Will) {
        std::get<Connect>(packet).will->properties = every;
    } else {
        std::visit(
            [&every](auto& p) {
                if constexpr (requires { p.properties; }) {
                    p.properties = every;
                }
            },
            packet);
    }
    const std::string wire = encodeToString(packet, Version::V5);
    const DecodeResult decoded = decodeFrame(wire, Version::V5);
    QVERIFY2(decoded.hasValue(), decoded ? "" : decoded.error().message.c_str());

    // Exactly the allowed properties came through.
    std::string expected;
    for (const PropertySample& sample : propertySamples()) {
        if (allowed(sample, target)) {
            expected += bytes(sample.hexBytes);
        }
    }
    QCOMPARE(hexOf(wire), hexOf(frameWith(target, expected)));
}

QTEST_APPLESS_MAIN(TestCodecProperties)
#include "TestCodecProperties.moc"
