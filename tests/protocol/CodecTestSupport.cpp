#include "tests/protocol/CodecTestSupport.h"

#include <type_traits>

#include "tests/support/TestPrinters.h"

namespace sb::test {

using namespace sb::protocol;

namespace {

bool isPrintable(std::string_view text)
{
    for (const char c : text) {
        if (c < 0x20 || c > 0x7E) {
            return false;
        }
    }
    return true;
}

std::string printable(std::string_view bytes)
{
    return isPrintable(bytes) ? "\"" + std::string(bytes) + "\"" : "[" + hex(bytes) + "]";
}

// Appends "name=value" pairs separated by commas.
class FieldList
{
public:
    template <typename T>
    void add(std::string_view name, const T& value)
    {
        separate();
        m_text += name;
        m_text += '=';
        m_text += format(value);
    }

    template <typename T>
    void addIf(std::string_view name, const std::optional<T>& value)
    {
        if (value) {
            add(name, *value);
        }
    }

    std::string text() const { return m_text; }

private:
    void separate()
    {
        if (!m_text.empty()) {
            m_text += ", ";
        }
    }

    static std::string format(const std::string& value) { return printable(value); }
    static std::string format(bool value) { return value ? "true" : "false"; }
    template <typename T>
    static std::string format(const T& value) requires std::is_integral_v<T>
    {
        return std::to_string(static_cast<unsigned long>(value));
    }
    static std::string format(const std::vector<std::uint8_t>& codes)
    {
        std::string text = "[";
        for (std::size_t i = 0; i < codes.size(); ++i) {
            text += (i == 0 ? "" : " ") + std::to_string(codes[i]);
        }
        return text + "]";
    }
    static std::string format(const Properties& properties) { return describe(properties); }

    std::string m_text;
};

std::string describeBody(const Connect& p)
{
    FieldList f;
    f.add("version", static_cast<unsigned>(p.version));
    f.add("cleanStart", p.cleanStart);
    f.add("keepAlive", p.keepAlive);
    f.add("clientId", p.clientId);
    if (p.will) {
        f.add("will.topic", p.will->topic);
        f.add("will.payload", p.will->payload);
        f.add("will.qos", p.will->qos);
        f.add("will.retain", p.will->retain);
        f.add("will.properties", p.will->properties);
    }
    f.addIf("username", p.username);
    f.addIf("password", p.password);
    f.add("properties", p.properties);
    return f.text();
}

std::string describeBody(const Connack& p)
{
    FieldList f;
    f.add("sessionPresent", p.sessionPresent);
    f.add("reasonCode", p.reasonCode);
    f.add("properties", p.properties);
    return f.text();
}

std::string describeBody(const Publish& p)
{
    FieldList f;
    f.add("dup", p.dup);
    f.add("qos", p.qos);
    f.add("retain", p.retain);
    f.add("topic", p.topic);
    f.add("packetId", p.packetId);
    f.add("properties", p.properties);
    f.add("payload", p.payload);
    return f.text();
}

template <PacketType Type>
std::string describeBody(const PublishResponse<Type>& p)
{
    FieldList f;
    f.add("packetId", p.packetId);
    f.add("reasonCode", p.reasonCode);
    f.add("properties", p.properties);
    return f.text();
}

std::string describeBody(const Subscribe& p)
{
    FieldList f;
    f.add("packetId", p.packetId);
    for (const TopicSubscription& s : p.subscriptions) {
        f.add("filter", s.filter);
        f.add("qos", s.options.qos);
        f.add("noLocal", s.options.noLocal);
        f.add("retainAsPublished", s.options.retainAsPublished);
        f.add("retainHandling", static_cast<unsigned>(s.options.retainHandling));
    }
    f.add("properties", p.properties);
    return f.text();
}

std::string describeBody(const Suback& p)
{
    FieldList f;
    f.add("packetId", p.packetId);
    f.add("reasonCodes", p.reasonCodes);
    f.add("properties", p.properties);
    return f.text();
}

std::string describeBody(const Unsubscribe& p)
{
    FieldList f;
    f.add("packetId", p.packetId);
    for (const std::string& filter : p.filters) {
        f.add("filter", filter);
    }
    f.add("properties", p.properties);
    return f.text();
}

std::string describeBody(const Unsuback& p)
{
    FieldList f;
    f.add("packetId", p.packetId);
    f.add("reasonCodes", p.reasonCodes);
    f.add("properties", p.properties);
    return f.text();
}

std::string describeBody(const Pingreq& /*p*/)
{
    return {};
}

std::string describeBody(const Pingresp& /*p*/)
{
    return {};
}

std::string describeBody(const Disconnect& p)
{
    FieldList f;
    f.add("reasonCode", p.reasonCode);
    f.add("properties", p.properties);
    return f.text();
}

std::string describeBody(const Auth& p)
{
    FieldList f;
    f.add("reasonCode", p.reasonCode);
    f.add("properties", p.properties);
    return f.text();
}

} // namespace

std::string describe(const Properties& p)
{
    FieldList f;
    f.addIf("payloadFormatIndicator", p.payloadFormatIndicator);
    f.addIf("messageExpiryInterval", p.messageExpiryInterval);
    f.addIf("contentType", p.contentType);
    f.addIf("responseTopic", p.responseTopic);
    f.addIf("correlationData", p.correlationData);
    for (const std::uint32_t id : p.subscriptionIdentifiers) {
        f.add("subscriptionIdentifier", id);
    }
    f.addIf("sessionExpiryInterval", p.sessionExpiryInterval);
    f.addIf("assignedClientIdentifier", p.assignedClientIdentifier);
    f.addIf("serverKeepAlive", p.serverKeepAlive);
    f.addIf("authenticationMethod", p.authenticationMethod);
    f.addIf("authenticationData", p.authenticationData);
    f.addIf("requestProblemInformation", p.requestProblemInformation);
    f.addIf("willDelayInterval", p.willDelayInterval);
    f.addIf("requestResponseInformation", p.requestResponseInformation);
    f.addIf("responseInformation", p.responseInformation);
    f.addIf("serverReference", p.serverReference);
    f.addIf("reasonString", p.reasonString);
    f.addIf("receiveMaximum", p.receiveMaximum);
    f.addIf("topicAliasMaximum", p.topicAliasMaximum);
    f.addIf("topicAlias", p.topicAlias);
    f.addIf("maximumQos", p.maximumQos);
    f.addIf("retainAvailable", p.retainAvailable);
    for (const UserProperty& pair : p.userProperties) {
        f.add("userProperty", pair.key + "=" + pair.value);
    }
    f.addIf("maximumPacketSize", p.maximumPacketSize);
    f.addIf("wildcardSubscriptionAvailable", p.wildcardSubscriptionAvailable);
    f.addIf("subscriptionIdentifierAvailable", p.subscriptionIdentifierAvailable);
    f.addIf("sharedSubscriptionAvailable", p.sharedSubscriptionAvailable);
    return "{" + f.text() + "}";
}

std::string describe(const Packet& packet)
{
    return std::string(packetTypeName(packetType(packet))) + " {" +
           std::visit([](const auto& p) { return describeBody(p); }, packet) + "}";
}

QByteArray hexOf(std::string_view bytes)
{
    return QByteArray::fromStdString(hex(bytes));
}

const char* versionName(Version version)
{
    return version == Version::V5 ? "v5" : "v3.1.1";
}

namespace {

UserProperty pair(std::string key, std::string value)
{
    return UserProperty{std::move(key), std::move(value)};
}

std::vector<SampleFrame> makeSampleFrames()
{
    constexpr Version v311 = Version::V311;
    constexpr Version v5 = Version::V5;
    std::vector<SampleFrame> frames;
    auto add = [&frames](std::string name, Version version, std::string_view hexText,
                         Packet packet) {
        frames.push_back(SampleFrame{std::move(name), version, bytes(hexText), std::move(packet)});
    };

    // ---- MQTT 3.1.1 ----
    {
        Connect c;
        c.version = v311;
        c.keepAlive = 60;
        c.clientId = "c";
        add("CONNECT minimal", v311, "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 63", c);
    }
    {
        Connect c;
        c.version = v311;
        c.cleanStart = false;
        c.keepAlive = 10;
        c.clientId = "cid";
        c.will = Will{"w/t", "bye", 1, true, {}};
        c.username = "u";
        c.password = "p";
        add("CONNECT will, user name and password", v311,
            "10 1f 00 04 4d 51 54 54 04 ec 00 0a 00 03 63 69 64 00 03 77 2f 74 00 03 62 79 65"
            " 00 01 75 00 01 70",
            c);
    }
    add("CONNACK accepted, session present", v311, "20 02 01 00", Connack{true, 0, {}});
    add("CONNACK not authorized", v311, "20 02 00 05", Connack{false, 5, {}});
    add("PUBLISH QoS 0", v311, "30 07 00 03 61 2f 62 68 69",
        Publish{false, 0, false, "a/b", 0, {}, "hi"});
    add("PUBLISH QoS 1 dup retain", v311, "3b 06 00 01 74 12 34 78",
        Publish{true, 1, true, "t", 0x1234, {}, "x"});
    add("PUBLISH QoS 2 empty payload", v311, "34 05 00 01 74 00 07",
        Publish{false, 2, false, "t", 7, {}, ""});
    add("PUBACK", v311, "40 02 00 01", Puback{1, 0, {}});
    add("PUBREC", v311, "50 02 00 02", Pubrec{2, 0, {}});
    add("PUBREL", v311, "62 02 00 03", Pubrel{3, 0, {}});
    add("PUBCOMP", v311, "70 02 00 04", Pubcomp{4, 0, {}});
    {
        Subscribe s;
        s.packetId = 10;
        s.subscriptions = {{"a/+", {1, false, false, RetainHandling::SendOnSubscribe}},
                           {"#", {2, false, false, RetainHandling::SendOnSubscribe}}};
        add("SUBSCRIBE two filters", v311, "82 0c 00 0a 00 03 61 2f 2b 01 00 01 23 02", s);
    }
    add("SUBACK granted and failure", v311, "90 04 00 0a 01 80", Suback{10, {1, 0x80}, {}});
    add("UNSUBSCRIBE two filters", v311, "a2 0a 00 0b 00 03 61 2f 2b 00 01 23",
        Unsubscribe{11, {"a/+", "#"}, {}});
    add("UNSUBACK", v311, "b0 02 00 0b", Unsuback{11, {}, {}});
    add("PINGREQ", v311, "c0 00", Pingreq{});
    add("PINGRESP", v311, "d0 00", Pingresp{});
    add("DISCONNECT", v311, "e0 00", Disconnect{});

    // ---- MQTT 5.0 ----
    {
        Connect c;
        c.version = v5;
        add("CONNECT minimal, empty client id", v5, "10 0d 00 04 4d 51 54 54 05 02 00 00 00 00 00",
            c);
    }
    {
        Connect c;
        c.version = v5;
        c.keepAlive = 300;
        c.clientId = "cid";
        c.properties.sessionExpiryInterval = 120;
        c.properties.authenticationMethod = "SCRAM";
        c.properties.authenticationData = std::string("\x01\x02", 2);
        c.properties.requestProblemInformation = 0;
        c.properties.requestResponseInformation = 1;
        c.properties.receiveMaximum = 20;
        c.properties.topicAliasMaximum = 5;
        c.properties.userProperties = {pair("k", "v")};
        c.properties.maximumPacketSize = 1024;
        Will will{"w", "", 2, false, {}};
        will.properties.payloadFormatIndicator = 1;
        will.properties.messageExpiryInterval = 3600;
        will.properties.contentType = "t";
        will.properties.responseTopic = "r";
        will.properties.correlationData = "\xab";
        will.properties.willDelayInterval = 30;
        will.properties.userProperties = {pair("a", "b")};
        c.will = will;
        c.username = "u";
        c.password = "";
        add("CONNECT every property, will properties", v5,
            "10 62 00 04 4d 51 54 54 05 d6 01 2c"
            " 28 11 00 00 00 78 15 00 05 53 43 52 41 4d 16 00 02 01 02 17 00 19 01 21 00 14"
            " 22 00 05 26 00 01 6b 00 01 76 27 00 00 04 00"
            " 00 03 63 69 64"
            " 1f 01 01 02 00 00 0e 10 03 00 01 74 08 00 01 72 09 00 01 ab 18 00 00 00 1e"
            " 26 00 01 61 00 01 62"
            " 00 01 77 00 00 00 01 75 00 00",
            c);
    }
    {
        Connect c;
        c.version = v5;
        c.clientId = "c";
        c.password = "pw";
        add("CONNECT password without user name", v5,
            "10 12 00 04 4d 51 54 54 05 42 00 00 00 00 01 63 00 02 70 77", c);
    }
    add("CONNACK success", v5, "20 03 00 00 00", Connack{});
    {
        Connack c;
        c.sessionPresent = true;
        c.properties.sessionExpiryInterval = 0;
        c.properties.assignedClientIdentifier = "id";
        c.properties.serverKeepAlive = 30;
        c.properties.authenticationMethod = "m";
        c.properties.authenticationData = "d";
        c.properties.responseInformation = "ri";
        c.properties.serverReference = "s";
        c.properties.reasonString = "ok";
        c.properties.receiveMaximum = 100;
        c.properties.topicAliasMaximum = 10;
        c.properties.maximumQos = 1;
        c.properties.retainAvailable = 0;
        c.properties.userProperties = {pair("x", "y")};
        c.properties.maximumPacketSize = 65536;
        c.properties.wildcardSubscriptionAvailable = 1;
        c.properties.subscriptionIdentifierAvailable = 0;
        c.properties.sharedSubscriptionAvailable = 1;
        add("CONNACK every property", v5,
            "20 42 01 00 3f 11 00 00 00 00 12 00 02 69 64 13 00 1e 15 00 01 6d 16 00 01 64"
            " 1a 00 02 72 69 1c 00 01 73 1f 00 02 6f 6b 21 00 64 22 00 0a 24 01 25 00"
            " 26 00 01 78 00 01 79 27 00 01 00 00 28 01 29 00 2a 01",
            c);
    }
    {
        Connack c;
        c.reasonCode = 0x87;
        c.properties.reasonString = "no";
        add("CONNACK not authorized with reason string", v5, "20 08 00 87 05 1f 00 02 6e 6f", c);
    }
    add("PUBLISH QoS 0", v5, "30 08 00 03 61 2f 62 00 68 69",
        Publish{false, 0, false, "a/b", 0, {}, "hi"});
    {
        Publish p{false, 1, true, "t", 1, {}, "p"};
        p.properties.payloadFormatIndicator = 1;
        p.properties.messageExpiryInterval = 60;
        p.properties.contentType = "json";
        p.properties.responseTopic = "r/1";
        p.properties.correlationData = std::string("\x00\x01", 2);
        p.properties.subscriptionIdentifiers = {1, 200};
        p.properties.topicAlias = 3;
        p.properties.userProperties = {pair("k", "v")};
        add("PUBLISH QoS 1 every property", v5,
            "33 2f 00 01 74 00 01 28 01 01 02 00 00 00 3c 03 00 04 6a 73 6f 6e 08 00 03 72 2f 31"
            " 09 00 02 00 01 0b 01 0b c8 01 23 00 03 26 00 01 6b 00 01 76 70",
            p);
    }
    {
        Publish p{false, 2, false, "", 7, {}, "z"};
        p.properties.topicAlias = 1;
        add("PUBLISH QoS 2 topic alias, empty topic", v5, "34 09 00 00 00 07 03 23 00 01 7a", p);
    }
    add("PUBACK short form", v5, "40 02 00 01", Puback{1, 0, {}});
    add("PUBACK reason code only", v5, "40 03 00 01 10", Puback{1, 0x10, {}});
    {
        Puback p{1, 0x80, {}};
        p.properties.reasonString = "x";
        add("PUBACK reason string", v5, "40 08 00 01 80 04 1f 00 01 78", p);
    }
    add("PUBREC short form", v5, "50 02 00 02", Pubrec{2, 0, {}});
    add("PUBREC packet identifier in use", v5, "50 03 00 02 91", Pubrec{2, 0x91, {}});
    {
        Pubrel p{3, 0x92, {}};
        p.properties.userProperties = {pair("a", "b")};
        add("PUBREL not found, user property", v5, "62 0b 00 03 92 07 26 00 01 61 00 01 62", p);
    }
    add("PUBCOMP short form", v5, "70 02 00 04", Pubcomp{4, 0, {}});
    {
        Subscribe s;
        s.packetId = 1;
        s.properties.subscriptionIdentifiers = {5};
        s.properties.userProperties = {pair("k", "v")};
        s.subscriptions = {
            {"a/#", {1, true, true, RetainHandling::DoNotSend}},
            {"$share/g/t", {0, false, false, RetainHandling::SendOnNewSubscribe}},
        };
        add("SUBSCRIBE options and properties", v5,
            "82 1f 00 01 09 0b 05 26 00 01 6b 00 01 76 00 03 61 2f 23 2d"
            " 00 0a 24 73 68 61 72 65 2f 67 2f 74 10",
            s);
    }
    {
        Suback s{1, {1, 0, 0xa2}, {}};
        s.properties.reasonString = "r";
        add("SUBACK reason string", v5, "90 0a 00 01 04 1f 00 01 72 01 00 a2", s);
    }
    {
        Unsubscribe u{2, {"a", "b/c"}, {}};
        u.properties.userProperties = {pair("k", "v")};
        add("UNSUBSCRIBE user property", v5,
            "a2 12 00 02 07 26 00 01 6b 00 01 76 00 01 61 00 03 62 2f 63", u);
    }
    add("UNSUBACK", v5, "b0 05 00 02 00 00 11", Unsuback{2, {0, 0x11}, {}});
    add("PINGREQ", v5, "c0 00", Pingreq{});
    add("PINGRESP", v5, "d0 00", Pingresp{});
    add("DISCONNECT short form", v5, "e0 00", Disconnect{});
    add("DISCONNECT reason code only", v5, "e0 01 04", Disconnect{0x04, {}});
    {
        Disconnect d{0x9c, {}};
        d.properties.sessionExpiryInterval = 10;
        d.properties.serverReference = "h";
        d.properties.reasonString = "bye";
        add("DISCONNECT use another server", v5,
            "e0 11 9c 0f 11 00 00 00 0a 1c 00 01 68 1f 00 03 62 79 65", d);
    }
    add("AUTH short form", v5, "f0 00", Auth{});
    {
        Auth a{0x18, {}};
        a.properties.authenticationMethod = "SCRAM";
        a.properties.authenticationData = "abc";
        a.properties.reasonString = "go";
        a.properties.userProperties = {pair("k", "v")};
        add("AUTH continue", v5,
            "f0 1c 18 1a 15 00 05 53 43 52 41 4d 16 00 03 61 62 63 1f 00 02 67 6f"
            " 26 00 01 6b 00 01 76",
            a);
    }
    return frames;
}

} // namespace

const std::vector<SampleFrame>& sampleFrames()
{
    static const std::vector<SampleFrame> frames = makeSampleFrames();
    return frames;
}

} // namespace sb::test

namespace QTest {

template <>
char* toString<sb::protocol::Packet>(const sb::protocol::Packet& packet)
{
    return qstrdup(sb::test::describe(packet).c_str());
}

template <>
char* toString<sb::protocol::Properties>(const sb::protocol::Properties& properties)
{
    return qstrdup(sb::test::describe(properties).c_str());
}

template <>
char* toString<sb::protocol::ReasonCode>(const sb::protocol::ReasonCode& reason)
{
    const auto value = static_cast<unsigned>(reason);
    const std::string text = sb::test::hex(std::string(1, static_cast<char>(value))) + " " +
                             std::string(sb::protocol::reasonCodeName(reason));
    return qstrdup(text.c_str());
}

} // namespace QTest
