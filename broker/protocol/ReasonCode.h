#pragma once

#include <cstdint>
#include <string_view>

namespace sb::protocol {

// MQTT 5.0 reason codes (spec section 2.4). MQTT 3.1.1 uses a subset as CONNACK return codes and
// SUBACK results; connackReturnCode311() maps between them.
enum class ReasonCode : std::uint8_t
{
    Success = 0x00,
    NormalDisconnection = 0x00,
    GrantedQos0 = 0x00,
    GrantedQos1 = 0x01,
    GrantedQos2 = 0x02,
    DisconnectWithWillMessage = 0x04,
    NoMatchingSubscribers = 0x10,
    NoSubscriptionExisted = 0x11,
    ContinueAuthentication = 0x18,
    ReAuthenticate = 0x19,
    UnspecifiedError = 0x80,
    MalformedPacket = 0x81,
    ProtocolError = 0x82,
    ImplementationSpecificError = 0x83,
    UnsupportedProtocolVersion = 0x84,
    ClientIdentifierNotValid = 0x85,
    BadUserNameOrPassword = 0x86,
    NotAuthorized = 0x87,
    ServerUnavailable = 0x88,
    ServerBusy = 0x89,
    Banned = 0x8A,
    ServerShuttingDown = 0x8B,
    BadAuthenticationMethod = 0x8C,
    KeepAliveTimeout = 0x8D,
    SessionTakenOver = 0x8E,
    TopicFilterInvalid = 0x8F,
    TopicNameInvalid = 0x90,
    PacketIdentifierInUse = 0x91,
    PacketIdentifierNotFound = 0x92,
    ReceiveMaximumExceeded = 0x93,
    TopicAliasInvalid = 0x94,
    PacketTooLarge = 0x95,
    MessageRateTooHigh = 0x96,
    QuotaExceeded = 0x97,
    AdministrativeAction = 0x98,
    PayloadFormatInvalid = 0x99,
    RetainNotSupported = 0x9A,
    QosNotSupported = 0x9B,
    UseAnotherServer = 0x9C,
    ServerMoved = 0x9D,
    SharedSubscriptionsNotSupported = 0x9E,
    ConnectionRateExceeded = 0x9F,
    MaximumConnectTime = 0xA0,
    SubscriptionIdentifiersNotSupported = 0xA1,
    WildcardSubscriptionsNotSupported = 0xA2,
};

// MQTT 3.1.1 CONNACK return codes (spec 3.2.2.3).
enum class ConnackReturnCode311 : std::uint8_t
{
    Accepted = 0,
    UnacceptableProtocolVersion = 1,
    IdentifierRejected = 2,
    ServerUnavailable = 3,
    BadUserNameOrPassword = 4,
    NotAuthorized = 5,
};

// 3.1.1 SUBACK failure return code.
inline constexpr std::uint8_t kSubackFailure311 = 0x80;

constexpr bool isError(ReasonCode rc)
{
    return static_cast<std::uint8_t>(rc) >= 0x80;
}

constexpr bool isError(std::uint8_t rc)
{
    return rc >= 0x80;
}

// The closest 3.1.1 CONNACK return code for a 5.0 reason code.
ConnackReturnCode311 connackReturnCode311(ReasonCode rc);

// Human-readable name as in the spec, e.g. "Session taken over". Used in logs and the admin API.
std::string_view reasonCodeName(ReasonCode rc);

} // namespace sb::protocol
