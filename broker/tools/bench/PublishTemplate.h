#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "broker/protocol/Packets.h"

namespace sb::bench {

// One publisher's PUBLISH frame, encoded once by the codec and then copied and patched per
// message (packet id, sequence number, send times). Topic, QoS and payload size never change
// within a run, so this is the cheapest correct encoding there is: one memcpy and four stores.
class PublishTemplate
{
public:
    PublishTemplate(protocol::Version version, std::string_view topic, std::uint8_t qos,
                    std::size_t payloadSize, std::uint32_t runTag, std::uint32_t publisher);

    std::size_t frameSize() const { return m_frame.size(); }

    // Appends one PUBLISH to `out` (whose capacity the caller reserved).
    void append(std::string& out, std::uint16_t packetId, std::uint64_t sequence,
                std::int64_t intendedNanos, std::int64_t actualNanos) const;

private:
    std::string m_frame;
    std::size_t m_packetIdOffset = 0; // 0 at QoS 0 (no packet id)
    std::size_t m_payloadOffset = 0;
    bool m_hasActualTime = false;
};

// A PUBLISH's fields as views into the receive buffer: parsed without allocating.
struct PublishView
{
    std::uint8_t qos = 0;
    std::uint16_t packetId = 0;
    std::string_view topic;
    std::string_view payload;
};

// Parses a PUBLISH body (the bytes after the fixed header). 5.0 properties are skipped, not
// decoded: the bench sends none, and brokers add at most a few. False when malformed.
bool parsePublish(std::uint8_t flags, std::string_view body, protocol::Version version,
                  PublishView& view);

// Appends PUBACK, PUBREC, PUBREL or PUBCOMP with reason Success in its 4-byte form, which is
// valid in both 3.1.1 and 5.0.
void appendPublishResponse(std::string& out, protocol::PacketType type, std::uint16_t packetId);

// The packet id at the start of an acknowledgement's body, and its 5.0 reason code (0 when
// omitted); false when the body is too short.
bool parsePublishResponse(std::string_view body, std::uint16_t& packetId, std::uint8_t& reason);

} // namespace sb::bench
