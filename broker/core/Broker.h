#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
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
    void setPersistence(Persistence* persistence);
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
    // How a publish ended: accepted (with how many receivers it had), or refused with the
    // reason code to answer (0x80 the store cannot keep it, 0x97 a quota such as
    // max_retained_messages).
    struct PublishOutcome
    {
        bool accepted = true;
        protocol::ReasonCode refusal = protocol::ReasonCode::Success;
        std::size_t receivers = 0;
    };
    // Called on the publishing shard's thread once the message is accepted or refused.
    using PublishDone = std::function<void(PublishOutcome)>;

    // Handles the retain flag and hands the message to every matching session. Call on the
    // publishing shard's thread. With a store, deliveries to persistent sessions at QoS 1/2 and
    // the retained change are written first, and in `sync` durability `done` runs only after
    // the commit; otherwise `done` runs before publish() returns. `inboundQos2` is the
    // publisher's (persistent session id, packet id) to keep until PUBREL.
    // Returns a receiving session that is backed up (the publisher should pause: see
    // ClientConnection::pauseForBackpressure), or null.
    SessionPtr publish(Shard& from, MessagePtr message, Clock::TimePoint now, PublishDone done = {},
                       std::optional<std::pair<std::uint64_t, std::uint16_t>> inboundQos2 = {});

    // Offers deliveries a departing shared-subscription member did not take to other online
    // members; those nobody can take go back to `departed` (queued for its return).
    void redistributeShared(Shard& from, const SessionPtr& departed,
                            std::vector<Delivery>&& deliveries, Clock::TimePoint now);

    // Retained messages matching a (non-shared) filter, for delivery on subscribe.
    std::vector<MessagePtr> retainedMatching(std::string_view filter) const;
    std::size_t retainedCount() const;
    // For the admin API: the retained message of one topic (or null); every retained message
    // under the shared lock (`f` must be quick and must not call into the broker); removing one
    // from memory and the store (false if the topic had none).
    MessagePtr retainedMessage(std::string_view topic) const;
    void forEachRetained(const std::function<void(const MessagePtr&)>& f) const;
    bool clearRetained(const std::string& topic);

    // ---- Dead letters ------------------------------------------------------------------------
    DeadLetterStore& deadLetters() { return *m_deadLetters; }
    // Republishes the selected dead letters as the request says, then marks or removes them.
    // A replay that fails again becomes a new dead letter through the normal paths; it is never
    // retried by itself, so it cannot loop. `done` runs on an arbitrary thread.
    void replayDeadLetters(ReplayRequest request, std::function<void(ReplayResult)> done);

    // ---- Limits ------------------------------------------------------------------------------
    // The global limits now (an immutable snapshot; any thread).
    std::shared_ptr<const Limits> limits() const;
    // Changes global limits by name, all or nothing: false with `error` naming the setting and
    // the valid range. Persisted in the store and applied at once to open connections.
    bool updateLimits(const std::map<std::string, LimitRegistry::Value>& values,
                      std::string* error);
    // Overrides per user name / client id (only limits marked perClient). Setting an empty
    // map removes the override. Same error rules as updateLimits.
    enum class OverrideScope : std::uint8_t
    {
        User,
        Client,
    };
    bool setOverrides(OverrideScope scope, const std::string& name,
                      const std::map<std::string, LimitRegistry::Value>& values,
                      std::string* error);
    std::map<std::string, LimitOverrides> overrides(OverrideScope scope) const;
    // Rejections counted per limit name since start (admin API, metrics).
    std::map<std::string, std::uint64_t> rejections() const;
    // Counts one rejection under a limit's name (any thread).
    void countRejection(std::string_view limitName);
    // The limits for a client: global, then its user name's overrides, then its client id's.
    std::shared_ptr<const Limits> effectiveLimits(const std::string& username,
                                                  const std::string& clientId) const;

    // ---- Admission (max_connections, max_connections_per_ip, max_connect_rate) ---------------
    // Called for each CONNECT before its session is sought. nullopt = admitted and counted
    // until release(counted), where `counted` is set to the broker's own copy of `ip` (valid
    // until then); otherwise the name of the limit that refused it.
    std::optional<std::string_view> admit(const std::string& ip, Clock::TimePoint now,
                                          const std::string*& counted);
    void release(const std::string& counted);
    std::size_t admittedConnections() const { return m_admitted.load(); }

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
        std::uint64_t clientsDisconnected = 0;
        std::array<std::uint64_t, static_cast<std::size_t>(DropReason::Count)> dropped{};
        std::array<std::uint64_t, kDeadLetterReasons> deadLettered{};
    };
    Totals totals() const;

private:
    void takeOverExisting(Shard& owner, const SessionPtr& existing, Shard& here,
                          const std::shared_ptr<ClientConnection>& connection);

    void restoreSession(SessionRecord&& record, RecoveredState& state, Shard& shard,
                        Clock::TimePoint now, Clock::WallTimePoint wallNow);
    // Applies a retained change in memory (m_retainedMutex held); returns the message it
    // replaced (to undo on failure). `reserved`: the place admitRetained() reserved is used now.
    MessagePtr applyRetained(const MessagePtr& message, bool reserved);
    // The part of publish() after matching: stores what must be kept, delivers the rest.
    // `retainedReserved`: admitRetained() reserved a place for this message's retained change.
    SessionPtr deliverToTargets(Shard& from, const MessagePtr& message, Clock::TimePoint now,
                                std::vector<Shard::RouteTarget>& targets, PublishDone done,
                                std::optional<std::pair<std::uint64_t, std::uint16_t>> inboundQos2,
                                bool retainedReserved = false);
    // max_retained_messages: may this topic take a retained message? A topic without one takes
    // one of the free places at once (`reserved`), given back when the change is applied or
    // dropped: publishers on several workers cannot overshoot the bound between this check and
    // applyRetained().
    bool admitRetained(std::string_view topic, bool& reserved);
    // Sends new limits to every shard (they refresh their connections and sessions).
    void publishLimits(std::shared_ptr<const Limits> global);
    // Republishes one dead letter on `shard`'s thread; counts the outcome in `result`.
    bool replayOne(Shard& shard, const DeadLetter& letter, const ReplayRequest& request,
                   ReplayResult& result, Clock::TimePoint now);
    void replayBatch(std::shared_ptr<ReplayRequest> request, std::shared_ptr<ReplayResult> result,
                     std::string cursor, std::function<void(ReplayResult)> done,
                     std::uint64_t lastId);

    const Clock& m_clock;
    Persistence* m_persistence = nullptr;
    std::vector<std::unique_ptr<Shard>> m_shards;
    Router m_router;
    TapHub m_taps;

    mutable std::shared_mutex m_retainedMutex;
    RetainedStore m_retained;
    std::size_t m_retainedReserved = 0; // guarded by m_retainedMutex; see admitRetained()

    // Limits: the global snapshot and the overrides, changed together under one mutex.
    mutable std::mutex m_limitsMutex;
    std::shared_ptr<const Limits> m_globalLimits;
    std::map<std::string, LimitOverrides> m_userOverrides;
    std::map<std::string, LimitOverrides> m_clientOverrides;
    std::array<std::atomic<std::uint64_t>, 64> m_rejections{};

    // Admission counters.
    std::atomic<std::size_t> m_admitted{0};
    std::mutex m_admissionMutex;
    std::unordered_map<std::string, std::uint32_t> m_perIp; // guarded by m_admissionMutex
    double m_connectTokens = 0;                             // guarded by m_admissionMutex
    Clock::TimePoint m_connectRefill{};                     // guarded by m_admissionMutex

    std::unique_ptr<DeadLetterStore> m_memoryDeadLetters; // used without a store
    DeadLetterStore* m_deadLetters = nullptr;

    mutable std::mutex m_registryMutex;
    // Keyed by a view of the session's own client id, which lives as long as the entry does:
    // a connection's id is kept once, not copied into the key (idle memory is a target).
    std::unordered_map<std::string_view, SessionPtr> m_sessions;
    std::atomic<std::uint64_t> m_nextSessionId{0};
};

} // namespace sb::core
