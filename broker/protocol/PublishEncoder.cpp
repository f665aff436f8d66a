#include "broker/protocol/PublishEncoder.h"

#include "broker/protocol/Codec.h"

namespace sb::protocol {
namespace {

std::size_t stringSize(std::string_view s)
{
    return 2 + s.size();
}

void putByte(std::string& out, std::uint8_t b)
{
    out.push_back(static_cast<char>(b));
}

void putU16(std::string& out, std::uint16_t v)
{
    putByte(out, static_cast<std::uint8_t>(v >> 8));
    putByte(out, static_cast<std::uint8_t>(v & 0xFF));
}

void putU32(std::string& out, std::uint32_t v)
{
    putByte(out, static_cast<std::uint8_t>(v >> 24));
    putByte(out, static_cast<std::uint8_t>((v >> 16) & 0xFF));
    putByte(out, static_cast<std::uint8_t>((v >> 8) & 0xFF));
    putByte(out, static_cast<std::uint8_t>(v & 0xFF));
}

void putString(std::string& out, std::string_view s)
{
    putU16(out, static_cast<std::uint16_t>(s.size()));
    out.append(s);
}

void putId(std::string& out, PropertyId id)
{
    putByte(out, static_cast<std::uint8_t>(id));
}

std::optional<std::uint32_t> effectiveExpiry(const OutgoingPublish& p)
{
    if (p.messageExpiryInterval) {
        return p.messageExpiryInterval;
    }
    return p.properties != nullptr ? p.properties->messageExpiryInterval : std::nullopt;
}

// Length of the property block's content (without its own length prefix).
std::size_t propertiesLength(const OutgoingPublish& p, std::uint16_t topicAlias)
{
    std::size_t n = 0;
    if (const Properties* props = p.properties) {
        if (props->payloadFormatIndicator) {
            n += 2;
        }
        if (props->contentType) {
            n += 1 + stringSize(*props->contentType);
        }
        if (props->responseTopic) {
            n += 1 + stringSize(*props->responseTopic);
        }
        if (props->correlationData) {
            n += 1 + stringSize(*props->correlationData);
        }
        for (const auto& up : props->userProperties) {
            n += 1 + stringSize(up.key) + stringSize(up.value);
        }
    }
    if (effectiveExpiry(p)) {
        n += 5;
    }
    for (const std::uint32_t id : p.subscriptionIdentifiers) {
        n += 1 + variableByteIntegerSize(id);
    }
    if (topicAlias != 0) {
        n += 3;
    }
    return n;
}

std::size_t remainingLength(const OutgoingPublish& p, Version version, bool omitTopic,
                            std::size_t propsLength)
{
    std::size_t n = stringSize(omitTopic ? std::string_view{} : p.topic) + p.payload.size();
    if (p.qos > 0) {
        n += 2;
    }
    if (version == Version::V5) {
        n += variableByteIntegerSize(static_cast<std::uint32_t>(propsLength)) + propsLength;
    }
    return n;
}

} // namespace

std::size_t outgoingPublishSize(const OutgoingPublish& publish, Version version,
                                std::uint16_t topicAlias, bool omitTopic)
{
    const std::size_t props = version == Version::V5 ? propertiesLength(publish, topicAlias) : 0;
    const std::size_t remaining = remainingLength(publish, version, omitTopic, props);
    return 1 + variableByteIntegerSize(static_cast<std::uint32_t>(remaining)) + remaining;
}

void encodeOutgoingPublish(const OutgoingPublish& publish, Version version, std::string& out,
                           std::uint16_t topicAlias, bool omitTopic)
{
    const std::size_t props = version == Version::V5 ? propertiesLength(publish, topicAlias) : 0;
    const std::size_t remaining = remainingLength(publish, version, omitTopic, props);
    out.reserve(out.size() + 5 + remaining);

    std::uint8_t first = static_cast<std::uint8_t>(PacketType::Publish) << 4;
    first |= static_cast<std::uint8_t>(publish.qos << 1);
    if (publish.dup) {
        first |= 0x08;
    }
    if (publish.retain) {
        first |= 0x01;
    }
    putByte(out, first);
    appendVariableByteInteger(static_cast<std::uint32_t>(remaining), out);
    putString(out, omitTopic ? std::string_view{} : publish.topic);
    if (publish.qos > 0) {
        putU16(out, publish.packetId);
    }
    if (version == Version::V5) {
        appendVariableByteInteger(static_cast<std::uint32_t>(props), out);
        const Properties* p = publish.properties;
        if (p != nullptr && p->payloadFormatIndicator) {
            putId(out, PropertyId::PayloadFormatIndicator);
            putByte(out, *p->payloadFormatIndicator);
        }
        if (const auto expiry = effectiveExpiry(publish)) {
            putId(out, PropertyId::MessageExpiryInterval);
            putU32(out, *expiry);
        }
        if (p != nullptr && p->contentType) {
            putId(out, PropertyId::ContentType);
            putString(out, *p->contentType);
        }
        if (p != nullptr && p->responseTopic) {
            putId(out, PropertyId::ResponseTopic);
            putString(out, *p->responseTopic);
        }
        if (p != nullptr && p->correlationData) {
            putId(out, PropertyId::CorrelationData);
            putString(out, *p->correlationData);
        }
        for (const std::uint32_t id : publish.subscriptionIdentifiers) {
            putId(out, PropertyId::SubscriptionIdentifier);
            appendVariableByteInteger(id, out);
        }
        if (topicAlias != 0) {
            putId(out, PropertyId::TopicAlias);
            putU16(out, topicAlias);
        }
        if (p != nullptr) {
            for (const auto& up : p->userProperties) {
                putId(out, PropertyId::UserProperty);
                putString(out, up.key);
                putString(out, up.value);
            }
        }
    }
    out.append(publish.payload);
}

} // namespace sb::protocol
