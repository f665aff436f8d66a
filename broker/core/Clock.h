#pragma once

#include <atomic>
#include <chrono>

namespace sb::core {

// The broker's only source of time, so keepalive, expiry, will delays and rate limits can be
// tested without waiting (style.md, habit 7). `now()` is monotonic; `wallNow()` is for
// timestamps that are shown to people or stored.
class Clock
{
public:
    using Duration = std::chrono::steady_clock::duration;
    using TimePoint = std::chrono::steady_clock::time_point;
    using WallTimePoint = std::chrono::system_clock::time_point;

    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    virtual WallTimePoint wallNow() const = 0;

    // The process-wide real clock.
    static const Clock& system();
};

class SystemClock final : public Clock
{
public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
    WallTimePoint wallNow() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to. Thread-safe so broker threads may read it while a test
// advances it.
class ManualClock final : public Clock
{
public:
    ManualClock()
        : m_now(std::chrono::steady_clock::now().time_since_epoch().count())
        , m_wall(std::chrono::system_clock::now().time_since_epoch().count())
    {}

    TimePoint now() const override { return TimePoint(Duration(m_now.load())); }
    WallTimePoint wallNow() const override
    {
        return WallTimePoint(std::chrono::system_clock::duration(m_wall.load()));
    }

    void advance(Duration by)
    {
        m_now.fetch_add(by.count());
        m_wall.fetch_add(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(by).count());
    }

private:
    std::atomic<Duration::rep> m_now;
    std::atomic<std::chrono::system_clock::duration::rep> m_wall;
};

inline const Clock& Clock::system()
{
    static const SystemClock clock;
    return clock;
}

} // namespace sb::core
