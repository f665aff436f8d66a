#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sb::protocol {

// MQTT 5.0 property identifiers (spec section 2.2.2.2).
enum class PropertyId : std::uint8_t
{
    PayloadFormatIndicator = 0x01,
    MessageExpiryInterval = 0x02,
    ContentType = 0x03,
    ResponseTopic = 0x08,
    CorrelationData = 0x09,
    SubscriptionIdentifier = 0x0B,
    SessionExpiryInterval = 0x11,
    AssignedClientIdentifier = 0x12,
    ServerKeepAlive = 0x13,
    AuthenticationMethod = 0x15,
    AuthenticationData = 0x16,
    RequestProblemInformation = 0x17,
    WillDelayInterval = 0x18,
    RequestResponseInformation = 0x19,
    ResponseInformation = 0x1A,
    ServerReference = 0x1C,
    ReasonString = 0x1F,
    ReceiveMaximum = 0x21,
    TopicAliasMaximum = 0x22,
    TopicAlias = 0x23,
    MaximumQos = 0x24,
    RetainAvailable = 0x25,
    UserProperty = 0x26,
    MaximumPacketSize = 0x27,
    WildcardSubscriptionAvailable = 0x28,
    SubscriptionIdentifierAvailable = 0x29,
    SharedSubscriptionAvailable = 0x2A,
};

struct UserProperty
{
    std::string key;
    std::string value;

    bool operator==(const UserProperty&) const = default;
};

// Every MQTT 5.0 property, each present or absent. One struct for all packet types keeps the
// codec table-driven; which properties a packet type may carry is checked by the decoder
// (a property not allowed in a packet is a Malformed Packet, spec 2.2.2.2) and respected by the
// encoder, which leaves such properties out.
// Binary data (correlation data, authentication data) is held in std::string as bytes.
struct Properties
{
    std::optional<std::uint8_t> payloadFormatIndicator;
    std::optional<std::uint32_t> messageExpiryInterval;
    std::optional<std::string> contentType;
    std::optional<std::string> responseTopic;
    std::optional<std::string> correlationData;
    std::vector<std::uint32_t>
        subscriptionIdentifiers; // several allowed in PUBLISH, one in SUBSCRIBE
    std::optional<std::uint32_t> sessionExpiryInterval;
    std::optional<std::string> assignedClientIdentifier;
    std::optional<std::uint16_t> serverKeepAlive;
    std::optional<std::string> authenticationMethod;
    std::optional<std::string> authenticationData;
    std::optional<std::uint8_t> requestProblemInformation;
    std::optional<std::uint32_t> willDelayInterval;
    std::optional<std::uint8_t> requestResponseInformation;
    std::optional<std::string> responseInformation;
    std::optional<std::string> serverReference;
    std::optional<std::string> reasonString;
    std::optional<std::uint16_t> receiveMaximum;
    std::optional<std::uint16_t> topicAliasMaximum;
    std::optional<std::uint16_t> topicAlias;
    std::optional<std::uint8_t> maximumQos;
    std::optional<std::uint8_t> retainAvailable;
    std::vector<UserProperty> userProperties; // order preserved, duplicates allowed
    std::optional<std::uint32_t> maximumPacketSize;
    std::optional<std::uint8_t> wildcardSubscriptionAvailable;
    std::optional<std::uint8_t> subscriptionIdentifierAvailable;
    std::optional<std::uint8_t> sharedSubscriptionAvailable;

    bool operator==(const Properties&) const = default;

    // True when no property is set (the common case for 3.1.1 traffic and plain 5.0 publishes).
    bool empty() const;
};

} // namespace sb::protocol
