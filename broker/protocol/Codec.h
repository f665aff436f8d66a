#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "broker/protocol/Packets.h"
#include "broker/protocol/Result.h"

// The MQTT 3.1.1 / 5.0 wire codec: pure functions from bytes to packets and back, no I/O and no
// state. Byte buffers are std::string (bytes, not text); input is a std::string_view over them.
namespace sb::protocol {

// Largest value a Variable Byte Integer can hold (spec 1.5.5): also the largest Remaining Length.
inline constexpr std::uint32_t kMaxVariableByteInteger = 268'435'455;

// ---- Fixed header -------------------------------------------------------------------------

struct FixedHeader
{
    std::uint8_t typeAndFlags = 0;     // first byte: packet type in the high nibble, flags low
    std::uint32_t remainingLength = 0; // bytes after the fixed header
    std::size_t headerSize = 0;        // 1 + bytes of the Remaining Length field (2..5)

    PacketType type() const { return static_cast<PacketType>(typeAndFlags >> 4); }
    std::uint8_t flags() const { return typeAndFlags & 0x0F; }
    std::size_t frameSize() const { return headerSize + remainingLength; }
};

enum class FrameStatus
{
    Complete,  // header parsed; the frame may still be incomplete (compare frameSize())
    NeedMore,  // not enough bytes to read the whole fixed header yet
    Malformed, // Remaining Length longer than 4 bytes (spec 1.5.5)
};

// Reads the fixed header at the start of `data`. Does not look at the packet type.
FrameStatus parseFixedHeader(std::string_view data, FixedHeader& header);

// ---- Decoding -----------------------------------------------------------------------------

struct DecodeError
{
    // MalformedPacket, ProtocolError, TopicNameInvalid, UnsupportedProtocolVersion, ...
    ReasonCode reason = ReasonCode::MalformedPacket;
    std::string message; // what was wrong, for logs: "PUBLISH topic contains '+'"
    // For CONNECT: the protocol level the client sent (0 if the packet was too broken to tell),
    // so the caller can answer in a form the client understands. Set for every CONNECT error
    // once the level byte is read, not only for UnsupportedProtocolVersion.
    std::uint8_t connectProtocolLevel = 0;
};

using DecodeResult = Result<Packet, DecodeError>;

// Decodes one complete packet. `body` is exactly the `remainingLength` bytes after the fixed
// header. `version` is the connection's negotiated version; it is ignored for CONNECT, which
// carries its own. Checks everything that can be checked from the packet alone:
//  - reserved fixed-header flags; QoS 3; DUP set on QoS 0; packet identifier 0 where one is
//    required; trailing or missing bytes; malformed Variable Byte Integers;
//  - UTF-8 strings well-formed, no U+0000 (spec 1.5.4);
//  - properties: known identifier, allowed in this packet type, not repeated (except User
//    Property and, in PUBLISH, Subscription Identifier), values in range (Receive Maximum > 0,
//    Maximum Packet Size > 0, Subscription Identifier 1..268435455, 0/1 bytes, ...);
//  - PUBLISH topic without '+' or '#' (TopicNameInvalid); empty topic only with a Topic Alias
//    (5.0); SUBSCRIBE/UNSUBSCRIBE with at least one filter; subscription options reserved bits
//    zero and Retain Handling != 3;
//  - CONNECT: protocol name "MQTT" and level 4 or 5 (else UnsupportedProtocolVersion), reserved
//    flag zero, will flags consistent, password flag without user name (3.1.1: malformed).
// AUTH is refused in 3.1.1 (MalformedPacket), as is any packet type 0.
DecodeResult decode(const FixedHeader& header, std::string_view body, Version version);

// Convenience for tests and tools: decodes a whole frame (fixed header included). The frame
// must hold exactly one packet.
DecodeResult decodeFrame(std::string_view frame, Version version);

// ---- Encoding -----------------------------------------------------------------------------

// Appends the wire form of `packet` to `out`. In 3.1.1 properties and 5.0-only fields are left
// out. In 5.0, PUBACK/PUBREC/PUBREL/PUBCOMP/DISCONNECT leave out the Property Length when there
// are no properties, and the reason code too when it is 0x00 (spec 3.4.2.1); AUTH only has the
// second form (3.15.2.1). CONNECT is encoded in its own `version`. The packet must be valid for
// the version (AUTH only in 5.0); the encoder does not check semantics.
void encode(const Packet& packet, Version version, std::string& out);

// The hot path's entry point: PUBLISH without going through the variant.
void encodePublish(const Publish& publish, Version version, std::string& out);

// Bytes that encode() would append, computed without encoding (used to check Maximum Packet
// Size before sending).
std::size_t encodedSize(const Packet& packet, Version version);
std::size_t encodedPublishSize(const Publish& publish, Version version);

// Convenience: returns the bytes.
std::string encodeToString(const Packet& packet, Version version);

// ---- Primitives (exposed for the test client and the bench tool) --------------------------

// Appends a Variable Byte Integer (value <= kMaxVariableByteInteger).
void appendVariableByteInteger(std::uint32_t value, std::string& out);
std::size_t variableByteIntegerSize(std::uint32_t value);

// True when `text` is well-formed UTF-8 without U+0000 (MQTT 1.5.4).
bool isValidMqttUtf8(std::string_view text);

} // namespace sb::protocol
