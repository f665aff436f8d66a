#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "broker/protocol/Packets.h"

namespace sb::protocol {

// A PUBLISH on its way to one subscriber, as views over the shared message plus what differs per
// delivery. Encoding from views is what keeps fan-out from copying payloads: the broker builds one
// of these on the stack per delivery and encodes it straight into the connection's output.
struct OutgoingPublish
{
    bool dup = false;
    std::uint8_t qos = 0;
    bool retain = false;
    std::string_view topic;
    std::uint16_t packetId = 0;
    // The message's own properties (no Topic Alias, no Subscription Identifiers), or null.
    const Properties* properties = nullptr;
    // Replaces properties->messageExpiryInterval when the message expires (time left, 3.3.2.3.3).
    std::optional<std::uint32_t> messageExpiryInterval;
    std::span<const std::uint32_t> subscriptionIdentifiers;
    std::string_view payload;
};

// Bytes the PUBLISH takes on the wire. `topicAlias` 0 = none; `omitTopic` sends an empty topic
// name (an alias the client already knows).
std::size_t outgoingPublishSize(const OutgoingPublish& publish, Version version,
                                std::uint16_t topicAlias = 0, bool omitTopic = false);

// Appends the PUBLISH to `out`. In 3.1.1 properties are left out.
void encodeOutgoingPublish(const OutgoingPublish& publish, Version version, std::string& out,
                           std::uint16_t topicAlias = 0, bool omitTopic = false);

} // namespace sb::protocol
