#include "broker/tools/bench/Pacer.h"

#include <algorithm>
#include <chrono>

#include "broker/tools/bench/MonotonicClock.h"
#include "broker/tools/bench/Publisher.h"

namespace sb::bench {

Pacer::Pacer(boost::asio::io_context& context)
    : m_timer(context)
{}

void Pacer::add(Publisher* publisher, std::int64_t phaseNanos)
{
    m_entries.push_back(Entry{publisher, phaseNanos});
}

void Pacer::start(std::int64_t startNanos, double periodNanos, bool polled)
{
    if (m_entries.empty()) {
        return;
    }
    std::stable_sort(m_entries.begin(), m_entries.end(),
                     [](const Entry& a, const Entry& b) { return a.phaseNanos < b.phaseNanos; });
    m_startNanos = startNanos;
    m_periodNanos = periodNanos;
    m_next = 0;
    m_cycle = 0;
    m_running = true;
    m_polled = polled;
    if (!m_polled) {
        arm();
    }
}

void Pacer::stop()
{
    m_running = false;
    m_timer.cancel();
}

std::int64_t Pacer::dueNanos() const
{
    return m_startNanos + m_entries[m_next].phaseNanos +
           static_cast<std::int64_t>(static_cast<double>(m_cycle) * m_periodNanos);
}

void Pacer::advance()
{
    if (++m_next == m_entries.size()) {
        m_next = 0;
        ++m_cycle;
    }
}

void Pacer::arm()
{
    m_timer.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(dueNanos())));
    m_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && m_running) {
            onTimer();
        }
    });
}

bool Pacer::poll(std::int64_t nowNanos)
{
    return m_running && m_polled && sendDue(nowNanos);
}

void Pacer::onTimer()
{
    sendDue(monotonicNanos());
    arm();
}

bool Pacer::sendDue(std::int64_t now)
{
    if (dueNanos() > now) {
        return false;
    }
    // Bounded: after one pass over every publisher each has sent all it owes, so if we are
    // still behind (a stall longer than a period) the cycle skips ahead instead of looping.
    std::size_t pumped = 0;
    while (dueNanos() <= now) {
        m_entries[m_next].publisher->pump(now);
        advance();
        if (++pumped == m_entries.size()) {
            const auto behind = static_cast<double>(now - m_startNanos) / m_periodNanos;
            const auto cycle = behind > 0 ? static_cast<std::uint64_t>(behind) : 0;
            m_cycle = std::max(m_cycle, cycle);
            break;
        }
    }
    return true;
}

} // namespace sb::bench
