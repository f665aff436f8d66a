#pragma once

// Helpers shared by the dead-letter suites: what an entry must hold, and the usual ways of making
// one with real clients (a subscriber that rejects, one that is offline with a full queue, one
// with a small Maximum Packet Size).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <QtTest/QTest>

#include "broker/core/DeadLetters.h"
#include "tests/support/BrokerControl.h"
#include "tests/support/TestPrinters.h"

Q_DECLARE_METATYPE(sb::protocol::Version)
Q_DECLARE_METATYPE(sb::core::DeadLetterReason)

namespace sb::test {

// Everything a dead letter must say, for one comparison with a readable failure.
struct ExpectedLetter
{
    core::DeadLetterReason reason = core::DeadLetterReason::Rejected;
    std::string topic;
    std::string payload;
    std::uint8_t qos = 1;
    bool retain = false;
    protocol::Properties properties;
    std::string publisher;
    std::string target;
    std::uint32_t attempts = 0;
    // The entry's time must lie in [from, to].
    core::Clock::WallTimePoint from{};
    core::Clock::WallTimePoint to{};
};

// True when `letter` holds exactly what `expected` says (and has an id, and was not replayed);
// otherwise false with the first difference in `why`.
bool letterIs(const core::DeadLetter& letter, const ExpectedLetter& expected, std::string& why);

// Payloads of the entries, in the order given.
std::vector<std::string> payloadsOf(const std::vector<core::DeadLetter>& letters);
std::string joined(const std::vector<std::string>& values);

// Receives one PUBLISH and answers it with `reasonCode` (PUBACK for QoS 1, PUBREC for QoS 2,
// nothing for QoS 0). Returns the PUBLISH, or nullopt with the reason in `why`.
std::optional<protocol::Publish> receiveAndAnswer(MqttTestClient& client, std::uint8_t reasonCode,
                                                  std::string& why);

// Connects `clientId` with a persistent session, subscribes `filter` at `qos`, and disconnects:
// an offline session that queues what arrives.
bool parkSession(std::uint16_t port, const std::string& clientId, const std::string& filter,
                 std::uint8_t qos, std::string& why);

// A subscriber that refuses (PUBACK `reasonCode`) the next `count` messages published to `topic`
// by a fresh publisher `publisher`, each with its own payload; waits until the store holds
// `expectedTotal` entries after each one, so entries are in publish order.
bool produceRejections(BrokerFixture& broker, MqttTestClient& subscriber, MqttTestClient& publisher,
                       const std::string& topic, const std::vector<std::string>& payloads,
                       std::uint64_t& expectedTotal, std::string& why);

} // namespace sb::test
