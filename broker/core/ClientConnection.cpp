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
    , m_acceptedAt(shard.clock().now())
    , m_limits(shard.limitsSnapshot())
{
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
        return at - m_acceptedAt > m_shard.limits().connectTimeout;
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
    spdlog::info("client '{}' ({}): keepalive of {}s expired", m_clientId, remoteAddress(),
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
    spdlog::info("client '{}' ({}): session taken over by a new connection", m_clientId,
                 remoteAddress());
    m_protocol.fail(ReasonCode::SessionTakenOver);
    if (!sessionContinues) {
        closeNow(true);
        return;
    }
    // The session carries on with the new connection: no expiry, and only a will without delay
    // is published (the new connection arrives before any delay could pass).
    SessionPtr session = std::move(m_session);
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
    if (m_admitted) {
        m_admitted = false;
        m_shard.broker().release(m_ip);
    }
}

void ClientConnection::refreshLimits()
{
    if (m_phase == Phase::AwaitingConnect || m_phase == Phase::Closed) {
        m_limits = m_shard.limitsSnapshot();
        return;
    }
    m_limits = m_shard.broker().effectiveLimits(m_username.value_or(""), m_clientId);
    m_negotiated.window = std::min(m_negotiated.clientReceiveMaximum, m_limits->maxInflight);
    // A lower rate takes effect at once: no burst beyond the new one second's worth.
    m_publishTokens = std::min(m_publishTokens, static_cast<double>(m_limits->maxPublishRate));
    m_publishByteTokens =
        std::min(m_publishByteTokens, static_cast<double>(m_limits->maxPublishBytesRate));
    if (m_session && m_phase == Phase::Active) {
        m_session->setLimits(m_limits);
        m_session->setWindow(m_negotiated.window, now());
    }
}

bool ClientConnection::takePublishTokens(std::size_t payloadBytes, Clock::TimePoint at)
{
    const Limits& l = *m_limits;
    if (l.maxPublishRate == 0 && l.maxPublishBytesRate == 0) {
        return true;
    }
    // Token buckets holding one second's worth, refilled continuously.
    const double elapsed = std::chrono::duration<double>(at - m_tokensRefilled).count();
    m_tokensRefilled = at;
    if (l.maxPublishRate != 0) {
        const double rate = l.maxPublishRate;
        m_publishTokens = std::min(rate, m_publishTokens + elapsed * rate);
        if (m_publishTokens < 1.0) {
            m_shard.broker().countRejection("max_publish_rate");
            return false;
        }
    }
    if (l.maxPublishBytesRate != 0) {
        const auto rate = static_cast<double>(l.maxPublishBytesRate);
        m_publishByteTokens = std::min(rate, m_publishByteTokens + elapsed * rate);
        if (m_publishByteTokens < static_cast<double>(payloadBytes)) {
            m_shard.broker().countRejection("max_publish_bytes_rate");
            return false;
        }
        m_publishByteTokens -= static_cast<double>(payloadBytes);
    }
    if (l.maxPublishRate != 0) {
        m_publishTokens -= 1.0;
    }
    return true;
}

void ClientConnection::failConnection(ReasonCode reason, std::string_view why)
{
    spdlog::info("client '{}' ({}): {} ({})", m_clientId, remoteAddress(), why,
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

void ClientConnection::sessionLost(bool publishWill)
{
    SessionPtr session = std::move(m_session);
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
    spdlog::info("client '{}' ({}): protocol error: {} ({})", m_clientId, remoteAddress(), message,
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
    const double seconds = std::chrono::duration<double>(at - m_sampledAt).count();
    if (m_sampledAt == Clock::TimePoint{} || seconds <= 0) {
        m_sampledAt = at;
        m_sampled = m_traffic;
        return;
    }
    // An exponential average with a time constant of about two seconds.
    const double weight = std::min(1.0, seconds / 2.0);
    auto smooth = [&](double& rate, std::uint64_t now, std::uint64_t then) {
        const double instant = static_cast<double>(now - then) / seconds;
        rate += weight * (instant - rate);
    };
    smooth(m_traffic.messagesInRate, m_traffic.messagesIn, m_sampled.messagesIn);
    smooth(m_traffic.messagesOutRate, m_traffic.messagesOut, m_sampled.messagesOut);
    smooth(m_traffic.bytesInRate, m_traffic.bytesIn, m_sampled.bytesIn);
    smooth(m_traffic.bytesOutRate, m_traffic.bytesOut, m_sampled.bytesOut);
    m_sampled = m_traffic;
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
