#include "broker/tools/bench/IoThread.h"

#include <chrono>

#include "broker/tools/bench/Connection.h"
#include "broker/tools/bench/MonotonicClock.h"

namespace sb::bench {

namespace {
constexpr std::size_t kKeptErrorMessages = 5;
} // namespace

IoThread::IoThread(bool spin)
    // Concurrency hint 1: each context is run by exactly one thread, so Asio skips its locks.
    : m_context(1)
    , m_work(boost::asio::make_work_guard(m_context))
    , m_sweepTimer(m_context)
    , m_connectTimer(m_context)
    , m_pacer(m_context)
    , m_spin(spin)
{}

IoThread::~IoThread()
{
    stopAndJoin();
}

void IoThread::start()
{
    armKeepAliveSweep();
    if (m_spin) {
        m_thread = std::thread([this] { spin(); });
    } else {
        m_thread = std::thread([this] { m_context.run(); });
    }
}

void IoThread::spin()
{
    std::uint64_t busy = 0;
    std::int64_t passStart = monotonicNanos();
    while (!m_context.stopped()) {
        const std::size_t ran = m_context.poll();
        const std::int64_t now = monotonicNanos();
        const bool sent = m_pacer.poll(now);
        const std::int64_t passEnd = sent ? monotonicNanos() : now;
        if (ran > 0 || sent) {
            busy += static_cast<std::uint64_t>(passEnd - passStart);
            m_progress.busyNanos.store(busy, std::memory_order_relaxed);
        }
        passStart = passEnd;
    }
}

void IoThread::stopAndJoin()
{
    m_work.reset();
    m_context.stop();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void IoThread::armKeepAliveSweep()
{
    m_sweepTimer.expires_after(std::chrono::seconds(1));
    m_sweepTimer.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        for (Connection* connection : m_connections) {
            connection->sweep();
        }
        armKeepAliveSweep();
    });
}

void IoThread::disconnectAll()
{
    m_pacer.stop();
    m_connectQueue.clear(); // a connect phase cut short by the timeout starts nobody else
    m_connectNext = 0;
    m_connectTimer.cancel();
    for (Connection* connection : m_connections) {
        connection->disconnect();
    }
}

void IoThread::connectAll(std::vector<Connection*> connections, std::uint32_t concurrency,
                          double rate)
{
    m_connectQueue = std::move(connections);
    m_connectNext = 0;
    m_connectInProgress = 0;
    m_connectConcurrency = concurrency == 0 ? 1 : concurrency;
    m_connectRate = rate;
    m_connectStartNanos = monotonicNanos();
    startMoreConnections();
}

void IoThread::connectFinished()
{
    if (m_connectInProgress > 0) {
        --m_connectInProgress;
    }
    startMoreConnections();
}

void IoThread::startMoreConnections()
{
    while (m_connectNext < m_connectQueue.size() && m_connectInProgress < m_connectConcurrency) {
        if (m_connectRate > 0) {
            const auto allowedAt =
                m_connectStartNanos +
                static_cast<std::int64_t>(static_cast<double>(m_connectNext) * 1e9 / m_connectRate);
            if (monotonicNanos() < allowedAt) {
                if (!m_connectTimerArmed) {
                    m_connectTimerArmed = true;
                    m_connectTimer.expires_at(
                        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(allowedAt)));
                    m_connectTimer.async_wait([this](const boost::system::error_code& ec) {
                        m_connectTimerArmed = false;
                        if (!ec) {
                            startMoreConnections();
                        }
                    });
                }
                return;
            }
        }
        ++m_connectInProgress;
        m_connectQueue[m_connectNext++]->start();
    }
}

void IoThread::recordError(std::string_view message)
{
    m_progress.errors.fetch_add(1, std::memory_order_relaxed);
    if (m_errorMessages.size() < kKeptErrorMessages) {
        m_errorMessages.emplace_back(message);
    }
}

} // namespace sb::bench
