#pragma once

// Tests' side of the broker's operator interface (the one the admin API exposes): the dead-letter
// store and the runtime limits, made synchronous with a deadline on every wait, plus the few
// client helpers the dead-letter and limit suites share.

#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/Broker.h"
#include "broker/core/DeadLetters.h"
#include "broker/core/LimitRegistry.h"
#include "tests/support/BrokerFixture.h"
#include "tests/support/MqttTestClient.h"

namespace sb::test {

using namespace std::chrono_literals;

// How long a test waits for a store callback or a broker state before it fails.
inline constexpr std::chrono::milliseconds kControlTimeout = 5s;

// Starts an asynchronous operation whose result arrives through a callback (on any thread) and
// waits for that result until the deadline. nullopt if it never came.
template <typename T, typename Start>
std::optional<T> awaitCallback(Start&& start, std::chrono::milliseconds timeout = kControlTimeout)
{
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    start([promise](T value) { promise->set_value(std::move(value)); });
    if (future.wait_for(timeout) != std::future_status::ready) {
        return std::nullopt;
    }
    return future.get();
}

// ---- Dead letters ----------------------------------------------------------------------------
std::optional<core::DeadLetterPage>
listDeadLetters(core::Broker& broker, const core::DeadLetterFilter& filter = {},
                bool newestFirst = true, const std::string& cursor = {}, std::size_t limit = 1000);
// Every page of a listing, followed cursor by cursor (at most `maxPages`); nullopt on timeout or
// when the pages do not end.
std::optional<std::vector<core::DeadLetterPage>>
listAllPages(core::Broker& broker, const core::DeadLetterFilter& filter, bool newestFirst,
             std::size_t pageSize, std::size_t maxPages = 100);
// The entries matching `filter`, oldest first (a single large page).
std::vector<core::DeadLetter> deadLettersMatching(core::Broker& broker,
                                                  const core::DeadLetterFilter& filter = {});
// Found: the entry or nullopt for "no such id". Outer nullopt: no answer before the deadline.
std::optional<std::optional<core::DeadLetter>> getDeadLetter(core::Broker& broker,
                                                             std::uint64_t id);
std::optional<core::DeadLetterStats> deadLetterStats(core::Broker& broker);
std::optional<std::uint64_t> purgeDeadLetters(core::Broker& broker,
                                              const core::DeadLetterSelection& selection);
std::optional<core::ReplayResult> replayDeadLetters(core::Broker& broker,
                                                    core::ReplayRequest request,
                                                    std::chrono::milliseconds timeout = 10s);
// Waits until at least `count` entries were added to the store (kept now, or evicted since by
// its bound): dead letters are added on a worker thread after the packet that caused them.
bool waitForDeadLetters(core::Broker& broker, std::uint64_t count,
                        std::chrono::milliseconds timeout = kControlTimeout);
// Broker-wide counters (any thread).
std::uint64_t deadLetteredTotal(core::Broker& broker, core::DeadLetterReason reason);
std::uint64_t droppedTotal(core::Broker& broker, core::DropReason reason);

// ---- Limits ----------------------------------------------------------------------------------
core::LimitRegistry::Value integerValue(std::int64_t value);
core::LimitRegistry::Value booleanValue(bool value);
core::LimitRegistry::Value textValue(const std::string& value);

// Returns once every worker has run what was posted to it before (limit changes are posted to
// the shards; after this they are applied to every open connection).
void settle(BrokerFixture& fixture);
// updateLimits() and then settle(); false with the broker's error text in `error`.
bool changeLimits(BrokerFixture& fixture,
                  const std::map<std::string, core::LimitRegistry::Value>& values,
                  std::string* error = nullptr);
bool changeOverrides(BrokerFixture& fixture, core::Broker::OverrideScope scope,
                     const std::string& name,
                     const std::map<std::string, core::LimitRegistry::Value>& values,
                     std::string* error = nullptr);
std::uint64_t rejectionsOf(core::Broker& broker, const std::string& limitName);

// ---- Clients ---------------------------------------------------------------------------------
protocol::Connect connectPacket(const std::string& clientId,
                                protocol::Version version = protocol::Version::V5,
                                bool cleanStart = true, std::uint32_t sessionExpiry = 0,
                                std::uint16_t keepAlive = 60,
                                std::optional<std::string> username = std::nullopt);
// A client whose CONNECT was accepted, or null with the reason in `why`.
std::unique_ptr<MqttTestClient> acceptedClient(std::uint16_t port, const protocol::Connect& connect,
                                               std::string* why = nullptr,
                                               std::optional<protocol::Connack>* connack = nullptr);

// How the broker ended a connection: closed within the deadline or not, and what it sent first.
struct ConnectionEnd
{
    bool closed = false;
    std::string bytes;
    std::vector<protocol::Packet> packets;

    // The reason code of the last packet if it is a DISCONNECT (5.0), else -1.
    int disconnectReason() const;
    // The return/reason code of a CONNACK among the packets, else -1.
    int connackCode() const;
};
ConnectionEnd awaitConnectionEnd(MqttTestClient& client,
                                 std::chrono::milliseconds timeout = kControlTimeout);
// 5.0: a DISCONNECT with `reason` then the close; 3.1.1: a close with nothing sent. False with
// what happened instead in `why`.
bool endedWithDisconnect(const ConnectionEnd& end, protocol::Version version, std::uint8_t reason,
                         std::string& why);

// Properties covering every application property a PUBLISH carries (binary correlation data,
// repeated and empty user properties, order significant).
protocol::Properties richProperties(std::uint32_t messageExpiry = 3600);

// spdlog at warning level: refusal tests otherwise flood the output with info lines.
void quietLogs();

inline const char* msg(const std::string& s)
{
    return s.c_str();
}

} // namespace sb::test
