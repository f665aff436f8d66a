#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "broker/core/Persistence.h"
#include "broker/storage/Database.h"

namespace sb::storage {

// Turns each write of core::Persistence into SQL on the tables of Schema.cpp. Runs inside a
// transaction the caller holds; every method throws SqliteError when a statement fails.
// Also hands out message ids, so that they follow the order writes are applied in.
class RecordWriter
{
public:
    // `lastMessageId`: the highest message id ever given out by this database.
    RecordWriter(Database& database, std::uint64_t lastMessageId)
        : m_database(database)
        , m_lastMessageId(lastMessageId)
    {}

    // Returns the id given to the message row, or 0 if the write needed none (no queue rows).
    // Rows are written even for a session the table does not hold (yet): the core may route to
    // a session whose saveSession() is queued just behind, and a row dropped then would be a
    // message lost. Rows of a session deleted meanwhile are removed by deleteOrphans().
    std::uint64_t publish(const core::Persistence::PublishWrite& write);

    void saveSession(const core::SessionRecord& session);
    void deleteSession(std::uint64_t sessionId);
    void saveSubscription(const core::SubscriptionRecord& subscription);
    void deleteSubscription(std::uint64_t sessionId, const std::string& filter);

    void markSent(std::uint64_t sessionId, std::uint64_t messageId, std::uint16_t packetId,
                  std::uint32_t attempts);
    void markReleased(std::uint64_t sessionId, std::uint64_t messageId);
    void removeDelivery(std::uint64_t sessionId, std::uint64_t messageId);
    // Returns the new message id, or nullopt (nothing changed) if the delivery carries no
    // message and its stored row is gone. Like publish(), does not require the target session
    // to be in the table yet.
    std::optional<std::uint64_t> moveDelivery(const core::StoredDelivery& delivery,
                                              std::uint64_t toSessionId);
    void removeInboundQos2(std::uint64_t sessionId, std::uint16_t packetId);
    void deleteRetained(const std::string& topic);
    void saveLimit(const core::StoredLimit& limit);
    // `name` empty: every limit of (scope, owner).
    void deleteLimit(core::StoredLimit::Scope scope, const std::string& owner,
                     const std::string& name);

    // Start-up clean-up: sessions (and their rows) and retained messages whose time is up.
    std::size_t deleteExpiredSessions(core::Clock::WallTimePoint now);
    std::size_t deleteExpiredRetained(core::Clock::WallTimePoint now);
    // Start-up clean-up: rows whose session is gone (written in a race with deleteSession) and
    // messages no queue row refers to.
    std::size_t deleteOrphans();

    std::uint64_t lastMessageId() const { return m_lastMessageId; }

private:
    void insertMessage(std::uint64_t messageId, const core::Message& message);
    void insertDelivery(std::uint64_t sessionId, std::uint64_t messageId,
                        const core::StoredDelivery& row);
    void setRetained(const core::Message& message);

    Database& m_database;
    std::uint64_t m_lastMessageId;
};

} // namespace sb::storage
