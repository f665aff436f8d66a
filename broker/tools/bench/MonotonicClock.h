#pragma once

#include <cstdint>
#include <ctime>

namespace sb::bench {

// Nanoseconds on CLOCK_MONOTONIC: the one time base for send stamps, receive times and
// schedules. Both ends of every measurement live in this process, so a monotonic clock is
// comparable between publisher and subscriber and cannot jump.
inline std::int64_t monotonicNanos()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

} // namespace sb::bench
