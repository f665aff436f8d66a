#include "broker/core/Session.h"

#include <algorithm>

#include "broker/core/ClientConnection.h"
#include "broker/core/Shard.h"

namespace sb::core {

Session::Session(std::uint64_t sessionId, std::string sessionClientId, Shard& shard)
    : id(sessionId)
    , clientId(std::move(sessionClientId))
    , m_owner(&shard)
{}

ShardMetrics& Session::metrics() const
{
    return owner().metrics();
}

bool Session::pushToInbox(Delivery&& delivery)
{
    const std::lock_guard lock(m_inboxMutex);
    m_inbox.push_back(std::move(delivery));
    m_inboxSize.store(static_cast<std::uint32_t>(m_inbox.size()), std::memory_order_release);
    if (m_drainScheduled) {
        return false;
    }
    m_drainScheduled = true;
    return true;
}

std::vector<Delivery> Session::takeInbox()
{
    std::vector<Delivery> taken;
    const std::lock_guard lock(m_inboxMutex);
    taken.swap(m_inbox);
    m_drainScheduled = false;
    m_inboxSize.store(0, std::memory_order_release);
    return taken;
}

void Session::drop(DropReason reason)
{
    metrics().countDrop(reason);
}

void Session::deliver(Delivery&& delivery, Clock::TimePoint now)
{
    if (m_ended.load(std::memory_order_relaxed)) {
        drop(DropReason::SessionDiscarded);
        return;
    }
    if (delivery.message->isExpired(now)) {
        drop(DropReason::Expired);
        return;
    }
    if (delivery.qos == 0) {
        if (m_connection == nullptr) {
            drop(DropReason::OfflineQos0);
            return;
        }
        if (m_connection->isOutputCongested()) {
            drop(DropReason::SlowConsumer);
            return;
        }
        sendNow(delivery, now, false, 0);
        return;
    }
    const bool canSendNow = m_connection != nullptr && m_queue.empty() &&
                            m_inflight.size() < m_window && !m_connection->isOutputCongested();
    if (canSendNow) {
        const std::uint16_t packetId = nextPacketId();
        if (sendNow(delivery, now, false, packetId)) {
            InflightMessage entry;
            entry.packetId = packetId;
            entry.stage = delivery.qos == 1 ? InflightMessage::Stage::AwaitingPuback
                                            : InflightMessage::Stage::AwaitingPubrec;
            entry.delivery = std::move(delivery);
            m_inflight.push_back(std::move(entry));
        }
        return;
    }
    enqueue(std::move(delivery));
}

void Session::enqueue(Delivery&& delivery)
{
    const Limits& limits = owner().limits();
    if (m_queue.size() >= limits.maxQueueMessages) {
        drop(DropReason::QueueFull);
        if (limits.queueOverflow == OverflowPolicy::DropNewest || m_queue.empty()) {
            return;
        }
        m_queue.pop_front();
    }
    m_queue.push_back(std::move(delivery));
}

bool Session::sendNow(const Delivery& delivery, Clock::TimePoint now, bool dup,
                      std::uint16_t packetId)
{
    const Message& message = *delivery.message;
    protocol::OutgoingPublish publish;
    publish.dup = dup;
    publish.qos = delivery.qos;
    publish.retain = delivery.retain;
    publish.topic = message.topic;
    publish.packetId = packetId;
    publish.properties = &message.properties;
    publish.messageExpiryInterval = message.remainingExpirySeconds(now);
    publish.subscriptionIdentifiers = delivery.subscriptionIds;
    publish.payload = message.payload;
    if (!m_connection->sendPublish(publish)) {
        // Bigger than the client's Maximum Packet Size: the spec says discard it (3.1.2.11.4).
        drop(DropReason::TooLarge);
        return false;
    }
    ShardMetrics::add(metrics().messagesDelivered[delivery.qos]);
    return true;
}

std::uint16_t Session::nextPacketId()
{
    // Skip ids still in flight; the window is far below 65535 so this ends quickly.
    for (;;) {
        m_lastPacketId = static_cast<std::uint16_t>(m_lastPacketId + 1);
        if (m_lastPacketId == 0) {
            continue;
        }
        const bool inUse =
            std::any_of(m_inflight.begin(), m_inflight.end(),
                        [&](const InflightMessage& m) { return m.packetId == m_lastPacketId; });
        if (!inUse) {
            return m_lastPacketId;
        }
    }
}

void Session::attach(ClientConnection& connection, std::uint16_t window, Clock::TimePoint now)
{
    m_connection = &connection;
    m_window = std::max<std::uint16_t>(window, 1);
    m_online.store(true, std::memory_order_relaxed);

    // Resend what the previous connection left unacknowledged, in the original order
    // (4.4: DUP set on PUBLISH; PUBREL again where PUBREC had arrived).
    for (auto it = m_inflight.begin(); it != m_inflight.end();) {
        if (it->stage == InflightMessage::Stage::AwaitingPubcomp) {
            protocol::Pubrel pubrel;
            pubrel.packetId = it->packetId;
            connection.send(pubrel);
            ++it;
            continue;
        }
        if (it->delivery.message->isExpired(now)) {
            drop(DropReason::Expired);
            it = m_inflight.erase(it);
            continue;
        }
        ++it->attempts;
        if (!sendNow(it->delivery, now, true, it->packetId)) {
            it = m_inflight.erase(it);
            continue;
        }
        ++it;
    }
    pump(now);
}

std::vector<Delivery> Session::detach()
{
    m_connection = nullptr;
    m_online.store(false, std::memory_order_relaxed);
    std::vector<Delivery> forOtherMembers;
    for (auto it = m_inflight.begin(); it != m_inflight.end();) {
        if (!it->delivery.sharedFilter.empty() &&
            it->stage != InflightMessage::Stage::AwaitingPubcomp) {
            forOtherMembers.push_back(std::move(it->delivery));
            it = m_inflight.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = m_queue.begin(); it != m_queue.end();) {
        if (!it->sharedFilter.empty()) {
            forOtherMembers.push_back(std::move(*it));
            it = m_queue.erase(it);
        } else {
            ++it;
        }
    }
    return forOtherMembers;
}

void Session::pump(Clock::TimePoint now)
{
    while (m_connection != nullptr && !m_queue.empty() && m_inflight.size() < m_window &&
           !m_connection->isOutputCongested()) {
        Delivery delivery = std::move(m_queue.front());
        m_queue.pop_front();
        if (delivery.message->isExpired(now)) {
            drop(DropReason::Expired);
            continue;
        }
        const std::uint16_t packetId = nextPacketId();
        if (!sendNow(delivery, now, false, packetId)) {
            continue;
        }
        InflightMessage entry;
        entry.packetId = packetId;
        entry.stage = delivery.qos == 1 ? InflightMessage::Stage::AwaitingPuback
                                        : InflightMessage::Stage::AwaitingPubrec;
        entry.delivery = std::move(delivery);
        m_inflight.push_back(std::move(entry));
    }
}

bool Session::onPuback(std::uint16_t packetId, std::uint8_t reasonCode, Clock::TimePoint now)
{
    const auto it = std::find_if(m_inflight.begin(), m_inflight.end(), [&](const auto& m) {
        return m.packetId == packetId && m.stage == InflightMessage::Stage::AwaitingPuback;
    });
    if (it == m_inflight.end()) {
        return false;
    }
    if (protocol::isError(reasonCode)) {
        drop(DropReason::Rejected);
    }
    m_inflight.erase(it);
    pump(now);
    return true;
}

bool Session::onPubrec(std::uint16_t packetId, std::uint8_t reasonCode, Clock::TimePoint now)
{
    const auto it = std::find_if(m_inflight.begin(), m_inflight.end(), [&](const auto& m) {
        return m.packetId == packetId && m.stage != InflightMessage::Stage::AwaitingPuback;
    });
    if (it == m_inflight.end()) {
        return false;
    }
    if (protocol::isError(reasonCode)) {
        drop(DropReason::Rejected);
        m_inflight.erase(it);
        pump(now);
        return true;
    }
    // A repeated PUBREC (after a reconnect) is answered with PUBREL again.
    it->stage = InflightMessage::Stage::AwaitingPubcomp;
    it->delivery.message.reset(); // the payload is no longer needed (4.3.3)
    return true;
}

bool Session::onPubcomp(std::uint16_t packetId, Clock::TimePoint now)
{
    const auto it = std::find_if(m_inflight.begin(), m_inflight.end(), [&](const auto& m) {
        return m.packetId == packetId && m.stage == InflightMessage::Stage::AwaitingPubcomp;
    });
    if (it == m_inflight.end()) {
        return false;
    }
    m_inflight.erase(it);
    pump(now);
    return true;
}

bool Session::hasInboundQos2(std::uint16_t packetId) const
{
    return std::find(m_inboundQos2.begin(), m_inboundQos2.end(), packetId) != m_inboundQos2.end();
}

void Session::addInboundQos2(std::uint16_t packetId)
{
    if (!hasInboundQos2(packetId)) {
        m_inboundQos2.push_back(packetId);
    }
}

bool Session::releaseInboundQos2(std::uint16_t packetId)
{
    const auto it = std::find(m_inboundQos2.begin(), m_inboundQos2.end(), packetId);
    if (it == m_inboundQos2.end()) {
        return false;
    }
    *it = m_inboundQos2.back();
    m_inboundQos2.pop_back();
    return true;
}

void Session::end()
{
    m_ended.store(true, std::memory_order_release);
    for (std::size_t i = 0; i < m_queue.size(); ++i) {
        drop(DropReason::SessionDiscarded);
    }
    for (const auto& entry : m_inflight) {
        if (entry.stage != InflightMessage::Stage::AwaitingPubcomp) {
            drop(DropReason::SessionDiscarded);
        }
    }
    m_queue.clear();
    m_inflight.clear();
    m_inboundQos2.clear();
    m_subscriptions.clear();
    will.reset();
    willAt.reset();
    expiresAt.reset();
    for (auto& delivery : takeInbox()) {
        (void)delivery;
        drop(DropReason::SessionDiscarded);
    }
}

} // namespace sb::core
