#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "broker/tools/bench/Connection.h"
#include "broker/tools/bench/SequenceTracker.h"

namespace sb::bench {

// What one subscriber subscribes to and whose messages it should therefore receive.
struct SubscriberPlan
{
    std::vector<std::string> filters;
    std::vector<std::uint32_t> expectedPublishers;
};

// A subscribing connection: one SUBSCRIBE with every filter, then for each PUBLISH: parse it in
// place, acknowledge it (PUBACK, or PUBREC then PUBCOMP), check its payload header against the
// publisher's sequence and record its latency. Acknowledgements of a whole read go out in one
// write.
class Subscriber final : public Connection
{
public:
    Subscriber(IoThread& thread, const ConnectionSettings& settings, std::string clientId,
               std::optional<boost::asio::ip::address> source, SubscriberPlan plan,
               std::uint32_t publisherCount);

    const SubscriberPlan& plan() const { return m_plan; }

    // Read after the I/O thread stopped.
    bool subscribed() const { return m_subscribed; }
    std::uint8_t grantedQos() const { return m_grantedQos; }
    const std::vector<SequenceTracker>& trackers() const { return m_trackers; }
    std::uint64_t delivered() const { return m_delivered; }
    std::uint64_t foreign() const { return m_foreign; }
    std::uint64_t malformed() const { return m_malformed; }
    std::int64_t firstDeliveryNanos() const { return m_firstDeliveryNanos; }
    std::int64_t lastDeliveryNanos() const { return m_lastDeliveryNanos; }

protected:
    void onReady() override;
    void onPacket(std::uint8_t typeAndFlags, std::string_view body) override;
    void onChunkDone(std::int64_t nowNanos) override;

private:
    void handleSuback(std::uint8_t typeAndFlags, std::string_view body);
    void handlePublish(std::uint8_t typeAndFlags, std::string_view body);

    SubscriberPlan m_plan;
    std::vector<SequenceTracker> m_trackers; // indexed by publisher id
    bool m_subscribed = false;
    std::uint8_t m_grantedQos = 0;
    std::uint64_t m_delivered = 0;
    std::uint64_t m_deliveredInChunk = 0; // reported to the thread's progress per chunk
    std::uint64_t m_foreign = 0;          // not from this run (another run, a stray client)
    std::uint64_t m_malformed = 0;        // unparseable PUBLISH or payload header
    std::int64_t m_firstDeliveryNanos = 0;
    std::int64_t m_lastDeliveryNanos = 0;
};

} // namespace sb::bench
