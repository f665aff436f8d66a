#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/admin/AdminMailbox.h"
#include "broker/admin/StatsFrame.h"
#include "broker/core/Broker.h"
#include "broker/core/LatencyHistogram.h"

namespace sb::admin {

// Once a second, on the admin thread: reads the broker's counters and latency histograms
// (lock-free, any thread), asks each shard for its queue depths (a task on the shard's own
// thread), and turns the differences into the stream's stats frame, which it hands to every
// listening stream session and keeps for the overview and /metrics.
class StatsSampler
{
public:
    using Listener = std::function<void(const std::shared_ptr<const std::string>& frame)>;
    static constexpr std::size_t kTopQueues = 10;

    StatsSampler(core::Broker& broker, boost::asio::io_context& io, MailboxPtr mailbox,
                 std::chrono::milliseconds interval = std::chrono::seconds(1));

    // Admin thread.
    void start();
    void stop();
    std::uint64_t addListener(Listener listener);
    void removeListener(std::uint64_t id);

    // The latest frame (empty before the first interval has passed).
    const StatsFrame& latest() const { return m_latest; }
    // Delivery latency of every shard since start, merged (fine log-linear buckets).
    core::LatencyHistogram::Counts latencyCounts() const;
    // Open network connections now (accepted minus closed; lock-free counters).
    static std::uint64_t openConnections(core::Broker& broker);

private:
    // Counters read at one instant; a frame is the difference of two.
    struct Sample
    {
        std::chrono::steady_clock::time_point at{};
        core::Broker::Totals totals;
        std::uint64_t connectionsClosed = 0;
        core::LatencyHistogram::Counts latency;
        std::uint64_t latencyMaxNs = 0;
        std::map<std::string, std::uint64_t> rejections;
        std::optional<ProcessStats> process;
    };
    struct Queues
    {
        std::uint64_t queued = 0;
        std::uint64_t inflight = 0;
        std::vector<StatsFrame::Queue> top;
    };

    Sample takeSample();
    void scheduleTick();
    void tick();
    void gatherQueues();
    StatsFrame compose(const Sample& before, const Sample& now) const;

    core::Broker& m_broker;
    MailboxPtr m_mailbox;
    boost::asio::steady_timer m_timer;
    std::chrono::milliseconds m_interval;
    bool m_running = false;

    Sample m_previous;
    Queues m_queues;
    bool m_gatherPending = false;
    StatsFrame m_latest;
    std::uint64_t m_sequence = 0;

    std::map<std::uint64_t, Listener> m_listeners;
    std::uint64_t m_nextListener = 1;
};

} // namespace sb::admin
