#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/LazyDeque.h"
#include "broker/core/Limits.h"
#include "broker/core/Message.h"
#include "broker/core/Metrics.h"
#include "broker/protocol/Packets.h"

namespace sb::core {

class ClientConnection;
class Persistence;
class Shard;

// One message on its way to one session: the shared message plus what this subscriber's
// subscriptions made of it.
struct Delivery
{
    MessagePtr message;
    std::uint8_t qos = 0; // min(message QoS, granted QoS)
    bool retain = false;  // RETAIN flag to send (Retain As Published, or a retained message)
    std::vector<std::uint32_t> subscriptionIds;
    std::string sharedFilter; // "$share/g/f" when it came through a shared subscription
    // The stored message row this delivery's queue row refers to; 0 when it is not stored
    // (memory durability, a session that ends with its connection, or QoS 0).
    std::uint64_t storeId = 0;
};

// A QoS 1/2 delivery sent to the client and not yet fully acknowledged.
struct InflightMessage
{
    enum class Stage : std::uint8_t
    {
        AwaitingPuback,  // QoS 1 sent
        AwaitingPubrec,  // QoS 2 sent
        AwaitingPubcomp, // QoS 2, PUBREL sent
    };

    Delivery delivery;
    std::uint16_t packetId = 0;
    Stage stage = Stage::AwaitingPuback;
    std::uint32_t attempts = 1;  // times the PUBLISH was written, across reconnects
    bool awaitingResend = false; // left by a previous connection, not yet sent on this one
};

// A subscription as the session remembers it (the tree holds the same data for matching).
struct SessionSubscription
{
    protocol::SubscriptionOptions options;
    std::uint32_t identifier = 0;
};

// The state the broker keeps for one client id across its connections (MQTT 5.0 section 4.1):
// subscriptions, queued and in-flight messages both ways, the will, and when it expires.
//
// Threading: a session belongs to one shard at a time (`owner`). Everything below "owner-thread
// state" is touched only on that shard's thread. Other threads hand deliveries over through the
// inbox, which keeps them in order even while the session moves to another shard on takeover.
class Session : public std::enable_shared_from_this<Session>
{
public:
    Session(std::uint64_t id, std::string clientId, Shard& owner);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const std::uint64_t id;
    const std::string clientId;

    // Persistent = outlives its connection (Session Expiry Interval > 0). Its QoS 1/2 deliveries
    // and state go through the store. Readable from any thread (the router asks).
    bool isPersistent() const { return m_persistent.load(std::memory_order_relaxed); }
    std::uint32_t expiryInterval() const { return m_expiryInterval; }
    void setExpiryInterval(std::uint32_t seconds)
    {
        m_expiryInterval = seconds;
        m_persistent.store(seconds != 0, std::memory_order_relaxed);
    }

    Shard& owner() const { return *m_owner.load(std::memory_order_acquire); }
    void setOwner(Shard& shard) { m_owner.store(&shard, std::memory_order_release); }
    bool isOnline() const { return m_online.load(std::memory_order_relaxed); }
    bool hasEnded() const { return m_ended.load(std::memory_order_acquire); }

    // ---- Any thread ------------------------------------------------------------------------
    // Queues a delivery for the owner thread. Returns true if the caller must schedule a drain
    // (the inbox was not already scheduled).
    bool pushToInbox(Delivery&& delivery);
    // The same for several deliveries, in order, under one lock; `deliveries` is left empty.
    bool pushToInbox(std::vector<Delivery>& deliveries);

    // ---- Backpressure (any thread) -------------------------------------------------------
    // True while this online session's queue or output is backed up and its client is still
    // draining it: publishers sending to it pause until it catches up. A client that has made
    // no progress for kStallCutoff stops holding publishers back (its queue then overflows by
    // policy), so one stuck client cannot stall a broker.
    bool isBackpressuring(Clock::TimePoint now) const;
    // Registers a publisher to be resumed when the backlog clears. False if it already has
    // (the publisher need not pause).
    bool addWaiter(std::weak_ptr<ClientConnection> publisher);
    static constexpr std::chrono::seconds kStallCutoff{2};
    // Deliveries from other workers waiting in the inbox beyond which publishers pause.
    static constexpr std::uint32_t kInboxHighWater = 4096;
    bool inboxEmpty() const { return m_inboxSize.load(std::memory_order_acquire) == 0; }

    // ---- Owner thread ----------------------------------------------------------------------
    // Takes what other threads handed over, in order, and clears the scheduled flag.
    std::vector<Delivery> takeInbox();

    // Sends the delivery now, or queues it, or drops it (counted) per the limits.
    void deliver(Delivery&& delivery, Clock::TimePoint now);

    // A connection takes this session (after CONNACK is written): resends in-flight messages
    // with DUP (and PUBREL where PUBREC was received), then sends queued messages up to the
    // window. `window` is min(client Receive Maximum, broker max in-flight).
    void attach(ClientConnection& connection, std::uint16_t window, Clock::TimePoint now);
    // The in-flight window changed (max_inflight): send more if it grew.
    void setWindow(std::uint16_t window, Clock::TimePoint now);
    // The connection is gone. In-flight messages stay for the next connection, except those
    // that came through a shared subscription and were not yet received by the client: those
    // are returned so the caller can offer them to another member of the group.
    std::vector<Delivery> detach();
    ClientConnection* connection() const { return m_connection; }

    // Client answers to our PUBLISHes. Each returns false if the packet id was unknown.
    // onPubrec answers a known PUBREC with PUBREL itself (in sync durability once the new stage
    // is committed).
    bool onPuback(std::uint16_t packetId, std::uint8_t reasonCode, Clock::TimePoint now);
    bool onPubrec(std::uint16_t packetId, std::uint8_t reasonCode, Clock::TimePoint now);
    bool onPubcomp(std::uint16_t packetId, Clock::TimePoint now);

    // The connection's output has room again: send queued messages up to the window.
    void pump(Clock::TimePoint now);
    // Re-evaluates the backlog after anything that changes it (owner thread).
    void updateCongestion(Clock::TimePoint now);

    // Inbound QoS 2 (exactly once): ids for which PUBREC was sent and PUBREL not yet received.
    bool hasInboundQos2(std::uint16_t packetId) const;
    void addInboundQos2(std::uint16_t packetId);
    bool releaseInboundQos2(std::uint16_t packetId);

    // Drops everything queued and in flight (counted as SessionDiscarded) and marks the session
    // ended. The caller removes its subscriptions from the index and its rows from the store.
    void end();

    // ---- Recovery and paging (owner thread) ----------------------------------------------
    // Restores what the store kept: deliveries in message-id order (in-flight ones become
    // in-flight again, to be resent on reconnect) and how many more wait on disk.
    void restoreQueue(std::vector<Delivery> queued, std::vector<InflightMessage> inflight,
                      std::uint64_t moreOnDisk, std::uint64_t lastStoreId);
    // A page of queued deliveries read back from the store.
    void onPageLoaded(std::vector<Delivery> page, Clock::TimePoint now);
    // Puts deliveries back at the front of the queue, in their order (shared-subscription
    // messages nobody else could take when this member left).
    void requeueFront(std::vector<Delivery>&& deliveries);
    // The packet id a stored QoS 2 delivery is sent with unless that id was taken (then the
    // store records the one used): computed from the store id, so a resend after a restart
    // carries the id the client saw before it (4.3.3).
    static std::uint16_t derivedPacketId(std::uint64_t storeId)
    {
        return static_cast<std::uint16_t>(storeId % 65535 + 1);
    }

    // Deliveries only on disk (not in memory) right now.
    std::uint64_t coldCount() const { return m_coldCount; }
    // Read-only views for the admin API's queue browser (owner thread): the queued deliveries
    // in memory, in send order, and the highest store id among them (rows on disk come after).
    template <typename F>
    void forEachQueued(F&& f) const
    {
        for (const Delivery& delivery : m_queue) {
            f(delivery);
        }
    }
    std::uint64_t coldCursor() const { return m_coldCursor; }

    std::map<std::string, SessionSubscription>& subscriptions() { return m_subscriptions; }
    const std::map<std::string, SessionSubscription>& subscriptions() const
    {
        return m_subscriptions;
    }

    std::size_t queuedCount() const { return m_queue.size() + m_coldCount; }
    std::uint64_t queuedBytes() const { return m_queuedBytes; }

    // The limits that apply to this session: the global ones with its user's and client id's
    // overrides. Set by its connection, or by the shard while it is offline.
    const Limits& limits() const { return *m_limits; }
    void setLimits(std::shared_ptr<const Limits> limits);
    // The user name of its last connection (overrides are per user name).
    std::string username;
    std::size_t inflightCount() const { return m_inflight.size(); }
    const LazyDeque<InflightMessage>& inflight() const { return m_inflight; }

    // When an offline session expires; unset while connected or if it never expires.
    std::optional<Clock::TimePoint> expiresAt;

    // The will of the current (or last) connection, and when to publish it if delayed.
    // Held by pointer: a Will is ~560 bytes and most sessions have none.
    std::unique_ptr<protocol::Will> will;
    std::optional<Clock::TimePoint> willAt;

    Clock::WallTimePoint createdAt{};
    Clock::WallTimePoint disconnectedAt{};
    protocol::Version version = protocol::Version::V5; // of the last connection
    // True once the session has a row in the store (so ending it must delete that row).
    bool storedInDb = false;

private:
    bool sendNow(const Delivery& delivery, Clock::TimePoint now, bool dup, std::uint16_t packetId);
    void enqueue(Delivery&& delivery);
    void startInflight(Delivery&& delivery, std::uint16_t packetId);
    void requestPageIfNeeded();
    std::uint16_t nextPacketId();
    std::uint16_t packetIdFor(const Delivery& delivery);
    // Resends in-flight messages of a previous connection while the window allows.
    void resendInflight(Clock::TimePoint now);
    std::size_t inflightOnWire() const;
    bool packetIdInUse(std::uint16_t packetId) const;

    // Counts a message that will not be delivered and, where the reason is one of the
    // dead-letter reasons (and policy says so), keeps it as a dead letter.
    void drop(DropReason reason, const Delivery& delivery, std::uint32_t attempts = 0);
    void takeFromQueueAccounting(const Delivery& delivery);
    // The store, when this session's state is kept there (persistent, durable broker).
    Persistence* persistence() const;
    ShardMetrics& metrics() const;

    // Lets paused publishers read again (each on its own worker).
    static void resumeWaiters(const std::vector<std::weak_ptr<ClientConnection>>& waiters);
    // PUBREL for an outgoing QoS 2 message whose PUBREC arrived (if the client is connected).
    void sendPubrel(std::uint16_t packetId);

    // What other threads hand over, and the publishers waiting for the backlog to clear.
    // Allocated the first time it is needed (a delivery from another worker, or congestion):
    // most sessions never use it, and idle memory per connection is a target.
    struct Inbox
    {
        std::mutex mutex;
        std::vector<Delivery> deliveries;
        std::vector<std::weak_ptr<ClientConnection>> waiters;
        bool congested = false;
        bool drainScheduled = false;
    };
    Inbox& inbox(); // any thread; creates it if needed
    Inbox* existingInbox() const { return m_inbox.load(std::memory_order_acquire); }

    // Small fields first, next to version and storedInDb, so they share words.
    std::uint16_t m_window = 0;
    std::uint32_t m_expiryInterval = 0;
    std::atomic<std::uint32_t> m_inboxSize{0};
    std::uint16_t m_lastPacketId = 0;
    std::atomic<bool> m_online{false};
    std::atomic<bool> m_persistent{false};
    std::atomic<bool> m_ended{false};
    bool m_resendPending = false; // in-flight entries still awaiting their resend
    bool m_pageInFlight = false;

    std::atomic<Shard*> m_owner;
    std::shared_ptr<const Limits> m_limits;
    std::atomic<Inbox*> m_inbox{nullptr}; // owned; see Inbox
    // Steady-clock nanoseconds: since when the backlog has existed (0 = none), and the last
    // time the client took something from it.
    std::atomic<std::int64_t> m_congestedSince{0};
    std::atomic<std::int64_t> m_lastProgress{0};

    // ---- owner-thread state ----
    ClientConnection* m_connection = nullptr;
    LazyDeque<Delivery> m_queue;
    LazyDeque<InflightMessage> m_inflight; // in send order
    std::vector<std::uint16_t> m_inboundQos2;
    std::map<std::string, SessionSubscription> m_subscriptions; // full filter incl. $share/

    // Hot/cold queue: beyond Limits::queueMemoryMessages a persistent session's queue lives
    // only in the store and is paged back in, in message-id order, as the client drains it.
    std::uint64_t m_queuedBytes = 0; // payload bytes queued (memory and disk)
    std::uint64_t m_coldCount = 0;   // rows on disk not in memory
    std::uint64_t m_coldCursor = 0;  // highest store id in memory or paged in
};

using SessionPtr = std::shared_ptr<Session>;

} // namespace sb::core
