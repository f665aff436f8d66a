#include "broker/tools/bench/Connection.h"

#include <cstring>

#include <boost/asio/buffer.hpp>

#include "broker/tools/bench/IoThread.h"
#include "broker/tools/bench/MonotonicClock.h"
#include "broker/tools/bench/PublishTemplate.h"

namespace sb::bench {

namespace {

// Receive buffers start small (an idle connection should cost little memory: the idle
// scenario opens tens of thousands) and double while reads keep filling them.
constexpr std::size_t kInitialReadBuffer = 4 * 1024;
constexpr std::size_t kMaxReadBuffer = 1024 * 1024;

std::string hex(std::uint8_t value)
{
    char text[8];
    std::snprintf(text, sizeof text, "0x%02X", value);
    return text;
}

} // namespace

Connection::Connection(IoThread& thread, const ConnectionSettings& settings, std::string clientId,
                       std::optional<boost::asio::ip::address> source)
    : m_thread(thread)
    , m_settings(settings)
    , m_clientId(std::move(clientId))
    , m_source(std::move(source))
    , m_transport(thread.context(), settings.tls)
{}

Connection::~Connection() = default;

void Connection::start()
{
    m_connectStartNanos = monotonicNanos();
    m_state = State::Connecting;
    if (const auto ec = m_transport.open(m_settings.broker, m_source)) {
        fail("socket: " + ec.message());
        return;
    }
    m_transport.setServerName(options().host, !options().insecure);
    m_transport.asyncConnect(m_settings.broker,
                             [this](const boost::system::error_code& ec) { onTcpConnected(ec); });
}

void Connection::onTcpConnected(const boost::system::error_code& ec)
{
    // The local port the bench picked makes a connection that still exists (typically a
    // TIME_WAIT left by an earlier run, to a broker off loopback where the kernel will not
    // reuse it): another port will do.
    constexpr std::uint8_t kPortRetries = 8;
    if (ec == boost::system::errc::address_not_available && m_portRetries < kPortRetries) {
        ++m_portRetries;
        m_transport.close();
        start();
        return;
    }
    if (ec) {
        fail("connect: " + ec.message());
        return;
    }
    m_transport.asyncHandshake([this](const boost::system::error_code& handshakeError) {
        if (handshakeError) {
            fail("TLS handshake: " + handshakeError.message());
            return;
        }
        sendConnect();
    });
}

void Connection::sendConnect()
{
    protocol::Connect connect;
    connect.version = version();
    connect.cleanStart = options().cleanSession;
    connect.keepAlive = options().keepAlive;
    connect.clientId = m_clientId;
    if (!options().username.empty()) {
        connect.username = options().username;
    }
    if (!options().password.empty()) {
        connect.password = options().password;
    }
    if (version() == protocol::Version::V5 && !options().cleanSession) {
        connect.properties.sessionExpiryInterval = options().sessionExpiry;
    }
    protocol::encode(connect, version(), m_pending);
    m_state = State::AwaitingConnack;
    flush();
    startRead();
}

void Connection::startRead()
{
    if (!m_readBuffer) {
        m_readCapacity = kInitialReadBuffer;
        m_readBuffer = std::make_unique<char[]>(m_readCapacity);
    }
    m_transport.asyncReadSome(
        boost::asio::buffer(m_readBuffer.get() + m_readEnd, m_readCapacity - m_readEnd),
        [this](const boost::system::error_code& ec, std::size_t bytes) { onRead(ec, bytes); });
}

void Connection::onRead(const boost::system::error_code& ec, std::size_t bytes)
{
    if (ec) {
        if (m_state == State::Closing) {
            closeSocket(); // the broker closed after our DISCONNECT: expected
        } else if (ec == boost::asio::error::eof) {
            fail("the broker closed the connection");
        } else {
            fail("read: " + ec.message());
        }
        return;
    }
    m_chunkNanos = monotonicNanos();
    m_readEnd += bytes;
    const bool filled = m_readEnd == m_readCapacity;
    if (!processFrames()) {
        return;
    }
    if (m_state == State::Ready || m_state == State::Closing) {
        onChunkDone(m_chunkNanos);
    }
    flush();
    if (filled && m_readCapacity < kMaxReadBuffer) {
        // The socket had more than we could take: read bigger chunks from now on.
        grow(m_readCapacity * 2);
    }
    startRead();
}

bool Connection::processFrames()
{
    std::size_t needed = 0;
    while (m_readBegin < m_readEnd) {
        const std::string_view available(m_readBuffer.get() + m_readBegin, m_readEnd - m_readBegin);
        protocol::FixedHeader header;
        const auto status = protocol::parseFixedHeader(available, header);
        if (status == protocol::FrameStatus::NeedMore) {
            break;
        }
        if (status == protocol::FrameStatus::Malformed) {
            fail("malformed Remaining Length from the broker");
            return false;
        }
        if (header.frameSize() > available.size()) {
            needed = header.frameSize();
            break;
        }
        m_readBegin += header.frameSize();
        dispatch(header, available.substr(header.headerSize, header.remainingLength));
        if (m_state == State::Closed) {
            return false;
        }
    }
    // Move the incomplete tail (if any) to the front; grow when one frame needs more room.
    const std::size_t tail = m_readEnd - m_readBegin;
    if (tail > 0 && m_readBegin > 0) {
        std::memmove(m_readBuffer.get(), m_readBuffer.get() + m_readBegin, tail);
    }
    m_readBegin = 0;
    m_readEnd = tail;
    if (needed > m_readCapacity) {
        std::size_t capacity = m_readCapacity * 2;
        while (capacity < needed) {
            capacity *= 2;
        }
        grow(capacity);
    }
    return true;
}

void Connection::grow(std::size_t capacity)
{
    auto bigger = std::make_unique<char[]>(capacity);
    std::memcpy(bigger.get(), m_readBuffer.get(), m_readEnd);
    m_readBuffer = std::move(bigger);
    m_readCapacity = capacity;
}

void Connection::dispatch(const protocol::FixedHeader& header, std::string_view body)
{
    const protocol::PacketType type = header.type();
    if (m_state == State::AwaitingConnack) {
        if (type != protocol::PacketType::Connack) {
            fail("expected CONNACK, got " + std::string(protocol::packetTypeName(type)));
            return;
        }
        handleConnack(header, body);
        return;
    }
    switch (type) {
    case protocol::PacketType::Pingresp:
        return;
    case protocol::PacketType::Disconnect: {
        const auto reason = body.empty() ? std::uint8_t{0} : static_cast<std::uint8_t>(body[0]);
        fail("the broker sent DISCONNECT, reason " + hex(reason));
        return;
    }
    case protocol::PacketType::Connack:
        fail("unexpected second CONNACK");
        return;
    default:
        onPacket(header.typeAndFlags, body);
    }
}

void Connection::handleConnack(const protocol::FixedHeader& header, std::string_view body)
{
    auto decoded = protocol::decode(header, body, version());
    if (!decoded && version() == protocol::Version::V5 && body.size() == 2 && body[1] == 0x01) {
        // A 3.1.1-only broker answers a 5.0 CONNECT in its own form: return code 1.
        fail("the broker refused MQTT 5 (3.1.1 CONNACK 'unacceptable protocol version'); "
             "try --protocol 3.1.1");
        return;
    }
    if (!decoded) {
        fail("malformed CONNACK: " + decoded.error().message);
        return;
    }
    const auto& connack = std::get<protocol::Connack>(*decoded);
    if (connack.reasonCode != 0) {
        fail("CONNACK refused the connection, code " + hex(connack.reasonCode));
        return;
    }
    if (connack.properties.receiveMaximum) {
        m_receiveMaximum = *connack.properties.receiveMaximum;
    }
    if (connack.properties.maximumPacketSize) {
        m_maximumPacketSize = *connack.properties.maximumPacketSize;
    }
    m_state = State::Ready;
    m_thread.connectTime.record(m_chunkNanos - m_connectStartNanos);
    m_thread.progress().connected.fetch_add(1, std::memory_order_release);
    connectAttemptOver();
    onReady();
}

void Connection::connectAttemptOver()
{
    if (!m_connectReported) {
        m_connectReported = true;
        m_thread.connectFinished();
    }
}

void Connection::flush()
{
    if (m_writeInFlight || m_pending.empty() || m_state == State::Closed) {
        return;
    }
    m_writing.swap(m_pending);
    m_writeInFlight = true;
    m_quietSweeps = 0;
    m_transport.asyncWrite(
        boost::asio::buffer(m_writing),
        [this](const boost::system::error_code& ec, std::size_t) { onWritten(ec); });
}

void Connection::onWritten(const boost::system::error_code& ec)
{
    m_writeInFlight = false;
    m_writing.clear();
    if (ec) {
        fail("write: " + ec.message());
        return;
    }
    if (m_state == State::Closed) {
        return;
    }
    if (m_state == State::Closing && m_shutdownAfterWrite && m_pending.empty()) {
        m_shutdownAfterWrite = false;
        m_transport.shutdownSend();
        return;
    }
    flush(); // what accumulated during the write (acknowledgements, the next batch)
    onWriteDone();
    flush();
}

void Connection::disconnect()
{
    if (m_state == State::Ready) {
        protocol::Disconnect disconnect;
        if (version() == protocol::Version::V5 && !options().cleanSession) {
            // The run is over: do not leave sessions behind to collect the next run's traffic.
            disconnect.properties.sessionExpiryInterval = 0;
        }
        protocol::encode(disconnect, version(), m_pending);
        m_state = State::Closing;
        m_shutdownAfterWrite = true;
        flush();
        return;
    }
    if (m_state != State::Closed) {
        m_state = State::Closing;
        closeSocket();
    }
}

void Connection::acknowledge(protocol::PacketType type, std::uint16_t packetId)
{
    if (m_state == State::Ready) {
        appendPublishResponse(m_pending, type, packetId);
    }
}

void Connection::sweep()
{
    const unsigned keepAlive = options().keepAlive;
    if (m_state != State::Ready || keepAlive == 0) {
        return;
    }
    if (++m_quietSweeps * 2 >= keepAlive) {
        const char pingreq[2] = {static_cast<char>(0xC0), 0};
        m_pending.append(pingreq, sizeof pingreq);
        flush();
    }
}

void Connection::fail(std::string_view what)
{
    if (m_state == State::Closing || m_state == State::Closed) {
        closeSocket();
        return;
    }
    if (m_state != State::Ready) {
        m_thread.progress().connectFailed.fetch_add(1, std::memory_order_release);
    }
    m_thread.recordError(m_clientId + ": " + std::string(what));
    closeSocket();
    connectAttemptOver();
}

void Connection::closeSocket()
{
    if (m_state == State::Closed) {
        return;
    }
    m_state = State::Closed;
    m_transport.close();
    m_thread.progress().closed.fetch_add(1, std::memory_order_release);
    onClosed();
}

} // namespace sb::bench
