#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/tools/bench/LatencyHistogram.h"
#include "broker/tools/bench/Pacer.h"

namespace sb::bench {

class Connection;

// What an I/O thread tells the coordinating main thread while the run is going on. Written at
// most once per read chunk or per connection event, never per message.
struct alignas(64) ThreadProgress
{
    std::atomic<std::uint64_t> delivered{0};        // PUBLISHes of this run received
    std::atomic<std::int64_t> lastDeliveryNanos{0}; // when the last of them arrived
    std::atomic<std::uint32_t> connected{0};        // CONNACK accepted
    std::atomic<std::uint32_t> connectFailed{0};    // refused or broken before CONNACK
    std::atomic<std::uint32_t> subscribed{0};       // SUBACK received
    std::atomic<std::uint32_t> publishersDone{0};   // sent their share, all acknowledged
    std::atomic<std::uint32_t> closed{0};           // sockets closed (any reason)
    std::atomic<std::uint32_t> errors{0};
    // Spinning threads only: nanoseconds of loop passes that found work (handlers to run or
    // messages due), i.e. the CPU the thread needed; the rest of its core was spent polling.
    std::atomic<std::uint64_t> busyNanos{0};
};

// One I/O thread: an io_context run by one std::thread, the connections that live on it, its
// share of the measurements (histograms need no lock: only this thread records into them) and
// the timers that pace connects, keep-alives and fixed-rate publishers.
class IoThread
{
public:
    // `spin`: run by busy-polling (io_context::poll() and the pacer in a loop) instead of
    // sleeping in epoll_wait and on timers. Costs a whole core, but no timer programming and no
    // wake-up per message, which on a virtual machine cost tens of microseconds each.
    explicit IoThread(bool spin = false);
    ~IoThread();
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;

    boost::asio::io_context& context() { return m_context; }
    Pacer& pacer() { return m_pacer; }
    ThreadProgress& progress() { return m_progress; }

    // Before start(): the connections living on this thread (keep-alives, disconnect).
    void adopt(Connection* connection) { m_connections.push_back(connection); }
    std::size_t connectionCount() const { return m_connections.size(); }
    // On this thread: stops pacing and disconnects every connection.
    void disconnectAll();

    void start();
    // Stops the io_context and joins; pending handlers are dropped, not run.
    void stopAndJoin();

    // Starts `connections` (on this thread) at most `concurrency` at a time and at most `rate`
    // per second (0 = unthrottled). Call through post() or before start().
    void connectAll(std::vector<Connection*> connections, std::uint32_t concurrency, double rate);
    // Called by a connection when its CONNACK arrived or its attempt failed.
    void connectFinished();

    // Counts an error; keeps the first few messages for the report. Thread-safe only in the
    // sense that only this thread calls it; read after stopAndJoin().
    void recordError(std::string_view message);
    const std::vector<std::string>& errorMessages() const { return m_errorMessages; }

    // Measurements, read after stopAndJoin().
    LatencyHistogram latency;            // receive time - intended send time
    LatencyHistogram latencyUncorrected; // receive time - actual send time
    LatencyHistogram sendLag;            // actual send time - intended (fixed-rate publishers)
    LatencyHistogram connectTime;        // TCP connect start -> CONNACK

private:
    void spin();
    void startMoreConnections();
    void armKeepAliveSweep();

    boost::asio::io_context m_context;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> m_work;
    boost::asio::steady_timer m_sweepTimer;
    boost::asio::steady_timer m_connectTimer;
    Pacer m_pacer;
    bool m_spin = false;
    std::thread m_thread;
    ThreadProgress m_progress;
    std::vector<Connection*> m_connections;
    std::vector<std::string> m_errorMessages;

    std::vector<Connection*> m_connectQueue;
    std::size_t m_connectNext = 0;
    std::uint32_t m_connectInProgress = 0;
    std::uint32_t m_connectConcurrency = 1;
    double m_connectRate = 0;
    std::int64_t m_connectStartNanos = 0;
    bool m_connectTimerArmed = false;
};

} // namespace sb::bench
