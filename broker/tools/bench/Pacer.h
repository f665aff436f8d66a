#pragma once

#include <cstdint>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sb::bench {

class Publisher;

// Wakes the fixed-rate publishers of one I/O thread when their next message is due. All
// publishers of a run share one period and differ in phase, so the schedule is a cycle through
// them in phase order: one timer per thread and O(1) work per due message, for one publisher at
// 100k msgs/s as for 20,000 devices at one message a minute. A publisher sends everything due
// when pumped, so a late wake-up sends a batch (stamped with the intended times) rather than
// drifting the schedule.
class Pacer
{
public:
    explicit Pacer(boost::asio::io_context& context);

    // Before start(): `phaseNanos` in [0, period).
    void add(Publisher* publisher, std::int64_t phaseNanos);
    // With `polled`, no timer is armed: the owner calls poll() as often as it can (a spinning
    // I/O thread), which costs no timer programming and no wake-up per message.
    void start(std::int64_t startNanos, double periodNanos, bool polled = false);
    void stop();
    // Sends what is due at `nowNanos`; returns whether anything was due.
    bool poll(std::int64_t nowNanos);

private:
    struct Entry
    {
        Publisher* publisher = nullptr;
        std::int64_t phaseNanos = 0;
    };

    std::int64_t dueNanos() const;
    void advance();
    void arm();
    void onTimer();
    bool sendDue(std::int64_t nowNanos);

    boost::asio::steady_timer m_timer;
    std::vector<Entry> m_entries;
    std::size_t m_next = 0;
    std::uint64_t m_cycle = 0;
    std::int64_t m_startNanos = 0;
    double m_periodNanos = 0;
    bool m_running = false;
    bool m_polled = false;
};

} // namespace sb::bench
