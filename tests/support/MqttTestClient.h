#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "broker/protocol/Codec.h"
#include "broker/protocol/Packets.h"

namespace sb::test {

using namespace std::chrono_literals;

// A deliberately simple MQTT client for tests: one TCP socket on 127.0.0.1, every wait bounded
// by a deadline, packets decoded with the broker's own codec (and raw bytes available for
// byte-exact checks). It does nothing on its own: no automatic acknowledgements, no keepalive,
// so a test controls every byte.
class MqttTestClient
{
public:
    static constexpr std::chrono::milliseconds kDefaultTimeout = 5s;

    explicit MqttTestClient(std::uint16_t port, protocol::Version version = protocol::Version::V5);
    ~MqttTestClient();
    MqttTestClient(const MqttTestClient&) = delete;
    MqttTestClient& operator=(const MqttTestClient&) = delete;

    protocol::Version version() const { return m_version; }
    // After a CONNECT answered by the broker, packets are decoded in this version.
    void setVersion(protocol::Version version) { m_version = version; }

    // Opens the TCP connection. Returns false (with the reason in lastError()) on failure.
    bool open();
    // A fixed socket receive buffer for the next open() (0: the OS default, auto-tuned). A
    // small one makes a client that stops reading back up the broker quickly.
    void setReceiveBufferSize(int bytes) { m_receiveBufferSize = bytes; }
    bool isOpen() const { return m_socket.is_open(); }
    void close();
    const std::string& lastError() const { return m_lastError; }

    // ---- Sending ---------------------------------------------------------------------------
    bool sendRaw(std::string_view bytes);
    bool send(const protocol::Packet& packet);

    // ---- Receiving -------------------------------------------------------------------------
    // The next complete frame as bytes (fixed header included), or nullopt on timeout/close.
    std::optional<std::string> receiveFrame(std::chrono::milliseconds timeout = kDefaultTimeout);
    // The next packet, decoded; nullopt on timeout, close or a frame that does not decode.
    std::optional<protocol::Packet> receive(std::chrono::milliseconds timeout = kDefaultTimeout);
    // The next packet of type T, skipping nothing: any other packet first is a failure (its type
    // is recorded in lastError()).
    template <typename T>
    std::optional<T> expect(std::chrono::milliseconds timeout = kDefaultTimeout)
    {
        auto packet = receive(timeout);
        if (!packet) {
            return std::nullopt;
        }
        if (auto* p = std::get_if<T>(&*packet)) {
            return std::move(*p);
        }
        m_lastError = "expected another packet, got " +
                      std::string(protocol::packetTypeName(protocol::packetType(*packet)));
        return std::nullopt;
    }
    // True if nothing arrives within `quiet` (for "must not be delivered" checks; bounded).
    bool receivesNothing(std::chrono::milliseconds quiet = 300ms);
    // True if the broker closes the connection within `timeout`. Packets received before the
    // close are kept in `before` if given.
    bool waitClosed(std::chrono::milliseconds timeout = kDefaultTimeout,
                    std::vector<protocol::Packet>* before = nullptr);
    // Like waitClosed(), but keeps every byte received before the close, undecoded (for "closed
    // and nothing sent" and byte-exact checks of the last packets).
    bool waitClosedRaw(std::chrono::milliseconds timeout, std::string& received);
    // True once the broker closed the connection (EOF or reset seen).
    bool peerClosed() const { return m_eof; }

    // ---- Conveniences ----------------------------------------------------------------------
    // Opens (if needed), sends CONNECT and returns the CONNACK.
    std::optional<protocol::Connack> connect(protocol::Connect connect);
    std::optional<protocol::Connack> connect(const std::string& clientId, bool cleanStart = true,
                                             std::uint32_t sessionExpiry = 0);
    // SUBSCRIBE one filter and return the SUBACK.
    std::optional<protocol::Suback> subscribe(const std::string& filter, std::uint8_t qos,
                                              std::uint32_t subscriptionId = 0);
    std::optional<protocol::Suback> subscribe(const protocol::Subscribe& subscribe);
    // PUBLISH with the handshake of its QoS completed (PUBACK, or PUBREC/PUBREL/PUBCOMP).
    // Returns false if the broker's answers did not come. The reason code of PUBACK/PUBREC is
    // stored in lastReasonCode().
    bool publish(const std::string& topic, std::string_view payload, std::uint8_t qos = 0,
                 bool retain = false, protocol::Properties properties = {});
    bool publish(protocol::Publish publish);
    // Receives one PUBLISH and completes its handshake (PUBACK, or PUBREC..PUBCOMP).
    std::optional<protocol::Publish>
    receivePublish(std::chrono::milliseconds timeout = kDefaultTimeout);
    bool disconnect(std::uint8_t reasonCode = 0);
    // UNSUBSCRIBE the filters and return the UNSUBACK.
    std::optional<protocol::Unsuback> unsubscribe(const std::vector<std::string>& filters);
    // PINGREQ answered by PINGRESP within the timeout.
    bool ping(std::chrono::milliseconds timeout = kDefaultTimeout);
    // Receives up to `count` PUBLISHes with receivePublish(), stopping early at the deadline.
    std::vector<protocol::Publish>
    receivePublishes(std::size_t count, std::chrono::milliseconds timeout = kDefaultTimeout);

    std::uint8_t lastReasonCode() const { return m_lastReasonCode; }
    std::uint16_t nextPacketId();

private:
    bool readMore(std::chrono::milliseconds timeout);
    std::optional<std::string> takeFrame();

    boost::asio::io_context m_io;
    boost::asio::ip::tcp::socket m_socket;
    std::uint16_t m_port;
    protocol::Version m_version;
    std::string m_buffer; // received, not yet framed
    std::string m_lastError;
    std::uint8_t m_lastReasonCode = 0;
    std::uint16_t m_packetId = 0;
    bool m_eof = false;
    int m_receiveBufferSize = 0;
};

} // namespace sb::test
