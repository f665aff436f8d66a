#include "broker/storage/RecordReader.h"

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "broker/storage/RecordCodec.h"
#include "broker/storage/Statement.h"

namespace sb::storage {

core::MessagePtr RecordReader::readMessage(const Statement& row, int first,
                                           const records::TimeBase& time, std::uint64_t storeId,
                                           const std::string& path)
{
    auto decoded = records::decodePublishBlob(row.blob(first));
    if (!decoded) {
        spdlog::error("{}: stored message {} cannot be decoded ({}); skipped", path, storeId,
                      decoded.error());
        return nullptr;
    }
    auto message = std::make_shared<core::Message>();
    message->topic = std::move(decoded->topic);
    message->payload = std::move(decoded->payload);
    message->properties = std::move(decoded->properties);
    message->qos = static_cast<std::uint8_t>(row.int64(first + 1));
    message->retain = row.int64(first + 2) != 0;
    message->publisherSessionId = static_cast<std::uint64_t>(row.int64(first + 3));
    message->publisherClientId = row.text(first + 4);
    message->receivedWallTime = records::fromMillis(row.int64(first + 5));
    message->receivedAt = time.toSteady(message->receivedWallTime);
    if (const auto expires = row.optionalInt64(first + 6)) {
        message->expiresAt = time.toSteady(records::fromMillis(*expires));
    }
    message->storeId = storeId;
    return message;
}

std::vector<core::SessionRecord> RecordReader::sessions()
{
    std::vector<core::SessionRecord> result;
    Statement select(m_database,
                     "SELECT session_id, client_id, expiry_interval, expires_at, "
                     "protocol_version, will, will_qos, will_retain, will_delay, created_at "
                     "FROM sessions ORDER BY session_id");
    while (select.step()) {
        core::SessionRecord session;
        session.sessionId = static_cast<std::uint64_t>(select.int64(0));
        session.clientId = select.text(1);
        session.expiryInterval = static_cast<std::uint32_t>(select.int64(2));
        if (const auto expires = select.optionalInt64(3)) {
            session.expiresAt = records::fromMillis(*expires);
        }
        session.version = select.int64(4) == static_cast<int>(protocol::Version::V311)
                              ? protocol::Version::V311
                              : protocol::Version::V5;
        if (!select.isNull(5)) {
            auto decoded = records::decodePublishBlob(select.blob(5));
            if (decoded) {
                protocol::Will will;
                will.topic = std::move(decoded->topic);
                will.payload = std::move(decoded->payload);
                will.properties = std::move(decoded->properties);
                will.qos = static_cast<std::uint8_t>(select.int64(6));
                will.retain = select.int64(7) != 0;
                if (const auto delay = select.optionalInt64(8)) {
                    will.properties.willDelayInterval = static_cast<std::uint32_t>(*delay);
                }
                session.will = std::move(will);
            } else {
                spdlog::error("{}: the will of session {} cannot be decoded ({}); dropped",
                              m_database.path(), session.sessionId, decoded.error());
            }
        }
        session.createdAt = records::fromMillis(select.int64(9));
        result.push_back(std::move(session));
    }
    return result;
}

std::vector<core::SubscriptionRecord> RecordReader::subscriptions()
{
    std::vector<core::SubscriptionRecord> result;
    Statement select(m_database, "SELECT session_id, filter, options, identifier "
                                 "FROM subscriptions ORDER BY session_id, filter");
    while (select.step()) {
        core::SubscriptionRecord record;
        record.sessionId = static_cast<std::uint64_t>(select.int64(0));
        record.filter = select.text(1);
        record.subscription.options =
            records::decodeOptions(static_cast<std::uint8_t>(select.int64(2)));
        record.subscription.identifier = static_cast<std::uint32_t>(select.int64(3));
        result.push_back(std::move(record));
    }
    return result;
}

std::vector<std::pair<std::uint64_t, std::uint16_t>> RecordReader::inboundQos2()
{
    std::vector<std::pair<std::uint64_t, std::uint16_t>> result;
    Statement select(
        m_database,
        "SELECT session_id, packet_id FROM inbound_qos2 ORDER BY session_id, packet_id");
    while (select.step()) {
        result.emplace_back(static_cast<std::uint64_t>(select.int64(0)),
                            static_cast<std::uint16_t>(select.int64(1)));
    }
    return result;
}

std::vector<core::MessagePtr> RecordReader::retained()
{
    std::vector<core::MessagePtr> result;
    const records::TimeBase time(m_clock);
    Statement select(m_database,
                     "SELECT publish, qos, 1, publisher_session_id, publisher_client_id, "
                     "received_at, expires_at FROM retained ORDER BY topic");
    while (select.step()) {
        if (auto message = readMessage(select, 0, time, 0, m_database.path())) {
            result.push_back(std::move(message));
        }
    }
    return result;
}

std::vector<core::StoredDelivery> RecordReader::queuePage(std::uint64_t sessionId,
                                                          std::uint64_t afterMessageId,
                                                          std::size_t limit, MessageCache* shared)
{
    std::vector<core::StoredDelivery> result;
    if (limit == 0) {
        return result;
    }
    const records::TimeBase time(m_clock);
    // The primary key (session_id, message_id) gives the rows in order without sorting.
    Statement select(m_database,
                     "SELECT q.message_id, q.qos, q.retain, q.subscription_ids, q.shared_filter, "
                     "q.state, q.packet_id, q.attempts, m.publish, m.qos, m.retain, "
                     "m.publisher_session_id, m.publisher_client_id, m.received_at, m.expires_at "
                     "FROM queue q JOIN messages m ON m.message_id = q.message_id "
                     "WHERE q.session_id = ?1 AND q.message_id > ?2 "
                     "ORDER BY q.message_id LIMIT ?3");
    select.bind(1, sessionId).bind(2, afterMessageId).bind(3, limit);
    while (select.step()) {
        core::StoredDelivery delivery;
        delivery.sessionId = sessionId;
        delivery.messageId = static_cast<std::uint64_t>(select.int64(0));
        delivery.qos = static_cast<std::uint8_t>(select.int64(1));
        delivery.retain = select.int64(2) != 0;
        if (!select.isNull(3)) {
            delivery.subscriptionIds = records::splitSubscriptionIds(select.text(3));
        }
        delivery.sharedFilter = select.text(4);
        delivery.state = static_cast<core::StoredDelivery::State>(select.int64(5));
        delivery.packetId = static_cast<std::uint16_t>(select.int64(6));
        delivery.attempts = static_cast<std::uint32_t>(select.int64(7));
        if (shared != nullptr) {
            if (const auto found = shared->find(delivery.messageId); found != shared->end()) {
                delivery.message = found->second;
            }
        }
        if (!delivery.message) {
            delivery.message = readMessage(select, 8, time, delivery.messageId, m_database.path());
            if (!delivery.message) {
                continue;
            }
            if (shared != nullptr) {
                shared->emplace(delivery.messageId, delivery.message);
            }
        }
        result.push_back(std::move(delivery));
    }
    return result;
}

std::uint64_t RecordReader::queueLength(std::uint64_t sessionId)
{
    Statement count(m_database, "SELECT count(*) FROM queue WHERE session_id = ?1");
    count.bind(1, sessionId);
    return count.step() ? static_cast<std::uint64_t>(count.int64(0)) : 0;
}

std::uint64_t RecordReader::lastSessionId()
{
    return lastId("sessions", "session_id");
}

std::uint64_t RecordReader::lastMessageId()
{
    return lastId("messages", "message_id");
}

std::vector<core::StoredLimit> RecordReader::limits()
{
    std::vector<core::StoredLimit> result;
    Statement select(m_database,
                     "SELECT scope, owner, name, value FROM limits ORDER BY scope, owner, name");
    while (select.step()) {
        const std::int64_t scope = select.int64(0);
        if (scope < 0 || scope > static_cast<std::int64_t>(core::StoredLimit::Scope::Client)) {
            spdlog::error("{}: stored limit {} has an unknown scope {}; skipped", m_database.path(),
                          select.text(2), scope);
            continue;
        }
        core::StoredLimit limit;
        limit.scope = static_cast<core::StoredLimit::Scope>(scope);
        limit.owner = select.text(1);
        limit.name = select.text(2);
        limit.value = select.int64(3);
        result.push_back(std::move(limit));
    }
    return result;
}

std::uint64_t RecordReader::lastId(const char* table, const char* column)
{
    // sqlite_sequence remembers the highest id ever inserted, even after its row is deleted;
    // max() covers a row inserted without going through AUTOINCREMENT.
    const std::string sql = std::string("SELECT max(coalesce((SELECT seq FROM sqlite_sequence "
                                        "WHERE name = '") +
                            table + "'), 0), coalesce((SELECT max(" + column + ") FROM " + table +
                            "), 0))";
    return static_cast<std::uint64_t>(m_database.queryInt64(sql));
}

} // namespace sb::storage
