#include <algorithm>
#include <random>

#include <spdlog/spdlog.h>

#include "broker/core/Broker.h"
#include "broker/core/ClientConnection.h"
#include "broker/core/Persistence.h"
#include "broker/core/Shard.h"
#include "broker/core/Topic.h"

// The packet handlers of ClientConnection: what each packet from a client does to its session,
// the router and the retained store. Lifecycle and output are in ClientConnection.cpp.
namespace sb::core {

using protocol::ReasonCode;
using protocol::Version;

namespace {

constexpr std::uint32_t kNoLimitPacketSize = protocol::kMaxVariableByteInteger + 5;
constexpr std::uint32_t kNeverExpires = 0xFFFF'FFFF;

std::string generateClientId()
{
    thread_local std::mt19937_64 random{std::random_device{}()};
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string id = "auto-";
    std::uint64_t bits = random();
    for (int i = 0; i < 16; ++i) {
        id.push_back(kDigits[bits & 0x0F]);
        bits >>= 4;
    }
    return id;
}

// Keep Alive 0 means "never", which exceeds any finite ceiling; max_keepalive 65535 means none.
std::uint16_t boundKeepAlive(std::uint16_t asked, const Limits& limits)
{
    if (asked == 0) {
        return limits.maxKeepAlive == 65535 ? std::uint16_t{0} : limits.maxKeepAlive;
    }
    return std::clamp(asked, limits.minKeepAlive, limits.maxKeepAlive);
}

// The topic limit a name or filter is over, if any: its rejection is counted under that name.
std::optional<std::string_view> exceededTopicLimit(std::string_view topicOrFilter,
                                                   const Limits& limits)
{
    if (topicOrFilter.size() > limits.maxTopicLength) {
        return "max_topic_length";
    }
    if (topic::levelCount(topicOrFilter) > limits.maxTopicLevels) {
        return "max_topic_levels";
    }
    return std::nullopt;
}

std::uint8_t code(ReasonCode reason)
{
    return static_cast<std::uint8_t>(reason);
}

} // namespace

void ClientConnection::onPacket(protocol::Packet&& packet)
{
    std::visit(
        [this](auto&& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, protocol::Connect>) {
                handleConnect(std::move(p));
            } else if constexpr (std::is_same_v<T, protocol::Publish>) {
                handlePublish(std::move(p));
            } else if constexpr (std::is_same_v<T, protocol::Puback>) {
                handlePuback(p);
            } else if constexpr (std::is_same_v<T, protocol::Pubrec>) {
                handlePubrec(p);
            } else if constexpr (std::is_same_v<T, protocol::Pubrel>) {
                handlePubrel(p);
            } else if constexpr (std::is_same_v<T, protocol::Pubcomp>) {
                handlePubcomp(p);
            } else if constexpr (std::is_same_v<T, protocol::Subscribe>) {
                handleSubscribe(std::move(p));
            } else if constexpr (std::is_same_v<T, protocol::Unsubscribe>) {
                handleUnsubscribe(p);
            } else if constexpr (std::is_same_v<T, protocol::Pingreq>) {
                send(protocol::Pingresp{});
            } else if constexpr (std::is_same_v<T, protocol::Disconnect>) {
                handleDisconnect(p);
            } else if constexpr (std::is_same_v<T, protocol::Auth>) {
                // Enhanced authentication was not negotiated, so AUTH is out of place (4.12).
                failConnection(ReasonCode::ProtocolError, "AUTH without an authentication method");
            }
            // CONNACK, SUBACK, UNSUBACK, PINGRESP are refused by the protocol layer.
        },
        std::move(packet));
}

void ClientConnection::handleConnect(protocol::Connect&& connect)
{
    const bool v5 = connect.version == Version::V5;
    Unattached& n = *m_unattached;
    n.clientId = std::move(connect.clientId);
    if (connect.username) {
        m_username = std::make_unique<const std::string>(std::move(*connect.username));
    }

    const std::string ip = remoteAddress().substr(0, remoteAddress().rfind(':'));
    if (const auto refusedBy = m_shard.broker().admit(ip, now(), m_admittedIp)) {
        const ReasonCode reason = *refusedBy == "max_connect_rate"
                                      ? ReasonCode::ConnectionRateExceeded
                                      : ReasonCode::QuotaExceeded;
        failConnection(reason, "refused by " + std::string(*refusedBy));
        return;
    }

    m_limits = m_shard.broker().effectiveLimits(usernameOrEmpty(), n.clientId);
    if (connect.properties.authenticationMethod) {
        failConnection(ReasonCode::BadAuthenticationMethod,
                       "enhanced authentication is not supported");
        return;
    }
    if (n.clientId.empty()) {
        if (!v5 && !connect.cleanStart) {
            // 3.1.1 allows an empty id only with a clean session (3.1.3-8).
            failConnection(ReasonCode::ClientIdentifierNotValid,
                           "empty client id without clean session");
            return;
        }
        n.clientId = generateClientId();
        n.assignedClientId = v5;
        m_limits = m_shard.broker().effectiveLimits(usernameOrEmpty(), n.clientId);
    }
    if (connect.will) {
        const auto over = exceededTopicLimit(connect.will->topic, *m_limits);
        if (over) {
            m_shard.broker().countRejection(*over);
        }
        if (over || !topic::isValidTopicName(connect.will->topic)) {
            failConnection(ReasonCode::TopicNameInvalid, "invalid will topic");
            return;
        }
    }

    const Limits& limits = *m_limits;
    // CONNACK announces this client's limits (its overrides included): enforce those, not the
    // global ones the connection was accepted with.
    m_protocol.setServerLimits(serverLimitsFrom(limits));
    m_cleanStart = connect.cleanStart;
    n.keepAlive = connect.keepAlive;
    if (v5) {
        const std::uint16_t bounded = boundKeepAlive(connect.keepAlive, limits);
        if (bounded != connect.keepAlive) {
            n.keepAlive = bounded;
            n.keepAliveChanged = true; // told to the client as Server Keep Alive (3.2.2.3.14)
        }
        const std::uint32_t asked = connect.properties.sessionExpiryInterval.value_or(0);
        n.sessionExpiry = std::min(asked, limits.maxSessionExpiry);
        n.sessionExpiryLowered = n.sessionExpiry != asked;
    } else {
        n.sessionExpiry = connect.cleanStart ? 0 : std::min(kNeverExpires, limits.maxSessionExpiry);
        // 3.1.1 cannot tell a client another Keep Alive; one that asks for more than the ceiling
        // (or for none, when there is one) is refused as Mosquitto does, not cut off later.
        const bool overCeiling =
            limits.maxKeepAlive != 65535 &&
            (connect.keepAlive == 0 || connect.keepAlive > limits.maxKeepAlive);
        if (overCeiling) {
            m_shard.broker().countRejection("max_keepalive");
            failConnection(ReasonCode::ClientIdentifierNotValid,
                           "Keep Alive above max_keepalive (3.1.1 cannot be told a lower one)");
            return;
        }
    }
    m_clientReceiveMaximum = connect.properties.receiveMaximum.value_or(65535);
    m_window = std::min(m_clientReceiveMaximum, limits.maxInflight);
    n.clientMaximumPacketSize = connect.properties.maximumPacketSize.value_or(kNoLimitPacketSize);
    n.clientTopicAliasMaximum = connect.properties.topicAliasMaximum.value_or(0);
    n.requestProblemInformation = connect.properties.requestProblemInformation.value_or(1) != 0;
    n.requestResponseInformation = connect.properties.requestResponseInformation.value_or(0) != 0;
    if (connect.will) {
        n.will = std::make_unique<protocol::Will>(std::move(*connect.will));
    }

    m_phase = Phase::AwaitingSession;
    m_protocol.pause();
    m_shard.broker().acquireSession(m_shard, shared_from_this(), n.clientId, m_cleanStart);
}

void ClientConnection::onSessionReady(const SessionPtr& session, bool sessionPresent)
{
    const Clock::TimePoint at = now();
    if (m_phase != Phase::AwaitingSession) {
        // The connection went away while the session was being taken over: it is ours now,
        // and offline.
        m_shard.sessionWentOffline(session, false, at);
        return;
    }
    Unattached& n = *m_unattached;
    m_session = session;
    session->version = m_protocol.version();
    session->setExpiryInterval(n.sessionExpiry);
    session->expiresAt.reset();
    // A delayed will of the previous connection is cancelled by this one (3.1.3.2.2).
    session->willAt.reset();
    session->will = std::move(n.will);
    session->username = usernameOrEmpty();
    session->setLimits(m_limits);
    m_shard.saveSession(*session);

    m_protocol.setClientLimits(n.clientMaximumPacketSize, n.clientTopicAliasMaximum,
                               n.requestProblemInformation);
    m_protocol.setKeepAlive(n.keepAlive);
    if (!sendConnack(sessionPresent)) {
        // The session stays, offline, as if this connection had dropped at once.
        m_shard.sessionWentOffline(session, false, at);
        m_session.reset();
        return;
    }
    m_phase = Phase::Active;
    m_unattached.reset(); // the session holds the client id from now on
    m_connectedAt = m_shard.clock().wallNow();
    ShardMetrics::add(m_shard.metrics().clientsConnected);
    spdlog::debug("client '{}' connected from {} (MQTT {}, session {})", clientId(),
                  remoteAddress(), m_protocol.version() == Version::V5 ? "5.0" : "3.1.1",
                  sessionPresent ? "resumed" : "new");

    session->attach(*this, m_window, at);
    resumeProtocol();
    if (m_transport != nullptr && m_phase == Phase::Active) {
        m_transport->resumeReading();
    }
}

bool ClientConnection::sendConnack(bool sessionPresent)
{
    const Limits& limits = *m_limits;
    protocol::Connack connack;
    connack.sessionPresent = sessionPresent;
    connack.reasonCode = 0;
    if (m_protocol.version() == Version::V5) {
        protocol::Properties& p = connack.properties;
        const Unattached& n = *m_unattached;
        if (n.sessionExpiryLowered) {
            p.sessionExpiryInterval = n.sessionExpiry;
        }
        if (n.assignedClientId) {
            p.assignedClientIdentifier = n.clientId;
        }
        if (n.keepAliveChanged) {
            p.serverKeepAlive = n.keepAlive;
        }
        p.receiveMaximum = limits.receiveMaximum;
        p.maximumPacketSize = limits.maxPacketSize;
        p.topicAliasMaximum = limits.topicAliasMaximum;
        // Maximum QoS is left out: we support QoS 2, and sending 2 is a Protocol Error.
        p.retainAvailable = 1;
        p.wildcardSubscriptionAvailable = 1;
        p.subscriptionIdentifierAvailable = 1;
        p.sharedSubscriptionAvailable = 1;
        if (n.requestResponseInformation) {
            // A prefix the client may use for response topics (4.10).
            p.responseInformation = "response/" + n.clientId + "/";
        }
    }
    if (!m_protocol.send(connack)) {
        // Even without its optional properties it exceeds the client's Maximum Packet Size:
        // nothing can be said to this client (3.1.2.11.4), so the connection ends.
        closeNow(false);
        return false;
    }
    if (m_transport != nullptr) {
        m_transport->flush();
    }
    return true;
}

void ClientConnection::handlePublish(protocol::Publish&& publish)
{
    if (m_protocol.version() == Version::V5 &&
        !publish.properties.subscriptionIdentifiers.empty()) {
        failConnection(ReasonCode::ProtocolError,
                       "PUBLISH from a client carries a Subscription Identifier");
        return;
    }
    const Clock::TimePoint at = readTime();
    const std::uint8_t qos = publish.qos;
    const std::uint16_t packetId = publish.packetId;
    ShardMetrics::add(m_shard.metrics().messagesReceived[qos]);
    ++m_traffic.messagesIn;

    if (!takePublishTokens(publish.payload.size(), at)) {
        failConnection(ReasonCode::MessageRateTooHigh, "over max_publish_rate");
        return;
    }

    if (const auto over = exceededTopicLimit(publish.topic, *m_limits)) {
        m_shard.broker().countRejection(*over);
        // Refused, not dropped silently: QoS 1/2 are answered 0x90 (5.0); otherwise, having no
        // answer to give, we end the connection as 3.3.2-1 / 4.13 allow.
        if (qos > 0 && m_protocol.version() == Version::V5) {
            queueAck(qos, packetId, code(ReasonCode::TopicNameInvalid));
            return;
        }
        failConnection(ReasonCode::TopicNameInvalid, "topic exceeds max_topic_levels/length");
        return;
    }

    if (qos == 2 && m_session->hasInboundQos2(packetId)) {
        // A resend of a QoS 2 message we already have: answer again, deliver nothing (4.3.3).
        // If its first PUBREC is still waiting for the store, that one answers it.
        const bool pending =
            std::any_of(m_pendingAcks.begin(), m_pendingAcks.end(),
                        [&](const PendingAck& a) { return a.packetId == packetId && a.qos == 2; });
        if (!pending) {
            queueAck(2, packetId, code(ReasonCode::Success));
        }
        return;
    }

    auto message = std::make_shared<Message>();
    message->topic = std::move(publish.topic);
    message->payload = std::move(publish.payload);
    message->properties = std::move(publish.properties);
    message->qos = qos;
    message->retain = publish.retain;
    message->publisherSessionId = m_session->id;
    message->publisherClientId = clientId();
    message->receivedAt = at;
    message->receivedWallTime = readWallTime();
    if (message->properties.messageExpiryInterval) {
        message->expiresAt = at + std::chrono::seconds(*message->properties.messageExpiryInterval);
    }

    std::optional<std::pair<std::uint64_t, std::uint16_t>> inboundQos2;
    if (qos == 2) {
        m_session->addInboundQos2(packetId);
        if (m_session->isPersistent()) {
            inboundQos2.emplace(m_session->id, packetId);
        }
    }
    Broker::PublishDone done;
    if (qos > 0) {
        // Answers go out in the order the PUBLISHes came (4.6), even when the store finishes
        // some before others could be answered.
        const std::uint64_t seq = m_nextAckSeq++;
        PendingAck ack;
        ack.seq = seq;
        ack.packetId = packetId;
        ack.qos = qos;
        ack.retained = message->retain;
        m_pendingAcks.push_back(ack);
        done = [weak = weak_from_this(), seq](Broker::PublishOutcome outcome) {
            if (auto self = weak.lock()) {
                self->onPublishDone(seq, outcome.accepted, outcome.refusal, outcome.receivers);
            }
        };
    }
    if (SessionPtr congested = m_shard.broker().publish(m_shard, std::move(message), at,
                                                        std::move(done), inboundQos2)) {
        pauseForBackpressure(congested, at);
    }
}

void ClientConnection::queueAck(std::uint8_t qos, std::uint16_t packetId, std::uint8_t reason)
{
    PendingAck ack;
    ack.seq = m_nextAckSeq++;
    ack.packetId = packetId;
    ack.qos = qos;
    ack.done = true;
    ack.fixedReason = reason;
    m_pendingAcks.push_back(ack);
    flushAcks();
}

void ClientConnection::onPublishDone(std::uint64_t seq, bool accepted, protocol::ReasonCode refusal,
                                     std::size_t receivers)
{
    const auto it = std::find_if(m_pendingAcks.begin(), m_pendingAcks.end(),
                                 [seq](const PendingAck& a) { return a.seq == seq; });
    if (it == m_pendingAcks.end()) {
        return;
    }
    it->done = true;
    it->accepted = accepted;
    it->refusal = refusal;
    it->receivers = receivers;
    flushAcks();
}

void ClientConnection::flushAcks()
{
    const bool v5 = m_protocol.version() == Version::V5;
    while (!m_pendingAcks.empty() && m_pendingAcks.front().done) {
        const PendingAck ack = m_pendingAcks.front();
        m_pendingAcks.pop_front();
        if (!ack.accepted) {
            // Refused (the store could not keep it, or a quota): say so rather than pretend.
            if (ack.qos == 2 && m_session) {
                m_session->releaseInboundQos2(ack.packetId);
            }
            if (!v5) {
                // 3.1.1 has no way to refuse a PUBLISH but closing (the client resends later).
                failConnection(ack.refusal, ack.refusal == ReasonCode::QuotaExceeded
                                                ? "a quota refused the message"
                                                : "the store cannot keep QoS 1/2 messages now");
                return;
            }
            answerPublish(ack.qos, ack.packetId, code(ack.refusal));
            continue;
        }
        std::uint8_t reason = code(ReasonCode::Success);
        if (ack.fixedReason) {
            reason = *ack.fixedReason;
        } else if (v5 && ack.receivers == 0 && !ack.retained) {
            // 0x10 tells a 5.0 publisher nobody got it; a retained message is kept: success.
            reason = code(ReasonCode::NoMatchingSubscribers);
        }
        answerPublish(ack.qos, ack.packetId, reason);
    }
}

void ClientConnection::answerPublish(std::uint8_t qos, std::uint16_t packetId,
                                     std::uint8_t reasonCode)
{
    if (qos == 1) {
        protocol::Puback puback;
        puback.packetId = packetId;
        puback.reasonCode = reasonCode;
        send(puback);
    } else {
        protocol::Pubrec pubrec;
        pubrec.packetId = packetId;
        pubrec.reasonCode = reasonCode;
        send(pubrec);
    }
}

void ClientConnection::handlePuback(const protocol::Puback& puback)
{
    m_session->onPuback(puback.packetId, puback.reasonCode, readTime());
}

void ClientConnection::handlePubrec(const protocol::Pubrec& pubrec)
{
    // A known one is answered by the session (after the commit of its new stage, in sync).
    const bool known = m_session->onPubrec(pubrec.packetId, pubrec.reasonCode, readTime());
    if (known || protocol::isError(pubrec.reasonCode)) {
        return; // or: the exchange ends with a failed PUBREC (4.3.3)
    }
    protocol::Pubrel pubrel;
    pubrel.packetId = pubrec.packetId;
    if (m_protocol.version() == Version::V5) {
        pubrel.reasonCode = code(ReasonCode::PacketIdentifierNotFound);
    }
    send(pubrel);
}

void ClientConnection::handlePubrel(const protocol::Pubrel& pubrel)
{
    const bool known = m_session->releaseInboundQos2(pubrel.packetId);
    protocol::Pubcomp pubcomp;
    pubcomp.packetId = pubrel.packetId;
    if (!known && m_protocol.version() == Version::V5) {
        pubcomp.reasonCode = code(ReasonCode::PacketIdentifierNotFound);
    }
    send(pubcomp);
}

void ClientConnection::handlePubcomp(const protocol::Pubcomp& pubcomp)
{
    m_session->onPubcomp(pubcomp.packetId, readTime());
}

void ClientConnection::handleSubscribe(protocol::Subscribe&& subscribe)
{
    const bool v5 = m_protocol.version() == Version::V5;
    const std::uint32_t identifier = subscribe.properties.subscriptionIdentifiers.empty()
                                         ? 0
                                         : subscribe.properties.subscriptionIdentifiers.front();
    const std::uint8_t invalidFilter =
        v5 ? code(ReasonCode::TopicFilterInvalid) : protocol::kSubackFailure311;

    struct RetainedRequest
    {
        const std::string* filter;
        protocol::SubscriptionOptions options;
    };
    std::vector<RetainedRequest> retainedRequests;
    protocol::Suback suback;
    suback.packetId = subscribe.packetId;
    suback.reasonCodes.reserve(subscribe.subscriptions.size());

    for (protocol::TopicSubscription& entry : subscribe.subscriptions) {
        const bool shared = topic::isShared(entry.filter);
        if (shared) {
            if (!topic::parseShared(entry.filter)) {
                suback.reasonCodes.push_back(invalidFilter);
                continue;
            }
            if (entry.options.noLocal) {
                failConnection(ReasonCode::ProtocolError, "No Local set on a shared subscription");
                return;
            }
        } else if (!topic::isValidTopicFilter(entry.filter)) {
            suback.reasonCodes.push_back(invalidFilter);
            continue;
        }
        if (const auto over = exceededTopicLimit(entry.filter, *m_limits)) {
            m_shard.broker().countRejection(*over);
            suback.reasonCodes.push_back(invalidFilter);
            continue;
        }
        const std::uint32_t quota = m_limits->maxSubscriptionsPerClient;
        if (quota != 0 && m_session->subscriptions().count(entry.filter) == 0 &&
            m_session->subscriptions().size() >= quota) {
            m_shard.broker().countRejection("max_subscriptions_per_client");
            suback.reasonCodes.push_back(v5 ? code(ReasonCode::QuotaExceeded)
                                            : protocol::kSubackFailure311);
            continue;
        }
        protocol::SubscriptionOptions options = entry.options;
        options.qos = std::min<std::uint8_t>(options.qos, 2);
        const bool isNew =
            m_shard.broker().router().subscribe(m_session, entry.filter, options, identifier);
        m_session->subscriptions()[entry.filter] = SessionSubscription{options, identifier};
        if (m_session->storedInDb) {
            if (Persistence* store = m_shard.broker().persistence()) {
                store->saveSubscription({m_session->id, entry.filter, {options, identifier}});
            }
        }
        suback.reasonCodes.push_back(options.qos);

        // Retained messages: never for shared subscriptions (4.8.2); per Retain Handling else.
        const auto handling = options.retainHandling;
        const bool wantsRetained =
            !shared && (handling == protocol::RetainHandling::SendOnSubscribe ||
                        (handling == protocol::RetainHandling::SendOnNewSubscribe && isNew));
        if (wantsRetained) {
            retainedRequests.push_back({&entry.filter, options});
        }
    }
    send(suback);

    const Clock::TimePoint at = now();
    for (const RetainedRequest& request : retainedRequests) {
        deliverRetained(*request.filter, request.options, identifier, at);
    }
}

void ClientConnection::deliverRetained(const std::string& filter,
                                       const protocol::SubscriptionOptions& options,
                                       std::uint32_t identifier, Clock::TimePoint at)
{
    for (MessagePtr& message : m_shard.broker().retainedMatching(filter)) {
        if (options.noLocal && message->publisherSessionId == m_session->id) {
            continue;
        }
        Delivery delivery;
        delivery.qos = std::min(message->qos, options.qos);
        delivery.retain = true; // sent because it is retained (3.3.1.3)
        if (identifier != 0) {
            delivery.subscriptionIds.push_back(identifier);
        }
        delivery.message = std::move(message);
        m_session->deliver(std::move(delivery), at);
    }
}

void ClientConnection::handleUnsubscribe(const protocol::Unsubscribe& unsubscribe)
{
    protocol::Unsuback unsuback;
    unsuback.packetId = unsubscribe.packetId;
    const bool v5 = m_protocol.version() == Version::V5;
    for (const std::string& filter : unsubscribe.filters) {
        const bool valid = topic::isShared(filter) ? topic::parseShared(filter).has_value()
                                                   : topic::isValidTopicFilter(filter);
        if (!valid && v5) {
            unsuback.reasonCodes.push_back(code(ReasonCode::TopicFilterInvalid));
            continue;
        }
        const bool removed = m_shard.broker().router().unsubscribe(m_session, filter);
        if (m_session->subscriptions().erase(filter) != 0 && m_session->storedInDb) {
            if (Persistence* store = m_shard.broker().persistence()) {
                store->deleteSubscription(m_session->id, filter);
            }
        }
        unsuback.reasonCodes.push_back(removed ? code(ReasonCode::Success)
                                               : code(ReasonCode::NoSubscriptionExisted));
    }
    send(unsuback);
}

void ClientConnection::handleDisconnect(const protocol::Disconnect& disconnect)
{
    if (m_protocol.version() == Version::V5) {
        if (const auto& expiry = disconnect.properties.sessionExpiryInterval) {
            if (m_session->expiryInterval() == 0 && *expiry != 0) {
                // 3.14.2.2.2: a session that was to end with the connection cannot be revived.
                failConnection(ReasonCode::ProtocolError,
                               "DISCONNECT sets Session Expiry on a session that had 0");
                return;
            }
            m_session->setExpiryInterval(std::min(*expiry, m_limits->maxSessionExpiry));
        }
    }
    // Only "Normal disconnection" deletes the will (3.1.2.5); 0x04 and errors publish it.
    const bool publishWill = m_protocol.version() == Version::V5 &&
                             disconnect.reasonCode != code(ReasonCode::NormalDisconnection);
    m_protocol.markClosed();
    closeNow(publishWill);
}

} // namespace sb::core
