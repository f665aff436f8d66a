#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "broker/protocol/Properties.h"
#include "broker/protocol/ReasonCode.h"

namespace sb::protocol {

// Protocol level byte in CONNECT. 3 (MQTT 3.1, "MQIsdp") is refused with return code 1.
enum class Version : std::uint8_t
{
    V311 = 4,
    V5 = 5,
};

enum class PacketType : std::uint8_t
{
    Connect = 1,
    Connack = 2,
    Publish = 3,
    Puback = 4,
    Pubrec = 5,
    Pubrel = 6,
    Pubcomp = 7,
    Subscribe = 8,
    Suback = 9,
    Unsubscribe = 10,
    Unsuback = 11,
    Pingreq = 12,
    Pingresp = 13,
    Disconnect = 14,
    Auth = 15, // MQTT 5.0 only
};

std::string_view packetTypeName(PacketType type);

struct Will
{
    std::string topic;
    std::string payload; // bytes
    std::uint8_t qos = 0;
    bool retain = false;
    Properties properties; // will properties (5.0)

    bool operator==(const Will&) const = default;
};

struct Connect
{
    Version version = Version::V5;
    bool cleanStart = true; // "clean session" in 3.1.1
    std::uint16_t keepAlive = 0;
    std::string clientId;
    std::optional<Will> will;
    std::optional<std::string> username;
    std::optional<std::string> password; // bytes
    Properties properties;

    bool operator==(const Connect&) const = default;
};

struct Connack
{
    bool sessionPresent = false;
    // 5.0: a ReasonCode; 3.1.1: a ConnackReturnCode311. Raw so one struct serves both.
    std::uint8_t reasonCode = 0;
    Properties properties;

    bool operator==(const Connack&) const = default;
};

struct Publish
{
    bool dup = false;
    std::uint8_t qos = 0;
    bool retain = false;
    std::string topic;          // empty in 5.0 when a topic alias stands for it
    std::uint16_t packetId = 0; // only for qos > 0
    Properties properties;
    std::string payload; // bytes

    bool operator==(const Publish&) const = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape; the tag keeps them distinct types.
// In 5.0 the reason code and properties may be omitted on the wire when they are 0x00 and empty.
template <PacketType Type>
struct PublishResponse
{
    static constexpr PacketType kType = Type;
    std::uint16_t packetId = 0;
    std::uint8_t reasonCode = 0;
    Properties properties;

    bool operator==(const PublishResponse&) const = default;
};

using Puback = PublishResponse<PacketType::Puback>;
using Pubrec = PublishResponse<PacketType::Pubrec>;
using Pubrel = PublishResponse<PacketType::Pubrel>;
using Pubcomp = PublishResponse<PacketType::Pubcomp>;

// Retain Handling (5.0 subscription option bits 4-5).
enum class RetainHandling : std::uint8_t
{
    SendOnSubscribe = 0,
    SendOnNewSubscribe = 1,
    DoNotSend = 2,
};

struct SubscriptionOptions
{
    std::uint8_t qos = 0; // maximum QoS
    bool noLocal = false;
    bool retainAsPublished = false;
    RetainHandling retainHandling = RetainHandling::SendOnSubscribe;

    bool operator==(const SubscriptionOptions&) const = default;
};

struct TopicSubscription
{
    std::string filter;
    SubscriptionOptions options;

    bool operator==(const TopicSubscription&) const = default;
};

struct Subscribe
{
    std::uint16_t packetId = 0;
    std::vector<TopicSubscription> subscriptions; // at least one
    Properties properties;                        // subscription identifier, user properties

    bool operator==(const Subscribe&) const = default;
};

struct Suback
{
    std::uint16_t packetId = 0;
    std::vector<std::uint8_t> reasonCodes; // granted QoS or failure, one per filter
    Properties properties;

    bool operator==(const Suback&) const = default;
};

struct Unsubscribe
{
    std::uint16_t packetId = 0;
    std::vector<std::string> filters; // at least one
    Properties properties;

    bool operator==(const Unsubscribe&) const = default;
};

struct Unsuback
{
    std::uint16_t packetId = 0;
    std::vector<std::uint8_t> reasonCodes; // 5.0 only; 3.1.1 UNSUBACK has no payload
    Properties properties;

    bool operator==(const Unsuback&) const = default;
};

struct Pingreq
{
    bool operator==(const Pingreq&) const = default;
};

struct Pingresp
{
    bool operator==(const Pingresp&) const = default;
};

struct Disconnect
{
    std::uint8_t reasonCode = 0; // 5.0 only
    Properties properties;

    bool operator==(const Disconnect&) const = default;
};

struct Auth
{
    std::uint8_t reasonCode = 0;
    Properties properties;

    bool operator==(const Auth&) const = default;
};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe,
                            Suback, Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

PacketType packetType(const Packet& packet);

} // namespace sb::protocol
