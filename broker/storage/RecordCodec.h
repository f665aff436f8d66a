#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Message.h"
#include "broker/protocol/Packets.h"
#include "broker/protocol/Result.h"

namespace sb::storage::records {

// How column values map to and from the core's types. Kept apart from the SQL so the mapping
// has one definition and its own tests.

std::int64_t toMillis(core::Clock::WallTimePoint time);
core::Clock::WallTimePoint fromMillis(std::int64_t millis);

// When a message expires, as wall time for the expires_at columns; nullopt if it never does.
std::optional<std::int64_t> expiryMillis(const core::Message& message);

// Converts stored wall-clock times to the core's monotonic time points, relative to one
// reading of both clocks: a message received 5 s before a restart was received 5 s before
// `steadyNow` on the new process's monotonic clock.
class TimeBase
{
public:
    explicit TimeBase(const core::Clock& clock)
        : m_steadyNow(clock.now())
        , m_wallNow(clock.wallNow())
    {}

    core::Clock::TimePoint toSteady(core::Clock::WallTimePoint wall) const
    {
        return m_steadyNow + std::chrono::duration_cast<core::Clock::Duration>(wall - m_wallNow);
    }

private:
    core::Clock::TimePoint m_steadyNow;
    core::Clock::WallTimePoint m_wallNow;
};

// Topic, payload and properties as the bytes of an MQTT 5.0 PUBLISH (QoS 0, no packet id).
// Properties a PUBLISH cannot carry (Will Delay Interval) are left out: the caller keeps them
// in a column of their own.
std::string encodePublishBlob(const std::string& topic, const std::string& payload,
                              const protocol::Properties& properties);
Result<protocol::Publish, std::string> decodePublishBlob(std::string_view blob);

// Subscription identifiers of a queue row: "1,7" (NULL in the table when empty).
std::string joinSubscriptionIds(const std::vector<std::uint32_t>& ids);
std::vector<std::uint32_t> splitSubscriptionIds(std::string_view text);

// The SUBSCRIBE options byte (MQTT 5.0 section 3.8.3.1).
std::uint8_t encodeOptions(const protocol::SubscriptionOptions& options);
protocol::SubscriptionOptions decodeOptions(std::uint8_t byte);

} // namespace sb::storage::records
