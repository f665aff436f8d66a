#include "broker/tools/bench/PublishTemplate.h"

#include <cstring>

#include "broker/protocol/Codec.h"
#include "broker/protocol/PublishEncoder.h"
#include "broker/tools/bench/PayloadHeader.h"

namespace sb::bench {

PublishTemplate::PublishTemplate(protocol::Version version, std::string_view topic,
                                 std::uint8_t qos, std::size_t payloadSize, std::uint32_t runTag,
                                 std::uint32_t publisher)
{
    // Filler is printable so a human watching with mosquitto_sub sees something sensible.
    std::string payload(payloadSize, 'x');
    std::memcpy(payload.data() + PayloadHeader::kRunTagOffset, &runTag, sizeof runTag);
    std::memcpy(payload.data() + PayloadHeader::kPublisherOffset, &publisher, sizeof publisher);

    protocol::OutgoingPublish publish;
    publish.qos = qos;
    publish.topic = topic;
    publish.packetId = qos > 0 ? 1 : 0;
    publish.payload = payload;
    protocol::encodeOutgoingPublish(publish, version, m_frame);

    m_payloadOffset = m_frame.size() - payloadSize;
    if (qos > 0) {
        // The packet id follows the fixed header and the topic (2-byte length + bytes).
        protocol::FixedHeader header;
        protocol::parseFixedHeader(m_frame, header);
        m_packetIdOffset = header.headerSize + 2 + topic.size();
    }
    m_hasActualTime = payloadSize >= PayloadHeader::kWithSendTimeSize;
}

void PublishTemplate::append(std::string& out, std::uint16_t packetId, std::uint64_t sequence,
                             std::int64_t intendedNanos, std::int64_t actualNanos) const
{
    const std::size_t at = out.size();
    out.append(m_frame);
    char* frame = out.data() + at;
    if (m_packetIdOffset != 0) {
        frame[m_packetIdOffset] = static_cast<char>(packetId >> 8);
        frame[m_packetIdOffset + 1] = static_cast<char>(packetId & 0xFF);
    }
    char* payload = frame + m_payloadOffset;
    std::memcpy(payload + PayloadHeader::kSequenceOffset, &sequence, sizeof sequence);
    std::memcpy(payload + PayloadHeader::kIntendedOffset, &intendedNanos, sizeof intendedNanos);
    if (m_hasActualTime) {
        std::memcpy(payload + PayloadHeader::kActualOffset, &actualNanos, sizeof actualNanos);
    }
}

namespace {

std::uint16_t readU16(const char* p)
{
    return static_cast<std::uint16_t>((static_cast<unsigned char>(p[0]) << 8) |
                                      static_cast<unsigned char>(p[1]));
}

} // namespace

bool parsePublish(std::uint8_t flags, std::string_view body, protocol::Version version,
                  PublishView& view)
{
    view.qos = static_cast<std::uint8_t>((flags >> 1) & 0x03);
    if (view.qos == 3 || body.size() < 2) {
        return false;
    }
    std::size_t pos = 2 + readU16(body.data());
    if (pos > body.size()) {
        return false;
    }
    view.topic = body.substr(2, pos - 2);
    if (view.qos > 0) {
        if (pos + 2 > body.size()) {
            return false;
        }
        view.packetId = readU16(body.data() + pos);
        pos += 2;
    } else {
        view.packetId = 0;
    }
    if (version == protocol::Version::V5) {
        // Property Length: a Variable Byte Integer of at most 4 bytes.
        std::uint32_t length = 0;
        unsigned shift = 0;
        for (;;) {
            if (pos >= body.size() || shift > 21) {
                return false;
            }
            const auto byte = static_cast<unsigned char>(body[pos++]);
            length |= static_cast<std::uint32_t>(byte & 0x7F) << shift;
            if ((byte & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        if (length > body.size() - pos) {
            return false;
        }
        pos += length;
    }
    view.payload = body.substr(pos);
    return true;
}

void appendPublishResponse(std::string& out, protocol::PacketType type, std::uint16_t packetId)
{
    // PUBREL's fixed-header flags are 0010 (spec 3.6.1); the others' are 0000.
    const auto typeByte = static_cast<std::uint8_t>(static_cast<std::uint8_t>(type) << 4);
    const char frame[4] = {
        static_cast<char>(type == protocol::PacketType::Pubrel ? typeByte | 0x02 : typeByte), 2,
        static_cast<char>(packetId >> 8), static_cast<char>(packetId & 0xFF)};
    out.append(frame, sizeof frame);
}

bool parsePublishResponse(std::string_view body, std::uint16_t& packetId, std::uint8_t& reason)
{
    if (body.size() < 2) {
        return false;
    }
    packetId = readU16(body.data());
    reason = body.size() >= 3 ? static_cast<std::uint8_t>(body[2]) : 0;
    return true;
}

} // namespace sb::bench
