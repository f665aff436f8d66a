#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/DeadLetters.h"
#include "broker/core/Message.h"
#include "broker/core/Session.h"
#include "broker/protocol/Packets.h"

namespace sb::core {

// What the durable store keeps, and the one interface through which the core reaches it. The
// storage layer (broker/storage) implements it over SQLite; in `memory` durability there is no
// Persistence at all.
//
// Threading: every call may come from any broker thread and returns at once; the work runs on
// the store's own thread, in the order submitted (one FIFO for everything). Callbacks run on
// the store thread; the core posts from there to its shards. Nothing here ever blocks a worker.

enum class Durability : std::uint8_t
{
    Sync,   // acknowledge a kept QoS 1/2 message only after its commit (group commit)
    Async,  // acknowledge at once; commit within the configured delay
    Memory, // nothing on disk (no Persistence object)
};

// A queued or in-flight delivery as stored: one row per (session, message).
struct StoredDelivery
{
    enum class State : std::uint8_t
    {
        Queued = 0,   // not sent, or QoS 1 sent (QoS 1 is simply resent with a new id)
        Sent = 1,     // QoS 2 PUBLISH sent with packetId, PUBREC not yet received
        Released = 2, // QoS 2 PUBREC received, PUBREL sent with packetId; payload not needed
    };

    std::uint64_t sessionId = 0;
    std::uint64_t messageId = 0;
    MessagePtr message; // loaded with the row (may be null for Released rows)
    std::uint8_t qos = 0;
    bool retain = false;
    std::vector<std::uint32_t> subscriptionIds;
    std::string sharedFilter;
    State state = State::Queued;
    std::uint16_t packetId = 0;
    std::uint32_t attempts = 0;
};

struct SessionRecord
{
    std::uint64_t sessionId = 0;
    std::string clientId;
    std::uint32_t expiryInterval = 0;
    // Wall-clock time the session expires while offline; nullopt while online or if it never
    // expires. Stored as wall time so it survives a restart.
    std::optional<Clock::WallTimePoint> expiresAt;
    protocol::Version version = protocol::Version::V5;
    std::optional<protocol::Will> will;
    Clock::WallTimePoint createdAt{};
};

struct SubscriptionRecord
{
    std::uint64_t sessionId = 0;
    std::string filter; // as the client sent it, "$share/..." included
    SessionSubscription subscription;
};

// A limit changed at runtime (admin API), kept so it survives a restart. It takes precedence
// over the config file's value.
struct StoredLimit
{
    enum class Scope : std::uint8_t
    {
        Global = 0,
        User = 1,   // owner = user name
        Client = 2, // owner = client id
    };
    Scope scope = Scope::Global;
    std::string owner; // empty for Global
    std::string name;  // LimitRegistry name
    std::int64_t value = 0;

    bool operator==(const StoredLimit&) const = default;
};

// Everything read back at start, before the broker accepts connections.
struct RecoveredState
{
    std::vector<SessionRecord> sessions; // unexpired only; expired ones are deleted by recover()
    std::vector<SubscriptionRecord> subscriptions;
    // Per session: the first deliveries in message-id order (at most the page size asked for),
    // and how many more are on disk beyond them.
    struct Queue
    {
        std::vector<StoredDelivery> deliveries;
        std::uint64_t moreOnDisk = 0;
    };
    std::unordered_map<std::uint64_t, Queue> queues;                  // by session id
    std::vector<std::pair<std::uint64_t, std::uint16_t>> inboundQos2; // (session id, packet id)
    std::vector<MessagePtr> retained;
    std::uint64_t maxSessionId = 0;
    std::vector<StoredLimit> limits;
};

class Persistence
{
public:
    virtual ~Persistence() = default;

    virtual Durability durability() const = 0;
    // False after a write failed (disk full, I/O error) until a later commit succeeds. While
    // unhealthy the broker refuses QoS 1/2 messages it would have to keep.
    virtual bool isHealthy() const = 0;
    // The database file, for messages and the admin API.
    virtual const std::string& path() const = 0;

    // ---- Start -----------------------------------------------------------------------------
    // Reads the stored state (deleting sessions expired by `now`, and their rows). Called once,
    // before any other call, on the caller's thread; throws std::runtime_error naming the file
    // and the problem if the database cannot be read.
    virtual RecoveredState recover(Clock::WallTimePoint now, std::size_t queuePageSize) = 0;

    // ---- The publish path --------------------------------------------------------------------
    // One PUBLISH's durable effects, applied in one transaction.
    struct PublishWrite
    {
        MessagePtr message;
        // Rows for persistent sessions that get this message at QoS 1/2. messageId is assigned
        // by the store; message is the one above.
        std::vector<StoredDelivery> rows;
        enum class Retained : std::uint8_t
        {
            Unchanged,
            Set,   // store `message` as the retained message of its topic
            Clear, // remove the retained message of its topic
        } retained = Retained::Unchanged;
        // The publisher's persistent session and QoS 2 packet id, kept until PUBREL (4.3.3).
        std::optional<std::pair<std::uint64_t, std::uint16_t>> inboundQos2;
        // Called on the store thread once the write is applied: in Sync after its commit, in
        // Async once it is queued for the next commit. `messageId` is the id given to the
        // message row (0 if none was needed); `ok` is false if the write could not be made (the
        // message must then be refused, not acknowledged).
        std::function<void(std::uint64_t messageId, bool ok)> onApplied;
    };
    virtual void submit(PublishWrite write) = 0;

    // ---- Sessions ----------------------------------------------------------------------------
    virtual void saveSession(const SessionRecord& session) = 0; // insert or replace
    virtual void deleteSession(std::uint64_t sessionId) = 0;    // with all its rows
    virtual void saveSubscription(const SubscriptionRecord& subscription) = 0;
    virtual void deleteSubscription(std::uint64_t sessionId, const std::string& filter) = 0;

    // ---- Deliveries (rows created by submit()) ---------------------------------------------
    virtual void markSent(std::uint64_t sessionId, std::uint64_t messageId, std::uint16_t packetId,
                          std::uint32_t attempts) = 0;
    // PUBREC arrived: the delivery waits for PUBCOMP now. `onApplied` runs on the store thread
    // like PublishWrite's (in Sync after the commit): PUBREL may go out only then, or a crash
    // could make the restarted broker resend a PUBLISH the client has already completed.
    virtual void markReleased(std::uint64_t sessionId, std::uint64_t messageId,
                              std::function<void(bool ok)> onApplied) = 0;
    virtual void removeDelivery(std::uint64_t sessionId, std::uint64_t messageId) = 0;
    // Moves a delivery to another session (a shared subscription's departed member): the
    // message is stored again under a new id so it sorts after the target's existing rows.
    // onApplied gets the new message id.
    virtual void moveDelivery(StoredDelivery delivery, std::uint64_t toSessionId,
                              std::function<void(std::uint64_t messageId, bool ok)> onApplied) = 0;
    virtual void removeInboundQos2(std::uint64_t sessionId, std::uint16_t packetId) = 0;

    // Reads up to `limit` deliveries of the session with message id > afterMessageId, in
    // message-id order; calls `onLoaded` on the store thread. Sees every write submitted before.
    virtual void loadQueuePage(std::uint64_t sessionId, std::uint64_t afterMessageId,
                               std::size_t limit,
                               std::function<void(std::vector<StoredDelivery>)> onLoaded) = 0;

    // ---- Retained (admin API) ----------------------------------------------------------------
    virtual void deleteRetained(const std::string& topic) = 0;

    // ---- Limits changed at runtime -----------------------------------------------------------
    virtual void saveLimit(const StoredLimit& limit) = 0; // insert or replace
    // Removes one stored limit, or every limit of (scope, owner) when `name` is empty.
    virtual void deleteLimit(StoredLimit::Scope scope, const std::string& owner,
                             const std::string& name) = 0;

    // ---- Dead letters ------------------------------------------------------------------------
    // The persistent dead-letter store, in the same database and on the same store thread. Owned
    // by the Persistence; valid until it is destroyed.
    virtual DeadLetterStore& deadLetters() = 0;

    // ---- Control -----------------------------------------------------------------------------
    // Blocks the caller until everything submitted so far is committed (shutdown, tests).
    virtual void flush() = 0;
    // Commits what is pending and stops the store thread. Further calls are ignored.
    virtual void close() = 0;

    // Counters for the admin API and benchmarks.
    struct Stats
    {
        std::uint64_t commits = 0; // transactions committed (each one fsync in sync mode)
        std::uint64_t writes = 0;  // operations applied
        std::uint64_t failedCommits = 0;
        std::uint64_t queuedOperations = 0; // submitted, not yet committed
        std::uint64_t databaseBytes = 0;
    };
    virtual Stats stats() const = 0;
};

} // namespace sb::core
