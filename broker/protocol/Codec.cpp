// Codec primitives: the fixed header, Variable Byte Integers, UTF-8 validation, and the
// whole-frame conveniences. Packet bodies are in CodecDecode.cpp and CodecEncode.cpp.

#include "broker/protocol/Codec.h"

#include <cstring>

#include "broker/protocol/WireFormat.h"

namespace sb::protocol {

FrameStatus parseFixedHeader(std::string_view data, FixedHeader& header)
{
    if (data.size() < 2) {
        return FrameStatus::NeedMore;
    }
    std::uint32_t remainingLength = 0;
    std::size_t lengthSize = 0;
    switch (wire::readVariableByteInteger(data.substr(1), remainingLength, lengthSize)) {
    case wire::VbiStatus::Ok:
        break;
    case wire::VbiStatus::NeedMore:
        return FrameStatus::NeedMore;
    case wire::VbiStatus::TooLong:
        return FrameStatus::Malformed;
    }
    header.typeAndFlags = static_cast<std::uint8_t>(data[0]);
    header.remainingLength = remainingLength;
    header.headerSize = 1 + lengthSize;
    return FrameStatus::Complete;
}

void appendVariableByteInteger(std::uint32_t value, std::string& out)
{
    do {
        auto byte = static_cast<std::uint8_t>(value & 0x7FU);
        value >>= 7;
        if (value != 0) {
            byte |= 0x80U;
        }
        out.push_back(static_cast<char>(byte));
    } while (value != 0);
}

std::size_t variableByteIntegerSize(std::uint32_t value)
{
    if (value < 128U) {
        return 1;
    }
    if (value < 16'384U) {
        return 2;
    }
    if (value < 2'097'152U) {
        return 3;
    }
    return 4;
}

namespace {

// True when none of the 8 bytes has its high bit set and none is zero: plain ASCII without
// U+0000, the common case for topics, which then skips the per-byte state machine.
bool isAsciiWithoutNul(std::uint64_t chunk)
{
    constexpr std::uint64_t kLow = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    const bool hasHighBit = (chunk & kHigh) != 0;
    const bool hasZeroByte = ((chunk - kLow) & ~chunk & kHigh) != 0;
    return !hasHighBit && !hasZeroByte;
}

bool isContinuation(std::uint8_t byte)
{
    return (byte & 0xC0U) == 0x80U;
}

} // namespace

bool isValidMqttUtf8(std::string_view text)
{
    const std::size_t size = text.size();
    std::size_t i = 0;
    while (i < size) {
        if (size - i >= 8) {
            std::uint64_t chunk = 0;
            std::memcpy(&chunk, text.data() + i, sizeof(chunk));
            if (isAsciiWithoutNul(chunk)) {
                i += 8;
                continue;
            }
        }
        const auto lead = static_cast<std::uint8_t>(text[i]);
        if (lead < 0x80U) {
            if (lead == 0) {
                return false; // U+0000 (spec 1.5.4, [MQTT-1.5.4-2])
            }
            i += 1;
            continue;
        }
        // Well-formed sequences per Unicode 15, table 3-7: this rejects overlong forms, UTF-16
        // surrogates (U+D800..U+DFFF, [MQTT-1.5.4-1]) and code points above U+10FFFF.
        std::size_t length = 0;
        std::uint8_t secondMin = 0x80U;
        std::uint8_t secondMax = 0xBFU;
        if (lead >= 0xC2U && lead <= 0xDFU) {
            length = 2;
        } else if (lead >= 0xE0U && lead <= 0xEFU) {
            length = 3;
            if (lead == 0xE0U) {
                secondMin = 0xA0U;
            } else if (lead == 0xEDU) {
                secondMax = 0x9FU;
            }
        } else if (lead >= 0xF0U && lead <= 0xF4U) {
            length = 4;
            if (lead == 0xF0U) {
                secondMin = 0x90U;
            } else if (lead == 0xF4U) {
                secondMax = 0x8FU;
            }
        } else {
            return false; // 0x80..0xC1 and 0xF5..0xFF never start a sequence
        }
        if (size - i < length) {
            return false;
        }
        const auto second = static_cast<std::uint8_t>(text[i + 1]);
        if (second < secondMin || second > secondMax) {
            return false;
        }
        for (std::size_t k = 2; k < length; ++k) {
            if (!isContinuation(static_cast<std::uint8_t>(text[i + k]))) {
                return false;
            }
        }
        i += length;
    }
    return true;
}

DecodeResult decodeFrame(std::string_view frame, Version version)
{
    auto fail = [](std::string message) {
        return makeError<Packet, DecodeError>(
            DecodeError{ReasonCode::MalformedPacket, std::move(message), 0});
    };
    FixedHeader header;
    switch (parseFixedHeader(frame, header)) {
    case FrameStatus::Complete:
        break;
    case FrameStatus::NeedMore:
        return fail("frame ends inside the fixed header");
    case FrameStatus::Malformed:
        return fail("Remaining Length is longer than 4 bytes");
    }
    if (frame.size() < header.frameSize()) {
        return fail("frame is shorter than its Remaining Length (" +
                    std::to_string(frame.size() - header.headerSize) + " of " +
                    std::to_string(header.remainingLength) + " bytes)");
    }
    if (frame.size() > header.frameSize()) {
        return fail(std::to_string(frame.size() - header.frameSize()) +
                    " bytes follow the packet in the frame");
    }
    return decode(header, frame.substr(header.headerSize), version);
}

std::string encodeToString(const Packet& packet, Version version)
{
    std::string out;
    encode(packet, version, out);
    return out;
}

} // namespace sb::protocol
