#include "broker/tools/bench/Subscriber.h"

#include "broker/protocol/Codec.h"
#include "broker/tools/bench/IoThread.h"
#include "broker/tools/bench/PayloadHeader.h"
#include "broker/tools/bench/PublishTemplate.h"

namespace sb::bench {

namespace {
constexpr std::uint16_t kSubscribePacketId = 1;
} // namespace

Subscriber::Subscriber(IoThread& thread, const ConnectionSettings& settings, std::string clientId,
                       std::optional<boost::asio::ip::address> source, SubscriberPlan plan,
                       std::uint32_t publisherCount)
    : Connection(thread, settings, std::move(clientId), std::move(source))
    , m_plan(std::move(plan))
    , m_trackers(publisherCount)
{}

void Subscriber::onReady()
{
    protocol::Subscribe subscribe;
    subscribe.packetId = kSubscribePacketId;
    for (const std::string& filter : m_plan.filters) {
        protocol::TopicSubscription subscription;
        subscription.filter = filter;
        subscription.options.qos = options().qos;
        subscribe.subscriptions.push_back(std::move(subscription));
    }
    protocol::encode(subscribe, version(), output());
    flush();
}

void Subscriber::onPacket(std::uint8_t typeAndFlags, std::string_view body)
{
    switch (static_cast<protocol::PacketType>(typeAndFlags >> 4)) {
    case protocol::PacketType::Publish:
        handlePublish(typeAndFlags, body);
        break;
    case protocol::PacketType::Pubrel: {
        std::uint16_t packetId = 0;
        std::uint8_t reason = 0;
        if (parsePublishResponse(body, packetId, reason)) {
            acknowledge(protocol::PacketType::Pubcomp, packetId);
        }
        break;
    }
    case protocol::PacketType::Suback:
        handleSuback(typeAndFlags, body);
        break;
    default:
        break;
    }
}

void Subscriber::handleSuback(std::uint8_t typeAndFlags, std::string_view body)
{
    protocol::FixedHeader header;
    header.typeAndFlags = typeAndFlags;
    header.remainingLength = static_cast<std::uint32_t>(body.size());
    auto decoded = protocol::decode(header, body, version());
    if (!decoded) {
        fail("malformed SUBACK: " + decoded.error().message);
        return;
    }
    const auto& suback = std::get<protocol::Suback>(*decoded);
    if (suback.packetId != kSubscribePacketId ||
        suback.reasonCodes.size() != m_plan.filters.size()) {
        fail("SUBACK does not answer our SUBSCRIBE");
        return;
    }
    std::uint8_t granted = 2;
    for (const std::uint8_t code : suback.reasonCodes) {
        if (code >= 0x80) {
            fail("SUBACK refused a subscription, code " + std::to_string(code));
            return;
        }
        granted = std::min(granted, code);
    }
    m_grantedQos = granted;
    m_subscribed = true;
    thread().progress().subscribed.fetch_add(1, std::memory_order_release);
}

void Subscriber::handlePublish(std::uint8_t typeAndFlags, std::string_view body)
{
    PublishView view;
    if (!parsePublish(typeAndFlags & 0x0F, body, version(), view)) {
        ++m_malformed;
        return;
    }
    if (view.qos == 1) {
        acknowledge(protocol::PacketType::Puback, view.packetId);
    } else if (view.qos == 2) {
        acknowledge(protocol::PacketType::Pubrec, view.packetId);
    }
    PayloadHeader header;
    if (!PayloadHeader::read(view.payload, header) || header.runTag != options().runTag ||
        header.publisher >= m_trackers.size()) {
        ++m_foreign;
        return;
    }
    m_trackers[header.publisher].observe(header.sequence);
    const std::int64_t now = chunkNanos();
    // Counted here, with the tracker, so the totals agree even for a chunk that arrives while
    // the connection is closing.
    ++m_delivered;
    if (m_firstDeliveryNanos == 0) {
        m_firstDeliveryNanos = now;
    }
    m_lastDeliveryNanos = now;
    thread().latency.record(now - header.intendedNanos);
    if (header.actualNanos != 0) {
        thread().latencyUncorrected.record(now - header.actualNanos);
    }
    ++m_deliveredInChunk;
}

void Subscriber::onChunkDone(std::int64_t nowNanos)
{
    if (m_deliveredInChunk == 0) {
        return;
    }
    ThreadProgress& progress = thread().progress();
    progress.delivered.fetch_add(m_deliveredInChunk, std::memory_order_relaxed);
    progress.lastDeliveryNanos.store(nowNanos, std::memory_order_relaxed);
    m_deliveredInChunk = 0;
}

} // namespace sb::bench
