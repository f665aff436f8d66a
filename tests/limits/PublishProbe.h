#pragma once

// Sending one PUBLISH and reading how the broker took it, for the limit suites.

#include <string>

#include "tests/support/BrokerControl.h"

namespace sb::test {

protocol::Publish publishOf(const std::string& topic, const std::string& payload, std::uint8_t qos,
                            std::uint16_t packetId, bool retain = false);

// What the broker answers a PUBLISH with: PUBACK/PUBREC (QoS 1/2) or PINGRESP to a following
// PINGREQ (QoS 0) when accepted; DISCONNECT (5.0) or nothing (closed) when refused.
struct Answer
{
    bool accepted = false;
    int ackReason = -1;        // PUBACK/PUBREC reason code
    int disconnectReason = -1; // DISCONNECT reason code (5.0)
    bool closed = false;
};
Answer publishAndAnswer(MqttTestClient& client, const protocol::Publish& publish);

// The answer is a refusal by closing: DISCONNECT `reason` in 5.0, a plain close in 3.1.1.
bool closedWith(const Answer& answer, protocol::Version version, int reason, std::string& why);
std::string describe(const Answer& answer);

} // namespace sb::test
