#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "broker/protocol/Codec.h"
#include "broker/protocol/Packets.h"
#include "broker/tools/bench/BenchOptions.h"
#include "broker/tools/bench/Transport.h"

namespace sb::bench {

class IoThread;

// What every connection of a run shares: where the broker is and how to reach it.
struct ConnectionSettings
{
    const BenchOptions* options = nullptr;
    boost::asio::ip::tcp::endpoint broker;
    boost::asio::ssl::context* tls = nullptr; // null: plain TCP
};

// One MQTT client connection on one I/O thread: TCP (or TLS) connect, CONNECT/CONNACK, an
// incremental frame reader over one growing receive buffer, and double-buffered output (one
// write in flight; everything produced meanwhile goes out in the next single write). Roles
// (publisher, subscriber, idle) build on it. Handlers capture `this`: the run destroys
// connections only after their I/O thread has stopped.
class Connection
{
public:
    Connection(IoThread& thread, const ConnectionSettings& settings, std::string clientId,
               std::optional<boost::asio::ip::address> source);
    virtual ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Connects and sends CONNECT; reports the outcome to the thread (connectFinished()).
    void start();
    // Sends DISCONNECT after what is queued, then closes once the broker closes its side.
    void disconnect();
    // Once per second from the thread: PINGREQ when the connection has been quiet for half the
    // Keep Alive.
    void sweep();

    bool ready() const { return m_state == State::Ready; }
    // The I/O thread this connection lives on.
    IoThread& thread() const { return m_thread; }
    const std::string& clientId() const { return m_clientId; }

protected:
    // CONNACK accepted.
    virtual void onReady() {}
    // A packet after CONNACK (PINGRESP and DISCONNECT are handled here, not passed on).
    virtual void onPacket(std::uint8_t typeAndFlags, std::string_view body) = 0;
    // All complete packets of one read were handed to onPacket(); `nowNanos` is when the read
    // completed (one clock read per chunk, not per message).
    virtual void onChunkDone(std::int64_t nowNanos) { (void)nowNanos; }
    // A write completed; there is room for more.
    virtual void onWriteDone() {}
    // The connection closed (error, broker, or disconnect()).
    virtual void onClosed() {}

    // Bytes appended here go out with the next write; flush() starts it if none is in flight.
    std::string& output() { return m_pending; }
    void flush();
    bool outputIdle() const { return !m_writeInFlight && m_pending.empty(); }
    std::size_t pendingBytes() const { return m_pending.size(); }

    // Queues PUBACK/PUBREC/PUBREL/PUBCOMP, unless our DISCONNECT is already queued: nothing may
    // follow it on the wire.
    void acknowledge(protocol::PacketType type, std::uint16_t packetId);

    // Records an error (unless we are closing anyway) and closes.
    void fail(std::string_view what);

    const BenchOptions& options() const { return *m_settings.options; }
    protocol::Version version() const { return m_settings.options->version; }
    // From CONNACK (5.0): how many QoS 1/2 publishes the broker accepts unacknowledged.
    std::uint16_t brokerReceiveMaximum() const { return m_receiveMaximum; }
    std::uint32_t brokerMaximumPacketSize() const { return m_maximumPacketSize; }
    bool closing() const { return m_state == State::Closing || m_state == State::Closed; }
    // When the read being processed completed.
    std::int64_t chunkNanos() const { return m_chunkNanos; }

private:
    enum class State
    {
        Idle,
        Connecting,
        AwaitingConnack,
        Ready,
        Closing, // DISCONNECT queued; waiting for the broker to close
        Closed,
    };

    void onTcpConnected(const boost::system::error_code& ec);
    void sendConnect();
    void startRead();
    void onRead(const boost::system::error_code& ec, std::size_t bytes);
    bool processFrames();
    void grow(std::size_t capacity);
    void dispatch(const protocol::FixedHeader& header, std::string_view body);
    void handleConnack(const protocol::FixedHeader& header, std::string_view body);
    void onWritten(const boost::system::error_code& ec);
    void closeSocket();
    void connectAttemptOver();

    IoThread& m_thread;
    const ConnectionSettings& m_settings;
    std::string m_clientId;
    std::optional<boost::asio::ip::address> m_source;
    Transport m_transport;
    State m_state = State::Idle;
    bool m_connectReported = false;
    std::int64_t m_connectStartNanos = 0;
    std::uint8_t m_portRetries = 0; // connects retried on another local port (see start())

    std::unique_ptr<char[]> m_readBuffer;
    std::size_t m_readCapacity = 0;
    std::size_t m_readBegin = 0;
    std::size_t m_readEnd = 0;
    std::int64_t m_chunkNanos = 0;

    std::string m_pending; // being filled
    std::string m_writing; // being written
    bool m_writeInFlight = false;
    bool m_shutdownAfterWrite = false;
    unsigned m_quietSweeps = 0;

    std::uint16_t m_receiveMaximum = 65535;
    std::uint32_t m_maximumPacketSize = 0; // 0: no limit announced
};

} // namespace sb::bench
