#include "broker/protocol/ServerConnection.h"

#include <algorithm>
#include <optional>

namespace sb::protocol {
namespace {

// The protocol level byte of a CONNECT body, read without decoding the rest, so that a CONNECT
// too broken to decode can still be answered in the client's version. 0 when unreadable.
std::uint8_t peekProtocolLevel(std::string_view body)
{
    if (body.size() < 2) {
        return 0;
    }
    const std::size_t nameLength =
        (static_cast<std::uint8_t>(body[0]) << 8) | static_cast<std::uint8_t>(body[1]);
    const std::size_t levelOffset = 2 + nameLength;
    if (body.size() <= levelOffset) {
        return 0;
    }
    return static_cast<std::uint8_t>(body[levelOffset]);
}

bool isServerBound(PacketType type)
{
    switch (type) {
    case PacketType::Connack:
    case PacketType::Suback:
    case PacketType::Unsuback:
    case PacketType::Pingresp:
        return false;
    default:
        return true;
    }
}

// 5.0 lets the server leave out the Reason String and User Properties of any packet but
// PUBLISH, CONNACK and DISCONNECT when the client asked for no problem information (3.1.2.11.7),
// or of any packet but PUBLISH when they would exceed the client's Maximum Packet Size.
Properties* diagnosticProperties(Packet& packet)
{
    return std::visit(
        [](auto& p) -> Properties* {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, Pingreq> || std::is_same_v<T, Pingresp> ||
                          std::is_same_v<T, Publish>) {
                return nullptr;
            } else {
                return &p.properties;
            }
        },
        packet);
}

// The 3.1.1 CONNACK return code for refusing a CONNECT, where 3.1.1 has one (3.2.2.3). Protocol
// errors have none: 3.1.1 answers them by closing the connection.
std::optional<ConnackReturnCode311> refusal311(ReasonCode reason)
{
    switch (reason) {
    case ReasonCode::UnsupportedProtocolVersion:
        return ConnackReturnCode311::UnacceptableProtocolVersion;
    case ReasonCode::ClientIdentifierNotValid:
        return ConnackReturnCode311::IdentifierRejected;
    case ReasonCode::BadUserNameOrPassword:
    case ReasonCode::BadAuthenticationMethod:
        return ConnackReturnCode311::BadUserNameOrPassword;
    case ReasonCode::NotAuthorized:
    case ReasonCode::Banned:
        return ConnackReturnCode311::NotAuthorized;
    case ReasonCode::ServerUnavailable:
    case ReasonCode::ServerBusy:
    case ReasonCode::ServerShuttingDown:
    case ReasonCode::QuotaExceeded:
    case ReasonCode::ConnectionRateExceeded:
    case ReasonCode::UseAnotherServer:
    case ReasonCode::ServerMoved:
        return ConnackReturnCode311::ServerUnavailable;
    default:
        return std::nullopt;
    }
}

} // namespace

ServerConnection::ServerConnection(Handler& handler, ServerLimits limits, Clock::time_point now)
    : m_handler(handler)
    , m_serverLimits(limits)
    , m_lastReceived(now)
{}

void ServerConnection::feed(std::string_view bytes, Clock::time_point now)
{
    if (m_state == State::Closed || bytes.empty()) {
        return;
    }
    m_lastReceived = now;
    if (m_paused) {
        m_input.append(bytes);
        return;
    }

    // Finish a frame left incomplete by the previous read using only the bytes it still needs,
    // so a partial frame does not make us copy the whole of the next read.
    while (!m_input.empty() && !bytes.empty()) {
        FixedHeader header;
        const FrameStatus status = parseFixedHeader(m_input, header);
        if (status == FrameStatus::NeedMore) {
            m_input.push_back(bytes.front());
            bytes.remove_prefix(1);
            continue;
        }
        if (status == FrameStatus::Malformed) {
            protocolError(ReasonCode::MalformedPacket, "malformed Remaining Length");
            return;
        }
        if (header.frameSize() > m_serverLimits.maximumPacketSize) {
            protocolError(ReasonCode::PacketTooLarge, "packet exceeds Maximum Packet Size");
            return;
        }
        const std::size_t missing = header.frameSize() - m_input.size();
        const std::size_t take = std::min(missing, bytes.size());
        m_input.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (take < missing) {
            return;
        }
        std::string frame;
        frame.swap(m_input);
        if (!processFrame(header, std::string_view(frame).substr(header.headerSize))) {
            if (m_paused && m_state != State::Closed) {
                m_input.append(bytes); // keep the rest for resume()
            }
            return;
        }
    }

    std::size_t consumed = 0;
    processBuffered(bytes, consumed);
    if (m_state != State::Closed) {
        m_input.append(bytes.substr(consumed));
    }
}

void ServerConnection::resume()
{
    if (!m_paused) {
        return;
    }
    m_paused = false;
    if (m_input.empty() || m_state == State::Closed) {
        return;
    }
    std::string held;
    held.swap(m_input);
    std::size_t consumed = 0;
    processBuffered(held, consumed);
    if (m_state != State::Closed) {
        // Anything still unprocessed (a partial frame, or bytes held by a new pause) goes back.
        m_input.insert(0, std::string_view(held).substr(consumed));
    }
}

void ServerConnection::processBuffered(std::string_view data, std::size_t& consumed)
{
    while (consumed < data.size() && !m_paused && m_state != State::Closed) {
        FixedHeader header;
        const std::string_view rest = data.substr(consumed);
        const FrameStatus status = parseFixedHeader(rest, header);
        if (status == FrameStatus::NeedMore) {
            return;
        }
        if (status == FrameStatus::Malformed) {
            protocolError(ReasonCode::MalformedPacket, "malformed Remaining Length");
            return;
        }
        if (header.frameSize() > m_serverLimits.maximumPacketSize) {
            protocolError(ReasonCode::PacketTooLarge, "packet exceeds Maximum Packet Size");
            return;
        }
        if (rest.size() < header.frameSize()) {
            return;
        }
        consumed += header.frameSize();
        processFrame(header, rest.substr(header.headerSize, header.remainingLength));
    }
}

bool ServerConnection::processFrame(const FixedHeader& header, std::string_view body)
{
    DecodeResult decoded = decode(header, body, m_version);
    if (!decoded) {
        const DecodeError& error = decoded.error();
        if (m_state == State::AwaitingConnect && header.type() == PacketType::Connect) {
            // Answer a broken CONNECT in the version the client speaks, if we can tell it.
            std::uint8_t level = error.connectProtocolLevel;
            if (level == 0) {
                level = peekProtocolLevel(body);
            }
            if (error.reason == ReasonCode::UnsupportedProtocolVersion && level != 0 && level < 5) {
                m_version = Version::V311;
                Connack refusal;
                refusal.reasonCode =
                    static_cast<std::uint8_t>(ConnackReturnCode311::UnacceptableProtocolVersion);
                encode(refusal, Version::V311, m_output);
            } else if (level >= 5) {
                m_version = Version::V5;
                Connack refusal;
                refusal.reasonCode = static_cast<std::uint8_t>(error.reason);
                encode(refusal, Version::V5, m_output);
            }
            m_state = State::Closed;
            m_handler.onProtocolError(error.reason, error.message);
            return false;
        }
        protocolError(error.reason, error.message);
        return false;
    }
    if (!admit(decoded.value())) {
        return false;
    }
    m_handler.onPacket(std::move(decoded.value()));
    return m_state != State::Closed && !m_paused;
}

bool ServerConnection::admit(Packet& packet)
{
    const PacketType type = packetType(packet);
    if (m_state == State::AwaitingConnect) {
        if (type != PacketType::Connect) {
            // Nothing may be sent before CONNACK, so the only answer is to close (4.8.0 / 3.1.0).
            m_state = State::Closed;
            m_handler.onProtocolError(ReasonCode::ProtocolError, "first packet was not CONNECT");
            return false;
        }
        const auto& connect = std::get<Connect>(packet);
        m_version = connect.version;
        m_keepAlive = connect.keepAlive;
        m_state = State::Connected;
        return true;
    }
    if (type == PacketType::Connect) {
        protocolError(ReasonCode::ProtocolError, "second CONNECT on one connection");
        return false;
    }
    if (!isServerBound(type)) {
        protocolError(ReasonCode::ProtocolError,
                      std::string(packetTypeName(type)) + " may only be sent by a server");
        return false;
    }
    if (type == PacketType::Publish) {
        auto& publish = std::get<Publish>(packet);
        if (m_version == Version::V5 && !resolveInboundTopicAlias(publish)) {
            return false;
        }
        if (publish.qos > 0) {
            const auto known =
                std::find(m_inboundPending.begin(), m_inboundPending.end(), publish.packetId);
            if (known == m_inboundPending.end()) {
                if (m_inboundPending.size() >= m_serverLimits.receiveMaximum) {
                    protocolError(ReasonCode::ReceiveMaximumExceeded,
                                  "more QoS 1/2 publishes in flight than Receive Maximum");
                    return false;
                }
                m_inboundPending.push_back(publish.packetId);
            }
        }
    }
    return true;
}

bool ServerConnection::resolveInboundTopicAlias(Publish& publish)
{
    if (!publish.properties.topicAlias) {
        return true; // the decoder already refused an empty topic without an alias
    }
    const std::uint16_t alias = *publish.properties.topicAlias;
    publish.properties.topicAlias.reset();
    if (alias == 0 || alias > m_serverLimits.topicAliasMaximum) {
        protocolError(ReasonCode::TopicAliasInvalid, "Topic Alias out of range");
        return false;
    }
    std::vector<std::string>& inbound = aliases().inbound;
    if (inbound.size() < alias) {
        inbound.resize(alias);
    }
    std::string& mapped = inbound[alias - 1];
    if (!publish.topic.empty()) {
        mapped = publish.topic;
        return true;
    }
    if (mapped.empty()) {
        protocolError(ReasonCode::ProtocolError, "Topic Alias used before it was set");
        return false;
    }
    publish.topic = mapped;
    return true;
}

ServerConnection::Aliases& ServerConnection::aliases()
{
    if (!m_aliases) {
        m_aliases = std::make_unique<Aliases>();
    }
    return *m_aliases;
}

void ServerConnection::setClientLimits(std::uint32_t maximumPacketSize,
                                       std::uint16_t topicAliasMaximum,
                                       bool requestProblemInformation)
{
    m_clientMaximumPacketSize = maximumPacketSize;
    m_clientTopicAliasMaximum = topicAliasMaximum;
    m_requestProblemInformation = requestProblemInformation;
}

bool ServerConnection::keepAliveExpired(Clock::time_point now) const
{
    if (m_keepAlive == 0 || m_state != State::Connected) {
        return false;
    }
    // 1.5 x Keep Alive, in milliseconds to keep the half second.
    const auto limit = std::chrono::milliseconds(static_cast<std::int64_t>(m_keepAlive) * 1500);
    return now - m_lastReceived > limit;
}

bool ServerConnection::send(const Packet& packet)
{
    if (m_state == State::Closed) {
        return false;
    }
    const PacketType type = packetType(packet);
    const bool mayTrimDiagnostics = m_version == Version::V5 && type != PacketType::Publish;
    const bool trimForClient = mayTrimDiagnostics && !m_requestProblemInformation &&
                               type != PacketType::Connack && type != PacketType::Disconnect;
    std::size_t size = encodedSize(packet, m_version);
    if (trimForClient || (mayTrimDiagnostics && !fitsClient(size))) {
        Packet trimmed = packet;
        if (Properties* props = diagnosticProperties(trimmed)) {
            props->reasonString.reset();
            props->userProperties.clear();
        }
        size = encodedSize(trimmed, m_version);
        if (!fitsClient(size)) {
            return false;
        }
        encode(trimmed, m_version, m_output);
        trackOutbound(trimmed);
        return true;
    }
    if (!fitsClient(size)) {
        return false;
    }
    encode(packet, m_version, m_output);
    trackOutbound(packet);
    return true;
}

bool ServerConnection::publishFits(const OutgoingPublish& publish) const
{
    return fitsClient(outgoingPublishSize(publish, m_version));
}

bool ServerConnection::sendPublish(const OutgoingPublish& publish)
{
    if (m_state == State::Closed) {
        return false;
    }
    std::uint16_t alias = 0;
    bool omitTopic = false;
    if (m_version == Version::V5 && m_clientTopicAliasMaximum > 0) {
        auto& outbound = aliases().outbound;
        const auto known = outbound.find(std::string(publish.topic));
        if (known != outbound.end()) {
            alias = known->second;
            omitTopic = true;
        } else if (outbound.size() < m_clientTopicAliasMaximum) {
            alias = static_cast<std::uint16_t>(outbound.size() + 1);
        }
    }
    if (!fitsClient(outgoingPublishSize(publish, m_version, alias, omitTopic))) {
        return false;
    }
    if (alias != 0 && !omitTopic) {
        m_aliases->outbound.emplace(std::string(publish.topic), alias);
    }
    encodeOutgoingPublish(publish, m_version, m_output, alias, omitTopic);
    return true;
}

void ServerConnection::trackOutbound(const Packet& packet)
{
    auto release = [this](std::uint16_t packetId) {
        const auto it = std::find(m_inboundPending.begin(), m_inboundPending.end(), packetId);
        if (it != m_inboundPending.end()) {
            *it = m_inboundPending.back();
            m_inboundPending.pop_back();
        }
    };
    std::visit(
        [&](const auto& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, Connack>) {
                m_connackSent = true;
                if (isError(p.reasonCode) || (m_version == Version::V311 && p.reasonCode != 0)) {
                    m_state = State::Closed;
                }
            } else if constexpr (std::is_same_v<T, Puback> || std::is_same_v<T, Pubcomp>) {
                release(p.packetId);
            } else if constexpr (std::is_same_v<T, Pubrec>) {
                if (isError(p.reasonCode)) {
                    release(p.packetId);
                }
            } else if constexpr (std::is_same_v<T, Disconnect>) {
                m_state = State::Closed;
            }
        },
        packet);
}

void ServerConnection::fail(ReasonCode reason, std::string_view reasonString)
{
    if (m_state == State::Closed) {
        return;
    }
    if (m_state == State::AwaitingConnect) {
        // Nothing may be sent before a CONNECT has been read (4.8.0 / 3.1.0): just close.
        m_state = State::Closed;
        return;
    }
    if (m_version == Version::V5) {
        Properties props;
        if (!reasonString.empty()) {
            props.reasonString = std::string(reasonString);
        }
        if (!m_connackSent) {
            Connack refusal;
            refusal.reasonCode = static_cast<std::uint8_t>(reason);
            refusal.properties = std::move(props);
            send(refusal);
        } else {
            Disconnect disconnect;
            disconnect.reasonCode = static_cast<std::uint8_t>(reason);
            disconnect.properties = std::move(props);
            send(disconnect);
        }
    } else if (!m_connackSent && m_state == State::Connected) {
        // 3.1.1 has CONNACK return codes for a few CONNECT refusals; anything else just closes.
        if (const auto code = refusal311(reason)) {
            Connack refusal;
            refusal.reasonCode = static_cast<std::uint8_t>(*code);
            send(refusal);
        }
    }
    m_state = State::Closed;
}

void ServerConnection::protocolError(ReasonCode reason, std::string_view message)
{
    if (m_state == State::Closed) {
        return;
    }
    fail(reason, message);
    m_handler.onProtocolError(reason, message);
}

} // namespace sb::protocol
