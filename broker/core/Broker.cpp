#include "broker/core/Broker.h"

#include <algorithm>

#include "broker/core/ClientConnection.h"
#include "broker/core/MemoryDeadLetterStore.h"

namespace sb::core {

Broker::Broker(const Limits& limits, const Clock& clock, unsigned shardCount)
    : m_clock(clock)
    , m_globalLimits(std::make_shared<const Limits>(limits))
    , m_memoryDeadLetters(std::make_unique<MemoryDeadLetterStore>(limits.deadLetterMaxEntries,
                                                                  limits.deadLetterMaxBytes))
    , m_deadLetters(m_memoryDeadLetters.get())
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
            if (existing) {
                m_sessions.erase(found); // its key is a view of the old session's id
            }
            m_sessions.emplace(created->clientId, created);
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

SessionPtr Broker::findSession(const std::string& clientId) const
{
    const std::lock_guard lock(m_registryMutex);
    const auto found = m_sessions.find(clientId);
    return found == m_sessions.end() ? nullptr : found->second;
}

std::size_t Broker::sessionCount() const
{
    const std::lock_guard lock(m_registryMutex);
    return m_sessions.size();
}

MessagePtr Broker::applyRetained(const MessagePtr& message, bool reserved)
{
    if (reserved) {
        --m_retainedReserved;
    }
    if (message->payload.empty()) {
        return m_retained.clear(message->topic); // an empty retained message clears (3.3.1.3)
    }
    return m_retained.set(message);
}

SessionPtr Broker::publish(Shard& from, MessagePtr message, Clock::TimePoint now, PublishDone done,
                           std::optional<std::pair<std::uint64_t, std::uint16_t>> inboundQos2)
{
    bool retainedReserved = false;
    if (message->retain && !message->payload.empty() &&
        !admitRetained(message->topic, retainedReserved)) {
        countRejection("max_retained_messages");
        if (message->qos > 0) {
            if (done) {
                done({false, protocol::ReasonCode::QuotaExceeded, 0});
            }
            return nullptr;
        }
        // QoS 0 has no answer to carry the refusal: it is delivered, but not retained.
        auto unretained = std::make_shared<Message>(*message);
        unretained->retain = false;
        message = std::move(unretained);
    }
    from.topicActivity().record(message->topic, message->payload.size(),
                                std::chrono::duration_cast<std::chrono::milliseconds>(
                                    message->receivedWallTime.time_since_epoch())
                                    .count());
    m_taps.offer(message, now);

    // Taken out of the shard for the loop, so a delivery that re-enters publish() (a will
    // published by a connection failing as we write to it) gets its own vector.
    std::vector<Shard::RouteTarget> targets = std::move(from.routeScratch());
    m_router.match(*message, targets);
    SessionPtr congested = deliverToTargets(from, message, now, targets, std::move(done),
                                            inboundQos2, retainedReserved);
    targets.clear();
    from.routeScratch() = std::move(targets);
    return congested;
}

SessionPtr
Broker::deliverToTargets(Shard& from, const MessagePtr& message, Clock::TimePoint now,
                         std::vector<Shard::RouteTarget>& targets, PublishDone done,
                         std::optional<std::pair<std::uint64_t, std::uint16_t>> inboundQos2,
                         bool retainedReserved)
{
    const std::size_t receivers = targets.size();
    SessionPtr congested;

    // Deliveries that must be in the store before anyone sees them: QoS 1/2 to a persistent
    // session. Everything else goes out now.
    auto stored = std::make_shared<std::vector<std::pair<SessionPtr, Delivery>>>();
    Persistence::PublishWrite write;
    for (Shard::RouteTarget& target : targets) {
        if (!congested && target.session->isBackpressuring(now)) {
            congested = target.session;
        }
        Delivery delivery;
        delivery.message = message;
        delivery.qos = std::min(message->qos, target.qos);
        delivery.retain = target.retainAsPublished && message->retain;
        delivery.subscriptionIds = std::move(target.identifiers);
        delivery.sharedFilter = std::move(target.sharedFilter);
        // The store keeps one row per (session, message): a session that gets this message both
        // through a plain and a shared subscription has its second copy delivered unstored.
        // Targets come sorted by session, so a repeat is always next to the first.
        const bool storable = m_persistence != nullptr && delivery.qos > 0 &&
                              target.session->isPersistent() &&
                              (stored->empty() || stored->back().first != target.session);
        if (storable) {
            StoredDelivery row;
            row.sessionId = target.session->id;
            row.qos = delivery.qos;
            row.retain = delivery.retain;
            row.subscriptionIds = delivery.subscriptionIds;
            row.sharedFilter = delivery.sharedFilter;
            write.rows.push_back(std::move(row));
            stored->emplace_back(std::move(target.session), std::move(delivery));
        } else {
            from.deliverTo(target.session, std::move(delivery), now);
        }
    }

    const bool retainChange = message->retain;
    const bool needsStore =
        m_persistence != nullptr && (!write.rows.empty() || retainChange || inboundQos2);
    if (!needsStore) {
        if (retainChange) {
            const std::unique_lock lock(m_retainedMutex);
            applyRetained(message, retainedReserved);
        }
        if (done) {
            done({true, protocol::ReasonCode::Success, receivers});
        }
        return congested;
    }
    if (!m_persistence->isHealthy() && message->qos > 0) {
        // It cannot be kept, so it is refused rather than acknowledged and lost (design:
        // durability contract). Nothing was delivered to persistent sessions.
        if (retainedReserved) {
            const std::unique_lock lock(m_retainedMutex);
            --m_retainedReserved;
        }
        if (done) {
            done({false, protocol::ReasonCode::UnspecifiedError, receivers});
        }
        return congested;
    }

    // Async acknowledges at once, unless the store has fallen this far behind: then the
    // acknowledgement waits until the write is applied, which slows publishers down to what the
    // disk takes instead of letting the backlog (and the commit delay) grow without bound.
    constexpr std::uint64_t kAsyncBacklogLimit = 50'000;
    const bool acknowledgeNow = m_persistence->durability() == Durability::Async &&
                                m_persistence->stats().queuedOperations < kAsyncBacklogLimit;
    write.message = message;
    write.inboundQos2 = inboundQos2;
    if (retainChange) {
        write.retained = message->payload.empty() ? Persistence::PublishWrite::Retained::Clear
                                                  : Persistence::PublishWrite::Retained::Set;
    }
    // What the retained change replaced, to put back if the write fails.
    auto replaced = std::make_shared<MessagePtr>();
    write.onApplied = [this, &from, stored, message, retainChange, acknowledgeNow, done, receivers,
                       replaced](std::uint64_t messageId, bool ok) {
        // On the store thread, in the order writes were submitted.
        if (ok) {
            for (auto& [session, delivery] : *stored) {
                delivery.storeId = messageId;
                if (session->pushToInbox(std::move(delivery))) {
                    session->owner().enqueueDrain(session);
                }
            }
        } else if (retainChange) {
            // The retained change was shown in memory at once; undo it as it is not on disk.
            const std::unique_lock lock(m_retainedMutex);
            const MessagePtr current = m_retained.get(message->topic);
            const bool stillOurs =
                message->payload.empty() ? current == nullptr : current == message;
            if (stillOurs) {
                if (*replaced) {
                    m_retained.set(*replaced);
                } else {
                    m_retained.clear(message->topic);
                }
            }
        }
        if (done && !acknowledgeNow) {
            from.post([done, ok, receivers] {
                done({ok,
                      ok ? protocol::ReasonCode::Success : protocol::ReasonCode::UnspecifiedError,
                      receivers});
            });
        }
    };
    // Deliveries this read staged for other workers go first: the store thread hands this
    // message's stored deliveries to inboxes, and must not overtake what was published before.
    from.flushStagedDeliveries();
    {
        // The in-memory change and the submission happen under one lock, so memory and disk
        // see retained changes to a topic in the same order.
        const std::unique_lock lock(m_retainedMutex);
        if (retainChange) {
            *replaced = applyRetained(message, retainedReserved);
        }
        m_persistence->submit(std::move(write));
    }
    if (done && acknowledgeNow) {
        done({true, protocol::ReasonCode::Success, receivers});
    }
    return congested;
}

void Broker::redistributeShared(Shard& from, const SessionPtr& departed,
                                std::vector<Delivery>&& deliveries, Clock::TimePoint now)
{
    std::vector<Delivery> nobodyElse;
    for (Delivery& delivery : deliveries) {
        SessionPtr other = m_router.pickOtherSharedMember(delivery.sharedFilter, departed.get());
        if (!other) {
            nobodyElse.push_back(std::move(delivery)); // kept for the member's return
            continue;
        }
        if (delivery.storeId == 0 || m_persistence == nullptr) {
            from.deliverTo(other, std::move(delivery), now);
            continue;
        }
        if (!other->isPersistent()) {
            m_persistence->removeDelivery(departed->id, delivery.storeId);
            delivery.storeId = 0;
            from.deliverTo(other, std::move(delivery), now);
            continue;
        }
        // Persistent to persistent: the row moves with it (stored again under a new id so it
        // sorts after the new member's own rows).
        StoredDelivery row;
        row.sessionId = departed->id;
        row.messageId = delivery.storeId;
        row.message = delivery.message;
        row.qos = delivery.qos;
        row.retain = delivery.retain;
        row.subscriptionIds = delivery.subscriptionIds;
        row.sharedFilter = delivery.sharedFilter;
        auto moving = std::make_shared<Delivery>(std::move(delivery));
        m_persistence->moveDelivery(std::move(row), other->id,
                                    [other, moving](std::uint64_t messageId, bool ok) {
                                        if (!ok) {
                                            return; // logged and counted by the store
                                        }
                                        moving->storeId = messageId;
                                        if (other->pushToInbox(std::move(*moving))) {
                                            other->owner().enqueueDrain(other);
                                        }
                                    });
    }
    if (!nobodyElse.empty()) {
        departed->requeueFront(std::move(nobodyElse));
    }
}

bool Broker::admitRetained(std::string_view topic, bool& reserved)
{
    reserved = false;
    const std::uint32_t limit = limits()->maxRetainedMessages;
    if (limit == 0) {
        return true;
    }
    const std::unique_lock lock(m_retainedMutex);
    if (m_retained.get(topic) != nullptr) {
        return true; // replaces one: takes no new place
    }
    if (m_retained.size() + m_retainedReserved >= limit) {
        return false;
    }
    ++m_retainedReserved;
    reserved = true;
    return true;
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

MessagePtr Broker::retainedMessage(std::string_view topic) const
{
    const std::shared_lock lock(m_retainedMutex);
    return m_retained.get(topic);
}

void Broker::forEachRetained(const std::function<void(const MessagePtr&)>& f) const
{
    const std::shared_lock lock(m_retainedMutex);
    m_retained.forEach(f);
}

bool Broker::clearRetained(const std::string& topic)
{
    // Memory and the store change under one lock, as in publish(), so both see retained changes
    // to a topic in the same order.
    const std::unique_lock lock(m_retainedMutex);
    const MessagePtr removed = m_retained.clear(topic);
    if (removed && m_persistence != nullptr) {
        m_persistence->deleteRetained(topic);
    }
    return removed != nullptr;
}

void Broker::restore(RecoveredState&& state)
{
    // Limits changed at runtime before the restart take precedence over the config file.
    {
        Limits global = *m_globalLimits;
        for (const StoredLimit& stored : state.limits) {
            const auto* spec = LimitRegistry::find(stored.name);
            if (spec == nullptr) {
                continue; // a limit this build no longer has
            }
            switch (stored.scope) {
            case StoredLimit::Scope::Global:
                spec->set(global, stored.value);
                break;
            case StoredLimit::Scope::User:
                m_userOverrides[stored.owner].values[stored.name] = stored.value;
                break;
            case StoredLimit::Scope::Client:
                m_clientOverrides[stored.owner].values[stored.name] = stored.value;
                break;
            }
        }
        m_globalLimits = std::make_shared<const Limits>(global);
        m_deadLetters->setBounds(global.deadLetterMaxEntries, global.deadLetterMaxBytes);
        for (auto& shard : m_shards) {
            shard->applyLimits(m_globalLimits); // no worker runs yet: apply directly
        }
    }
    const Clock::TimePoint now = m_clock.now();
    const Clock::WallTimePoint wallNow = m_clock.wallNow();
    // Newest generation of each client id wins (a crash mid-takeover can leave two).
    std::sort(
        state.sessions.begin(), state.sessions.end(),
        [](const SessionRecord& a, const SessionRecord& b) { return a.sessionId > b.sessionId; });
    unsigned next = 0;
    for (SessionRecord& record : state.sessions) {
        if (m_sessions.count(record.clientId) != 0) {
            if (m_persistence != nullptr) {
                m_persistence->deleteSession(record.sessionId);
            }
            continue;
        }
        Shard& shard = *m_shards[next++ % m_shards.size()];
        restoreSession(std::move(record), state, shard, now, wallNow);
    }
    std::unordered_map<std::uint64_t, SessionPtr> byId;
    for (const auto& entry : m_sessions) {
        byId.emplace(entry.second->id, entry.second);
    }
    for (SubscriptionRecord& sub : state.subscriptions) {
        const auto session = byId.find(sub.sessionId);
        if (session == byId.end()) {
            continue; // belonged to a generation dropped above
        }
        m_router.subscribe(session->second, sub.filter, sub.subscription.options,
                           sub.subscription.identifier);
        session->second->subscriptions()[sub.filter] = sub.subscription;
    }
    for (MessagePtr& message : state.retained) {
        m_retained.set(std::move(message));
    }
    std::uint64_t expected = m_nextSessionId.load();
    while (expected < state.maxSessionId &&
           !m_nextSessionId.compare_exchange_weak(expected, state.maxSessionId)) {
    }
}

void Broker::restoreSession(SessionRecord&& record, RecoveredState& state, Shard& shard,
                            Clock::TimePoint now, Clock::WallTimePoint wallNow)
{
    auto session = std::make_shared<Session>(record.sessionId, record.clientId, shard);
    session->setExpiryInterval(record.expiryInterval);
    session->version = record.version;
    session->createdAt = record.createdAt;
    session->disconnectedAt = wallNow;
    session->storedInDb = true;

    const auto queue = state.queues.find(record.sessionId);
    if (queue != state.queues.end()) {
        std::vector<Delivery> queued;
        std::vector<InflightMessage> inflight;
        std::uint64_t lastId = 0;
        for (StoredDelivery& row : queue->second.deliveries) {
            lastId = std::max(lastId, row.messageId);
            Delivery delivery;
            delivery.message = std::move(row.message);
            delivery.qos = row.qos;
            delivery.retain = row.retain;
            delivery.subscriptionIds = std::move(row.subscriptionIds);
            delivery.sharedFilter = std::move(row.sharedFilter);
            delivery.storeId = row.messageId;
            if (row.state == StoredDelivery::State::Queued) {
                if (delivery.message) {
                    queued.push_back(std::move(delivery));
                }
                continue;
            }
            InflightMessage entry;
            entry.packetId =
                row.packetId != 0 ? row.packetId : Session::derivedPacketId(row.messageId);
            entry.attempts = row.attempts;
            if (row.state == StoredDelivery::State::Released) {
                entry.stage = InflightMessage::Stage::AwaitingPubcomp;
            } else {
                entry.stage = row.qos == 1 ? InflightMessage::Stage::AwaitingPuback
                                           : InflightMessage::Stage::AwaitingPubrec;
            }
            if (entry.stage == InflightMessage::Stage::AwaitingPubrec && !delivery.message) {
                continue;
            }
            entry.delivery = std::move(delivery);
            inflight.push_back(std::move(entry));
        }
        session->restoreQueue(std::move(queued), std::move(inflight), queue->second.moreOnDisk,
                              lastId);
    }
    for (const auto& [sessionId, packetId] : state.inboundQos2) {
        if (sessionId == record.sessionId) {
            session->addInboundQos2(packetId);
        }
    }

    // It lost its connection when the broker stopped: expire from the stored deadline if it was
    // already offline, else from now; a stored will follows the usual delay rules.
    if (record.expiryInterval != 0xFFFF'FFFF) {
        const auto left =
            record.expiresAt
                ? std::max(Clock::WallTimePoint::duration::zero(), *record.expiresAt - wallNow)
                : std::chrono::duration_cast<Clock::WallTimePoint::duration>(
                      std::chrono::seconds(record.expiryInterval));
        session->expiresAt = now + std::chrono::duration_cast<Clock::Duration>(left);
    }
    if (record.will) {
        const std::uint32_t delay = record.will->properties.willDelayInterval.value_or(0);
        session->will = std::make_unique<protocol::Will>(std::move(*record.will));
        session->willAt = now + std::chrono::seconds(std::min(delay, record.expiryInterval));
    }
    // Its client id's overrides apply at once (a user name is known only once it connects).
    session->setLimits(effectiveLimits({}, session->clientId));
    m_sessions.emplace(session->clientId, session);
    shard.adopt(session);
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
        t.clientsDisconnected += read(m.clientsDisconnected);
        for (std::size_t r = 0; r < t.deadLettered.size(); ++r) {
            t.deadLettered[r] += read(m.deadLettered[r]);
        }
        for (std::size_t r = 0; r < t.dropped.size(); ++r) {
            t.dropped[r] += read(m.dropped[r]);
        }
    }
    return t;
}

} // namespace sb::core
