#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "broker/core/Clock.h"
#include "broker/protocol/Properties.h"

namespace sb::core {

// One application message as the broker received it, immutable once built and shared by every
// queue, in-flight slot, retained slot and dead letter that refers to it: fan-out to 10,000
// subscribers copies a pointer, never the payload.
struct Message
{
    std::string topic;
    std::string payload;
    // PUBLISH properties as received, minus Topic Alias and Subscription Identifiers (those are
    // per connection / per subscription and are set again for each delivery).
    protocol::Properties properties;
    std::uint8_t qos = 0;
    bool retain = false;

    // Where it came from: for No Local, dead letters and the admin API.
    std::uint64_t publisherSessionId = 0;
    std::string publisherClientId;

    Clock::TimePoint receivedAt{};             // when the PUBLISH was read (latency, expiry)
    Clock::WallTimePoint receivedWallTime{};   // the same instant on the wall clock
    std::optional<Clock::TimePoint> expiresAt; // from Message Expiry Interval

    // Store identity once persisted (0 = not stored). Set by the store thread's callback before
    // the message is shared with other threads.
    std::uint64_t storeId = 0;

    std::size_t approximateSize() const
    {
        return sizeof(Message) + topic.size() + payload.size() + publisherClientId.size();
    }

    bool isExpired(Clock::TimePoint now) const { return expiresAt && now >= *expiresAt; }

    // Message Expiry Interval left, rounded up, for forwarding (spec 3.3.2.3.3); nullopt if the
    // message does not expire.
    std::optional<std::uint32_t> remainingExpirySeconds(Clock::TimePoint now) const;
};

using MessagePtr = std::shared_ptr<const Message>;

inline std::optional<std::uint32_t> Message::remainingExpirySeconds(Clock::TimePoint now) const
{
    if (!expiresAt) {
        return std::nullopt;
    }
    if (now >= *expiresAt) {
        return 0U;
    }
    const auto left = *expiresAt - now;
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(left).count();
    return static_cast<std::uint32_t>(seconds);
}

} // namespace sb::core
