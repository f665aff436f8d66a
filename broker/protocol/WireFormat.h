#pragma once

// Internal to broker/protocol: the pieces the decoder, the encoder and the property codec share.
// Not part of the codec's API; nothing outside this folder includes it.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "broker/protocol/Codec.h"

namespace sb::protocol::wire {

// ---- Variable Byte Integer ----------------------------------------------------------------

enum class VbiStatus
{
    Ok,
    NeedMore, // the data ends before the last byte of the integer
    TooLong,  // a fourth byte still has the continuation bit (spec 1.5.5: Malformed)
};

// Reads a Variable Byte Integer at the start of `data`; `size` is the number of bytes it used.
// Non-minimal encodings ("80 00") are accepted: they carry a well-defined value.
inline VbiStatus readVariableByteInteger(std::string_view data, std::uint32_t& value,
                                         std::size_t& size)
{
    std::uint32_t result = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i >= data.size()) {
            return VbiStatus::NeedMore;
        }
        const auto byte = static_cast<std::uint8_t>(data[i]);
        result |= static_cast<std::uint32_t>(byte & 0x7FU) << (7 * i);
        if ((byte & 0x80U) == 0) {
            value = result;
            size = i + 1;
            return VbiStatus::Ok;
        }
    }
    return VbiStatus::TooLong;
}

// ---- Reading ------------------------------------------------------------------------------

// Bounds-checked cursor over a packet body: a read that would run past the end fails and
// consumes nothing, so no caller can read out of bounds whatever the input.
class WireReader
{
public:
    explicit WireReader(std::string_view data)
        : m_data(data)
    {}

    std::size_t remaining() const { return m_data.size() - m_position; }
    bool atEnd() const { return m_position == m_data.size(); }

    bool readByte(std::uint8_t& value)
    {
        if (remaining() < 1) {
            return false;
        }
        value = byteAt(m_position);
        m_position += 1;
        return true;
    }

    bool readTwoByteInteger(std::uint16_t& value)
    {
        if (remaining() < 2) {
            return false;
        }
        value = static_cast<std::uint16_t>((byteAt(m_position) << 8) | byteAt(m_position + 1));
        m_position += 2;
        return true;
    }

    bool readFourByteInteger(std::uint32_t& value)
    {
        if (remaining() < 4) {
            return false;
        }
        value = (static_cast<std::uint32_t>(byteAt(m_position)) << 24) |
                (static_cast<std::uint32_t>(byteAt(m_position + 1)) << 16) |
                (static_cast<std::uint32_t>(byteAt(m_position + 2)) << 8) |
                static_cast<std::uint32_t>(byteAt(m_position + 3));
        m_position += 4;
        return true;
    }

    VbiStatus readVariableByteInteger(std::uint32_t& value)
    {
        std::size_t size = 0;
        const VbiStatus status =
            wire::readVariableByteInteger(m_data.substr(m_position), value, size);
        if (status == VbiStatus::Ok) {
            m_position += size;
        }
        return status;
    }

    bool readBytes(std::size_t count, std::string_view& bytes)
    {
        if (remaining() < count) {
            return false;
        }
        bytes = m_data.substr(m_position, count);
        m_position += count;
        return true;
    }

    // Two-byte length followed by that many bytes: UTF-8 strings and Binary Data (spec 1.5.4,
    // 1.5.6). The caller checks UTF-8 where the field is text.
    bool readLengthPrefixed(std::string_view& bytes)
    {
        const std::size_t start = m_position;
        std::uint16_t length = 0;
        if (!readTwoByteInteger(length) || !readBytes(length, bytes)) {
            m_position = start;
            return false;
        }
        return true;
    }

    std::string_view readRest()
    {
        const std::string_view rest = m_data.substr(m_position);
        m_position = m_data.size();
        return rest;
    }

private:
    std::uint8_t byteAt(std::size_t index) const
    {
        return static_cast<std::uint8_t>(m_data[index]);
    }

    std::string_view m_data;
    std::size_t m_position = 0;
};

// ---- Decoding helpers ---------------------------------------------------------------------

// What each reading step returns: nothing, or why the packet is refused.
using Failure = std::optional<DecodeError>;

inline DecodeError malformed(std::string message)
{
    return DecodeError{ReasonCode::MalformedPacket, std::move(message), 0};
}

inline DecodeError protocolError(std::string message)
{
    return DecodeError{ReasonCode::ProtocolError, std::move(message), 0};
}

inline std::string join(std::string_view context, std::string_view what)
{
    std::string message;
    message.reserve(context.size() + 2 + what.size());
    message += context;
    message += ": ";
    message += what;
    return message;
}

inline std::string hexByte(std::uint8_t value)
{
    static constexpr std::string_view kDigits = "0123456789ABCDEF";
    return {'0', 'x', kDigits[value >> 4], kDigits[value & 0x0F]};
}

// A UTF-8 Encoded String (spec 1.5.4). `what` names the field: "PUBLISH: topic name".
inline Failure readUtf8(WireReader& reader, std::string_view what, std::string_view& text)
{
    if (!reader.readLengthPrefixed(text)) {
        return malformed(std::string(what) + " is truncated");
    }
    if (!isValidMqttUtf8(text)) {
        return malformed(std::string(what) + " is not valid UTF-8 or contains U+0000");
    }
    return std::nullopt;
}

inline Failure readUtf8(WireReader& reader, std::string_view what, std::string& out)
{
    std::string_view text;
    if (auto error = readUtf8(reader, what, text)) {
        return error;
    }
    out.assign(text);
    return std::nullopt;
}

inline Failure readBinary(WireReader& reader, std::string_view what, std::string& out)
{
    std::string_view bytes;
    if (!reader.readLengthPrefixed(bytes)) {
        return malformed(std::string(what) + " is truncated");
    }
    out.assign(bytes);
    return std::nullopt;
}

// Packet Identifier: present and non-zero (spec 2.2.1, [MQTT-2.2.1-3]).
inline Failure readPacketId(WireReader& reader, std::string_view context, std::uint16_t& packetId)
{
    if (!reader.readTwoByteInteger(packetId)) {
        return malformed(join(context, "packet identifier is missing or truncated"));
    }
    if (packetId == 0) {
        return protocolError(join(context, "packet identifier is 0"));
    }
    return std::nullopt;
}

inline Failure expectEnd(const WireReader& reader, std::string_view context)
{
    if (!reader.atEnd()) {
        return malformed(join(context, std::to_string(reader.remaining()) +
                                           " unexpected bytes at the end of the packet"));
    }
    return std::nullopt;
}

// The reason codes each packet may carry (spec 2.4, table 2-6, and each packet's section).
inline Failure checkReasonCode(std::uint8_t code, std::string_view context,
                               std::initializer_list<std::uint8_t> allowed)
{
    if (std::find(allowed.begin(), allowed.end(), code) == allowed.end()) {
        return protocolError(
            join(context, "reason code " + hexByte(code) + " is not defined for this packet"));
    }
    return std::nullopt;
}

// A plain loop: libstdc++'s find_first_of("+#") calls memchr once per topic byte, which cost
// a third of PUBLISH decoding.
inline bool hasWildcard(std::string_view topic)
{
    return std::any_of(topic.begin(), topic.end(), [](char c) { return c == '+' || c == '#'; });
}

// ---- Properties ---------------------------------------------------------------------------

// Where a property may appear: one bit per packet type (bit n for PacketType n), and bit 0 for
// the Will Properties inside CONNECT's payload (packet type 0 is reserved, so its bit is free).
using PropertyScope = std::uint16_t;

constexpr PropertyScope scopeOf(PacketType type)
{
    return static_cast<PropertyScope>(1U << static_cast<unsigned>(type));
}

inline constexpr PropertyScope kWillScope = 1U;

enum class PropertyKind : std::uint8_t
{
    Unknown,
    Byte,
    TwoByteInteger,
    FourByteInteger,
    VariableByteInteger,
    Utf8String,
    BinaryData,
    Utf8StringPair,
};

struct PropertyRule
{
    PropertyKind kind = PropertyKind::Unknown;
    PropertyScope scopes = 0; // packet types that may carry it (spec 2.2.2.2, table 2-4)
    std::string_view name;    // as in the spec, for error messages
};

// The property table of spec 2.2.2.2; identifiers not in it have kind Unknown.
const PropertyRule& propertyRule(std::uint8_t identifier);

inline bool propertyAllowed(PropertyId id, PropertyScope scope)
{
    return (propertyRule(static_cast<std::uint8_t>(id)).scopes & scope) != 0;
}

// Reads a Property Length and the properties it covers into `out` (which starts empty), with
// every check of Codec.h: known identifier, allowed in `scope`, not repeated, value in range.
// `context` names the packet for messages ("PUBLISH", "CONNECT Will").
std::optional<DecodeError> readProperties(WireReader& reader, PropertyScope scope,
                                          std::string_view context, Properties& out);

// Bytes of the properties allowed in `scope`, without the Property Length in front of them.
std::size_t propertiesSize(const Properties& properties, PropertyScope scope);

// Appends the properties allowed in `scope`, without the Property Length, in identifier order.
void appendProperties(const Properties& properties, PropertyScope scope, std::string& out);

// ---- Writing ------------------------------------------------------------------------------

// The encoder writes every packet body twice through the same template: once into a ByteCounter
// to learn the Remaining Length (and encodedSize()), once into a ByteWriter. One description of
// each layout means the size and the bytes cannot disagree.

// Counts the bytes a body would take.
class ByteCounter
{
public:
    void byte(std::uint8_t /*value*/) { m_size += 1; }
    void twoByteInteger(std::uint16_t /*value*/) { m_size += 2; }
    void fourByteInteger(std::uint32_t /*value*/) { m_size += 4; }
    void variableByteInteger(std::uint32_t value) { m_size += variableByteIntegerSize(value); }
    void bytes(std::string_view data) { m_size += data.size(); }
    void lengthPrefixed(std::string_view data) { m_size += 2 + data.size(); }
    // Property Length and the properties allowed in `scope`.
    void properties(const Properties& values, PropertyScope scope)
    {
        const std::size_t length = values.empty() ? 0 : propertiesSize(values, scope);
        m_size += variableByteIntegerSize(static_cast<std::uint32_t>(length)) + length;
    }

    std::size_t size() const { return m_size; }

private:
    std::size_t m_size = 0;
};

// Appends the bytes of a body to a buffer the caller has already reserved.
class ByteWriter
{
public:
    explicit ByteWriter(std::string& out)
        : m_out(out)
    {}

    void byte(std::uint8_t value) { m_out.push_back(static_cast<char>(value)); }
    void twoByteInteger(std::uint16_t value)
    {
        const std::array<char, 2> data{static_cast<char>(value >> 8), static_cast<char>(value)};
        m_out.append(data.data(), data.size());
    }
    void fourByteInteger(std::uint32_t value)
    {
        const std::array<char, 4> data{static_cast<char>(value >> 24),
                                       static_cast<char>(value >> 16),
                                       static_cast<char>(value >> 8), static_cast<char>(value)};
        m_out.append(data.data(), data.size());
    }
    void variableByteInteger(std::uint32_t value) { appendVariableByteInteger(value, m_out); }
    void bytes(std::string_view data) { m_out.append(data); }
    // Lengths above 65535 cannot be expressed; the encoder does not check semantics (Codec.h),
    // so the caller keeps strings within the limit.
    void lengthPrefixed(std::string_view data)
    {
        twoByteInteger(static_cast<std::uint16_t>(data.size()));
        m_out.append(data);
    }
    // Property Length and the properties allowed in `scope`. Plain publishes have none and skip
    // the walk over the property table.
    void properties(const Properties& values, PropertyScope scope)
    {
        const std::size_t length = values.empty() ? 0 : propertiesSize(values, scope);
        variableByteInteger(static_cast<std::uint32_t>(length));
        if (length != 0) {
            appendProperties(values, scope, m_out);
        }
    }

private:
    std::string& m_out;
};

} // namespace sb::protocol::wire
