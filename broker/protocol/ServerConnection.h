#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/protocol/Codec.h"
#include "broker/protocol/Packets.h"
#include "broker/protocol/PublishEncoder.h"

namespace sb::protocol {

// What the server announces in CONNACK and enforces on what the client sends.
struct ServerLimits
{
    std::uint32_t maximumPacketSize = 1024 * 1024; // inbound frame limit (whole packet)
    std::uint16_t receiveMaximum = 1024;           // inbound QoS 1/2 publishes awaiting our answer
    std::uint16_t topicAliasMaximum = 64;          // inbound topic aliases the client may use
};

// The server side of one MQTT connection, Sans-I/O: bytes and clock readings in, packets out to
// a Handler, encoded bytes out to a buffer the transport drains. It owns everything that is
// about the wire and the life of one network connection and nothing about sessions:
//  - framing and decoding, CONNECT first and only once, packets a client may not send;
//  - the inbound Maximum Packet Size, Receive Maximum and Topic Alias Maximum the server
//    announced (violations end the connection with the 5.0 reason code);
//  - inbound topic aliases resolved before the handler sees a PUBLISH;
//  - outbound encoding in the negotiated version: topic aliases assigned to the client's limit,
//    the client's Maximum Packet Size respected, Request Problem Information honoured;
//  - keepalive: silence longer than 1.5 x Keep Alive is reported by keepAliveExpired().
// On a protocol violation it writes what the spec asks (CONNACK with a reason code while
// connecting, DISCONNECT in 5.0 after) and moves to Closed; the handler is told once.
class ServerConnection
{
public:
    using Clock = std::chrono::steady_clock;

    class Handler
    {
    public:
        // A valid packet from the client. For PUBLISH the topic alias is already resolved: the
        // topic is set and the Topic Alias property removed.
        virtual void onPacket(Packet&& packet) = 0;
        // The connection broke the protocol. The answer is already in the output buffer; the
        // handler flushes it and closes the transport. Not called for fail() by the handler.
        virtual void onProtocolError(ReasonCode reason, std::string_view message) = 0;

    protected:
        ~Handler() = default;
    };

    enum class State : std::uint8_t
    {
        AwaitingConnect, // no CONNECT yet
        Connected,       // CONNECT seen (CONNACK may still be pending)
        Closed,          // failed or closed: input is ignored
    };

    ServerConnection(Handler& handler, ServerLimits limits, Clock::time_point now);

    // Consumes bytes read from the network. Complete packets are decoded and handed to the
    // handler in order; an incomplete packet at the end is kept for the next call. Stops when
    // the connection is paused or closed; bytes not yet processed are kept.
    void feed(std::string_view bytes, Clock::time_point now);

    // Stops handing packets to the handler until resume() (while a CONNECT waits for its
    // session, say). The transport should stop reading meanwhile: see isPaused().
    void pause() { m_paused = true; }
    // Processes any bytes kept while paused, then accepts feed() again.
    void resume();
    bool isPaused() const { return m_paused; }

    State state() const { return m_state; }
    Version version() const { return m_version; }
    const ServerLimits& serverLimits() const { return m_serverLimits; }
    void setServerLimits(const ServerLimits& limits) { m_serverLimits = limits; }

    // Applies what the client's CONNECT asked for the way back. Call when accepting CONNECT.
    void setClientLimits(std::uint32_t maximumPacketSize, std::uint16_t topicAliasMaximum,
                         bool requestProblemInformation);
    std::uint32_t clientMaximumPacketSize() const { return m_clientMaximumPacketSize; }

    // Keep Alive in seconds, as agreed (the client's value or the Server Keep Alive). 0 = none.
    void setKeepAlive(std::uint16_t seconds) { m_keepAlive = seconds; }
    std::uint16_t keepAlive() const { return m_keepAlive; }
    bool keepAliveExpired(Clock::time_point now) const;
    Clock::time_point lastReceived() const { return m_lastReceived; }

    // Encodes a packet into the output buffer. Returns false, writing nothing, when the packet
    // is larger than the client's Maximum Packet Size even after dropping the Reason String and
    // User Properties (which 5.0 allows for every packet but PUBLISH), or when Closed.
    bool send(const Packet& packet);
    // PUBLISH to the client, assigning or reusing a topic alias when the client allows them.
    // Returns false, writing nothing, when the encoded packet would exceed the client's Maximum
    // Packet Size (or the connection is closed).
    bool sendPublish(const OutgoingPublish& publish);
    // Whether the PUBLISH fits the client's Maximum Packet Size (without an alias, the larger
    // form): checked before a packet identifier is spent on it.
    bool publishFits(const OutgoingPublish& publish) const;

    // Ends the connection because of something the handler found: writes DISCONNECT with the
    // reason in 5.0 (or CONNACK with it if no CONNACK was sent yet) and moves to Closed.
    void fail(ReasonCode reason, std::string_view reasonString = {});
    // Marks the connection closed without writing anything (transport gone, or a DISCONNECT
    // was already sent).
    void markClosed() { m_state = State::Closed; }
    // Call when CONNACK has been written so later errors use DISCONNECT.
    bool connackSent() const { return m_connackSent; }

    // Bytes waiting to be written. The transport swaps them out and writes them.
    std::string& output() { return m_output; }
    const std::string& output() const { return m_output; }
    bool hasOutput() const { return !m_output.empty(); }

    // Inbound QoS 1/2 publishes awaiting their final answer from us (the Receive Maximum count).
    std::size_t inboundInFlight() const { return m_inboundPending.size(); }

private:
    void processBuffered(std::string_view data, std::size_t& consumed);
    bool processFrame(const FixedHeader& header, std::string_view body);
    bool admit(Packet& packet);
    bool resolveInboundTopicAlias(Publish& publish);
    void trackOutbound(const Packet& packet);
    void protocolError(ReasonCode reason, std::string_view message);
    void compactInput(std::string_view data, std::size_t consumed);
    bool fitsClient(std::size_t size) const { return size <= m_clientMaximumPacketSize; }

    // Topic aliases both ways (5.0): allocated when the first one is used, since most
    // connections never use any and idle memory per connection is a target.
    struct Aliases
    {
        std::vector<std::string> inbound;                        // alias - 1 -> topic
        std::unordered_map<std::string, std::uint16_t> outbound; // topic -> alias
    };
    Aliases& aliases();

    Handler& m_handler;
    ServerLimits m_serverLimits;
    State m_state = State::AwaitingConnect;
    Version m_version = Version::V5;
    bool m_paused = false;
    bool m_connackSent = false;
    bool m_requestProblemInformation = true;
    std::uint16_t m_keepAlive = 0;
    std::uint16_t m_clientTopicAliasMaximum = 0;
    std::uint32_t m_clientMaximumPacketSize = kMaxVariableByteInteger + 5;
    Clock::time_point m_lastReceived;

    std::string m_input;  // an incomplete frame, or bytes held while paused
    std::string m_output; // encoded packets not yet taken by the transport

    std::vector<std::uint16_t> m_inboundPending; // Receive Maximum accounting
    std::unique_ptr<Aliases> m_aliases;
};

} // namespace sb::protocol
