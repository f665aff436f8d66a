#include "broker/core/Session.h"

#include <algorithm>
#include <utility>

#include "broker/core/Broker.h"
#include "broker/core/ClientConnection.h"
#include "broker/core/Persistence.h"
#include "broker/core/Shard.h"

namespace sb::core {

Session::Session(std::uint64_t sessionId, std::string sessionClientId, Shard& shard)
    : id(sessionId)
    , clientId(std::move(sessionClientId))
    , m_owner(&shard)
    , m_limits(shard.limitsSnapshot())
{}

Session::~Session()
{
    delete m_inbox.load(std::memory_order_acquire);
}

Session::Inbox& Session::inbox()
{
    Inbox* inbox = m_inbox.load(std::memory_order_acquire);
    if (inbox == nullptr) {
        auto created = std::make_unique<Inbox>();
        // Two threads may race to create it: the loser's copy is dropped, its `inbox` updated.
        if (m_inbox.compare_exchange_strong(inbox, created.get(), std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
            inbox = created.release();
        }
    }
    return *inbox;
}

void Session::setLimits(std::shared_ptr<const Limits> limits)
{
    m_limits = std::move(limits);
}

ShardMetrics& Session::metrics() const
{
    return owner().metrics();
}

Persistence* Session::persistence() const
{
    return isPersistent() ? owner().broker().persistence() : nullptr;
}

namespace {

// After a push, under the inbox lock: publishes the new size and says whether the caller must
// schedule a drain (none is scheduled yet).
bool inboxGrew(const std::vector<Delivery>& inbox, std::atomic<std::uint32_t>& size,
               bool& drainScheduled)
{
    size.store(static_cast<std::uint32_t>(inbox.size()), std::memory_order_release);
    return !std::exchange(drainScheduled, true);
}

} // namespace

bool Session::pushToInbox(Delivery&& delivery)
{
    Inbox& box = inbox();
    const std::lock_guard lock(box.mutex);
    box.deliveries.push_back(std::move(delivery));
    return inboxGrew(box.deliveries, m_inboxSize, box.drainScheduled);
}

bool Session::pushToInbox(std::vector<Delivery>& deliveries)
{
    Inbox& box = inbox();
    const std::lock_guard lock(box.mutex);
    if (box.deliveries.empty()) {
        box.deliveries.swap(deliveries);
    } else {
        box.deliveries.insert(box.deliveries.end(), std::make_move_iterator(deliveries.begin()),
                              std::make_move_iterator(deliveries.end()));
        deliveries.clear();
    }
    return inboxGrew(box.deliveries, m_inboxSize, box.drainScheduled);
}

bool Session::isBackpressuring(Clock::TimePoint now) const
{
    // Publishers on other workers fill the inbox faster than this session's worker empties it:
    // they wait rather than push more than its output will take.
    if (m_inboxSize.load(std::memory_order_relaxed) >= kInboxHighWater) {
        return true;
    }
    if (m_congestedSince.load(std::memory_order_relaxed) == 0) {
        return false;
    }
    const auto lastProgress = Clock::TimePoint(Clock::Duration(m_lastProgress.load()));
    return now - lastProgress < kStallCutoff;
}

bool Session::addWaiter(std::weak_ptr<ClientConnection> publisher)
{
    Inbox& box = inbox();
    const std::lock_guard lock(box.mutex);
    if (!box.congested && box.deliveries.size() < kInboxHighWater) {
        return false;
    }
    box.waiters.push_back(std::move(publisher));
    return true;
}

void Session::updateCongestion(Clock::TimePoint now)
{
    const Limits& l = limits();
    const std::size_t high = std::max<std::size_t>(
        16, std::min<std::size_t>(l.maxQueueMessages / 2,
                                  std::max<std::size_t>(l.queueMemoryMessages, 1000)));
    const std::size_t pending = m_connection != nullptr ? m_connection->pendingOutputBytes() : 0;
    const std::size_t backlog = m_queue.size() + m_coldCount;
    bool congested = m_congestedSince.load(std::memory_order_relaxed) != 0;
    if (m_connection == nullptr) {
        congested = false; // an offline session queues (and overflows by policy); it never stalls
    } else if (!congested) {
        congested = backlog >= high || pending >= l.maxPendingOutputBytes / 4;
    } else {
        congested = !(backlog <= high / 2 && pending <= l.maxPendingOutputBytes / 8);
    }
    const bool was = m_congestedSince.load(std::memory_order_relaxed) != 0;
    if (congested == was) {
        return;
    }
    std::vector<std::weak_ptr<ClientConnection>> waiters;
    {
        Inbox& box = inbox();
        const std::lock_guard lock(box.mutex);
        box.congested = congested;
        if (!congested) {
            waiters.swap(box.waiters);
        }
    }
    m_congestedSince.store(congested ? now.time_since_epoch().count() : 0,
                           std::memory_order_relaxed);
    if (congested) {
        m_lastProgress.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    }
    resumeWaiters(waiters);
}

std::vector<Delivery> Session::takeInbox()
{
    std::vector<Delivery> taken;
    std::vector<std::weak_ptr<ClientConnection>> waiters;
    Inbox* box = existingInbox();
    if (box == nullptr) {
        return taken; // nobody ever handed anything over
    }
    {
        const std::lock_guard lock(box->mutex);
        taken.swap(box->deliveries);
        box->drainScheduled = false;
        m_inboxSize.store(0, std::memory_order_release);
        if (!box->congested) {
            waiters.swap(box->waiters); // they waited for the inbox, which is empty now
        }
    }
    resumeWaiters(waiters);
    return taken;
}

void Session::resumeWaiters(const std::vector<std::weak_ptr<ClientConnection>>& waiters)
{
    for (const auto& weak : waiters) {
        if (auto publisher = weak.lock()) {
            publisher->shard().post([publisher] { publisher->resumeAfterBackpressure(); });
        }
    }
}

void Session::drop(DropReason reason, const Delivery& delivery, std::uint32_t attempts)
{
    ShardMetrics& m = metrics();
    m.countDrop(reason);
    std::optional<DeadLetterReason> letter;
    switch (reason) {
    case DropReason::QueueFull:
        if (limits().queueOverflow == OverflowPolicy::DeadLetterNewest ||
            limits().queueOverflow == OverflowPolicy::DeadLetterOldest) {
            letter = DeadLetterReason::MaxLen;
        }
        break;
    case DropReason::SlowConsumer:
        if (limits().deadLetterQos0) {
            letter = DeadLetterReason::MaxLen;
        }
        break;
    case DropReason::Expired:
        letter = DeadLetterReason::Expired;
        break;
    case DropReason::TooLarge:
        letter = DeadLetterReason::TooLarge;
        break;
    case DropReason::Rejected:
        letter = DeadLetterReason::Rejected;
        break;
    case DropReason::DeliveryLimit:
        letter = DeadLetterReason::DeliveryLimit;
        break;
    default:
        break;
    }
    if (letter && delivery.message) {
        DeadLetter dead;
        dead.time = owner().clock().wallNow();
        dead.reason = *letter;
        dead.message = delivery.message;
        dead.targetClientId = clientId;
        dead.attempts = attempts;
        owner().broker().deadLetters().add(std::move(dead));
        ShardMetrics::add(m.deadLettered[static_cast<std::size_t>(*letter)]);
    }
    if (delivery.storeId != 0) {
        if (Persistence* store = owner().broker().persistence()) {
            store->removeDelivery(id, delivery.storeId);
        }
    }
}

void Session::takeFromQueueAccounting(const Delivery& delivery)
{
    const std::uint64_t size = delivery.message ? delivery.message->payload.size() : 0;
    m_queuedBytes = m_queuedBytes > size ? m_queuedBytes - size : 0;
}

void Session::deliver(Delivery&& delivery, Clock::TimePoint now)
{
    if (m_ended.load(std::memory_order_relaxed)) {
        drop(DropReason::SessionDiscarded, delivery);
        return;
    }
    if (delivery.storeId != 0 && delivery.storeId <= m_coldCursor) {
        // Already read back from the store by a page that overtook this hand-over (store ids
        // reach a session in increasing order, so anything at or below the cursor is known).
        return;
    }
    if (delivery.message->isExpired(now)) {
        drop(DropReason::Expired, delivery);
        return;
    }
    if (delivery.qos == 0) {
        if (m_connection == nullptr) {
            drop(DropReason::OfflineQos0, delivery);
            return;
        }
        if (m_connection->isOutputCongested()) {
            drop(DropReason::SlowConsumer, delivery);
            return;
        }
        if (!sendNow(delivery, now, false, 0)) {
            drop(DropReason::TooLarge, delivery);
        }
        updateCongestion(now);
        return;
    }
    const bool canSendNow = m_connection != nullptr && !m_resendPending && m_queue.empty() &&
                            m_coldCount == 0 && m_inflight.size() < m_window &&
                            !m_connection->isOutputCongested();
    if (canSendNow) {
        const std::uint16_t packetId = packetIdFor(delivery);
        if (sendNow(delivery, now, false, packetId)) {
            startInflight(std::move(delivery), packetId);
        } else {
            drop(DropReason::TooLarge, delivery);
        }
        return;
    }
    enqueue(std::move(delivery));
    updateCongestion(now);
}

void Session::enqueue(Delivery&& delivery)
{
    const Limits& l = limits();
    const std::uint64_t size = delivery.message->payload.size();
    auto full = [&] {
        return queuedCount() >= l.maxQueueMessages || m_queuedBytes + size > l.maxQueueBytes;
    };
    const bool refuseNewest = l.queueOverflow == OverflowPolicy::DropNewest ||
                              l.queueOverflow == OverflowPolicy::DeadLetterNewest;
    if (full() && (refuseNewest || size > l.maxQueueBytes)) {
        drop(DropReason::QueueFull, delivery);
        return;
    }
    // Make room: as many of the oldest as it takes (one is not enough for a big message, or
    // after max_queue_* was lowered).
    while (full() && !m_queue.empty()) {
        takeFromQueueAccounting(m_queue.front());
        drop(DropReason::QueueFull, m_queue.front());
        m_queue.pop_front();
    }
    if (full()) { // only rows on disk left: refuse this one instead
        drop(DropReason::QueueFull, delivery);
        return;
    }
    m_queuedBytes += size;
    if (delivery.storeId != 0) {
        if (m_coldCount > 0 || m_queue.size() >= l.queueMemoryMessages) {
            // Its row is in the store: keep only the count, page it in later, in order.
            ++m_coldCount;
            return;
        }
        m_coldCursor = std::max(m_coldCursor, delivery.storeId);
    }
    m_queue.push_back(std::move(delivery));
}

void Session::startInflight(Delivery&& delivery, std::uint16_t packetId)
{
    InflightMessage entry;
    entry.packetId = packetId;
    entry.stage = delivery.qos == 1 ? InflightMessage::Stage::AwaitingPuback
                                    : InflightMessage::Stage::AwaitingPubrec;
    if (delivery.qos == 2 && delivery.storeId != 0 &&
        packetId != derivedPacketId(delivery.storeId)) {
        // A QoS 2 resend after a restart must reuse this packet id (4.3.3). Usually the id is
        // derived from the store id and needs no record; this one could not be, so record it.
        if (Persistence* store = persistence()) {
            store->markSent(id, delivery.storeId, packetId, entry.attempts);
        }
    }
    entry.delivery = std::move(delivery);
    m_inflight.push_back(std::move(entry));
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
    if (publish.messageExpiryInterval && *publish.messageExpiryInterval == 0) {
        publish.messageExpiryInterval = 1; // a resend of a delivery already started (3.3.2.3.3)
    }
    publish.subscriptionIdentifiers = delivery.subscriptionIds;
    publish.payload = message.payload;
    if (!m_connection->sendPublish(publish)) {
        // Bigger than the client's Maximum Packet Size: the spec says discard it (3.1.2.11.4);
        // the caller counts it.
        return false;
    }
    ShardMetrics::add(metrics().messagesDelivered[delivery.qos]);
    m_lastProgress.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    if (!dup) {
        owner().latency().record(now - message.receivedAt);
    }
    return true;
}

bool Session::packetIdInUse(std::uint16_t packetId) const
{
    return std::any_of(m_inflight.begin(), m_inflight.end(),
                       [&](const InflightMessage& m) { return m.packetId == packetId; });
}

std::uint16_t Session::packetIdFor(const Delivery& delivery)
{
    // A stored QoS 2 delivery takes an id computed from its store id, so that if the broker
    // stops before anything more is written, the resend after the restart carries the same id
    // and the client recognises it (4.3.3): exactly once without an extra commit per delivery.
    if (delivery.qos == 2 && delivery.storeId != 0) {
        const std::uint16_t derived = derivedPacketId(delivery.storeId);
        if (!packetIdInUse(derived)) {
            return derived;
        }
    }
    return nextPacketId();
}

std::uint16_t Session::nextPacketId()
{
    // Skip ids still in flight; the window is far below 65535 so this ends quickly.
    for (;;) {
        m_lastPacketId = static_cast<std::uint16_t>(m_lastPacketId + 1);
        if (m_lastPacketId != 0 && !packetIdInUse(m_lastPacketId)) {
            return m_lastPacketId;
        }
    }
}

void Session::attach(ClientConnection& connection, std::uint16_t window, Clock::TimePoint now)
{
    m_connection = &connection;
    m_window = std::max<std::uint16_t>(window, 1);
    m_online.store(true, std::memory_order_relaxed);

    // What the previous connection left unacknowledged is resent in the original order (4.4):
    // PUBREL again where PUBREC had arrived, PUBLISH with DUP otherwise. Delivery already
    // started, so an expired message is still completed (3.3.2.3.3). No more than the client's
    // Receive Maximum go out now; the rest follow as acknowledgements come (4.9).
    for (InflightMessage& entry : m_inflight) {
        entry.awaitingResend = true;
    }
    resendInflight(now);
    pump(now);
}

std::size_t Session::inflightOnWire() const
{
    return static_cast<std::size_t>(
        std::count_if(m_inflight.begin(), m_inflight.end(),
                      [](const InflightMessage& e) { return !e.awaitingResend; }));
}

void Session::resendInflight(Clock::TimePoint now)
{
    if (m_connection == nullptr) {
        return;
    }
    std::size_t onWire = inflightOnWire();
    for (auto it = m_inflight.begin(); it != m_inflight.end() && onWire < m_window;) {
        if (!it->awaitingResend) {
            ++it;
            continue;
        }
        it->awaitingResend = false;
        if (it->stage == InflightMessage::Stage::AwaitingPubcomp) {
            protocol::Pubrel pubrel;
            pubrel.packetId = it->packetId;
            m_connection->send(pubrel);
            ++onWire;
            ++it;
            continue;
        }
        const std::uint32_t maxAttempts = limits().maxDeliveryAttempts;
        if (maxAttempts != 0 && it->attempts >= maxAttempts) {
            // Sent that often and never acknowledged: a poison message for this client.
            drop(DropReason::DeliveryLimit, it->delivery, it->attempts);
            it = m_inflight.erase(it);
            continue;
        }
        ++it->attempts;
        if (it->delivery.storeId != 0) {
            // Attempts count across reconnects and restarts (max_delivery_attempts).
            if (Persistence* store = persistence()) {
                store->markSent(id, it->delivery.storeId, it->packetId, it->attempts);
            }
        }
        if (!sendNow(it->delivery, now, true, it->packetId)) {
            drop(DropReason::TooLarge, it->delivery, it->attempts);
            it = m_inflight.erase(it);
            continue;
        }
        ++onWire;
        ++it;
    }
    m_resendPending = std::any_of(m_inflight.begin(), m_inflight.end(),
                                  [](const InflightMessage& e) { return e.awaitingResend; });
}

void Session::setWindow(std::uint16_t window, Clock::TimePoint now)
{
    m_window = std::max<std::uint16_t>(window, 1);
    pump(now);
}

std::vector<Delivery> Session::detach()
{
    m_connection = nullptr;
    m_online.store(false, std::memory_order_relaxed);
    updateCongestion(Clock::TimePoint{});
    std::vector<Delivery> forOtherMembers;
    for (auto it = m_inflight.begin(); it != m_inflight.end();) {
        // QoS 1 in flight may go to another member; QoS 2 must be completed with this one
        // (4.8.2), or the group could receive it twice.
        if (!it->delivery.sharedFilter.empty() && it->delivery.qos == 1) {
            forOtherMembers.push_back(std::move(it->delivery));
            it = m_inflight.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = m_queue.begin(); it != m_queue.end();) {
        if (!it->sharedFilter.empty()) {
            takeFromQueueAccounting(*it);
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
    if (m_resendPending) {
        resendInflight(now);
        if (m_resendPending) {
            return; // old ones first, in order
        }
    }
    while (m_connection != nullptr && !m_queue.empty() && m_inflight.size() < m_window &&
           !m_connection->isOutputCongested()) {
        Delivery delivery = std::move(m_queue.front());
        m_queue.pop_front();
        takeFromQueueAccounting(delivery);
        if (delivery.message->isExpired(now)) {
            drop(DropReason::Expired, delivery);
            continue;
        }
        const std::uint16_t packetId = packetIdFor(delivery);
        if (!sendNow(delivery, now, false, packetId)) {
            drop(DropReason::TooLarge, delivery);
            continue;
        }
        startInflight(std::move(delivery), packetId);
    }
    requestPageIfNeeded();
    updateCongestion(now);
}

void Session::requestPageIfNeeded()
{
    const std::size_t capacity = limits().queueMemoryMessages;
    if (m_coldCount == 0 || m_pageInFlight || m_queue.size() > capacity / 2) {
        return;
    }
    Persistence* store = owner().broker().persistence();
    if (store == nullptr) {
        return;
    }
    m_pageInFlight = true;
    const std::size_t asked = std::max<std::size_t>(capacity - m_queue.size(), 1);
    Broker& broker = owner().broker();
    store->loadQueuePage(id, m_coldCursor, asked,
                         [&broker, self = shared_from_this()](std::vector<StoredDelivery> rows) {
                             // On the store thread: hand the page to whichever shard owns the
                             // session now.
                             auto page = std::make_shared<std::vector<Delivery>>();
                             page->reserve(rows.size());
                             for (StoredDelivery& row : rows) {
                                 Delivery d;
                                 d.message = std::move(row.message);
                                 d.qos = row.qos;
                                 d.retain = row.retain;
                                 d.subscriptionIds = std::move(row.subscriptionIds);
                                 d.sharedFilter = std::move(row.sharedFilter);
                                 d.storeId = row.messageId;
                                 page->push_back(std::move(d));
                             }
                             broker.runOnOwner(self, [self, page](Shard& owner) {
                                 self->onPageLoaded(std::move(*page), owner.clock().now());
                             });
                         });
}

void Session::onPageLoaded(std::vector<Delivery> page, Clock::TimePoint now)
{
    m_pageInFlight = false;
    if (m_ended.load(std::memory_order_relaxed)) {
        return;
    }
    std::uint64_t loaded = 0;
    for (Delivery& delivery : page) {
        if (delivery.storeId <= m_coldCursor || !delivery.message) {
            continue;
        }
        m_coldCursor = delivery.storeId;
        ++loaded;
        m_queue.push_back(std::move(delivery));
    }
    m_coldCount = loaded >= m_coldCount ? 0 : m_coldCount - loaded;
    if (page.empty()) {
        // Nothing beyond the cursor: any count left was for rows already paged in (a page can
        // overtake the hand-over of its newest rows).
        m_coldCount = 0;
    }
    pump(now);
}

void Session::requeueFront(std::vector<Delivery>&& deliveries)
{
    for (const Delivery& delivery : deliveries) {
        m_queuedBytes += delivery.message ? delivery.message->payload.size() : 0;
    }
    m_queue.insert(m_queue.begin(), std::make_move_iterator(deliveries.begin()),
                   std::make_move_iterator(deliveries.end()));
}

void Session::restoreQueue(std::vector<Delivery> queued, std::vector<InflightMessage> inflight,
                           std::uint64_t moreOnDisk, std::uint64_t lastStoreId)
{
    m_inflight.assign(std::make_move_iterator(inflight.begin()),
                      std::make_move_iterator(inflight.end()));
    m_queue.assign(std::make_move_iterator(queued.begin()), std::make_move_iterator(queued.end()));
    for (const Delivery& delivery : m_queue) {
        m_queuedBytes += delivery.message ? delivery.message->payload.size() : 0;
    }
    m_coldCount = moreOnDisk;
    m_coldCursor = lastStoreId;
    for (const auto& entry : m_inflight) {
        m_lastPacketId = std::max(m_lastPacketId, entry.packetId);
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
        drop(DropReason::Rejected, it->delivery, it->attempts);
    } else if (it->delivery.storeId != 0) {
        if (Persistence* store = owner().broker().persistence()) {
            store->removeDelivery(id, it->delivery.storeId);
        }
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
        drop(DropReason::Rejected, it->delivery, it->attempts);
        m_inflight.erase(it);
        pump(now);
        return true;
    }
    // A repeated PUBREC (after a reconnect) is answered with PUBREL again.
    Persistence* store = owner().broker().persistence();
    const bool record = it->stage != InflightMessage::Stage::AwaitingPubcomp &&
                        it->delivery.storeId != 0 && store != nullptr;
    it->stage = InflightMessage::Stage::AwaitingPubcomp;
    it->delivery.message.reset(); // the payload is no longer needed (4.3.3)
    if (!record) {
        sendPubrel(packetId);
        return true;
    }
    if (store->durability() != Durability::Sync) {
        store->markReleased(id, it->delivery.storeId, {});
        sendPubrel(packetId);
        return true;
    }
    // In sync durability PUBREL waits for the commit of the new stage: were the broker to stop
    // between the two, it would otherwise resend a PUBLISH the client has already completed
    // with PUBCOMP, and the client would take it as a new message (4.3.3).
    store->markReleased(id, it->delivery.storeId, [weak = weak_from_this(), packetId](bool ok) {
        auto session = weak.lock();
        if (!session || !ok) {
            return; // not on disk: the PUBREC is answered when the client sends it again
        }
        session->owner().post([session, packetId] {
            const bool stillWaiting = std::any_of(
                session->m_inflight.begin(), session->m_inflight.end(), [&](const auto& m) {
                    return m.packetId == packetId &&
                           m.stage == InflightMessage::Stage::AwaitingPubcomp;
                });
            if (stillWaiting) {
                session->sendPubrel(packetId);
            }
        });
    });
    return true;
}

void Session::sendPubrel(std::uint16_t packetId)
{
    if (m_connection == nullptr) {
        return; // sent with the resend when the client returns
    }
    protocol::Pubrel pubrel;
    pubrel.packetId = packetId;
    m_connection->send(pubrel);
}

bool Session::onPubcomp(std::uint16_t packetId, Clock::TimePoint now)
{
    const auto it = std::find_if(m_inflight.begin(), m_inflight.end(), [&](const auto& m) {
        return m.packetId == packetId && m.stage == InflightMessage::Stage::AwaitingPubcomp;
    });
    if (it == m_inflight.end()) {
        return false;
    }
    if (it->delivery.storeId != 0) {
        if (Persistence* store = owner().broker().persistence()) {
            store->removeDelivery(id, it->delivery.storeId);
        }
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
    if (Persistence* store = persistence()) {
        store->removeInboundQos2(id, packetId);
    }
    return true;
}

void Session::end()
{
    m_ended.store(true, std::memory_order_release);
    // The store deletes the session's rows with the session; count what is lost here.
    auto& m = metrics();
    const auto discarded = [&m](std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) {
            m.countDrop(DropReason::SessionDiscarded);
        }
    };
    discarded(m_queue.size() + m_coldCount);
    discarded(static_cast<std::uint64_t>(
        std::count_if(m_inflight.begin(), m_inflight.end(), [](const InflightMessage& e) {
            return e.stage != InflightMessage::Stage::AwaitingPubcomp;
        })));
    discarded(takeInbox().size());
    m_queue.clear();
    m_queuedBytes = 0;
    m_coldCount = 0;
    m_inflight.clear();
    m_inboundQos2.clear();
    m_subscriptions.clear();
    will.reset();
    willAt.reset();
    expiresAt.reset();
}

} // namespace sb::core
