// encode() and encodedSize(): each body layout is written once, as a template over a sink that
// either counts bytes (wire::ByteCounter) or appends them (wire::ByteWriter).

#include <type_traits>
#include <variant>

#include "broker/protocol/Codec.h"
#include "broker/protocol/WireFormat.h"

namespace sb::protocol {

namespace {

using wire::scopeOf;

// True when at least one property allowed in `scope` is set: decides the 5.0 short forms.
bool hasProperties(const Properties& properties, wire::PropertyScope scope)
{
    return !properties.empty() && wire::propertiesSize(properties, scope) != 0;
}

std::uint8_t firstByte(PacketType type, std::uint8_t flags = 0)
{
    return static_cast<std::uint8_t>((static_cast<unsigned>(type) << 4) | flags);
}

// ---- First byte of the fixed header -------------------------------------------------------

std::uint8_t firstByteOf(const Publish& publish)
{
    return firstByte(PacketType::Publish, static_cast<std::uint8_t>((publish.dup ? 0x08U : 0U) |
                                                                    ((publish.qos & 0x03U) << 1) |
                                                                    (publish.retain ? 0x01U : 0U)));
}

// A packet struct's type: its position in the Packet variant, which Packets.cpp checks is the
// wire order.
template <typename P, std::size_t Index = 0>
constexpr PacketType typeOf()
{
    if constexpr (std::is_same_v<std::variant_alternative_t<Index, Packet>, P>) {
        return static_cast<PacketType>(Index + 1);
    } else {
        return typeOf<P, Index + 1>();
    }
}

// Every type but PUBLISH has fixed flags (spec 2.1.3, table 2-2).
template <typename P>
std::uint8_t firstByteOf(const P& /*packet*/)
{
    constexpr PacketType type = typeOf<P>();
    constexpr bool flagged = type == PacketType::Pubrel || type == PacketType::Subscribe ||
                             type == PacketType::Unsubscribe;
    return firstByte(type, flagged ? 0x02 : 0x00);
}

// ---- Bodies -------------------------------------------------------------------------------

// CONNECT carries its own version; the connection's is not negotiated yet.
template <typename Sink>
void writeBody(const Connect& connect, Version /*version*/, Sink& sink)
{
    const bool v5 = connect.version == Version::V5;
    std::uint8_t flags = connect.cleanStart ? 0x02U : 0x00U;
    if (connect.will) {
        flags |= 0x04U;
        flags |= static_cast<std::uint8_t>((connect.will->qos & 0x03U) << 3);
        flags |= connect.will->retain ? 0x20U : 0x00U;
    }
    flags |= connect.password ? 0x40U : 0x00U;
    flags |= connect.username ? 0x80U : 0x00U;

    sink.lengthPrefixed("MQTT");
    sink.byte(static_cast<std::uint8_t>(connect.version));
    sink.byte(flags);
    sink.twoByteInteger(connect.keepAlive);
    if (v5) {
        sink.properties(connect.properties, scopeOf(PacketType::Connect));
    }
    sink.lengthPrefixed(connect.clientId);
    if (connect.will) {
        if (v5) {
            sink.properties(connect.will->properties, wire::kWillScope);
        }
        sink.lengthPrefixed(connect.will->topic);
        sink.lengthPrefixed(connect.will->payload);
    }
    if (connect.username) {
        sink.lengthPrefixed(*connect.username);
    }
    if (connect.password) {
        sink.lengthPrefixed(*connect.password);
    }
}

template <typename Sink>
void writeBody(const Connack& connack, Version version, Sink& sink)
{
    sink.byte(connack.sessionPresent ? 0x01 : 0x00);
    sink.byte(connack.reasonCode);
    if (version == Version::V5) {
        sink.properties(connack.properties, scopeOf(PacketType::Connack));
    }
}

template <typename Sink>
void writeBody(const Publish& publish, Version version, Sink& sink)
{
    sink.lengthPrefixed(publish.topic);
    if (publish.qos > 0) {
        sink.twoByteInteger(publish.packetId);
    }
    if (version == Version::V5) {
        sink.properties(publish.properties, scopeOf(PacketType::Publish));
    }
    sink.bytes(publish.payload);
}

// 5.0 short forms (spec 3.4.2.1): no properties leaves out the Property Length, and a 0x00
// reason code without properties leaves out the reason code too.
template <PacketType Type, typename Sink>
void writeBody(const PublishResponse<Type>& response, Version version, Sink& sink)
{
    sink.twoByteInteger(response.packetId);
    if (version != Version::V5) {
        return;
    }
    const bool withProperties = hasProperties(response.properties, scopeOf(Type));
    if (response.reasonCode != 0 || withProperties) {
        sink.byte(response.reasonCode);
    }
    if (withProperties) {
        sink.properties(response.properties, scopeOf(Type));
    }
}

template <typename Sink>
void writeBody(const Subscribe& subscribe, Version version, Sink& sink)
{
    const bool v5 = version == Version::V5;
    sink.twoByteInteger(subscribe.packetId);
    if (v5) {
        sink.properties(subscribe.properties, scopeOf(PacketType::Subscribe));
    }
    for (const TopicSubscription& subscription : subscribe.subscriptions) {
        sink.lengthPrefixed(subscription.filter);
        const SubscriptionOptions& options = subscription.options;
        auto byte = static_cast<std::uint8_t>(options.qos & 0x03U);
        if (v5) { // 3.1.1 has only the requested QoS
            byte |= options.noLocal ? 0x04U : 0x00U;
            byte |= options.retainAsPublished ? 0x08U : 0x00U;
            byte |= static_cast<std::uint8_t>(
                (static_cast<unsigned>(options.retainHandling) & 0x03U) << 4);
        }
        sink.byte(byte);
    }
}

template <typename Sink>
void writeBody(const Suback& suback, Version version, Sink& sink)
{
    sink.twoByteInteger(suback.packetId);
    if (version == Version::V5) {
        sink.properties(suback.properties, scopeOf(PacketType::Suback));
    }
    for (const std::uint8_t code : suback.reasonCodes) {
        sink.byte(code);
    }
}

template <typename Sink>
void writeBody(const Unsubscribe& unsubscribe, Version version, Sink& sink)
{
    sink.twoByteInteger(unsubscribe.packetId);
    if (version == Version::V5) {
        sink.properties(unsubscribe.properties, scopeOf(PacketType::Unsubscribe));
    }
    for (const std::string& filter : unsubscribe.filters) {
        sink.lengthPrefixed(filter);
    }
}

template <typename Sink>
void writeBody(const Unsuback& unsuback, Version version, Sink& sink)
{
    sink.twoByteInteger(unsuback.packetId);
    if (version != Version::V5) {
        return; // 3.1.1 UNSUBACK has no payload
    }
    sink.properties(unsuback.properties, scopeOf(PacketType::Unsuback));
    for (const std::uint8_t code : unsuback.reasonCodes) {
        sink.byte(code);
    }
}

template <typename Sink>
void writeBody(const Pingreq& /*ping*/, Version /*version*/, Sink& /*sink*/)
{}

template <typename Sink>
void writeBody(const Pingresp& /*ping*/, Version /*version*/, Sink& /*sink*/)
{}

// Spec 3.14.2: Remaining Length 0 means Normal disconnection without properties.
template <typename Sink>
void writeBody(const Disconnect& disconnect, Version version, Sink& sink)
{
    if (version != Version::V5) {
        return;
    }
    const bool withProperties =
        hasProperties(disconnect.properties, scopeOf(PacketType::Disconnect));
    if (disconnect.reasonCode != 0 || withProperties) {
        sink.byte(disconnect.reasonCode);
    }
    if (withProperties) {
        sink.properties(disconnect.properties, scopeOf(PacketType::Disconnect));
    }
}

// Spec 3.15.2.1: only "Success without properties" has a short form (Remaining Length 0).
// AUTH exists only in 5.0, so the version is not consulted.
template <typename Sink>
void writeBody(const Auth& auth, Version /*version*/, Sink& sink)
{
    if (auth.reasonCode == 0 && !hasProperties(auth.properties, scopeOf(PacketType::Auth))) {
        return;
    }
    sink.byte(auth.reasonCode);
    sink.properties(auth.properties, scopeOf(PacketType::Auth));
}

// ---- Frames -------------------------------------------------------------------------------

template <typename P>
std::size_t bodySize(const P& packet, Version version)
{
    wire::ByteCounter counter;
    writeBody(packet, version, counter);
    return counter.size();
}

template <typename P>
void encodeFrame(const P& packet, Version version, std::string& out)
{
    const std::size_t body = bodySize(packet, version);
    const auto remainingLength = static_cast<std::uint32_t>(body);
    out.reserve(out.size() + 1 + variableByteIntegerSize(remainingLength) + body);
    out.push_back(static_cast<char>(firstByteOf(packet)));
    appendVariableByteInteger(remainingLength, out);
    wire::ByteWriter writer(out);
    writeBody(packet, version, writer);
}

template <typename P>
std::size_t frameSize(const P& packet, Version version)
{
    const std::size_t body = bodySize(packet, version);
    return 1 + variableByteIntegerSize(static_cast<std::uint32_t>(body)) + body;
}

} // namespace

void encode(const Packet& packet, Version version, std::string& out)
{
    std::visit([version, &out](const auto& p) { encodeFrame(p, version, out); }, packet);
}

void encodePublish(const Publish& publish, Version version, std::string& out)
{
    encodeFrame(publish, version, out);
}

std::size_t encodedSize(const Packet& packet, Version version)
{
    return std::visit([version](const auto& p) { return frameSize(p, version); }, packet);
}

std::size_t encodedPublishSize(const Publish& publish, Version version)
{
    return frameSize(publish, version);
}

} // namespace sb::protocol
