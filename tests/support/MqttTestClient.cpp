#include "tests/support/MqttTestClient.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace sb::test {

namespace asio = boost::asio;
using boost::system::error_code;

MqttTestClient::MqttTestClient(std::uint16_t port, protocol::Version version)
    : m_socket(m_io)
    , m_port(port)
    , m_version(version)
{}

MqttTestClient::~MqttTestClient()
{
    close();
}

bool MqttTestClient::open()
{
    error_code ec;
    if (m_receiveBufferSize > 0) {
        // Set before connecting, so the window the broker sees is small from the start.
        m_socket.open(asio::ip::tcp::v4(), ec);
        if (!ec) {
            m_socket.set_option(asio::socket_base::receive_buffer_size(m_receiveBufferSize), ec);
        }
        if (ec) {
            m_lastError = "socket setup: " + ec.message();
            return false;
        }
    }
    m_socket.connect({asio::ip::address_v4::loopback(), m_port}, ec);
    if (ec) {
        m_lastError = "connect to 127.0.0.1:" + std::to_string(m_port) + ": " + ec.message();
        return false;
    }
    m_socket.set_option(asio::ip::tcp::no_delay(true), ec);
    m_eof = false;
    m_buffer.clear();
    return true;
}

void MqttTestClient::close()
{
    error_code ignored;
    if (m_socket.is_open()) {
        m_socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        m_socket.close(ignored);
    }
}

bool MqttTestClient::sendRaw(std::string_view bytes)
{
    error_code ec;
    asio::write(m_socket, asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec) {
        m_lastError = "write: " + ec.message();
        return false;
    }
    return true;
}

bool MqttTestClient::send(const protocol::Packet& packet)
{
    return sendRaw(protocol::encodeToString(packet, m_version));
}

bool MqttTestClient::readMore(std::chrono::milliseconds timeout)
{
    if (m_eof || !m_socket.is_open()) {
        return false;
    }
    char chunk[16 * 1024];
    bool done = false;
    error_code result;
    std::size_t received = 0;
    m_socket.async_read_some(asio::buffer(chunk), [&](const error_code& ec, std::size_t n) {
        done = true;
        result = ec;
        received = n;
    });
    m_io.restart();
    m_io.run_for(timeout);
    if (!done) {
        m_socket.cancel();
        m_io.restart();
        m_io.run(); // let the cancelled read complete
        m_lastError = "timed out waiting for data";
        if (received > 0) {
            m_buffer.append(chunk, received);
            return true;
        }
        return false;
    }
    if (result) {
        m_eof = true;
        m_lastError = "connection closed: " + result.message();
        return false;
    }
    m_buffer.append(chunk, received);
    return true;
}

std::optional<std::string> MqttTestClient::takeFrame()
{
    protocol::FixedHeader header;
    if (protocol::parseFixedHeader(m_buffer, header) != protocol::FrameStatus::Complete ||
        m_buffer.size() < header.frameSize()) {
        return std::nullopt;
    }
    std::string frame = m_buffer.substr(0, header.frameSize());
    m_buffer.erase(0, header.frameSize());
    return frame;
}

std::optional<std::string> MqttTestClient::receiveFrame(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto frame = takeFrame()) {
            return frame;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms || !readMore(left)) {
            return std::nullopt;
        }
    }
}

std::optional<protocol::Packet> MqttTestClient::receive(std::chrono::milliseconds timeout)
{
    auto frame = receiveFrame(timeout);
    if (!frame) {
        return std::nullopt;
    }
    auto decoded = protocol::decodeFrame(*frame, m_version);
    if (!decoded) {
        m_lastError = "undecodable frame: " + decoded.error().message;
        return std::nullopt;
    }
    return std::move(decoded.value());
}

bool MqttTestClient::receivesNothing(std::chrono::milliseconds quiet)
{
    if (takeFrame()) {
        m_lastError = "a packet was already waiting";
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + quiet;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms || !readMore(left)) {
            break;
        }
        if (!m_buffer.empty()) {
            m_lastError = "received data while expecting none";
            return false;
        }
    }
    return m_buffer.empty();
}

bool MqttTestClient::waitClosed(std::chrono::milliseconds timeout,
                                std::vector<protocol::Packet>* before)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        while (auto frame = takeFrame()) {
            if (before != nullptr) {
                if (auto decoded = protocol::decodeFrame(*frame, m_version)) {
                    before->push_back(std::move(decoded.value()));
                }
            }
        }
        if (m_eof) {
            return true;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            m_lastError = "connection still open at the deadline";
            return false;
        }
        readMore(left);
    }
}

bool MqttTestClient::waitClosedRaw(std::chrono::milliseconds timeout, std::string& received)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        received += m_buffer;
        m_buffer.clear();
        if (m_eof) {
            return true;
        }
        if (!m_socket.is_open()) {
            m_lastError = "the socket was closed on this side";
            return false;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            m_lastError = "connection still open at the deadline";
            return false;
        }
        readMore(left);
    }
}

std::optional<protocol::Connack> MqttTestClient::connect(protocol::Connect connect)
{
    if (!m_socket.is_open() && !open()) {
        return std::nullopt;
    }
    m_version = connect.version;
    if (!send(connect)) {
        return std::nullopt;
    }
    return expect<protocol::Connack>();
}

std::optional<protocol::Connack>
MqttTestClient::connect(const std::string& clientId, bool cleanStart, std::uint32_t sessionExpiry)
{
    protocol::Connect c;
    c.version = m_version;
    c.clientId = clientId;
    c.cleanStart = cleanStart;
    c.keepAlive = 60;
    if (m_version == protocol::Version::V5 && sessionExpiry != 0) {
        c.properties.sessionExpiryInterval = sessionExpiry;
    }
    return connect(std::move(c));
}

std::uint16_t MqttTestClient::nextPacketId()
{
    m_packetId = static_cast<std::uint16_t>(m_packetId + 1);
    if (m_packetId == 0) {
        m_packetId = 1;
    }
    return m_packetId;
}

std::optional<protocol::Suback>
MqttTestClient::subscribe(const std::string& filter, std::uint8_t qos, std::uint32_t subscriptionId)
{
    protocol::Subscribe s;
    s.packetId = nextPacketId();
    protocol::TopicSubscription entry;
    entry.filter = filter;
    entry.options.qos = qos;
    s.subscriptions.push_back(entry);
    if (subscriptionId != 0) {
        s.properties.subscriptionIdentifiers.push_back(subscriptionId);
    }
    return subscribe(s);
}

std::optional<protocol::Suback> MqttTestClient::subscribe(const protocol::Subscribe& subscribe)
{
    if (!send(subscribe)) {
        return std::nullopt;
    }
    auto suback = expect<protocol::Suback>();
    if (suback && suback->packetId != subscribe.packetId) {
        m_lastError = "SUBACK for another packet id";
        return std::nullopt;
    }
    return suback;
}

bool MqttTestClient::publish(const std::string& topic, std::string_view payload, std::uint8_t qos,
                             bool retain, protocol::Properties properties)
{
    protocol::Publish p;
    p.topic = topic;
    p.payload = std::string(payload);
    p.qos = qos;
    p.retain = retain;
    p.properties = std::move(properties);
    return publish(std::move(p));
}

bool MqttTestClient::publish(protocol::Publish publish)
{
    if (publish.qos > 0 && publish.packetId == 0) {
        publish.packetId = nextPacketId();
    }
    const std::uint16_t id = publish.packetId;
    const std::uint8_t qos = publish.qos;
    if (!send(publish)) {
        return false;
    }
    if (qos == 0) {
        return true;
    }
    if (qos == 1) {
        auto puback = expect<protocol::Puback>();
        if (!puback || puback->packetId != id) {
            return false;
        }
        m_lastReasonCode = puback->reasonCode;
        return true;
    }
    auto pubrec = expect<protocol::Pubrec>();
    if (!pubrec || pubrec->packetId != id) {
        return false;
    }
    m_lastReasonCode = pubrec->reasonCode;
    if (protocol::isError(pubrec->reasonCode)) {
        return true;
    }
    protocol::Pubrel pubrel;
    pubrel.packetId = id;
    if (!send(pubrel)) {
        return false;
    }
    auto pubcomp = expect<protocol::Pubcomp>();
    return pubcomp && pubcomp->packetId == id;
}

std::optional<protocol::Publish> MqttTestClient::receivePublish(std::chrono::milliseconds timeout)
{
    auto publish = expect<protocol::Publish>(timeout);
    if (!publish) {
        return std::nullopt;
    }
    if (publish->qos == 1) {
        protocol::Puback puback;
        puback.packetId = publish->packetId;
        send(puback);
    } else if (publish->qos == 2) {
        protocol::Pubrec pubrec;
        pubrec.packetId = publish->packetId;
        send(pubrec);
        // The broker may send further PUBLISHes before our PUBREL (its window allows several in
        // flight): those frames are kept, in order, for the next receive.
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::string skipped;
        bool released = false;
        while (!released) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto frame = left > 0ms ? receiveFrame(left) : std::nullopt;
            if (!frame) {
                break;
            }
            auto decoded = protocol::decodeFrame(*frame, m_version);
            const auto* pubrel =
                decoded ? std::get_if<protocol::Pubrel>(&decoded.value()) : nullptr;
            if (pubrel != nullptr && pubrel->packetId == publish->packetId) {
                released = true;
            } else {
                skipped += *frame;
            }
        }
        m_buffer.insert(0, skipped);
        if (!released) {
            m_lastError = "no PUBREL for packet id " + std::to_string(publish->packetId);
            return std::nullopt;
        }
        protocol::Pubcomp pubcomp;
        pubcomp.packetId = publish->packetId;
        send(pubcomp);
    }
    return publish;
}

bool MqttTestClient::disconnect(std::uint8_t reasonCode)
{
    protocol::Disconnect d;
    d.reasonCode = reasonCode;
    const bool sent = send(d);
    const bool closed = sent && waitClosed();
    close(); // as a client does: the broker half-closed and waits for our side
    return closed;
}

std::optional<protocol::Unsuback>
MqttTestClient::unsubscribe(const std::vector<std::string>& filters)
{
    protocol::Unsubscribe u;
    u.packetId = nextPacketId();
    u.filters = filters;
    if (!send(u)) {
        return std::nullopt;
    }
    auto unsuback = expect<protocol::Unsuback>();
    if (unsuback && unsuback->packetId != u.packetId) {
        m_lastError = "UNSUBACK for another packet id";
        return std::nullopt;
    }
    return unsuback;
}

bool MqttTestClient::ping(std::chrono::milliseconds timeout)
{
    return send(protocol::Pingreq{}) && expect<protocol::Pingresp>(timeout).has_value();
}

std::vector<protocol::Publish> MqttTestClient::receivePublishes(std::size_t count,
                                                                std::chrono::milliseconds timeout)
{
    std::vector<protocol::Publish> received;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received.size() < count) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            break;
        }
        auto publish = receivePublish(left);
        if (!publish) {
            break;
        }
        received.push_back(std::move(*publish));
    }
    return received;
}

} // namespace sb::test
