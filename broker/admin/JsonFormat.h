#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Clock.h"
#include "broker/protocol/Packets.h"

namespace sb::admin {

// How the API writes values that JSON has no type for: times as RFC 3339 UTC with
// milliseconds, protocol versions by name, payloads as a valid-UTF-8 preview.
class JsonFormat
{
public:
    // "2026-11-21T11:41:35.123Z"
    static std::string time(core::Clock::WallTimePoint at);
    static std::string timeFromMillis(std::int64_t millisSinceEpoch);
    // Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)"; nullopt otherwise.
    static std::optional<core::Clock::WallTimePoint> parseTime(std::string_view text);
    // A steady-clock instant shown as wall time (an expiry), using the clock's two "now"s.
    static std::string steadyAsWall(const core::Clock& clock, core::Clock::TimePoint at);

    static std::string_view version(protocol::Version version); // "5.0", "3.1.1"

    // The first at most `maxBytes` bytes of `bytes`, cut at a character boundary, with invalid
    // UTF-8 replaced by U+FFFD so the JSON is always valid.
    static std::string utf8Preview(std::string_view bytes, std::size_t maxBytes);
    static bool isValidUtf8(std::string_view bytes);
};

} // namespace sb::admin
