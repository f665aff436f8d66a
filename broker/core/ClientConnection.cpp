#include "broker/core/ClientConnection.h"

#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "broker/core/Broker.h"
#include "broker/core/Shard.h"
#include "broker/core/Topic.h"

namespace sb::core {

using protocol::ReasonCode;
using protocol::Version;

ClientConnection::ClientConnection(Shard& shard, Transport& transport)
    : m_shard(shard)
    , m_transport(&transport)
    , m_protocol(*this, serverLimitsFrom(shard.limits()), shard.clock().now())
    , m_unattached(std::make_unique<Unattached>())
    , m_limits(shard.limitsSnapshot())
{
    m_unattached->acceptedAt = shard.clock().now();
    m_shard.addConnection(this);
    ShardMetrics::add(m_shard.metrics().connectionsAccepted);
}

ClientConnection::~ClientConnection()
{
    leave();
    m_shard.removeConnection(this);
}

Clock::TimePoint ClientConnection::now() const
{
    return m_shard.clock().now();
}

const std::string& ClientConnection::clientId() const
{
    return m_session ? m_session->clientId : m_unattached->clientId;
}

std::optional<std::string> ClientConnection::username() const
{
    return m_username ? std::optional<std::string>(*m_username) : std::nullopt;
}

const std::string& ClientConnection::usernameOrEmpty() const
{
    static const std::string kNone;
    return m_username ? *m_username : kNone;
}

const std::string& ClientConnection::remoteAddress() const
{
    static const std::string kGone = "(closed)";
    return m_transport != nullptr ? m_transport->remoteAddress() : kGone;
}

// ---- Transport events -----------------------------------------------------------------------

void ClientConnection::onBytes(std::string_view bytes)
{
    ShardMetrics::add(m_shard.metrics().bytesReceived, bytes.size());
    m_traffic.bytesIn += bytes.size();
    m_readWallTime = {};
    const Shard::ReadBatch batch(m_shard);
    m_protocol.feed(bytes, now());
}

void ClientConnection::resumeProtocol()
{
    // Held bytes are a read like any other: same batching of deliveries to other workers.
    m_readWallTime = {};
    const Shard::ReadBatch batch(m_shard);
    m_protocol.resume();
}

Clock::WallTimePoint ClientConnection::readWallTime()
{
    if (m_readWallTime == Clock::WallTimePoint{}) {
        m_readWallTime = m_shard.clock().wallNow();
    }
    return m_readWallTime;
}

void ClientConnection::onTransportClosed()
{
    if (m_phase == Phase::Active) {
        sessionLost(true); // no DISCONNECT from the client: the will goes out (3.1.2.5)
    }
    m_phase = Phase::Closed;
    leave();
    m_protocol.markClosed();
    m_transport = nullptr;
    m_shard.removeConnection(this);
    ShardMetrics::add(m_shard.metrics().connectionsClosed);
}

void ClientConnection::onOutputDrained()
{
    if (m_phase == Phase::Active) {
        m_session->pump(now());
    }
}

// ---- Timers ---------------------------------------------------------------------------------

bool ClientConnection::hasTimedOut(Clock::TimePoint at) const
{
    if (m_throttled && at - m_throttledAt > kBackpressureBreaker) {
        return true; // not a timeout: onTimeout() lifts a backpressure pause held too long
    }
    switch (m_phase) {
    case Phase::AwaitingConnect:
        return at - m_unattached->acceptedAt > m_shard.limits().connectTimeout;
    case Phase::Active:
        return m_protocol.keepAliveExpired(at);
    default:
        return false;
    }
}

void ClientConnection::onTimeout(Clock::TimePoint at)
{
    if (m_throttled && at - m_throttledAt > kBackpressureBreaker) {
        resumeAfterBackpressure();
        return;
    }
    if (m_phase == Phase::AwaitingConnect) {
        spdlog::debug("{}: no CONNECT within the connect timeout, closing", remoteAddress());
        m_protocol.markClosed();
        closeNow(false);
        return;
    }
    spdlog::info("client '{}' ({}): keepalive of {}s expired", clientId(), remoteAddress(),
                 m_protocol.keepAlive());
    m_protocol.fail(ReasonCode::KeepAliveTimeout);
    closeNow(true);
}

// ---- Ending ---------------------------------------------------------------------------------

void ClientConnection::disconnect(ReasonCode reason, bool dropWill)
{
    if (m_phase == Phase::Closed) {
        return;
    }
    m_protocol.fail(reason);
    closeNow(!dropWill);
}

void ClientConnection::takenOver(bool sessionContinues)
{
    if (m_phase != Phase::Active) {
        return;
    }
    spdlog::info("client '{}' ({}): session taken over by a new connection", clientId(),
                 remoteAddress());
    m_protocol.fail(ReasonCode::SessionTakenOver);
    if (!sessionContinues) {
        closeNow(true);
        return;
    }
    // The session carries on with the new connection: no expiry, and only a will without delay
    // is published (the new connection arrives before any delay could pass).
    SessionPtr session = takeSession();
    std::vector<Delivery> returned = session->detach();
    if (!returned.empty()) {
        m_shard.broker().redistributeShared(m_shard, session, std::move(returned), now());
    }
    if (session->will && session->will->properties.willDelayInterval.value_or(0) == 0) {
        protocol::Will will = std::move(*session->will);
        session->will.reset();
        m_shard.publishWill(*session, std::move(will), now());
    }
    session->will.reset();
    ShardMetrics::add(m_shard.metrics().clientsDisconnected);
    m_phase = Phase::Closed;
    leave();
    if (m_transport != nullptr) {
        m_transport->close();
    }
}

void ClientConnection::leave()
{
    if (m_admittedIp != nullptr) {
        m_shard.broker().release(*std::exchange(m_admittedIp, nullptr));
    }
}

void ClientConnection::refreshLimits()
{
    if (m_phase == Phase::AwaitingConnect || m_phase == Phase::Closed) {
        m_limits = m_shard.limitsSnapshot();
        return;
    }
    m_limits = m_shard.broker().effectiveLimits(usernameOrEmpty(), clientId());
    m_window = std::min(m_clientReceiveMaximum, m_limits->maxInflight);
    if (m_publishTokens) {
        // A lower rate takes effect at once: no burst beyond the new one second's worth.
        PublishTokens& tokens = *m_publishTokens;
        tokens.messages = std::min(tokens.messages, static_cast<double>(m_limits->maxPublishRate));
        tokens.bytes = std::min(tokens.bytes, static_cast<double>(m_limits->maxPublishBytesRate));
    }
    if (m_session && m_phase == Phase::Active) {
        m_session->setLimits(m_limits);
        m_session->setWindow(m_window, now());
    }
}

bool ClientConnection::takePublishTokens(std::size_t payloadBytes, Clock::TimePoint at)
{
    const Limits& l = *m_limits;
    if (l.maxPublishRate == 0 && l.maxPublishBytesRate == 0) {
        return true;
    }
    if (!m_publishTokens) {
        m_publishTokens = std::make_unique<PublishTokens>();
    }
    PublishTokens& tokens = *m_publishTokens;
    // Token buckets holding one second's worth, refilled continuously.
    const double elapsed = std::chrono::duration<double>(at - tokens.refilled).count();
    tokens.refilled = at;
    if (l.maxPublishRate != 0) {
        const double rate = l.maxPublishRate;
        tokens.messages = std::min(rate, tokens.messages + elapsed * rate);
        if (tokens.messages < 1.0) {
            m_shard.broker().countRejection("max_publish_rate");
            return false;
        }
    }
    if (l.maxPublishBytesRate != 0) {
        const auto rate = static_cast<double>(l.maxPublishBytesRate);
        tokens.bytes = std::min(rate, tokens.bytes + elapsed * rate);
        if (tokens.bytes < static_cast<double>(payloadBytes)) {
            m_shard.broker().countRejection("max_publish_bytes_rate");
            return false;
        }
        tokens.bytes -= static_cast<double>(payloadBytes);
    }
    if (l.maxPublishRate != 0) {
        tokens.messages -= 1.0;
    }
    return true;
}

void ClientConnection::failConnection(ReasonCode reason, std::string_view why)
{
    spdlog::info("client '{}' ({}): {} ({})", clientId(), remoteAddress(), why,
                 protocol::reasonCodeName(reason));
    ShardMetrics::add(m_shard.metrics().protocolErrors);
    m_protocol.fail(reason, why);
    closeNow(true);
}

void ClientConnection::closeNow(bool publishWill)
{
    if (m_phase == Phase::Active) {
        sessionLost(publishWill);
    }
    m_phase = Phase::Closed;
    leave();
    if (m_transport != nullptr) {
        m_transport->close();
    }
}

SessionPtr ClientConnection::takeSession()
{
    SessionPtr session = std::move(m_session);
    if (session && !m_unattached) {
        m_unattached = std::make_unique<Unattached>();
        m_unattached->clientId = session->clientId;
    }
    return session;
}

void ClientConnection::sessionLost(bool publishWill)
{
    SessionPtr session = takeSession();
    const Clock::TimePoint at = now();
    std::vector<Delivery> returned = session->detach();
    if (!returned.empty()) {
        m_shard.broker().redistributeShared(m_shard, session, std::move(returned), at);
    }
    m_shard.sessionWentOffline(session, publishWill, at);
    ShardMetrics::add(m_shard.metrics().clientsDisconnected);
}

// ---- Protocol events ------------------------------------------------------------------------

protocol::ServerLimits serverLimitsFrom(const Limits& limits)
{
    protocol::ServerLimits server;
    server.maximumPacketSize = limits.maxPacketSize;
    server.receiveMaximum = limits.receiveMaximum;
    server.topicAliasMaximum = limits.topicAliasMaximum;
    return server;
}

void ClientConnection::onProtocolError(ReasonCode reason, std::string_view message)
{
    // Limits the protocol layer enforces: their rejections are counted like the others.
    switch (reason) {
    case ReasonCode::PacketTooLarge:
        m_shard.broker().countRejection("max_packet_size");
        break;
    case ReasonCode::ReceiveMaximumExceeded:
        m_shard.broker().countRejection("receive_maximum");
        break;
    case ReasonCode::TopicAliasInvalid:
        m_shard.broker().countRejection("topic_alias_maximum");
        break;
    default:
        break;
    }
    spdlog::info("client '{}' ({}): protocol error: {} ({})", clientId(), remoteAddress(), message,
                 protocol::reasonCodeName(reason));
    ShardMetrics::add(m_shard.metrics().protocolErrors);
    closeNow(true);
}

// ---- Output ---------------------------------------------------------------------------------

bool ClientConnection::sendPublish(const protocol::OutgoingPublish& publish)
{
    const std::size_t before = m_protocol.output().size();
    if (!m_protocol.sendPublish(publish)) {
        return false;
    }
    const std::size_t written = m_protocol.output().size() - before;
    ShardMetrics::add(m_shard.metrics().bytesSent, written);
    ++m_traffic.messagesOut;
    m_traffic.bytesOut += written;
    if (m_transport != nullptr) {
        m_transport->flush();
    }
    return true;
}

void ClientConnection::send(const protocol::Packet& packet)
{
    const std::size_t before = m_protocol.output().size();
    if (m_protocol.send(packet)) {
        ShardMetrics::add(m_shard.metrics().bytesSent, m_protocol.output().size() - before);
    }
    if (m_transport != nullptr && m_protocol.hasOutput()) {
        m_transport->flush();
    }
}

void ClientConnection::sampleRates(Clock::TimePoint at)
{
    Traffic& t = m_traffic;
    const std::array<std::uint32_t, 4> now32 = {
        static_cast<std::uint32_t>(t.messagesIn), static_cast<std::uint32_t>(t.messagesOut),
        static_cast<std::uint32_t>(t.bytesIn), static_cast<std::uint32_t>(t.bytesOut)};
    const double seconds = std::chrono::duration<double>(at - m_sampledAt).count();
    if (m_sampledAt == Clock::TimePoint{} || seconds <= 0) {
        m_sampledAt = at;
        m_sampled = now32;
        return;
    }
    // An exponential average with a time constant of about two seconds.
    const double weight = std::min(1.0, seconds / 2.0);
    auto smooth = [&](float& rate, std::size_t i) {
        const std::uint32_t delta = now32[i] - m_sampled[i]; // modulo 2^32
        const double instant = static_cast<double>(delta) / seconds;
        rate = static_cast<float>(rate + weight * (instant - rate));
    };
    smooth(t.messagesInRate, 0);
    smooth(t.messagesOutRate, 1);
    smooth(t.bytesInRate, 2);
    smooth(t.bytesOutRate, 3);
    m_sampled = now32;
    m_sampledAt = at;
}

std::size_t ClientConnection::pendingOutputBytes() const
{
    return m_protocol.output().size() + (m_transport != nullptr ? m_transport->bytesInFlight() : 0);
}

void ClientConnection::pauseForBackpressure(const SessionPtr& congested, Clock::TimePoint at)
{
    if (m_throttled || m_phase != Phase::Active) {
        return;
    }
    if (!congested->addWaiter(weak_from_this())) {
        return; // it cleared meanwhile
    }
    m_throttled = true;
    m_throttledAt = at;
    m_protocol.pause(); // the transport stops reading; TCP slows the publisher down
}

void ClientConnection::resumeAfterBackpressure()
{
    if (!m_throttled) {
        return;
    }
    m_throttled = false;
    if (m_phase != Phase::Active) {
        return;
    }
    resumeProtocol();
    if (m_transport != nullptr && m_phase == Phase::Active && !m_protocol.isPaused()) {
        m_transport->resumeReading();
    }
}

bool ClientConnection::isOutputCongested() const
{
    const std::size_t pending =
        m_protocol.output().size() + (m_transport != nullptr ? m_transport->bytesInFlight() : 0);
    return pending > m_limits->maxPendingOutputBytes;
}

} // namespace sb::core
