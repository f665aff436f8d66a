#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Message.h"

namespace sb::core {

// Live taps on the message flow for the admin stream: each tap has a topic filter and a maximum
// rate, and collects matching messages into a small bounded buffer that its reader drains. It
// never slows message traffic: with no tap open the publish path pays one relaxed load; with
// taps open a publisher that finds the hub busy skips it (the tap is a sample, and says how many
// it missed).
class TapHub
{
public:
    struct Tap
    {
        std::string filter;
        double maxRate = 100; // messages per second
        double tokens = 0;    // token bucket, refilled from maxRate
        Clock::TimePoint refilled{};
        std::deque<MessagePtr> buffer; // bounded by kBufferLimit
        std::uint64_t skipped = 0;     // matched but over the rate or the buffer
        std::uint64_t busySeen = 0;    // the hub's busy count at this tap's last drain
    };
    using TapPtr = std::shared_ptr<Tap>;

    static constexpr std::size_t kBufferLimit = 1000;

    TapPtr open(std::string filter, double maxRate, Clock::TimePoint now);
    void close(const TapPtr& tap);

    // On the publish path.
    void offer(const MessagePtr& message, Clock::TimePoint now)
    {
        if (m_open.load(std::memory_order_relaxed) != 0) {
            offerSlow(message, now);
        }
    }

    // Takes what the tap collected since the last call, and how many it skipped meanwhile.
    std::vector<MessagePtr> drain(const TapPtr& tap, std::uint64_t& skipped);

private:
    void offerSlow(const MessagePtr& message, Clock::TimePoint now);

    std::atomic<int> m_open{0};
    std::atomic<std::uint64_t> m_busySkips{0};
    std::mutex m_mutex;
    std::vector<TapPtr> m_taps; // guarded by m_mutex
};

} // namespace sb::core
