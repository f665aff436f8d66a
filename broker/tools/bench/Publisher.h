#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "broker/tools/bench/Connection.h"
#include "broker/tools/bench/PublishTemplate.h"

namespace sb::bench {

// What one publisher sends: its id (stamped in every payload), its topic and its share.
struct PublisherPlan
{
    std::uint32_t id = 0;
    std::string topic;
    std::uint64_t quota = std::numeric_limits<std::uint64_t>::max(); // unbounded: by duration
};

// A publishing connection. QoS 0 is pipelined: whole batches of PUBLISHes per write, as fast as
// the socket drains. QoS 1/2 keep up to the in-flight window unacknowledged (the smaller of
// --inflight and the broker's Receive Maximum). At a fixed rate the Pacer pumps it; the
// messages carry their scheduled send times, so a stall shows up as latency, not as a pause
// in the schedule.
class Publisher final : public Connection
{
public:
    Publisher(IoThread& thread, const ConnectionSettings& settings, std::string clientId,
              std::optional<boost::asio::ip::address> source, PublisherPlan plan);

    const PublisherPlan& plan() const { return m_plan; }

    // On the publisher's thread, once connected: publishing starts at `startNanos` and no
    // message is scheduled at or after `deadlineNanos` (0: none). `periodNanos` 0: as fast as
    // possible; otherwise one message per period, the first at start + phase.
    void begin(std::int64_t startNanos, std::int64_t deadlineNanos, std::int64_t phaseNanos,
               double periodNanos);
    // Sends whatever is due and allowed (window, batch size). Cheap when nothing is.
    void pump(std::int64_t nowNanos);
    // Makes it stop scheduling messages (the run's timeout).
    void halt();

    // Safe to read from other threads while the run goes on.
    std::uint64_t sentSnapshot() const { return m_sentSnapshot.load(std::memory_order_acquire); }
    // Read after the I/O thread stopped.
    std::uint64_t sent() const { return m_sent; }
    std::uint64_t acknowledged() const { return m_acknowledged; }
    std::uint64_t rejected() const { return m_rejected; }
    std::int64_t firstSendNanos() const { return m_firstSendNanos; }
    std::int64_t lastSendNanos() const { return m_lastSendNanos; }
    bool finished() const { return m_finished; }

protected:
    void onReady() override;
    void onPacket(std::uint8_t typeAndFlags, std::string_view body) override;
    void onChunkDone(std::int64_t nowNanos) override;
    void onWriteDone() override;
    void onClosed() override;

private:
    std::uint16_t takePacketId();
    void releasePacketId(std::uint16_t packetId, bool accepted);
    void finishIfDone();

    PublisherPlan m_plan;
    std::unique_ptr<PublishTemplate> m_template; // built in onReady (needs the version only)
    std::uint8_t m_qos = 0;
    std::size_t m_batchBytes = 0;

    bool m_started = false;
    bool m_stopped = false;  // no more messages will be scheduled
    bool m_finished = false; // stopped and everything written and acknowledged
    std::int64_t m_startNanos = 0;
    std::int64_t m_deadlineNanos = 0;
    std::int64_t m_phaseNanos = 0;
    double m_periodNanos = 0;

    std::uint64_t m_sent = 0;
    std::atomic<std::uint64_t> m_sentSnapshot{0};
    std::uint64_t m_acknowledged = 0;
    std::uint64_t m_rejected = 0;
    std::int64_t m_firstSendNanos = 0;
    std::int64_t m_lastSendNanos = 0;

    // QoS 1/2 in-flight window: which packet ids await PUBACK / PUBCOMP.
    std::uint32_t m_window = 0;
    std::uint32_t m_inflight = 0;
    std::uint16_t m_nextPacketId = 1;
    std::vector<std::uint8_t> m_inUse;
};

} // namespace sb::bench
