#include "broker/core/Broker.h"

#include <algorithm>

#include "broker/core/ClientConnection.h"

namespace sb::core {

Broker::Broker(const Limits& limits, const Clock& clock, unsigned shardCount)
    : m_clock(clock)
{
    m_shards.reserve(shardCount);
    for (unsigned i = 0; i < std::max(shardCount, 1U); ++i) {
        m_shards.push_back(std::make_unique<Shard>(*this, i, limits));
    }
}

Broker::~Broker() = default;

void Broker::runOnOwner(const SessionPtr& session, std::function<void(Shard&)> task)
{
    Shard* target = &session->owner();
    target->post([this, session, target, task = std::move(task)]() mutable {
        Shard& owner = session->owner();
        if (&owner != target) {
            runOnOwner(session, std::move(task)); // it moved while the task was on its way
            return;
        }
        task(owner);
    });
}

void Broker::acquireSession(Shard& here, const std::shared_ptr<ClientConnection>& connection,
                            const std::string& clientId, bool cleanStart)
{
    SessionPtr existing;
    SessionPtr created;
    {
        const std::lock_guard lock(m_registryMutex);
        const auto found = m_sessions.find(clientId);
        if (found != m_sessions.end()) {
            existing = found->second;
        }
        if (!existing || cleanStart) {
            created = std::make_shared<Session>(nextSessionId(), clientId, here);
            m_sessions[clientId] = created;
        }
    }

    if (created) {
        created->createdAt = m_clock.wallNow();
        here.adopt(created);
        if (existing) {
            // Clean Start: the old session ends where it lives, its connection told 0x8E.
            runOnOwner(existing, [existing](Shard& owner) {
                if (existing->hasEnded()) {
                    return;
                }
                const Clock::TimePoint now = owner.clock().now();
                if (ClientConnection* old = existing->connection()) {
                    old->takenOver(false);
                }
                if (!existing->hasEnded()) {
                    owner.endSession(existing, now);
                }
            });
        }
        connection->onSessionReady(created, false);
        return;
    }

    runOnOwner(existing, [this, existing, &here, connection](Shard& owner) {
        takeOverExisting(owner, existing, here, connection);
    });
}

void Broker::takeOverExisting(Shard& owner, const SessionPtr& existing, Shard& here,
                              const std::shared_ptr<ClientConnection>& connection)
{
    if (existing->hasEnded()) {
        // It expired while the request travelled: start again, which creates a new session.
        here.post([this, &here, connection, clientId = existing->clientId] {
            if (connection->isAwaitingSession()) {
                acquireSession(here, connection, clientId, false);
            }
        });
        return;
    }
    if (ClientConnection* old = existing->connection()) {
        old->takenOver(true);
    }
    existing->expiresAt.reset();
    if (&owner == &here) {
        connection->onSessionReady(existing, true);
        return;
    }
    owner.release(existing);
    existing->setOwner(here);
    here.post([existing, &here, connection] {
        here.adopt(existing);
        connection->onSessionReady(existing, true);
    });
}

void Broker::removeSession(const SessionPtr& session)
{
    {
        const std::lock_guard lock(m_registryMutex);
        const auto found = m_sessions.find(session->clientId);
        if (found != m_sessions.end() && found->second == session) {
            m_sessions.erase(found);
        }
    }
    m_router.unsubscribeAll(session);
}

std::size_t Broker::sessionCount() const
{
    const std::lock_guard lock(m_registryMutex);
    return m_sessions.size();
}

std::size_t Broker::publish(Shard& from, MessagePtr message, Clock::TimePoint now)
{
    if (message->retain) {
        const std::unique_lock lock(m_retainedMutex);
        if (message->payload.empty()) {
            m_retained.clear(message->topic); // an empty retained message clears (3.3.1.3)
        } else {
            m_retained.set(message);
        }
    }

    // Taken out of the shard for the loop, so a delivery that re-enters publish() (a will
    // published by a connection failing as we write to it) gets its own vector.
    std::vector<Shard::RouteTarget> targets = std::move(from.routeScratch());
    m_router.match(*message, targets);
    const std::size_t receivers = targets.size();
    for (Shard::RouteTarget& target : targets) {
        Delivery delivery;
        delivery.message = message;
        delivery.qos = std::min(message->qos, target.qos);
        delivery.retain = target.retainAsPublished && message->retain;
        delivery.subscriptionIds = std::move(target.identifiers);
        delivery.sharedFilter = std::move(target.sharedFilter);
        from.deliverTo(target.session, std::move(delivery), now);
    }
    targets.clear();
    from.routeScratch() = std::move(targets);
    return receivers;
}

void Broker::redistributeShared(Shard& from, const SessionPtr& departed,
                                std::vector<Delivery>&& deliveries, Clock::TimePoint now)
{
    for (Delivery& delivery : deliveries) {
        if (SessionPtr other =
                m_router.pickOtherSharedMember(delivery.sharedFilter, departed.get())) {
            from.deliverTo(other, std::move(delivery), now);
        } else {
            departed->deliver(std::move(delivery), now); // queued for its return
        }
    }
}

std::vector<MessagePtr> Broker::retainedMatching(std::string_view filter) const
{
    std::vector<MessagePtr> found;
    const std::shared_lock lock(m_retainedMutex);
    m_retained.match(filter, [&](const MessagePtr& message) { found.push_back(message); });
    return found;
}

std::size_t Broker::retainedCount() const
{
    const std::shared_lock lock(m_retainedMutex);
    return m_retained.size();
}

Broker::Totals Broker::totals() const
{
    Totals t;
    auto read = [](const ShardMetrics::Counter& c) {
        return c.load(std::memory_order_relaxed);
    };
    for (const auto& shard : m_shards) {
        const ShardMetrics& m = shard->metrics();
        t.connectionsAccepted += read(m.connectionsAccepted);
        t.clientsConnected += read(m.clientsConnected);
        for (std::size_t q = 0; q < 3; ++q) {
            t.messagesReceived[q] += read(m.messagesReceived[q]);
            t.messagesDelivered[q] += read(m.messagesDelivered[q]);
        }
        t.bytesReceived += read(m.bytesReceived);
        t.bytesSent += read(m.bytesSent);
        t.protocolErrors += read(m.protocolErrors);
        for (std::size_t r = 0; r < t.dropped.size(); ++r) {
            t.dropped[r] += read(m.dropped[r]);
        }
    }
    return t;
}

} // namespace sb::core
