#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/core/Shard.h"

namespace sb::net {

// One broker worker thread: an io_context run by exactly one thread, the core::Shard whose
// connections and sessions live on it, and the periodic tick.
class Worker final : public core::Executor
{
public:
    static constexpr std::chrono::milliseconds kTickInterval{250};

    explicit Worker(core::Shard& shard);
    ~Worker() override;
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    boost::asio::io_context& context() { return m_io; }
    core::Shard& shard() { return m_shard; }

    void post(std::function<void()> task) override;

    void start();
    // Stops the io_context and joins the thread. Pending work is abandoned: call after the
    // graceful part of shutdown.
    void stop();
    bool isRunning() const { return m_thread.joinable(); }

private:
    void scheduleTick();

    core::Shard& m_shard;
    boost::asio::io_context m_io{1};
    boost::asio::steady_timer m_tick;
    std::thread m_thread;
};

} // namespace sb::net
