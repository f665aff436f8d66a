#include "tests/storage/StoreTestSupport.h"

#include <filesystem>

#include "broker/storage/Database.h"
#include "broker/storage/RecordCodec.h"

namespace sb::test {

using namespace std::chrono_literals;

core::Clock::WallTimePoint storedPrecision(core::Clock::WallTimePoint time)
{
    return storage::records::fromMillis(storage::records::toMillis(time));
}

protocol::Properties everyPublishProperty()
{
    protocol::Properties properties;
    properties.payloadFormatIndicator = 1;
    properties.messageExpiryInterval = 3600;
    properties.contentType = "application/json";
    properties.responseTopic = "replies/client-1";
    properties.correlationData = std::string("\x00\x01\xFF corr", 8);
    properties.subscriptionIdentifiers = {1, 268'435'455};
    properties.topicAlias = 7;
    properties.userProperties = {{"k", "v1"}, {"k", "v2"}, {"", ""}, {"ünï", "çødé"}};
    return properties;
}

protocol::Properties everyWillProperty()
{
    protocol::Properties properties = everyPublishProperty();
    properties.subscriptionIdentifiers.clear(); // not a will property
    properties.topicAlias.reset();              // not a will property
    properties.willDelayInterval = 30;
    return properties;
}

std::shared_ptr<core::Message> makeMessage(const core::Clock& clock, std::string topic,
                                           std::string payload, std::uint8_t qos)
{
    auto message = std::make_shared<core::Message>();
    message->topic = std::move(topic);
    message->payload = std::move(payload);
    message->qos = qos;
    message->publisherSessionId = 42;
    message->publisherClientId = "publisher";
    message->receivedAt = clock.now();
    message->receivedWallTime = storedPrecision(clock.wallNow());
    return message;
}

core::SessionRecord makeSession(const core::Clock& clock, std::uint64_t sessionId,
                                std::string clientId)
{
    core::SessionRecord session;
    session.sessionId = sessionId;
    session.clientId = std::move(clientId);
    session.expiryInterval = 3600;
    session.createdAt = storedPrecision(clock.wallNow());
    return session;
}

core::Persistence::PublishWrite publishTo(core::MessagePtr message,
                                          const std::vector<std::uint64_t>& sessionIds)
{
    core::Persistence::PublishWrite write;
    for (const std::uint64_t sessionId : sessionIds) {
        core::StoredDelivery row;
        row.sessionId = sessionId;
        row.message = message;
        row.qos = message->qos;
        write.rows.push_back(std::move(row));
    }
    write.message = std::move(message);
    return write;
}

core::DeadLetter makeDeadLetter(const core::Clock& clock, std::string topic,
                                core::DeadLetterReason reason, std::string target,
                                std::string payload)
{
    core::DeadLetter letter;
    letter.time = storedPrecision(clock.wallNow());
    letter.reason = reason;
    letter.message = makeMessage(clock, std::move(topic), std::move(payload));
    letter.targetClientId = std::move(target);
    letter.attempts = 1;
    return letter;
}

std::string messageDifference(const core::Message& expected, const core::Message& actual)
{
    if (expected.topic != actual.topic) {
        return "topic: " + expected.topic + " != " + actual.topic;
    }
    if (expected.payload != actual.payload) {
        return "payload differs";
    }
    if (!(expected.properties == actual.properties)) {
        return "properties differ";
    }
    if (expected.qos != actual.qos || expected.retain != actual.retain) {
        return "qos or retain differs";
    }
    if (expected.publisherSessionId != actual.publisherSessionId ||
        expected.publisherClientId != actual.publisherClientId) {
        return "publisher differs";
    }
    if (expected.receivedWallTime != actual.receivedWallTime) {
        return "received wall time differs";
    }
    if (expected.expiresAt.has_value() != actual.expiresAt.has_value()) {
        return "expiry presence differs";
    }
    if (expected.expiresAt) {
        const auto left = [](const core::Message& m) {
            return std::chrono::duration_cast<std::chrono::milliseconds>(*m.expiresAt -
                                                                         m.receivedAt);
        };
        if (left(expected) != left(actual)) {
            return "expiry differs: " + std::to_string(left(expected).count()) +
                   " ms != " + std::to_string(left(actual).count()) + " ms";
        }
    }
    return {};
}

std::function<void(std::uint64_t, bool)> AppliedLog::callback(int tag)
{
    return [this, tag](std::uint64_t messageId, bool ok) {
        {
            const std::lock_guard lock(m_mutex);
            m_entries.push_back({tag, messageId, ok});
        }
        m_changed.notify_all();
    };
}

std::vector<AppliedLog::Entry> AppliedLog::entries() const
{
    const std::lock_guard lock(m_mutex);
    return m_entries;
}

bool AppliedLog::waitFor(std::size_t count) const
{
    std::unique_lock lock(m_mutex);
    return m_changed.wait_for(lock, kDeadline, [&] { return m_entries.size() >= count; });
}

std::optional<std::vector<core::StoredDelivery>> loadPage(storage::SqliteStore& store,
                                                          std::uint64_t sessionId,
                                                          std::uint64_t afterMessageId,
                                                          std::size_t limit)
{
    auto loaded = std::make_shared<std::promise<std::vector<core::StoredDelivery>>>();
    auto future = loaded->get_future();
    store.loadQueuePage(
        sessionId, afterMessageId, limit,
        [loaded](std::vector<core::StoredDelivery> rows) { loaded->set_value(std::move(rows)); });
    if (future.wait_for(kDeadline) != std::future_status::ready) {
        return std::nullopt;
    }
    return future.get();
}

StoreFixture::StoreFixture() = default;

StoreFixture::~StoreFixture()
{
    close();
}

std::string StoreFixture::dataDir() const
{
    return m_dir.path().toStdString();
}

std::string StoreFixture::databasePath() const
{
    return (std::filesystem::path(dataDir()) / storage::SqliteStore::kFileName).string();
}

core::RecoveredState StoreFixture::open(core::Durability mode,
                                        std::chrono::milliseconds asyncCommitDelay,
                                        storage::SqliteStoreOptions options,
                                        std::size_t queuePageSize)
{
    close();
    m_mode = mode;
    m_delay = asyncCommitDelay;
    m_options = options;
    m_options.clock = &m_clock;
    m_store = std::make_unique<storage::SqliteStore>(dataDir(), mode, asyncCommitDelay, m_options);
    return m_store->recover(m_clock.wallNow(), queuePageSize);
}

core::RecoveredState StoreFixture::reopen(std::size_t queuePageSize)
{
    return open(m_mode, m_delay, m_options, queuePageSize);
}

void StoreFixture::close()
{
    if (m_store) {
        m_store->close();
        m_store.reset();
    }
}

std::int64_t StoreFixture::countRows(const std::string& table) const
{
    storage::Database reader(databasePath());
    return reader.queryInt64("SELECT count(*) FROM " + table);
}

} // namespace sb::test
