#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "broker/core/Persistence.h"
#include "broker/storage/Database.h"
#include "broker/storage/RecordCodec.h"
#include "broker/storage/Statement.h"

namespace sb::storage {

// Reads the tables of Schema.cpp back into the core's types. A row that cannot be decoded is
// logged and skipped rather than failing the whole read: one damaged message must not keep a
// broker from starting.
class RecordReader
{
public:
    RecordReader(Database& database, const core::Clock& clock)
        : m_database(database)
        , m_clock(clock)
    {}

    std::vector<core::SessionRecord> sessions();
    std::vector<core::SubscriptionRecord> subscriptions();
    std::vector<std::pair<std::uint64_t, std::uint16_t>> inboundQos2();
    std::vector<core::MessagePtr> retained();

    // Up to `limit` deliveries of the session with message id > afterMessageId, in id order.
    // With `shared`, a message already read for another session is handed out again rather than
    // decoded twice, so a recovered fan-out shares one payload as the live one did.
    using MessageCache = std::unordered_map<std::uint64_t, core::MessagePtr>;
    std::vector<core::StoredDelivery> queuePage(std::uint64_t sessionId,
                                                std::uint64_t afterMessageId, std::size_t limit,
                                                MessageCache* shared = nullptr);
    std::uint64_t queueLength(std::uint64_t sessionId);

    // Highest ids ever given out (deleted rows included, thanks to AUTOINCREMENT).
    std::uint64_t lastSessionId();
    std::uint64_t lastMessageId();

    // Limits changed at runtime, by scope, owner and name.
    std::vector<core::StoredLimit> limits();

    // The message columns of a row, in the order every query selects them, starting at `first`:
    // publish, qos, retain, publisher_session_id, publisher_client_id, received_at, expires_at.
    // Null (logged) if the blob cannot be decoded. Shared with DeadLetterTable, whose rows keep
    // their message the same way.
    static core::MessagePtr readMessage(const Statement& row, int first,
                                        const records::TimeBase& time, std::uint64_t storeId,
                                        const std::string& path);

private:
    std::uint64_t lastId(const char* table, const char* column);

    Database& m_database;
    const core::Clock& m_clock;
};

} // namespace sb::storage
