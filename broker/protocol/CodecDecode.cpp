// decode(): packet bodies from bytes, with every check Codec.h lists. Never throws on bad input,
// never reads past the body (WireReader), and every loop consumes bytes, so it always ends.

#include <algorithm>
#include <initializer_list>

#include "broker/protocol/Codec.h"
#include "broker/protocol/WireFormat.h"

namespace sb::protocol {

namespace {

using namespace wire; // the decoding helpers and WireReader

// The protocol name as sent, safe to print in a log line.
std::string printableName(std::string_view name)
{
    std::string out;
    for (const char c : name.substr(0, 32)) {
        out.push_back(c >= 0x20 && c <= 0x7E ? c : '?');
    }
    return out;
}

// ---- CONNECT ------------------------------------------------------------------------------

// Everything after the protocol level; the caller stamps the level on any failure.
Failure readConnectAfterLevel(WireReader& reader, Version version, Connect& connect)
{
    const bool v5 = version == Version::V5;
    std::uint8_t flags = 0;
    if (!reader.readByte(flags)) {
        return malformed("CONNECT: connect flags are missing");
    }
    const bool usernameFlag = (flags & 0x80U) != 0;
    const bool passwordFlag = (flags & 0x40U) != 0;
    const bool willRetain = (flags & 0x20U) != 0;
    const auto willQos = static_cast<std::uint8_t>((flags >> 3) & 0x03U);
    const bool willFlag = (flags & 0x04U) != 0;
    if ((flags & 0x01U) != 0) {
        return malformed("CONNECT: reserved bit 0 of the connect flags is set");
    }
    if (willQos == 3) {
        return malformed("CONNECT: Will QoS is 3");
    }
    if (!willFlag && (willQos != 0 || willRetain)) {
        return malformed("CONNECT: Will QoS or Will Retain is set without the Will Flag");
    }
    if (!v5 && passwordFlag && !usernameFlag) {
        return malformed("CONNECT: password flag is set without the user name flag (3.1.1)");
    }

    connect.version = version;
    connect.cleanStart = (flags & 0x02U) != 0;
    if (!reader.readTwoByteInteger(connect.keepAlive)) {
        return malformed("CONNECT: keep alive is truncated");
    }
    if (v5) {
        if (auto error = wire::readProperties(reader, scopeOf(PacketType::Connect), "CONNECT",
                                              connect.properties)) {
            return error;
        }
        // Spec 3.1.2.11.10.
        if (connect.properties.authenticationData && !connect.properties.authenticationMethod) {
            return protocolError("CONNECT: Authentication Data without Authentication Method");
        }
    }
    if (auto error = readUtf8(reader, "CONNECT: client identifier", connect.clientId)) {
        return error;
    }
    if (willFlag) {
        Will& will = connect.will.emplace();
        will.qos = willQos;
        will.retain = willRetain;
        if (v5) {
            if (auto error = wire::readProperties(reader, wire::kWillScope, "CONNECT Will",
                                                  will.properties)) {
                return error;
            }
        }
        if (auto error = readUtf8(reader, "CONNECT: Will Topic", will.topic)) {
            return error;
        }
        // The Will Topic becomes a PUBLISH topic: the same rules hold (spec 4.7.3).
        if (will.topic.empty()) {
            return DecodeError{ReasonCode::TopicNameInvalid, "CONNECT: Will Topic is empty", 0};
        }
        if (hasWildcard(will.topic)) {
            return DecodeError{ReasonCode::TopicNameInvalid,
                               "CONNECT: Will Topic contains a wildcard ('+' or '#')", 0};
        }
        if (auto error = readBinary(reader, "CONNECT: Will Payload", will.payload)) {
            return error;
        }
    }
    if (usernameFlag) {
        if (auto error = readUtf8(reader, "CONNECT: user name", connect.username.emplace())) {
            return error;
        }
    }
    if (passwordFlag) {
        if (auto error = readBinary(reader, "CONNECT: password", connect.password.emplace())) {
            return error;
        }
    }
    return expectEnd(reader, "CONNECT");
}

Failure readConnect(std::string_view body, Connect& connect)
{
    WireReader reader(body);
    std::string_view protocolName;
    if (!reader.readLengthPrefixed(protocolName)) {
        return malformed("CONNECT: protocol name is truncated");
    }
    std::uint8_t level = 0;
    if (!reader.readByte(level)) {
        return malformed("CONNECT: protocol level is missing");
    }
    if (protocolName != "MQTT") {
        // "MQIsdp" is MQTT 3.1 (level 3); anything else is not MQTT at all (spec 3.1.2.1).
        return DecodeError{ReasonCode::UnsupportedProtocolVersion,
                           "CONNECT: protocol name \"" + printableName(protocolName) +
                               "\" with level " + std::to_string(level) + " is not supported",
                           level};
    }
    if (level != static_cast<std::uint8_t>(Version::V311) &&
        level != static_cast<std::uint8_t>(Version::V5)) {
        return DecodeError{ReasonCode::UnsupportedProtocolVersion,
                           "CONNECT: protocol level " + std::to_string(level) +
                               " is not supported (4 = MQTT 3.1.1, 5 = MQTT 5.0)",
                           level};
    }
    // Every later error carries the level, so the caller can answer a broken 5.0 CONNECT with a
    // 5.0 CONNACK and a 3.1.1 one with a 3.1.1 CONNACK.
    auto error = readConnectAfterLevel(reader, static_cast<Version>(level), connect);
    if (error) {
        error->connectProtocolLevel = level;
    }
    return error;
}

// ---- CONNACK ------------------------------------------------------------------------------

Failure readConnack(std::string_view body, Version version, Connack& connack)
{
    WireReader reader(body);
    std::uint8_t flags = 0;
    if (!reader.readByte(flags) || !reader.readByte(connack.reasonCode)) {
        return malformed("CONNACK: acknowledge flags or reason code missing");
    }
    if ((flags & 0xFEU) != 0) {
        return malformed("CONNACK: reserved bits 7-1 of the acknowledge flags are set");
    }
    connack.sessionPresent = (flags & 0x01U) != 0;
    if (version == Version::V5) {
        if (auto error = checkReasonCode(connack.reasonCode, "CONNACK",
                                         {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                          0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                          0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F})) {
            return error;
        }
        if (auto error = wire::readProperties(reader, scopeOf(PacketType::Connack), "CONNACK",
                                              connack.properties)) {
            return error;
        }
    } else if (connack.reasonCode >
               static_cast<std::uint8_t>(ConnackReturnCode311::NotAuthorized)) {
        return protocolError("CONNACK: return code " + std::to_string(connack.reasonCode) +
                             " is reserved in MQTT 3.1.1");
    }
    // [MQTT-3.2.2-4] (3.1.1) and [MQTT-3.2.2-6] (5.0).
    if (connack.sessionPresent && connack.reasonCode != 0) {
        return protocolError("CONNACK: session present is set on a refused connection");
    }
    return expectEnd(reader, "CONNACK");
}

// ---- PUBLISH ------------------------------------------------------------------------------

// The hot path: one pass over the body, and allocations only for the topic (none when it fits
// the small-string buffer) and the payload.
Failure readPublish(std::uint8_t flags, std::string_view body, Version version, Publish& publish)
{
    const auto qos = static_cast<std::uint8_t>((flags >> 1) & 0x03U);
    const bool dup = (flags & 0x08U) != 0;
    if (qos == 3) {
        return malformed("PUBLISH: QoS is 3");
    }
    if (dup && qos == 0) {
        return malformed("PUBLISH: DUP is set on a QoS 0 message");
    }

    WireReader reader(body);
    std::string_view topic;
    if (auto error = readUtf8(reader, "PUBLISH: topic name", topic)) {
        return error;
    }
    if (hasWildcard(topic)) {
        return DecodeError{ReasonCode::TopicNameInvalid,
                           "PUBLISH: topic name contains a wildcard ('+' or '#')", 0};
    }
    publish.dup = dup;
    publish.qos = qos;
    publish.retain = (flags & 0x01U) != 0;
    if (qos > 0) {
        if (auto error = readPacketId(reader, "PUBLISH", publish.packetId)) {
            return error;
        }
    }
    if (version == Version::V5) {
        if (auto error = wire::readProperties(reader, scopeOf(PacketType::Publish), "PUBLISH",
                                              publish.properties)) {
            return error;
        }
    }
    if (topic.empty()) {
        if (version != Version::V5) {
            return protocolError("PUBLISH: topic name is empty");
        }
        if (!publish.properties.topicAlias) {
            return protocolError("PUBLISH: topic name is empty and there is no Topic Alias");
        }
    }
    publish.topic.assign(topic);
    publish.payload.assign(reader.readRest());
    return std::nullopt;
}

// ---- PUBACK, PUBREC, PUBREL, PUBCOMP --------------------------------------------------------

template <PacketType Type>
Failure readPublishResponse(std::string_view body, Version version, PublishResponse<Type>& response)
{
    const std::string_view context = packetTypeName(Type);
    WireReader reader(body);
    if (auto error = readPacketId(reader, context, response.packetId)) {
        return error;
    }
    // 5.0 short forms (spec 3.4.2.1, 3.4.2.2.1): Remaining Length 2 means reason 0x00 and no
    // properties; 3 means a reason code and no properties.
    if (version == Version::V5 && reader.readByte(response.reasonCode)) {
        constexpr bool isAckOrRec = Type == PacketType::Puback || Type == PacketType::Pubrec;
        auto error = isAckOrRec
                         ? checkReasonCode(response.reasonCode, context,
                                           {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99})
                         : checkReasonCode(response.reasonCode, context, {0x00, 0x92});
        if (error) {
            return error;
        }
        if (!reader.atEnd()) {
            if (auto propertyError =
                    wire::readProperties(reader, scopeOf(Type), context, response.properties)) {
                return propertyError;
            }
        }
    }
    return expectEnd(reader, context);
}

// ---- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK -----------------------------------------------

Failure readSubscriptionOptions(std::uint8_t options, bool v5, TopicSubscription& subscription)
{
    const auto qos = static_cast<std::uint8_t>(options & 0x03U);
    if (!v5) {
        // [MQTT-3.8.3-4] (3.1.1): both are malformed.
        if ((options & 0xFCU) != 0) {
            return malformed("SUBSCRIBE: reserved bits of the requested QoS byte are set");
        }
        if (qos == 3) {
            return malformed("SUBSCRIBE: requested QoS is 3");
        }
        subscription.options.qos = qos;
        return std::nullopt;
    }
    if ((options & 0xC0U) != 0) {
        return malformed("SUBSCRIBE: reserved bits in subscription options are set");
    }
    if (qos == 3) {
        return protocolError("SUBSCRIBE: maximum QoS is 3");
    }
    const auto retainHandling = static_cast<std::uint8_t>((options >> 4) & 0x03U);
    if (retainHandling == 3) {
        return protocolError("SUBSCRIBE: Retain Handling is 3");
    }
    subscription.options.qos = qos;
    subscription.options.noLocal = (options & 0x04U) != 0;
    subscription.options.retainAsPublished = (options & 0x08U) != 0;
    subscription.options.retainHandling = static_cast<RetainHandling>(retainHandling);
    // [MQTT-3.8.3-4] (5.0).
    if (subscription.options.noLocal && subscription.filter.starts_with("$share/")) {
        return protocolError("SUBSCRIBE: No Local is set on a shared subscription");
    }
    return std::nullopt;
}

Failure readSubscribe(std::string_view body, Version version, Subscribe& subscribe)
{
    WireReader reader(body);
    if (auto error = readPacketId(reader, "SUBSCRIBE", subscribe.packetId)) {
        return error;
    }
    const bool v5 = version == Version::V5;
    if (v5) {
        if (auto error = wire::readProperties(reader, scopeOf(PacketType::Subscribe), "SUBSCRIBE",
                                              subscribe.properties)) {
            return error;
        }
    }
    while (!reader.atEnd()) {
        TopicSubscription& subscription = subscribe.subscriptions.emplace_back();
        if (auto error = readUtf8(reader, "SUBSCRIBE: topic filter", subscription.filter)) {
            return error;
        }
        std::uint8_t options = 0;
        if (!reader.readByte(options)) {
            return malformed("SUBSCRIBE: subscription options missing after topic filter");
        }
        if (auto error = readSubscriptionOptions(options, v5, subscription)) {
            return error;
        }
    }
    if (subscribe.subscriptions.empty()) {
        return protocolError("SUBSCRIBE: no topic filter");
    }
    return std::nullopt;
}

// The rest of the body as one reason code per byte, each from `allowed`.
Failure readReasonCodes(WireReader& reader, std::string_view context,
                        std::initializer_list<std::uint8_t> allowed,
                        std::vector<std::uint8_t>& codes)
{
    const std::string_view rest = reader.readRest();
    if (rest.empty()) {
        return protocolError(join(context, "no reason code"));
    }
    codes.reserve(rest.size());
    for (const char c : rest) {
        const auto code = static_cast<std::uint8_t>(c);
        if (auto error = checkReasonCode(code, context, allowed)) {
            return error;
        }
        codes.push_back(code);
    }
    return std::nullopt;
}

Failure readSuback(std::string_view body, Version version, Suback& suback)
{
    WireReader reader(body);
    if (auto error = readPacketId(reader, "SUBACK", suback.packetId)) {
        return error;
    }
    if (version != Version::V5) {
        return readReasonCodes(reader, "SUBACK", {0x00, 0x01, 0x02, kSubackFailure311},
                               suback.reasonCodes);
    }
    if (auto error = wire::readProperties(reader, scopeOf(PacketType::Suback), "SUBACK",
                                          suback.properties)) {
        return error;
    }
    return readReasonCodes(reader, "SUBACK",
                           {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2},
                           suback.reasonCodes);
}

Failure readUnsubscribe(std::string_view body, Version version, Unsubscribe& unsubscribe)
{
    WireReader reader(body);
    if (auto error = readPacketId(reader, "UNSUBSCRIBE", unsubscribe.packetId)) {
        return error;
    }
    if (version == Version::V5) {
        if (auto error = wire::readProperties(reader, scopeOf(PacketType::Unsubscribe),
                                              "UNSUBSCRIBE", unsubscribe.properties)) {
            return error;
        }
    }
    while (!reader.atEnd()) {
        if (auto error =
                readUtf8(reader, "UNSUBSCRIBE: topic filter", unsubscribe.filters.emplace_back())) {
            return error;
        }
    }
    if (unsubscribe.filters.empty()) {
        return protocolError("UNSUBSCRIBE: no topic filter");
    }
    return std::nullopt;
}

Failure readUnsuback(std::string_view body, Version version, Unsuback& unsuback)
{
    WireReader reader(body);
    if (auto error = readPacketId(reader, "UNSUBACK", unsuback.packetId)) {
        return error;
    }
    if (version != Version::V5) {
        return expectEnd(reader, "UNSUBACK"); // 3.1.1: no payload
    }
    if (auto error = wire::readProperties(reader, scopeOf(PacketType::Unsuback), "UNSUBACK",
                                          unsuback.properties)) {
        return error;
    }
    return readReasonCodes(reader, "UNSUBACK", {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91},
                           unsuback.reasonCodes);
}

// ---- PINGREQ, PINGRESP, DISCONNECT, AUTH --------------------------------------------------

Failure readEmpty(PacketType type, std::string_view body)
{
    if (!body.empty()) {
        return malformed(join(packetTypeName(type), "Remaining Length is not 0"));
    }
    return std::nullopt;
}

Failure readDisconnect(std::string_view body, Version version, Disconnect& disconnect)
{
    WireReader reader(body);
    // 5.0 (spec 3.14.2): Remaining Length 0 means Normal disconnection, 1 no properties.
    if (version == Version::V5 && reader.readByte(disconnect.reasonCode)) {
        if (auto error =
                checkReasonCode(disconnect.reasonCode, "DISCONNECT",
                                {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2})) {
            return error;
        }
        if (!reader.atEnd()) {
            if (auto error = wire::readProperties(reader, scopeOf(PacketType::Disconnect),
                                                  "DISCONNECT", disconnect.properties)) {
                return error;
            }
        }
    }
    return expectEnd(reader, "DISCONNECT");
}

Failure readAuth(std::string_view body, Auth& auth)
{
    WireReader reader(body);
    if (!reader.readByte(auth.reasonCode)) {
        return std::nullopt; // spec 3.15.2.1: Remaining Length 0 is Success without properties
    }
    if (auto error = checkReasonCode(auth.reasonCode, "AUTH", {0x00, 0x18, 0x19})) {
        return error;
    }
    // Only Remaining Length 0 may leave out the properties, and they must name the method
    // (spec 3.15.2.2.2).
    if (auto error =
            wire::readProperties(reader, scopeOf(PacketType::Auth), "AUTH", auth.properties)) {
        return error;
    }
    if (!auth.properties.authenticationMethod) {
        return protocolError("AUTH: Authentication Method is missing");
    }
    return expectEnd(reader, "AUTH");
}

// Fixed-header flags every type but PUBLISH must carry (spec 2.1.3, table 2-2).
std::uint8_t requiredFlags(PacketType type)
{
    switch (type) {
    case PacketType::Pubrel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
        return 0x02;
    default:
        return 0x00;
    }
}

// Builds the packet inside the result and lets `read` fill it. Result's constructor moves its
// value and a Packet is over 1 KB of fields: filling a local Packet and moving it in cost 40%
// of PUBLISH decoding.
template <typename P, typename Read>
DecodeResult decodeInPlace(Read read)
{
    DecodeResult result(Packet(std::in_place_type<P>));
    if (Failure error = read(std::get<P>(*result))) {
        return makeError<Packet, DecodeError>(std::move(*error));
    }
    return result;
}

} // namespace

DecodeResult decode(const FixedHeader& header, std::string_view body, Version version)
{
    auto fail = [](std::string message) {
        return makeError<Packet, DecodeError>(malformed(std::move(message)));
    };
    if (body.size() != header.remainingLength) {
        return fail("body is " + std::to_string(body.size()) +
                    " bytes but the Remaining Length is " + std::to_string(header.remainingLength));
    }
    if ((header.typeAndFlags >> 4) == 0) {
        return fail("packet type 0 is reserved");
    }
    const PacketType type = header.type();
    const std::uint8_t flags = header.flags();
    if (type == PacketType::Auth && version != Version::V5) {
        return fail("AUTH does not exist in MQTT 3.1.1");
    }
    if (type != PacketType::Publish && flags != requiredFlags(type)) {
        return fail(join(packetTypeName(type), "reserved fixed header flags are " + hexByte(flags) +
                                                   ", expected " + hexByte(requiredFlags(type))));
    }

    switch (type) {
    case PacketType::Connect:
        return decodeInPlace<Connect>([&](Connect& p) { return readConnect(body, p); });
    case PacketType::Connack:
        return decodeInPlace<Connack>([&](Connack& p) { return readConnack(body, version, p); });
    case PacketType::Publish:
        return decodeInPlace<Publish>(
            [&](Publish& p) { return readPublish(flags, body, version, p); });
    case PacketType::Puback:
        return decodeInPlace<Puback>(
            [&](Puback& p) { return readPublishResponse(body, version, p); });
    case PacketType::Pubrec:
        return decodeInPlace<Pubrec>(
            [&](Pubrec& p) { return readPublishResponse(body, version, p); });
    case PacketType::Pubrel:
        return decodeInPlace<Pubrel>(
            [&](Pubrel& p) { return readPublishResponse(body, version, p); });
    case PacketType::Pubcomp:
        return decodeInPlace<Pubcomp>(
            [&](Pubcomp& p) { return readPublishResponse(body, version, p); });
    case PacketType::Subscribe:
        return decodeInPlace<Subscribe>(
            [&](Subscribe& p) { return readSubscribe(body, version, p); });
    case PacketType::Suback:
        return decodeInPlace<Suback>([&](Suback& p) { return readSuback(body, version, p); });
    case PacketType::Unsubscribe:
        return decodeInPlace<Unsubscribe>(
            [&](Unsubscribe& p) { return readUnsubscribe(body, version, p); });
    case PacketType::Unsuback:
        return decodeInPlace<Unsuback>([&](Unsuback& p) { return readUnsuback(body, version, p); });
    case PacketType::Pingreq:
        return decodeInPlace<Pingreq>([&](Pingreq&) { return readEmpty(type, body); });
    case PacketType::Pingresp:
        return decodeInPlace<Pingresp>([&](Pingresp&) { return readEmpty(type, body); });
    case PacketType::Disconnect:
        return decodeInPlace<Disconnect>(
            [&](Disconnect& p) { return readDisconnect(body, version, p); });
    case PacketType::Auth:
        return decodeInPlace<Auth>([&](Auth& p) { return readAuth(body, p); });
    }
    return fail("unknown packet type"); // unreachable: all 15 types are handled above
}

} // namespace sb::protocol
