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
#include "broker/core/Limits.h"
#include "broker/core/RetainedStore.h"
#include "broker/core/Router.h"
#include "broker/core/Session.h"
#include "broker/core/Shard.h"

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
    unsigned shardCount() const { return static_cast<unsigned>(m_shards.size()); }
    Shard& shard(unsigned index) { return *m_shards.at(index); }
    Router& router() { return m_router; }
    const Router& router() const { return m_router; }

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

    // ---- Messages --------------------------------------------------------------------------
    // Handles the retain flag and hands the message to every matching session. Call on the
    // publishing shard's thread. Returns the number of receivers.
    std::size_t publish(Shard& from, MessagePtr message, Clock::TimePoint now);

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

    const Clock& m_clock;
    std::vector<std::unique_ptr<Shard>> m_shards;
    Router m_router;

    mutable std::shared_mutex m_retainedMutex;
    RetainedStore m_retained;

    mutable std::mutex m_registryMutex;
    std::unordered_map<std::string, SessionPtr> m_sessions;
    std::atomic<std::uint64_t> m_nextSessionId{0};
};

} // namespace sb::core
