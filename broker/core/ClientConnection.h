#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "broker/core/Clock.h"
#include "broker/core/LazyDeque.h"
#include "broker/core/Limits.h"
#include "broker/core/Session.h"
#include "broker/protocol/ServerConnection.h"

namespace sb::core {

class Shard;

// The limits a connection's protocol layer enforces (announced in CONNACK).
protocol::ServerLimits serverLimitsFrom(const Limits& limits);

// What the core needs from a network connection. The net layer implements it for TCP (and later
// TLS and WebSocket); tests implement it in memory. All calls happen on the shard's thread.
class Transport
{
public:
    // The protocol's output buffer has bytes: write them soon (coalescing is the transport's).
    virtual void flush() = 0;
    // Write what is pending, then close. No more input is delivered after this.
    virtual void close() = 0;
    // Reading stopped because the protocol paused; start again.
    virtual void resumeReading() = 0;
    // Bytes taken from the output buffer and not yet written to the socket.
    virtual std::size_t bytesInFlight() const = 0;
    virtual const std::string& remoteAddress() const = 0;
    // The worker stopped for good (shutdown): let go of any reference the transport holds on
    // itself (one that paused reading keeps itself alive). Nothing is called on it after this.
    virtual void abandon() {}

protected:
    ~Transport() = default;
};

// One client connection as the broker sees it: turns the protocol's packets into session and
// router operations and session deliveries into packets. Lives on one shard; every method runs
// on that shard's thread.
class ClientConnection final : public protocol::ServerConnection::Handler,
                               public std::enable_shared_from_this<ClientConnection>
{
public:
    ClientConnection(Shard& shard, Transport& transport);
    ~ClientConnection();
    ClientConnection(const ClientConnection&) = delete;
    ClientConnection& operator=(const ClientConnection&) = delete;

    // ---- From the transport --------------------------------------------------------------
    void onBytes(std::string_view bytes);
    // The socket is closed (by the peer, an error, or after close()). The transport must not
    // be used after this returns.
    void onTransportClosed();
    // The transport wrote everything it had: deliveries held back for a full output can go.
    void onOutputDrained();
    bool isReadPaused() const { return m_protocol.isPaused(); }
    // Encoded packets waiting to be written; the transport swaps them out.
    std::string& pendingOutput() { return m_protocol.output(); }

    // The worker stopped for good: the transport lets go of itself (Transport::abandon). May
    // destroy this connection; do not touch it afterwards.
    void abandonTransport()
    {
        if (m_transport != nullptr) {
            m_transport->abandon();
        }
    }

    // ---- Timers (Shard::tick) -----------------------------------------------------------
    bool hasTimedOut(Clock::TimePoint now) const;
    void onTimeout(Clock::TimePoint now);

    // ---- Server-initiated ends -------------------------------------------------------------
    // DISCONNECT with `reason` (5.0), then close. The will is published unless `dropWill`.
    void disconnect(protocol::ReasonCode reason, bool dropWill = false);
    // Another connection took the session (0x8E). If `sessionContinues` the session is handed
    // to it; a will without delay is published now, a delayed one is cancelled by the new
    // connection (3.1.3.2.2).
    void takenOver(bool sessionContinues);

    // ---- From the broker -------------------------------------------------------------------
    void onSessionReady(const SessionPtr& session, bool sessionPresent);
    bool isAwaitingSession() const { return m_phase == Phase::AwaitingSession; }

    // ---- For the session -------------------------------------------------------------------
    bool sendPublish(const protocol::OutgoingPublish& publish);
    void send(const protocol::Packet& packet);
    bool isOutputCongested() const;
    std::size_t pendingOutputBytes() const;

    // ---- Backpressure -------------------------------------------------------------------------
    // A session this client publishes to is backed up: stop reading its packets until it
    // clears (or kBackpressureBreaker passes, so no cycle of waits can deadlock).
    void pauseForBackpressure(const SessionPtr& congested, Clock::TimePoint now);
    void resumeAfterBackpressure();
    bool isThrottled() const { return m_throttled; }
    static constexpr std::chrono::seconds kBackpressureBreaker{1};

    // ---- Introspection (admin API) ---------------------------------------------------------
    Shard& shard() const { return m_shard; }
    const SessionPtr& session() const { return m_session; }
    // The client id: its session's once it has one (the connection then keeps no copy).
    const std::string& clientId() const;
    std::optional<std::string> username() const;
    protocol::Version version() const { return m_protocol.version(); }
    std::uint16_t keepAlive() const { return m_protocol.keepAlive(); }
    Clock::WallTimePoint connectedAt() const { return m_connectedAt; }
    const std::string& remoteAddress() const;
    bool isActive() const { return m_phase == Phase::Active; }

    // Traffic of this connection (shard thread only) and its rates per second, smoothed over a
    // few seconds by sampleRates() on each shard tick.
    struct Traffic
    {
        std::uint64_t messagesIn = 0;
        std::uint64_t messagesOut = 0;
        std::uint64_t bytesIn = 0;
        std::uint64_t bytesOut = 0;
        float messagesInRate = 0;
        float messagesOutRate = 0;
        float bytesInRate = 0;
        float bytesOutRate = 0;
    };
    const Traffic& traffic() const { return m_traffic; }
    void sampleRates(Clock::TimePoint now);
    bool cleanStart() const { return m_cleanStart; }
    std::uint16_t inflightWindow() const { return m_window; }

    // The limits that apply to this client (global, then its user's and client id's overrides).
    const Limits& limits() const { return *m_limits; }
    // Global limits or overrides changed: recompute and apply what can change on an open
    // connection (rates, queue and in-flight bounds; not what CONNACK announced).
    void refreshLimits();

private:
    enum class Phase : std::uint8_t
    {
        AwaitingConnect,
        AwaitingSession, // CONNECT accepted, session being found or taken over
        Active,          // CONNACK sent
        Closed,
    };

    // What a connection keeps while no session is attached to it: when it was accepted (the
    // connect timeout), its client id (the session holds it while attached), and what the
    // CONNECT asked for. Freed once the session is attached, so an idle connection carries none;
    // made again with only the client id when the session leaves a connection that is closing.
    struct Unattached
    {
        Clock::TimePoint acceptedAt;
        std::string clientId;
        bool assignedClientId = false;
        bool sessionExpiryLowered = false;
        bool keepAliveChanged = false;
        bool requestProblemInformation = true;
        bool requestResponseInformation = false;
        std::uint16_t keepAlive = 0;
        std::uint16_t clientTopicAliasMaximum = 0;
        std::uint32_t sessionExpiry = 0;
        std::uint32_t clientMaximumPacketSize = 0;
        std::unique_ptr<protocol::Will> will; // by pointer: ~560 bytes, usually absent
    };
    // The token buckets of max_publish_rate / max_publish_bytes_rate, allocated when a limit
    // first applies to this client.
    struct PublishTokens
    {
        double messages = 0;
        double bytes = 0;
        Clock::TimePoint refilled{};
    };

    void onPacket(protocol::Packet&& packet) override;
    void onProtocolError(protocol::ReasonCode reason, std::string_view message) override;

    void handleConnect(protocol::Connect&& connect);
    void handlePublish(protocol::Publish&& publish);
    void handlePuback(const protocol::Puback& puback);
    void handlePubrec(const protocol::Pubrec& pubrec);
    void handlePubrel(const protocol::Pubrel& pubrel);
    void handlePubcomp(const protocol::Pubcomp& pubcomp);
    void handleSubscribe(protocol::Subscribe&& subscribe);
    void handleUnsubscribe(const protocol::Unsubscribe& unsubscribe);
    void handleDisconnect(const protocol::Disconnect& disconnect);

    // False if the CONNACK cannot be sent (over the client's Maximum Packet Size): closed.
    bool sendConnack(bool sessionPresent);
    // PUBACK/PUBREC, in the order the PUBLISHes arrived (4.6).
    void queueAck(std::uint8_t qos, std::uint16_t packetId, std::uint8_t reason);
    void onPublishDone(std::uint64_t seq, bool accepted, protocol::ReasonCode refusal,
                       std::size_t receivers);
    void flushAcks();
    void answerPublish(std::uint8_t qos, std::uint16_t packetId, std::uint8_t reasonCode);
    void deliverRetained(const std::string& filter, const protocol::SubscriptionOptions& options,
                         std::uint32_t identifier, Clock::TimePoint now);
    // Fails the connection from a handler: the protocol writes the answer, then we close.
    void failConnection(protocol::ReasonCode reason, std::string_view why);
    // Detaches the session (if any) and closes the transport once output is written.
    void closeNow(bool publishWill);
    void sessionLost(bool publishWill);
    // Takes the session from this connection, keeping its client id for what is still said
    // about the connection while it closes.
    SessionPtr takeSession();
    // Gives back the admission slot (max_connections, per IP) once the connection ends.
    void leave();
    const std::string& usernameOrEmpty() const;
    // max_publish_rate / max_publish_bytes_rate: false when this PUBLISH is over the rate.
    bool takePublishTokens(std::size_t payloadBytes, Clock::TimePoint now);
    Clock::TimePoint now() const;
    // When the bytes being processed were read (one clock reading per read, not per packet:
    // a 64 KiB read of small PUBLISHes is hundreds of packets), and the same on the wall clock.
    Clock::TimePoint readTime() const { return m_protocol.lastReceived(); }
    Clock::WallTimePoint readWallTime();
    // Processes the bytes the protocol held while paused.
    void resumeProtocol();

    // Fields are ordered so that small ones share words: idle memory per connection is a target
    // (this object is in jemalloc's 384-byte class; see docs/benchmarks.md).
    Shard& m_shard;
    Transport* m_transport; // null once the transport reported itself closed
    protocol::ServerConnection m_protocol;
    Phase m_phase = Phase::AwaitingConnect;
    bool m_throttled = false;
    bool m_cleanStart = true;
    std::uint16_t m_window = 0; // in-flight window: min(client Receive Maximum, max_inflight)
    std::uint16_t m_clientReceiveMaximum = 65535;
    Clock::WallTimePoint m_readWallTime{}; // of the current read; {} until first asked for
    Clock::WallTimePoint m_connectedAt{};
    std::unique_ptr<Unattached> m_unattached;      // null while a session is attached
    std::unique_ptr<const std::string> m_username; // null when the CONNECT had none
    SessionPtr m_session;

    // A QoS 1/2 PUBLISH waiting for its answer (the store may still be writing it).
    struct PendingAck
    {
        std::uint64_t seq = 0;
        std::uint16_t packetId = 0;
        std::uint8_t qos = 0;
        bool retained = false;
        bool done = false;
        bool accepted = true;
        protocol::ReasonCode refusal = protocol::ReasonCode::Success;
        std::size_t receivers = 0;
        std::optional<std::uint8_t> fixedReason;
    };
    LazyDeque<PendingAck> m_pendingAcks;
    std::uint64_t m_nextAckSeq = 0;

    std::shared_ptr<const Limits> m_limits;
    Clock::TimePoint m_throttledAt{};
    // While admitted: the key of the broker's count of connections from this peer's address
    // (valid until leave() gives the slot back).
    const std::string* m_admittedIp = nullptr;
    std::unique_ptr<PublishTokens> m_publishTokens;

    Traffic m_traffic;
    // The counters at the last sample, modulo 2^32: a rate needs only the difference, and no
    // connection moves 4 GiB in one tick.
    std::array<std::uint32_t, 4> m_sampled{};
    Clock::TimePoint m_sampledAt{};
};

} // namespace sb::core
