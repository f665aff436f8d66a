#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "broker/tools/bench/BenchOptions.h"
#include "broker/tools/bench/Connection.h"
#include "broker/tools/bench/IoThread.h"
#include "broker/tools/bench/ProcessStats.h"
#include "broker/tools/bench/Publisher.h"
#include "broker/tools/bench/RunResult.h"
#include "broker/tools/bench/ScenarioPlan.h"
#include "broker/tools/bench/Subscriber.h"

namespace sb::bench {

// Runs one benchmark from start to finish on the calling thread, which coordinates while the
// I/O threads carry the traffic: connect subscribers, then publishers, start publishing, wait
// for the publishers to finish, drain deliveries, disconnect, count. Every phase has a
// deadline inside --timeout, so a run always ends; a broker that stalls gets status "timeout"
// and its counts so far.
class Runner
{
public:
    explicit Runner(BenchOptions options);
    ~Runner();

    // Throws std::runtime_error for what stops a run before it starts (unresolvable host,
    // unreadable TLS files, too few file descriptors).
    RunResult run();

private:
    using Clock = std::int64_t; // monotonic nanoseconds

    void setUp();
    void createConnections();
    // Starts `group` (connections on their threads) and waits until each connected or failed.
    void connectGroup(const std::vector<Connection*>& group, Clock deadline);
    void runTraffic(RunResult& result);
    void runIdle(RunResult& result);
    void startPublishing(Clock startNanos);
    std::uint64_t expectedDeliveriesNow() const;
    void tearDown();
    void collect(RunResult& result) const;

    // Sums an atomic counter over all threads.
    template <typename Member>
    std::uint64_t total(Member member) const
    {
        std::uint64_t sum = 0;
        for (const auto& thread : m_threads) {
            sum += (thread->progress().*member).load(std::memory_order_acquire);
        }
        return sum;
    }
    bool pastDeadline() const;

    BenchOptions m_options;
    ScenarioPlan m_plan;
    ConnectionSettings m_settings;
    std::unique_ptr<boost::asio::ssl::context> m_tls;
    std::vector<boost::asio::ip::address> m_sources;
    Clock m_deadline = 0;
    Clock m_startNanos = 0;
    bool m_timedOut = false;

    std::vector<std::unique_ptr<IoThread>> m_threads;
    // Owned here, destroyed after the threads stopped (handlers hold raw pointers).
    std::vector<std::unique_ptr<Subscriber>> m_subscribers;
    std::vector<std::unique_ptr<Publisher>> m_publishers;
    std::vector<std::unique_ptr<Connection>> m_idle;
    std::vector<IoThread*> m_threadOfPublisher;
};

} // namespace sb::bench
