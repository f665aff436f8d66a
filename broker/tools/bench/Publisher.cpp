#include "broker/tools/bench/Publisher.h"

#include <algorithm>
#include <cmath>

#include "broker/tools/bench/IoThread.h"
#include "broker/tools/bench/MonotonicClock.h"

namespace sb::bench {

Publisher::Publisher(IoThread& thread, const ConnectionSettings& settings, std::string clientId,
                     std::optional<boost::asio::ip::address> source, PublisherPlan plan)
    : Connection(thread, settings, std::move(clientId), std::move(source))
    , m_plan(std::move(plan))
    , m_qos(settings.options->qos)
    , m_batchBytes(settings.options->batchBytes)
{}

void Publisher::onReady()
{
    m_template = std::make_unique<PublishTemplate>(
        version(), m_plan.topic, m_qos, options().payloadSize, options().runTag, m_plan.id);
    if (brokerMaximumPacketSize() != 0 && m_template->frameSize() > brokerMaximumPacketSize()) {
        fail("a PUBLISH of " + std::to_string(m_template->frameSize()) +
             " bytes exceeds the broker's Maximum Packet Size");
        return;
    }
    m_window = std::min<std::uint32_t>(options().inflight, brokerReceiveMaximum());
    if (m_qos > 0) {
        // Packet ids 1..window suffice: at most `window` are in flight at once. Sized by the
        // window, not 65535, so 20,000 slow devices do not cost a megabyte of flags.
        m_inUse.assign(std::size_t{m_window} + 1, 0);
    }
}

void Publisher::begin(std::int64_t startNanos, std::int64_t deadlineNanos, std::int64_t phaseNanos,
                      double periodNanos)
{
    if (!ready()) {
        return;
    }
    m_started = true;
    m_startNanos = startNanos;
    m_deadlineNanos = deadlineNanos;
    m_phaseNanos = phaseNanos;
    m_periodNanos = periodNanos;
    if (m_plan.quota == 0) {
        m_stopped = true;
        finishIfDone();
        return;
    }
    if (periodNanos == 0) {
        pump(monotonicNanos());
    }
}

void Publisher::halt()
{
    m_stopped = true;
}

void Publisher::pump(std::int64_t nowNanos)
{
    if (!m_started || m_stopped || !ready() || pendingBytes() >= m_batchBytes) {
        return;
    }
    std::uint64_t allowed = m_plan.quota - m_sent;
    if (m_periodNanos > 0) {
        const std::int64_t first = m_startNanos + m_phaseNanos;
        if (nowNanos < first) {
            return;
        }
        auto due =
            static_cast<std::uint64_t>(static_cast<double>(nowNanos - first) / m_periodNanos) + 1;
        if (m_deadlineNanos != 0) {
            // Messages whose slot lies before the deadline; the schedule ends there.
            const double slots =
                std::ceil(static_cast<double>(m_deadlineNanos - first) / m_periodNanos);
            const auto scheduled = slots > 0 ? static_cast<std::uint64_t>(slots) : 0;
            if (m_sent >= scheduled) {
                m_stopped = true;
                finishIfDone();
                return;
            }
            due = std::min(due, scheduled);
            allowed = std::min(allowed, scheduled - m_sent);
        }
        allowed = std::min(allowed, due > m_sent ? due - m_sent : 0);
    } else if (m_deadlineNanos != 0 && nowNanos >= m_deadlineNanos) {
        m_stopped = true;
        finishIfDone();
        return;
    }
    if (m_qos > 0) {
        allowed = std::min<std::uint64_t>(allowed, m_window - m_inflight);
    }
    const std::size_t frame = m_template->frameSize();
    allowed = std::min<std::uint64_t>(allowed, (m_batchBytes - pendingBytes()) / frame + 1);
    if (allowed == 0) {
        return;
    }

    std::string& out = output();
    out.reserve(out.size() + allowed * frame);
    for (std::uint64_t i = 0; i < allowed; ++i) {
        const std::uint16_t packetId = m_qos > 0 ? takePacketId() : 0;
        std::int64_t intended = nowNanos;
        if (m_periodNanos > 0) {
            intended = m_startNanos + m_phaseNanos +
                       static_cast<std::int64_t>(static_cast<double>(m_sent) * m_periodNanos);
            thread().sendLag.record(nowNanos - intended);
        }
        m_template->append(out, packetId, m_sent, intended, nowNanos);
        ++m_sent;
    }
    if (m_firstSendNanos == 0) {
        m_firstSendNanos = nowNanos;
    }
    m_lastSendNanos = nowNanos;
    m_sentSnapshot.store(m_sent, std::memory_order_release);
    if (m_sent == m_plan.quota) {
        m_stopped = true;
    }
    flush();
    finishIfDone();
}

std::uint16_t Publisher::takePacketId()
{
    // Called only with m_inflight < m_window, so a free id exists; brokers acknowledge in
    // order, so it is almost always the next one.
    const auto advance = [this](std::uint16_t id) {
        return id == m_window ? std::uint16_t{1} : static_cast<std::uint16_t>(id + 1);
    };
    while (m_inUse[m_nextPacketId] != 0) {
        m_nextPacketId = advance(m_nextPacketId);
    }
    const std::uint16_t id = m_nextPacketId;
    m_inUse[id] = 1;
    ++m_inflight;
    m_nextPacketId = advance(id);
    return id;
}

void Publisher::releasePacketId(std::uint16_t packetId, bool accepted)
{
    if (packetId >= m_inUse.size() || m_inUse[packetId] == 0) {
        thread().recordError(clientId() + ": acknowledgement for packet id " +
                             std::to_string(packetId) + ", which is not in flight");
        return;
    }
    m_inUse[packetId] = 0;
    --m_inflight;
    if (accepted) {
        ++m_acknowledged;
    } else {
        ++m_rejected;
    }
}

void Publisher::onPacket(std::uint8_t typeAndFlags, std::string_view body)
{
    const auto type = static_cast<protocol::PacketType>(typeAndFlags >> 4);
    std::uint16_t packetId = 0;
    std::uint8_t reason = 0;
    switch (type) {
    case protocol::PacketType::Puback:
    case protocol::PacketType::Pubcomp:
        if (parsePublishResponse(body, packetId, reason)) {
            // Reason codes >= 0x80 are failures; 0x10 "no matching subscribers" is not.
            releasePacketId(packetId, reason < 0x80);
        }
        break;
    case protocol::PacketType::Pubrec:
        if (!parsePublishResponse(body, packetId, reason)) {
            break;
        }
        if (reason >= 0x80) {
            releasePacketId(packetId, false);
        } else {
            acknowledge(protocol::PacketType::Pubrel, packetId);
        }
        break;
    default:
        break; // a publisher subscribes to nothing; anything else is not ours to judge
    }
}

void Publisher::onChunkDone(std::int64_t nowNanos)
{
    pump(nowNanos); // acknowledgements may have opened the window
    finishIfDone();
}

void Publisher::onWriteDone()
{
    if (!m_stopped) {
        pump(monotonicNanos());
    }
    finishIfDone();
}

void Publisher::onClosed()
{
    // A publisher that died is over too: the run must not wait for it (its error is counted).
    if (!m_finished) {
        m_stopped = true;
        m_finished = true;
        thread().progress().publishersDone.fetch_add(1, std::memory_order_release);
    }
}

void Publisher::finishIfDone()
{
    if (m_stopped && !m_finished && m_inflight == 0 && outputIdle()) {
        m_finished = true;
        thread().progress().publishersDone.fetch_add(1, std::memory_order_release);
    }
}

} // namespace sb::bench
