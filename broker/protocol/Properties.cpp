// MQTT 5.0 properties: the table of spec 2.2.2.2, and their decoding and encoding.

#include "broker/protocol/Properties.h"

#include <algorithm>
#include <array>
#include <string>
#include <type_traits>
#include <vector>

#include "broker/protocol/WireFormat.h"

namespace sb::protocol {

bool Properties::empty() const
{
    return !payloadFormatIndicator && !messageExpiryInterval && !contentType && !responseTopic &&
           !correlationData && subscriptionIdentifiers.empty() && !sessionExpiryInterval &&
           !assignedClientIdentifier && !serverKeepAlive && !authenticationMethod &&
           !authenticationData && !requestProblemInformation && !willDelayInterval &&
           !requestResponseInformation && !responseInformation && !serverReference &&
           !reasonString && !receiveMaximum && !topicAliasMaximum && !topicAlias && !maximumQos &&
           !retainAvailable && userProperties.empty() && !maximumPacketSize &&
           !wildcardSubscriptionAvailable && !subscriptionIdentifierAvailable &&
           !sharedSubscriptionAvailable;
}

namespace wire {

namespace {

constexpr PropertyScope kConnect = scopeOf(PacketType::Connect);
constexpr PropertyScope kConnack = scopeOf(PacketType::Connack);
constexpr PropertyScope kPublish = scopeOf(PacketType::Publish);
constexpr PropertyScope kPubacks = scopeOf(PacketType::Puback) | scopeOf(PacketType::Pubrec) |
                                   scopeOf(PacketType::Pubrel) | scopeOf(PacketType::Pubcomp);
constexpr PropertyScope kSubscribe = scopeOf(PacketType::Subscribe);
constexpr PropertyScope kSuback = scopeOf(PacketType::Suback);
constexpr PropertyScope kUnsubscribe = scopeOf(PacketType::Unsubscribe);
constexpr PropertyScope kUnsuback = scopeOf(PacketType::Unsuback);
constexpr PropertyScope kDisconnect = scopeOf(PacketType::Disconnect);
constexpr PropertyScope kAuth = scopeOf(PacketType::Auth);

constexpr std::size_t kTableSize = 0x2B; // one past Shared Subscription Available

constexpr std::array<PropertyRule, kTableSize> makePropertyTable()
{
    using K = PropertyKind;
    std::array<PropertyRule, kTableSize> table{};
    auto set = [&table](PropertyId id, PropertyKind kind, PropertyScope scopes,
                        std::string_view name) {
        table[static_cast<std::size_t>(id)] = PropertyRule{kind, scopes, name};
    };
    set(PropertyId::PayloadFormatIndicator, K::Byte, kPublish | kWillScope,
        "Payload Format Indicator");
    set(PropertyId::MessageExpiryInterval, K::FourByteInteger, kPublish | kWillScope,
        "Message Expiry Interval");
    set(PropertyId::ContentType, K::Utf8String, kPublish | kWillScope, "Content Type");
    set(PropertyId::ResponseTopic, K::Utf8String, kPublish | kWillScope, "Response Topic");
    set(PropertyId::CorrelationData, K::BinaryData, kPublish | kWillScope, "Correlation Data");
    set(PropertyId::SubscriptionIdentifier, K::VariableByteInteger, kPublish | kSubscribe,
        "Subscription Identifier");
    set(PropertyId::SessionExpiryInterval, K::FourByteInteger, kConnect | kConnack | kDisconnect,
        "Session Expiry Interval");
    set(PropertyId::AssignedClientIdentifier, K::Utf8String, kConnack,
        "Assigned Client Identifier");
    set(PropertyId::ServerKeepAlive, K::TwoByteInteger, kConnack, "Server Keep Alive");
    set(PropertyId::AuthenticationMethod, K::Utf8String, kConnect | kConnack | kAuth,
        "Authentication Method");
    set(PropertyId::AuthenticationData, K::BinaryData, kConnect | kConnack | kAuth,
        "Authentication Data");
    set(PropertyId::RequestProblemInformation, K::Byte, kConnect, "Request Problem Information");
    set(PropertyId::WillDelayInterval, K::FourByteInteger, kWillScope, "Will Delay Interval");
    set(PropertyId::RequestResponseInformation, K::Byte, kConnect, "Request Response Information");
    set(PropertyId::ResponseInformation, K::Utf8String, kConnack, "Response Information");
    set(PropertyId::ServerReference, K::Utf8String, kConnack | kDisconnect, "Server Reference");
    set(PropertyId::ReasonString, K::Utf8String,
        kConnack | kPubacks | kSuback | kUnsuback | kDisconnect | kAuth, "Reason String");
    set(PropertyId::ReceiveMaximum, K::TwoByteInteger, kConnect | kConnack, "Receive Maximum");
    set(PropertyId::TopicAliasMaximum, K::TwoByteInteger, kConnect | kConnack,
        "Topic Alias Maximum");
    set(PropertyId::TopicAlias, K::TwoByteInteger, kPublish, "Topic Alias");
    set(PropertyId::MaximumQos, K::Byte, kConnack, "Maximum QoS");
    set(PropertyId::RetainAvailable, K::Byte, kConnack, "Retain Available");
    set(PropertyId::UserProperty, K::Utf8StringPair,
        kConnect | kConnack | kPublish | kWillScope | kPubacks | kSubscribe | kSuback |
            kUnsubscribe | kUnsuback | kDisconnect | kAuth,
        "User Property");
    set(PropertyId::MaximumPacketSize, K::FourByteInteger, kConnect | kConnack,
        "Maximum Packet Size");
    set(PropertyId::WildcardSubscriptionAvailable, K::Byte, kConnack,
        "Wildcard Subscription Available");
    set(PropertyId::SubscriptionIdentifierAvailable, K::Byte, kConnack,
        "Subscription Identifier Available");
    set(PropertyId::SharedSubscriptionAvailable, K::Byte, kConnack,
        "Shared Subscription Available");
    return table;
}

constexpr std::array<PropertyRule, kTableSize> kPropertyTable = makePropertyTable();
constexpr PropertyRule kUnknownProperty{};

// "PUBLISH: property Topic Alias (0x23) <what>"
DecodeError propertyError(ReasonCode reason, std::string_view context, std::uint8_t identifier,
                          std::string_view what)
{
    std::string message(context);
    message += ": property ";
    const std::string_view name = propertyRule(identifier).name;
    if (!name.empty()) {
        message += name;
        message += " (";
        message += hexByte(identifier);
        message += ')';
    } else {
        message += hexByte(identifier);
    }
    message += ' ';
    message += what;
    return DecodeError{reason, std::move(message), 0};
}

bool isBooleanByte(PropertyId id)
{
    switch (id) {
    case PropertyId::PayloadFormatIndicator:
    case PropertyId::RequestProblemInformation:
    case PropertyId::RequestResponseInformation:
    case PropertyId::MaximumQos:
    case PropertyId::RetainAvailable:
    case PropertyId::WildcardSubscriptionAvailable:
    case PropertyId::SubscriptionIdentifierAvailable:
    case PropertyId::SharedSubscriptionAvailable:
        return true;
    default:
        return false;
    }
}

// The checks on a value that the spec states per property (section 3.x.2.x).
std::optional<DecodeError> checkValue(PropertyId id, std::string_view context, std::uint32_t number,
                                      std::string_view text)
{
    const auto identifier = static_cast<std::uint8_t>(id);
    if (isBooleanByte(id) && number > 1) {
        return propertyError(ReasonCode::ProtocolError, context, identifier,
                             "has value " + std::to_string(number) + ", expected 0 or 1");
    }
    switch (id) {
    case PropertyId::ReceiveMaximum:
    case PropertyId::MaximumPacketSize:
    case PropertyId::SubscriptionIdentifier:
        if (number == 0) {
            return propertyError(ReasonCode::ProtocolError, context, identifier, "is 0");
        }
        break;
    case PropertyId::TopicAlias:
        // Spec 3.3.2.3.4: "A Topic Alias value of 0 ... is a Protocol Error, the receiver uses
        // DISCONNECT with Reason Code of 0x94 (Topic Alias invalid)".
        if (number == 0) {
            return propertyError(ReasonCode::TopicAliasInvalid, context, identifier, "is 0");
        }
        break;
    case PropertyId::ResponseTopic:
        // It is used as the Topic Name of the response (spec 3.3.2.3.5, [MQTT-3.3.2-14]).
        if (text.empty()) {
            return propertyError(ReasonCode::ProtocolError, context, identifier, "is empty");
        }
        if (hasWildcard(text)) {
            return propertyError(ReasonCode::ProtocolError, context, identifier,
                                 "contains a wildcard ('+' or '#')");
        }
        break;
    default:
        break;
    }
    return std::nullopt;
}

// Sets an optional field once; false if it was already set (a repeated property).
template <typename T, typename V>
bool assignOnce(std::optional<T>& field, const V& value)
{
    if (field) {
        return false;
    }
    if constexpr (std::is_same_v<T, std::string>) {
        field.emplace(value);
    } else {
        field = static_cast<T>(value);
    }
    return true;
}

// Stores a decoded value in its field; false when the property was already present.
bool store(PropertyId id, PropertyScope scope, std::uint32_t number, std::string_view text,
           Properties& out)
{
    switch (id) {
    case PropertyId::PayloadFormatIndicator:
        return assignOnce(out.payloadFormatIndicator, number);
    case PropertyId::MessageExpiryInterval:
        return assignOnce(out.messageExpiryInterval, number);
    case PropertyId::ContentType:
        return assignOnce(out.contentType, text);
    case PropertyId::ResponseTopic:
        return assignOnce(out.responseTopic, text);
    case PropertyId::CorrelationData:
        return assignOnce(out.correlationData, text);
    case PropertyId::SubscriptionIdentifier:
        // A PUBLISH carries one per matching subscription (spec 3.3.2.3.8); a SUBSCRIBE one.
        if (scope != kPublish && !out.subscriptionIdentifiers.empty()) {
            return false;
        }
        out.subscriptionIdentifiers.push_back(number);
        return true;
    case PropertyId::SessionExpiryInterval:
        return assignOnce(out.sessionExpiryInterval, number);
    case PropertyId::AssignedClientIdentifier:
        return assignOnce(out.assignedClientIdentifier, text);
    case PropertyId::ServerKeepAlive:
        return assignOnce(out.serverKeepAlive, number);
    case PropertyId::AuthenticationMethod:
        return assignOnce(out.authenticationMethod, text);
    case PropertyId::AuthenticationData:
        return assignOnce(out.authenticationData, text);
    case PropertyId::RequestProblemInformation:
        return assignOnce(out.requestProblemInformation, number);
    case PropertyId::WillDelayInterval:
        return assignOnce(out.willDelayInterval, number);
    case PropertyId::RequestResponseInformation:
        return assignOnce(out.requestResponseInformation, number);
    case PropertyId::ResponseInformation:
        return assignOnce(out.responseInformation, text);
    case PropertyId::ServerReference:
        return assignOnce(out.serverReference, text);
    case PropertyId::ReasonString:
        return assignOnce(out.reasonString, text);
    case PropertyId::ReceiveMaximum:
        return assignOnce(out.receiveMaximum, number);
    case PropertyId::TopicAliasMaximum:
        return assignOnce(out.topicAliasMaximum, number);
    case PropertyId::TopicAlias:
        return assignOnce(out.topicAlias, number);
    case PropertyId::MaximumQos:
        return assignOnce(out.maximumQos, number);
    case PropertyId::RetainAvailable:
        return assignOnce(out.retainAvailable, number);
    case PropertyId::UserProperty:
        return true; // stored by the caller: it has two strings
    case PropertyId::MaximumPacketSize:
        return assignOnce(out.maximumPacketSize, number);
    case PropertyId::WildcardSubscriptionAvailable:
        return assignOnce(out.wildcardSubscriptionAvailable, number);
    case PropertyId::SubscriptionIdentifierAvailable:
        return assignOnce(out.subscriptionIdentifierAvailable, number);
    case PropertyId::SharedSubscriptionAvailable:
        return assignOnce(out.sharedSubscriptionAvailable, number);
    }
    return true; // unreachable: readProperties() only passes identifiers from the table
}

// Reads one length-prefixed value; UTF-8 strings are checked (spec 1.5.4: ill-formed UTF-8 is
// a Malformed Packet).
std::optional<DecodeError> readString(WireReader& reader, bool isText, std::string_view context,
                                      std::uint8_t identifier, std::string_view& text)
{
    if (!reader.readLengthPrefixed(text)) {
        return propertyError(ReasonCode::MalformedPacket, context, identifier, "is truncated");
    }
    if (isText && !isValidMqttUtf8(text)) {
        return propertyError(ReasonCode::MalformedPacket, context, identifier,
                             "is not valid UTF-8 or contains U+0000");
    }
    return std::nullopt;
}

// Writes every property of `properties` that `scope` allows, in identifier order.
template <typename Sink>
class PropertyWriter
{
public:
    PropertyWriter(Sink& sink, PropertyScope scope)
        : m_sink(sink)
        , m_scope(scope)
    {}

    template <typename T>
    void put(PropertyId id, const std::optional<T>& value)
    {
        if (value && propertyAllowed(id, m_scope)) {
            m_sink.byte(static_cast<std::uint8_t>(id));
            writeValue(*value);
        }
    }

    void putSubscriptionIdentifiers(const std::vector<std::uint32_t>& identifiers)
    {
        if (identifiers.empty() || !propertyAllowed(PropertyId::SubscriptionIdentifier, m_scope)) {
            return;
        }
        for (const std::uint32_t identifier : identifiers) {
            m_sink.byte(static_cast<std::uint8_t>(PropertyId::SubscriptionIdentifier));
            m_sink.variableByteInteger(identifier);
        }
    }

    void putUserProperties(const std::vector<UserProperty>& pairs)
    {
        if (pairs.empty() || !propertyAllowed(PropertyId::UserProperty, m_scope)) {
            return;
        }
        for (const UserProperty& pair : pairs) {
            m_sink.byte(static_cast<std::uint8_t>(PropertyId::UserProperty));
            m_sink.lengthPrefixed(pair.key);
            m_sink.lengthPrefixed(pair.value);
        }
    }

private:
    void writeValue(std::uint8_t value) { m_sink.byte(value); }
    void writeValue(std::uint16_t value) { m_sink.twoByteInteger(value); }
    void writeValue(std::uint32_t value) { m_sink.fourByteInteger(value); }
    void writeValue(const std::string& value) { m_sink.lengthPrefixed(value); }

    Sink& m_sink;
    PropertyScope m_scope;
};

template <typename Sink>
void writePropertyEntries(const Properties& p, PropertyScope scope, Sink& sink)
{
    PropertyWriter<Sink> writer(sink, scope);
    writer.put(PropertyId::PayloadFormatIndicator, p.payloadFormatIndicator);
    writer.put(PropertyId::MessageExpiryInterval, p.messageExpiryInterval);
    writer.put(PropertyId::ContentType, p.contentType);
    writer.put(PropertyId::ResponseTopic, p.responseTopic);
    writer.put(PropertyId::CorrelationData, p.correlationData);
    writer.putSubscriptionIdentifiers(p.subscriptionIdentifiers);
    writer.put(PropertyId::SessionExpiryInterval, p.sessionExpiryInterval);
    writer.put(PropertyId::AssignedClientIdentifier, p.assignedClientIdentifier);
    writer.put(PropertyId::ServerKeepAlive, p.serverKeepAlive);
    writer.put(PropertyId::AuthenticationMethod, p.authenticationMethod);
    writer.put(PropertyId::AuthenticationData, p.authenticationData);
    writer.put(PropertyId::RequestProblemInformation, p.requestProblemInformation);
    writer.put(PropertyId::WillDelayInterval, p.willDelayInterval);
    writer.put(PropertyId::RequestResponseInformation, p.requestResponseInformation);
    writer.put(PropertyId::ResponseInformation, p.responseInformation);
    writer.put(PropertyId::ServerReference, p.serverReference);
    writer.put(PropertyId::ReasonString, p.reasonString);
    writer.put(PropertyId::ReceiveMaximum, p.receiveMaximum);
    writer.put(PropertyId::TopicAliasMaximum, p.topicAliasMaximum);
    writer.put(PropertyId::TopicAlias, p.topicAlias);
    writer.put(PropertyId::MaximumQos, p.maximumQos);
    writer.put(PropertyId::RetainAvailable, p.retainAvailable);
    writer.putUserProperties(p.userProperties);
    writer.put(PropertyId::MaximumPacketSize, p.maximumPacketSize);
    writer.put(PropertyId::WildcardSubscriptionAvailable, p.wildcardSubscriptionAvailable);
    writer.put(PropertyId::SubscriptionIdentifierAvailable, p.subscriptionIdentifierAvailable);
    writer.put(PropertyId::SharedSubscriptionAvailable, p.sharedSubscriptionAvailable);
}

} // namespace

const PropertyRule& propertyRule(std::uint8_t identifier)
{
    return identifier < kPropertyTable.size() ? kPropertyTable[identifier] : kUnknownProperty;
}

std::optional<DecodeError> readProperties(WireReader& reader, PropertyScope scope,
                                          std::string_view context, Properties& out)
{
    std::uint32_t length = 0;
    switch (reader.readVariableByteInteger(length)) {
    case VbiStatus::Ok:
        break;
    case VbiStatus::NeedMore:
        return DecodeError{ReasonCode::MalformedPacket,
                           std::string(context) + ": property length is missing or truncated", 0};
    case VbiStatus::TooLong:
        return DecodeError{ReasonCode::MalformedPacket,
                           std::string(context) + ": property length is longer than 4 bytes", 0};
    }
    std::string_view block;
    if (!reader.readBytes(length, block)) {
        return DecodeError{ReasonCode::MalformedPacket,
                           std::string(context) + ": property length " + std::to_string(length) +
                               " exceeds the " + std::to_string(reader.remaining()) +
                               " bytes left in the packet",
                           0};
    }

    WireReader properties(block);
    std::uint8_t identifier = 0;
    while (properties.readByte(identifier)) {
        // Identifiers are Variable Byte Integers, but every defined one fits in one byte; a first
        // byte with the continuation bit is therefore unknown too.
        const PropertyRule& rule = propertyRule(identifier);
        if (rule.kind == PropertyKind::Unknown) {
            return propertyError(ReasonCode::MalformedPacket, context, identifier,
                                 "is not a known property identifier");
        }
        // Spec 2.2.2.2: "A Control Packet which contains an Identifier which is not valid for
        // its packet type ... is a Malformed Packet."
        if ((rule.scopes & scope) == 0) {
            return propertyError(ReasonCode::MalformedPacket, context, identifier,
                                 "is not allowed in this packet");
        }

        std::uint32_t number = 0;
        std::string_view text;
        bool complete = true;
        switch (rule.kind) {
        case PropertyKind::Byte: {
            std::uint8_t value = 0;
            complete = properties.readByte(value);
            number = value;
            break;
        }
        case PropertyKind::TwoByteInteger: {
            std::uint16_t value = 0;
            complete = properties.readTwoByteInteger(value);
            number = value;
            break;
        }
        case PropertyKind::FourByteInteger:
            complete = properties.readFourByteInteger(number);
            break;
        case PropertyKind::VariableByteInteger:
            switch (properties.readVariableByteInteger(number)) {
            case VbiStatus::Ok:
                break;
            case VbiStatus::NeedMore:
                complete = false;
                break;
            case VbiStatus::TooLong:
                return propertyError(ReasonCode::MalformedPacket, context, identifier,
                                     "is a Variable Byte Integer longer than 4 bytes");
            }
            break;
        case PropertyKind::Utf8String:
        case PropertyKind::BinaryData:
            if (auto error = readString(properties, rule.kind == PropertyKind::Utf8String, context,
                                        identifier, text)) {
                return error;
            }
            break;
        case PropertyKind::Utf8StringPair: {
            std::string_view key;
            std::string_view value;
            if (auto error = readString(properties, true, context, identifier, key)) {
                return error;
            }
            if (auto error = readString(properties, true, context, identifier, value)) {
                return error;
            }
            out.userProperties.push_back(UserProperty{std::string(key), std::string(value)});
            break;
        }
        case PropertyKind::Unknown:
            break; // refused above
        }
        if (!complete) {
            return propertyError(ReasonCode::MalformedPacket, context, identifier, "is truncated");
        }

        const auto id = static_cast<PropertyId>(identifier);
        if (auto error = checkValue(id, context, number, text)) {
            return error;
        }
        if (!store(id, scope, number, text, out)) {
            return propertyError(ReasonCode::ProtocolError, context, identifier,
                                 "appears more than once");
        }
    }
    return std::nullopt;
}

std::size_t propertiesSize(const Properties& properties, PropertyScope scope)
{
    ByteCounter counter;
    writePropertyEntries(properties, scope, counter);
    return counter.size();
}

void appendProperties(const Properties& properties, PropertyScope scope, std::string& out)
{
    ByteWriter writer(out);
    writePropertyEntries(properties, scope, writer);
}

} // namespace wire

} // namespace sb::protocol
