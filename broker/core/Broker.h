#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/DeadLetters.h"
#include "broker/core/LimitRegistry.h"
#include "broker/core/Limits.h"
#include "broker/core/Persistence.h"
#include "broker/core/RetainedStore.h"
#include "broker/core/Router.h"
#include "broker/core/Session.h"
#include "broker/core/Shard.h"
#include "broker/core/TapHub.h"

namespace sb::core {

class ClientConnection;

// The broker's shared state and the operations that cross shards: the session registry (client
// id -> session), the router, the retained store, and session takeover. Everything here is
// thread-safe; per-connection and per-session work happens on the owning Shard.
class Broker
{
public:
    Broker(const Limits& limits, const Clock& clock, unsigned shardCount);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    const Clock& clock() const { return m_clock; }

    // The durable store, or null in `memory` durability. Set before the broker serves.
    void setPersistence(Persistence* persistence) { m_persistence = persistence; }
    Persistence* persistence() const { return m_persistence; }
    // Rebuilds sessions, subscriptions, queues and retained messages from the store, before the
    // workers start. Sessions are spread over the shards; each is treated as having lost its
    // connection now (its will follows the usual delay rules).
    void restore(RecoveredState&& state);
    unsigned shardCount() const { return static_cast<unsigned>(m_shards.size()); }
    Shard& shard(unsigned index) { return *m_shards.at(index); }
    Router& router() { return m_router; }
    const Router& router() const { return m_router; }
    // Live taps of the admin stream.
    TapHub& taps() { return m_taps; }

    // A fresh broker-wide session id (never 0).
    std::uint64_t nextSessionId() { return m_nextSessionId.fetch_add(1) + 1; }

    // ---- Sessions --------------------------------------------------------------------------
    // Finds or creates the session for a CONNECT that arrived on `here`, taking it over from its
    // current connection (DISCONNECT 0x8E) and moving it to `here` if it lives on another shard.
    // `connection->onSessionReady(session, present)` is called on `here`'s thread, now or later.
    void acquireSession(Shard& here, const std::shared_ptr<ClientConnection>& connection,
                        const std::string& clientId, bool cleanStart);
    // Removes the session from the registry (if it is still the current one for its client id)
    // and its subscriptions from the router. Call on the session's owner thread.
    void removeSession(const SessionPtr& session);
    std::size_t sessionCount() const;
    // The current session of a client id (online or not), or null.
    SessionPtr findSession(const std::string& clientId) const;

    // ---- Messages --------------------------------------------------------------------------
    // Called on the publishing shard's thread once the message is accepted (or refused because
    // the store cannot keep it): `accepted`, and how many receivers it had.
    using PublishDone = std::function<void(bool accepted, std::size_t receivers)>;

    // Handles the retain flag and hands the message to every matching session. Call on the
    // publishing shard's thread. With a store, deliveries to persistent sessions at QoS 1/2 and
    // the retained change are written first, and in `sync` durability `done` runs only after
    // the commit; otherwise `done` runs before publish() returns. `inboundQos2` is the
    // publisher's (persistent session id, packet id) to keep until PUBREL.
    void publish(Shard& from, MessagePtr message, Clock::TimePoint now, PublishDone done = {},
                 std::optional<std::pair<std::uint64_t, std::uint16_t>> inboundQos2 = {});

    // Offers deliveries a departing shared-subscription member did not take to other online
    // members; those nobody can take go back to `departed` (queued for its return).
    void redistributeShared(Shard& from, const SessionPtr& departed,
                            std::vector<Delivery>&& deliveries, Clock::TimePoint now);

    // Retained messages matching a (non-shared) filter, for delivery on subscribe.
    std::vector<MessagePtr> retainedMatching(std::string_view filter) const;
    std::size_t retainedCount() const;

    // ---- Control ---------------------------------------------------------------------------
    // Runs `task(owner)` on the thread of the shard that owns `session`, following it if it
    // moves meanwhile.
    void runOnOwner(const SessionPtr& session, std::function<void(Shard&)> task);

    // Sum of all shards' counters (readable from any thread).
    struct Totals
    {
        std::uint64_t connectionsAccepted = 0;
        std::uint64_t clientsConnected = 0;
        std::array<std::uint64_t, 3> messagesReceived{};
        std::array<std::uint64_t, 3> messagesDelivered{};
        std::uint64_t bytesReceived = 0;
        std::uint64_t bytesSent = 0;
        std::uint64_t protocolErrors = 0;
        std::array<std::uint64_t, static_cast<std::size_t>(DropReason::Count)> dropped{};
    };
    Totals totals() const;

private:
    void takeOverExisting(Shard& owner, const SessionPtr& existing, Shard& here,
                          const std::shared_ptr<ClientConnection>& connection);

    void restoreSession(SessionRecord&& record, RecoveredState& state, Shard& shard,
                        Clock::TimePoint now, Clock::WallTimePoint wallNow);
    // Applies a retained change in memory; returns the message it replaced (to undo on failure).
    MessagePtr applyRetained(const MessagePtr& message);

    const Clock& m_clock;
    Persistence* m_persistence = nullptr;
    std::vector<std::unique_ptr<Shard>> m_shards;
    Router m_router;
    TapHub m_taps;

    mutable std::shared_mutex m_retainedMutex;
    RetainedStore m_retained;

    mutable std::mutex m_registryMutex;
    std::unordered_map<std::string, SessionPtr> m_sessions;
    std::atomic<std::uint64_t> m_nextSessionId{0};
};

} // namespace sb::core
