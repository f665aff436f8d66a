#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/LatencyHistogram.h"
#include "broker/core/Limits.h"
#include "broker/core/Metrics.h"
#include "broker/core/Session.h"
#include "broker/core/TopicActivity.h"

namespace sb::core {

class Broker;
class ClientConnection;

// Runs tasks on one worker thread. The net layer implements it over an io_context; tests can
// implement it over a plain queue.
class Executor
{
public:
    virtual ~Executor() = default;
    virtual void post(std::function<void()> task) = 0;
};

// The part of the broker that one worker thread owns: its connections, the sessions currently
// owned by it, its copy of the limits and its counters. Nothing here is locked except the drain
// list, the one entry point for other threads.
class Shard
{
public:
    Shard(Broker& broker, unsigned index, const Limits& limits);
    Shard(const Shard&) = delete;
    Shard& operator=(const Shard&) = delete;

    Broker& broker() const { return m_broker; }
    unsigned index() const { return m_index; }
    const Clock& clock() const;
    // The global limits as this shard last heard of them (shard thread).
    const Limits& limits() const { return *m_limits; }
    const std::shared_ptr<const Limits>& limitsSnapshot() const { return m_limits; }
    // New global limits or overrides: every connection and session here recomputes its
    // effective limits at once (shard thread).
    void applyLimits(std::shared_ptr<const Limits> global);
    ShardMetrics& metrics() { return m_metrics; }
    const ShardMetrics& metrics() const { return m_metrics; }
    // Delivery latency (PUBLISH read to delivery written) of sessions owned here.
    LatencyHistogram& latency() { return m_latency; }
    const LatencyHistogram& latency() const { return m_latency; }
    // Topics published through this shard (this shard's thread only).
    TopicActivity& topicActivity() { return m_topicActivity; }
    const TopicActivity& topicActivity() const { return m_topicActivity; }

    void setExecutor(Executor* executor) { m_executor = executor; }
    // Runs `task` on this shard's thread (any thread may call it).
    void post(std::function<void()> task);

    // ---- This shard's thread -------------------------------------------------------------
    // Hands a delivery to `session`: directly when this shard owns it and nothing is waiting in
    // its inbox (keeping each publisher's order), else through the inbox.
    void deliverTo(const SessionPtr& session, Delivery&& delivery, Clock::TimePoint now);

    // While a read is processed, deliveries to sessions of other shards are collected and
    // handed over at its end, one inbox lock and one wake-up per session instead of one lock
    // per message (a 64 KiB read of small PUBLISHes is hundreds of messages). Order is kept:
    // once a session has staged deliveries, later ones to it are staged too. Nestable.
    class ReadBatch
    {
    public:
        explicit ReadBatch(Shard& shard)
            : m_shard(shard)
        {
            ++m_shard.m_readBatchDepth;
        }
        ~ReadBatch()
        {
            if (--m_shard.m_readBatchDepth == 0) {
                m_shard.flushStagedDeliveries();
            }
        }
        ReadBatch(const ReadBatch&) = delete;
        ReadBatch& operator=(const ReadBatch&) = delete;

    private:
        Shard& m_shard;
    };
    // Hands the staged deliveries to their sessions' inboxes now.
    void flushStagedDeliveries();

    void addConnection(ClientConnection* connection) { m_connections.insert(connection); }
    void removeConnection(ClientConnection* connection) { m_connections.erase(connection); }
    std::size_t connectionCount() const { return m_connections.size(); }
    template <typename F>
    void forEachConnection(F&& f) const
    {
        for (ClientConnection* c : m_connections) {
            f(*c);
        }
    }
    // The connections as a list of their own, for a caller whose action on one may remove it
    // from the shard (closing, releasing).
    std::vector<ClientConnection*> connectionsSnapshot() const
    {
        return {m_connections.begin(), m_connections.end()};
    }

    // Sessions owned by this shard (online or not).
    void adopt(const SessionPtr& session) { m_sessions.insert(session); }
    void release(const SessionPtr& session) { m_sessions.erase(session); }
    std::size_t sessionCount() const { return m_sessions.size(); }
    template <typename F>
    void forEachSession(F&& f) const
    {
        for (const SessionPtr& s : m_sessions) {
            f(*s);
        }
    }

    // The session has no connection now: publish or schedule its will, start its expiry, or
    // end it (expiry 0). `publishWill` is false after a normal DISCONNECT.
    void sessionWentOffline(const SessionPtr& session, bool publishWill, Clock::TimePoint now);
    // Writes the session's record to the store, if it is (or was) persistent.
    void saveSession(Session& session);
    // Publishes the session's will (if any), ends it, and removes it from the broker.
    void endSession(const SessionPtr& session, Clock::TimePoint now);
    // Publishes a will now, as a PUBLISH from that client would be.
    void publishWill(const Session& session, protocol::Will&& will, Clock::TimePoint now);

    // Periodic work: keepalive and connect timeouts, delayed wills, session expiry.
    void tick(Clock::TimePoint now);

    // ---- Any thread ----------------------------------------------------------------------
    // Asks this shard to drain `session`'s inbox soon. Batched: one task per wake-up.
    void enqueueDrain(SessionPtr session);

    // Scratch space for routing on this shard's thread, reused to avoid allocations.
    struct RouteTarget
    {
        SessionPtr session;
        std::uint8_t qos = 0;
        bool retainAsPublished = false;
        std::vector<std::uint32_t> identifiers; // Subscription Identifiers, merged
        std::string sharedFilter; // "$share/g/f" for a shared subscription's pick, else empty
    };
    std::vector<RouteTarget>& routeScratch() { return m_routeScratch; }

private:
    void drainPending();

    Broker& m_broker;
    const unsigned m_index;
    std::shared_ptr<const Limits> m_limits;
    ShardMetrics m_metrics;
    LatencyHistogram m_latency;
    TopicActivity m_topicActivity;
    Executor* m_executor = nullptr;

    std::mutex m_drainMutex;
    std::vector<SessionPtr> m_pendingDrains; // guarded by m_drainMutex
    bool m_drainPosted = false;              // guarded by m_drainMutex

    std::unordered_set<ClientConnection*> m_connections;
    std::unordered_set<SessionPtr> m_sessions;
    std::vector<RouteTarget> m_routeScratch;

    struct Staged
    {
        SessionPtr session;
        std::vector<Delivery> deliveries;
    };
    int m_readBatchDepth = 0;
    std::vector<Staged> m_staged;                                  // in first-staged order
    std::unordered_map<const Session*, std::size_t> m_stagedIndex; // into m_staged
};

} // namespace sb::core
