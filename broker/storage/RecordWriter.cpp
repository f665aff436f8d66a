#include "broker/storage/RecordWriter.h"

#include <stdexcept>
#include <vector>

#include "broker/storage/RecordCodec.h"
#include "broker/storage/Statement.h"

namespace sb::storage {

namespace {

std::optional<std::int64_t> optionalMillis(const std::optional<core::Clock::WallTimePoint>& time)
{
    if (!time) {
        return std::nullopt;
    }
    return records::toMillis(*time);
}

} // namespace

std::uint64_t RecordWriter::publish(const core::Persistence::PublishWrite& write)
{
    if (!write.message) {
        throw std::invalid_argument("publish write without a message");
    }
    const core::Message& message = *write.message;
    std::uint64_t messageId = 0;
    if (!write.rows.empty()) {
        messageId = ++m_lastMessageId;
        insertMessage(messageId, message);
        for (const core::StoredDelivery& row : write.rows) {
            insertDelivery(row.sessionId, messageId, row);
        }
    }
    switch (write.retained) {
    case core::Persistence::PublishWrite::Retained::Unchanged:
        break;
    case core::Persistence::PublishWrite::Retained::Set:
        setRetained(message);
        break;
    case core::Persistence::PublishWrite::Retained::Clear:
        deleteRetained(message.topic);
        break;
    }
    if (write.inboundQos2) {
        Statement(m_database, "INSERT INTO inbound_qos2 (session_id, packet_id) VALUES (?1, ?2) "
                              "ON CONFLICT DO NOTHING")
            .bind(1, write.inboundQos2->first)
            .bind(2, write.inboundQos2->second)
            .run();
    }
    return messageId;
}

void RecordWriter::insertMessage(std::uint64_t messageId, const core::Message& message)
{
    Statement insert(m_database,
                     "INSERT INTO messages (message_id, publish, qos, retain, "
                     "publisher_session_id, publisher_client_id, received_at, expires_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    insert.bind(1, messageId)
        .bindBlob(2, records::encodePublishBlob(message.topic, message.payload, message.properties))
        .bind(3, message.qos)
        .bind(4, message.retain)
        .bind(5, message.publisherSessionId)
        .bind(6, message.publisherClientId)
        .bind(7, records::toMillis(message.receivedWallTime))
        .bind(8, records::expiryMillis(message))
        .run();
}

void RecordWriter::insertDelivery(std::uint64_t sessionId, std::uint64_t messageId,
                                  const core::StoredDelivery& row)
{
    Statement insert(m_database,
                     "INSERT INTO queue (session_id, message_id, qos, retain, subscription_ids, "
                     "shared_filter, state, packet_id, attempts) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                     // The key is (session, message): a second delivery of one message to one
                     // session (a plain and a shared subscription both matching) keeps the first.
                     "ON CONFLICT DO NOTHING");
    insert.bind(1, sessionId).bind(2, messageId).bind(3, row.qos).bind(4, row.retain);
    if (row.subscriptionIds.empty()) {
        insert.bindNull(5);
    } else {
        insert.bind(5, records::joinSubscriptionIds(row.subscriptionIds));
    }
    if (row.sharedFilter.empty()) {
        insert.bindNull(6);
    } else {
        insert.bind(6, row.sharedFilter);
    }
    insert.bind(7, static_cast<std::uint8_t>(row.state))
        .bind(8, row.packetId)
        .bind(9, row.attempts)
        .run();
}

void RecordWriter::setRetained(const core::Message& message)
{
    Statement upsert(m_database,
                     "INSERT INTO retained (topic, publish, qos, publisher_session_id, "
                     "publisher_client_id, received_at, expires_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                     "ON CONFLICT (topic) DO UPDATE SET publish = excluded.publish, "
                     "qos = excluded.qos, publisher_session_id = excluded.publisher_session_id, "
                     "publisher_client_id = excluded.publisher_client_id, "
                     "received_at = excluded.received_at, expires_at = excluded.expires_at");
    upsert.bind(1, message.topic)
        .bindBlob(2, records::encodePublishBlob(message.topic, message.payload, message.properties))
        .bind(3, message.qos)
        .bind(4, message.publisherSessionId)
        .bind(5, message.publisherClientId)
        .bind(6, records::toMillis(message.receivedWallTime))
        .bind(7, records::expiryMillis(message))
        .run();
}

void RecordWriter::saveSession(const core::SessionRecord& session)
{
    Statement upsert(m_database,
                     "INSERT INTO sessions (session_id, client_id, expiry_interval, expires_at, "
                     "protocol_version, will, will_qos, will_retain, will_delay, created_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                     "ON CONFLICT (session_id) DO UPDATE SET client_id = excluded.client_id, "
                     "expiry_interval = excluded.expiry_interval, "
                     "expires_at = excluded.expires_at, "
                     "protocol_version = excluded.protocol_version, will = excluded.will, "
                     "will_qos = excluded.will_qos, will_retain = excluded.will_retain, "
                     "will_delay = excluded.will_delay, created_at = excluded.created_at");
    upsert.bind(1, session.sessionId)
        .bind(2, session.clientId)
        .bind(3, session.expiryInterval)
        .bind(4, optionalMillis(session.expiresAt))
        .bind(5, static_cast<std::uint8_t>(session.version));
    if (session.will) {
        const protocol::Will& will = *session.will;
        upsert.bindBlob(6, records::encodePublishBlob(will.topic, will.payload, will.properties))
            .bind(7, will.qos)
            .bind(8, will.retain);
        if (will.properties.willDelayInterval) {
            upsert.bind(9, *will.properties.willDelayInterval);
        } else {
            upsert.bindNull(9);
        }
    } else {
        upsert.bindNull(6).bind(7, 0).bind(8, 0).bindNull(9);
    }
    upsert.bind(10, records::toMillis(session.createdAt)).run();
}

void RecordWriter::deleteSession(std::uint64_t sessionId)
{
    // Queue rows first: the trigger deletes each message whose last row goes.
    for (const char* sql : {"DELETE FROM queue WHERE session_id = ?1",
                            "DELETE FROM subscriptions WHERE session_id = ?1",
                            "DELETE FROM inbound_qos2 WHERE session_id = ?1",
                            "DELETE FROM sessions WHERE session_id = ?1"}) {
        Statement(m_database, sql).bind(1, sessionId).run();
    }
}

void RecordWriter::saveSubscription(const core::SubscriptionRecord& subscription)
{
    Statement(m_database,
              "INSERT INTO subscriptions (session_id, filter, options, identifier) "
              "VALUES (?1, ?2, ?3, ?4) "
              "ON CONFLICT (session_id, filter) DO UPDATE SET options = excluded.options, "
              "identifier = excluded.identifier")
        .bind(1, subscription.sessionId)
        .bind(2, subscription.filter)
        .bind(3, records::encodeOptions(subscription.subscription.options))
        .bind(4, subscription.subscription.identifier)
        .run();
}

void RecordWriter::deleteSubscription(std::uint64_t sessionId, const std::string& filter)
{
    Statement(m_database, "DELETE FROM subscriptions WHERE session_id = ?1 AND filter = ?2")
        .bind(1, sessionId)
        .bind(2, filter)
        .run();
}

void RecordWriter::markSent(std::uint64_t sessionId, std::uint64_t messageId,
                            std::uint16_t packetId, std::uint32_t attempts)
{
    Statement(m_database, "UPDATE queue SET state = 1, packet_id = ?3, attempts = ?4 "
                          "WHERE session_id = ?1 AND message_id = ?2")
        .bind(1, sessionId)
        .bind(2, messageId)
        .bind(3, packetId)
        .bind(4, attempts)
        .run();
}

void RecordWriter::markReleased(std::uint64_t sessionId, std::uint64_t messageId)
{
    Statement(m_database, "UPDATE queue SET state = 2 WHERE session_id = ?1 AND message_id = ?2")
        .bind(1, sessionId)
        .bind(2, messageId)
        .run();
}

void RecordWriter::removeDelivery(std::uint64_t sessionId, std::uint64_t messageId)
{
    Statement(m_database, "DELETE FROM queue WHERE session_id = ?1 AND message_id = ?2")
        .bind(1, sessionId)
        .bind(2, messageId)
        .run();
}

std::optional<std::uint64_t> RecordWriter::moveDelivery(const core::StoredDelivery& delivery,
                                                        std::uint64_t toSessionId)
{
    const std::uint64_t messageId = m_lastMessageId + 1;
    if (delivery.message) {
        insertMessage(messageId, *delivery.message);
    } else {
        // The core may hand over a delivery whose payload it has paged out: copy the row.
        Statement copy(m_database,
                       "INSERT INTO messages (message_id, publish, qos, retain, "
                       "publisher_session_id, publisher_client_id, received_at, expires_at) "
                       "SELECT ?1, publish, qos, retain, publisher_session_id, "
                       "publisher_client_id, received_at, expires_at "
                       "FROM messages WHERE message_id = ?2");
        copy.bind(1, messageId).bind(2, delivery.messageId).run();
        if (m_database.changes() == 0) {
            return std::nullopt;
        }
    }
    m_lastMessageId = messageId;
    insertDelivery(toSessionId, messageId, delivery);
    if (delivery.messageId != 0) {
        removeDelivery(delivery.sessionId, delivery.messageId);
    }
    return messageId;
}

void RecordWriter::removeInboundQos2(std::uint64_t sessionId, std::uint16_t packetId)
{
    Statement(m_database, "DELETE FROM inbound_qos2 WHERE session_id = ?1 AND packet_id = ?2")
        .bind(1, sessionId)
        .bind(2, packetId)
        .run();
}

void RecordWriter::deleteRetained(const std::string& topic)
{
    Statement(m_database, "DELETE FROM retained WHERE topic = ?1").bind(1, topic).run();
}

void RecordWriter::saveLimit(const core::StoredLimit& limit)
{
    Statement(m_database, "INSERT INTO limits (scope, owner, name, value) VALUES (?1, ?2, ?3, ?4) "
                          "ON CONFLICT (scope, owner, name) DO UPDATE SET value = excluded.value")
        .bind(1, static_cast<std::uint8_t>(limit.scope))
        .bind(2, limit.owner)
        .bind(3, limit.name)
        .bind(4, limit.value)
        .run();
}

void RecordWriter::deleteLimit(core::StoredLimit::Scope scope, const std::string& owner,
                               const std::string& name)
{
    if (name.empty()) {
        Statement(m_database, "DELETE FROM limits WHERE scope = ?1 AND owner = ?2")
            .bind(1, static_cast<std::uint8_t>(scope))
            .bind(2, owner)
            .run();
        return;
    }
    Statement(m_database, "DELETE FROM limits WHERE scope = ?1 AND owner = ?2 AND name = ?3")
        .bind(1, static_cast<std::uint8_t>(scope))
        .bind(2, owner)
        .bind(3, name)
        .run();
}

std::size_t RecordWriter::deleteExpiredSessions(core::Clock::WallTimePoint now)
{
    std::vector<std::uint64_t> expired;
    {
        Statement select(m_database, "SELECT session_id FROM sessions "
                                     "WHERE expires_at IS NOT NULL AND expires_at <= ?1");
        select.bind(1, records::toMillis(now));
        while (select.step()) {
            expired.push_back(static_cast<std::uint64_t>(select.int64(0)));
        }
    }
    for (const std::uint64_t sessionId : expired) {
        deleteSession(sessionId);
    }
    return expired.size();
}

std::size_t RecordWriter::deleteOrphans()
{
    std::size_t deleted = 0;
    // Queue rows first, so the trigger takes the messages only they referred to.
    for (const char* sql :
         {"DELETE FROM queue WHERE session_id NOT IN (SELECT session_id FROM sessions)",
          "DELETE FROM subscriptions WHERE session_id NOT IN (SELECT session_id FROM sessions)",
          "DELETE FROM inbound_qos2 WHERE session_id NOT IN (SELECT session_id FROM sessions)",
          "DELETE FROM messages WHERE message_id NOT IN (SELECT message_id FROM queue)"}) {
        Statement(m_database, sql).run();
        deleted += static_cast<std::size_t>(m_database.changes());
    }
    return deleted;
}

std::size_t RecordWriter::deleteExpiredRetained(core::Clock::WallTimePoint now)
{
    Statement(m_database, "DELETE FROM retained WHERE expires_at IS NOT NULL AND expires_at <= ?1")
        .bind(1, records::toMillis(now))
        .run();
    return static_cast<std::size_t>(m_database.changes());
}

} // namespace sb::storage
