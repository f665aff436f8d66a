#pragma once

// Helpers shared by the system suites (tests/system): packet builders, connected clients, how a
// connection ended, and reads of broker state on the workers' own threads.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <QtTest/QTest>

#include "tests/support/BrokerFixture.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

Q_DECLARE_METATYPE(sb::protocol::Version)

namespace sb::test {

using namespace std::chrono_literals;
using protocol::Version;

// Adds the "version" column with one row per protocol version ("mqtt311", "mqtt5").
void addVersionRows();

// ---- Packets ---------------------------------------------------------------------------------
protocol::Connect makeConnect(const std::string& clientId, Version version = Version::V5,
                              bool cleanStart = true, std::uint32_t sessionExpiry = 0,
                              std::uint16_t keepAlive = 60);
protocol::SubscriptionOptions
subscriptionOptions(std::uint8_t qos, bool noLocal = false, bool retainAsPublished = false,
                    protocol::RetainHandling handling = protocol::RetainHandling::SendOnSubscribe);
protocol::Subscribe makeSubscribe(const std::string& filter, protocol::SubscriptionOptions options,
                                  std::uint32_t subscriptionId = 0, std::uint16_t packetId = 1);
protocol::Publish makePublish(const std::string& topic, const std::string& payload,
                              std::uint8_t qos = 0, bool retain = false,
                              std::uint16_t packetId = 0);

// The two bytes of a packet identifier, for byte-exact acknowledgements.
std::string packetIdBytes(std::uint16_t packetId);

// ---- Clients ---------------------------------------------------------------------------------
// A client whose CONNECT was accepted, or null (the reason in `why`, if given).
std::unique_ptr<MqttTestClient> connectClient(std::uint16_t port, const protocol::Connect& connect,
                                              std::string* why = nullptr,
                                              std::optional<protocol::Connack>* connack = nullptr);
std::unique_ptr<MqttTestClient> connectClient(std::uint16_t port, const std::string& clientId,
                                              Version version = Version::V5, bool cleanStart = true,
                                              std::uint32_t sessionExpiry = 0);

// Subscribes `client` to `filter` and checks the SUBACK grants `qos`.
bool subscribeOk(MqttTestClient& client, const std::string& filter, std::uint8_t qos,
                 std::uint32_t subscriptionId = 0);

// How the broker ended a connection: whether it closed it within the deadline, the raw bytes it
// sent before closing, and those bytes decoded as the packets of `version`.
struct Ending
{
    bool closed = false;
    std::string bytes;
    std::vector<protocol::Packet> packets;

    // The reason code of the single DISCONNECT sent, or -1 if the broker sent anything else.
    int disconnectReason() const;
};
Ending awaitEnding(MqttTestClient& client, std::chrono::milliseconds timeout = 5s);

// True when `ending` is what the spec asks for a protocol violation: 5.0, one DISCONNECT with
// `reason` and the connection closed; 3.1.1, the connection closed and nothing sent.
bool endedWith(const Ending& ending, Version version, protocol::ReasonCode reason,
               std::string& why);

// A fresh client can still connect, subscribe, publish at QoS 1 and get its message back: the
// broker neither crashed nor hung after whatever a test did to it.
bool brokerServes(std::uint16_t port, std::string& why);

// The first PUBLISH on `client` has `payload` (the sentinel technique: publish what must not
// arrive, then a sentinel on a topic the client surely gets; per-publisher order makes the
// sentinel's arrival first proof that the other message was not delivered).
bool nextPayloadIs(MqttTestClient& client, const std::string& payload, std::string& why);

// ---- Broker state (read on the workers' threads) ---------------------------------------------
// Whether the session of `clientId` is online; nullopt when the broker has no such session.
std::optional<bool> sessionOnline(BrokerFixture& fixture, const std::string& clientId);
// Open client connections on each worker.
std::vector<std::size_t> connectionsPerWorker(BrokerFixture& fixture);
// In-flight outbound messages of `clientId`'s session (0 if there is no session).
std::size_t inflightOf(BrokerFixture& fixture, const std::string& clientId);
// Messages waiting in `clientId`'s session queue (0 if there is no session).
std::size_t queuedOf(BrokerFixture& fixture, const std::string& clientId);

// spdlog at warning level: a protocol-error test otherwise floods the output with info lines.
void quietBrokerLogs();

// Shorthand for QVERIFY2 messages.
inline const char* text(const std::string& s)
{
    return s.c_str();
}

} // namespace sb::test
