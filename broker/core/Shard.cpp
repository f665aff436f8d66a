#include "broker/core/Shard.h"

#include <algorithm>

#include "broker/core/Broker.h"
#include "broker/core/ClientConnection.h"
#include "broker/core/Persistence.h"

namespace sb::core {

Shard::Shard(Broker& broker, unsigned index, const Limits& limits)
    : m_broker(broker)
    , m_index(index)
    , m_limits(std::make_shared<const Limits>(limits))
{}

void Shard::applyLimits(std::shared_ptr<const Limits> global)
{
    m_limits = std::move(global);
    for (ClientConnection* connection : m_connections) {
        connection->refreshLimits();
    }
    for (const SessionPtr& session : m_sessions) {
        if (session->connection() == nullptr) {
            session->setLimits(m_broker.effectiveLimits(session->username, session->clientId));
        }
    }
}

const Clock& Shard::clock() const
{
    return m_broker.clock();
}

void Shard::post(std::function<void()> task)
{
    m_executor->post(std::move(task));
}

void Shard::deliverTo(const SessionPtr& session, Delivery&& delivery, Clock::TimePoint now)
{
    if (m_readBatchDepth > 0 && !m_staged.empty()) {
        if (const auto it = m_stagedIndex.find(session.get()); it != m_stagedIndex.end()) {
            m_staged[it->second].deliveries.push_back(std::move(delivery));
            return;
        }
    }
    if (&session->owner() == this && session->inboxEmpty()) {
        session->deliver(std::move(delivery), now);
        return;
    }
    if (m_readBatchDepth > 0) {
        m_stagedIndex.emplace(session.get(), m_staged.size());
        Staged& staged = m_staged.emplace_back();
        staged.session = session;
        staged.deliveries.push_back(std::move(delivery));
        return;
    }
    if (session->pushToInbox(std::move(delivery))) {
        session->owner().enqueueDrain(session);
    }
}

void Shard::flushStagedDeliveries()
{
    if (m_staged.empty()) {
        return;
    }
    // Taken out first: pushing wakes other threads, never this one's handlers, but a flush
    // must not see a half-cleared list whatever happens.
    std::vector<Staged> staged;
    staged.swap(m_staged);
    m_stagedIndex.clear();
    for (Staged& entry : staged) {
        if (entry.session->pushToInbox(entry.deliveries)) {
            entry.session->owner().enqueueDrain(entry.session);
        }
    }
    // Its capacity serves the next read (this runs at the end of every read that staged).
    staged.clear();
    if (m_staged.empty()) {
        m_staged.swap(staged);
    }
}

void Shard::enqueueDrain(SessionPtr session)
{
    bool post = false;
    {
        const std::lock_guard lock(m_drainMutex);
        m_pendingDrains.push_back(std::move(session));
        if (!m_drainPosted) {
            m_drainPosted = true;
            post = true;
        }
    }
    if (post) {
        m_executor->post([this] { drainPending(); });
    }
}

void Shard::drainPending()
{
    std::vector<SessionPtr> sessions;
    {
        const std::lock_guard lock(m_drainMutex);
        sessions.swap(m_pendingDrains);
        m_drainPosted = false;
    }
    const Clock::TimePoint now = clock().now();
    for (const SessionPtr& session : sessions) {
        Shard& owner = session->owner();
        if (&owner != this) {
            // Moved to another shard since the drain was asked for: the inbox moved with it.
            owner.enqueueDrain(session);
            continue;
        }
        for (Delivery& delivery : session->takeInbox()) {
            session->deliver(std::move(delivery), now);
        }
    }
}

void Shard::sessionWentOffline(const SessionPtr& session, bool publishWillNow, Clock::TimePoint now)
{
    session->disconnectedAt = clock().wallNow();
    if (!publishWillNow) {
        session->will.reset();
    }
    if (session->expiryInterval() == 0) {
        endSession(session, now);
        return;
    }
    if (session->will) {
        const std::uint32_t delay = session->will->properties.willDelayInterval.value_or(0);
        if (delay == 0) {
            protocol::Will will = std::move(*session->will);
            session->will.reset();
            publishWill(*session, std::move(will), now);
        } else {
            // Sent when the delay passes or the session ends, whichever comes first (3.1.3.2.2).
            const std::uint32_t wait = std::min(delay, session->expiryInterval());
            session->willAt = now + std::chrono::seconds(wait);
        }
    }
    if (session->expiryInterval() != 0xFFFF'FFFF) {
        session->expiresAt = now + std::chrono::seconds(session->expiryInterval());
    }
    saveSession(*session);
}

void Shard::saveSession(Session& session)
{
    Persistence* store = m_broker.persistence();
    if (store == nullptr || (!session.isPersistent() && !session.storedInDb)) {
        return;
    }
    SessionRecord record;
    record.sessionId = session.id;
    record.clientId = session.clientId;
    record.expiryInterval = session.expiryInterval();
    if (session.expiresAt) {
        const auto left = *session.expiresAt - clock().now();
        record.expiresAt =
            clock().wallNow() + std::chrono::duration_cast<Clock::WallTimePoint::duration>(left);
    }
    record.version = session.version;
    if (session.will) {
        record.will = *session.will;
    }
    record.createdAt = session.createdAt;
    store->saveSession(record);
    if (!session.storedInDb) {
        // Now persistent: its subscriptions must be kept too.
        for (const auto& [filter, subscription] : session.subscriptions()) {
            store->saveSubscription({session.id, filter, subscription});
        }
        session.storedInDb = true;
    }
}

void Shard::endSession(const SessionPtr& session, Clock::TimePoint now)
{
    if (session->will) {
        protocol::Will will = std::move(*session->will);
        session->will.reset();
        publishWill(*session, std::move(will), now);
    }
    m_broker.removeSession(session);
    session->end();
    if (session->storedInDb) {
        if (Persistence* store = m_broker.persistence()) {
            store->deleteSession(session->id);
        }
    }
    release(session);
}

void Shard::publishWill(const Session& session, protocol::Will&& will, Clock::TimePoint now)
{
    auto message = std::make_shared<Message>();
    message->topic = std::move(will.topic);
    message->payload = std::move(will.payload);
    message->qos = will.qos;
    message->retain = will.retain;
    message->properties = std::move(will.properties);
    message->properties.willDelayInterval.reset(); // a will property, not a PUBLISH one
    message->publisherSessionId = session.id;
    message->publisherClientId = session.clientId;
    message->receivedAt = now;
    message->receivedWallTime = clock().wallNow();
    if (message->properties.messageExpiryInterval) {
        message->expiresAt = now + std::chrono::seconds(*message->properties.messageExpiryInterval);
    }
    m_broker.publish(*this, std::move(message), now);
}

void Shard::tick(Clock::TimePoint now)
{
    std::vector<ClientConnection*> timedOut;
    for (ClientConnection* connection : m_connections) {
        connection->sampleRates(now);
        if (connection->hasTimedOut(now)) {
            timedOut.push_back(connection);
        }
    }
    for (ClientConnection* connection : timedOut) {
        connection->onTimeout(now);
    }

    std::vector<SessionPtr> wills;
    std::vector<SessionPtr> expired;
    for (const SessionPtr& session : m_sessions) {
        if (session->isOnline()) {
            continue;
        }
        if (session->willAt && *session->willAt <= now) {
            wills.push_back(session);
        }
        if (session->expiresAt && *session->expiresAt <= now) {
            expired.push_back(session);
        }
    }
    for (const SessionPtr& session : wills) {
        session->willAt.reset();
        if (session->will) {
            protocol::Will will = std::move(*session->will);
            session->will.reset();
            publishWill(*session, std::move(will), now);
        }
    }
    for (const SessionPtr& session : expired) {
        endSession(session, now);
    }
}

} // namespace sb::core
