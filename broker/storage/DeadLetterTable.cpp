#include "broker/storage/DeadLetterTable.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "broker/core/MemoryDeadLetterStore.h"
#include "broker/storage/DeadLetterQuery.h"
#include "broker/storage/RecordReader.h"

namespace sb::storage {

namespace {

// The columns readLetter() expects, in its order; the message columns start at 7 in the order
// RecordReader::readMessage() reads them.
constexpr const char* kSelectLetters =
    "SELECT id, time, reason, target_client_id, attempts, replayed_at, topic, publish, qos, "
    "retain, publisher_session_id, publisher_client_id, received_at, expires_at FROM dead_letters";
constexpr int kMessageColumn = 7;

bool isKnownReason(std::int64_t reason)
{
    return reason >= 0 && reason < static_cast<std::int64_t>(core::kDeadLetterReasons);
}

std::uint64_t saturatingProduct(std::uint64_t a, std::uint64_t b)
{
    return b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b
               ? std::numeric_limits<std::uint64_t>::max()
               : a * b;
}

} // namespace

DeadLetterTable::DeadLetterTable(Database& database, const core::Clock& clock, Totals totals,
                                 Bounds bounds)
    : m_database(database)
    , m_clock(clock)
    , m_bounds(bounds)
    , m_totals(totals)
    , m_committed(totals)
{}

DeadLetterTable::Totals DeadLetterTable::countRows(Database& database)
{
    Totals totals;
    Statement select(database, "SELECT reason, count(*), sum(payload_bytes) FROM dead_letters "
                               "GROUP BY reason");
    while (select.step()) {
        const auto entries = static_cast<std::uint64_t>(select.int64(1));
        totals.entries += entries;
        totals.bytes += static_cast<std::uint64_t>(select.int64(2));
        if (isKnownReason(select.int64(0))) {
            totals.byReason[static_cast<std::size_t>(select.int64(0))] += entries;
        }
    }
    return totals;
}

std::uint64_t DeadLetterTable::add(const core::DeadLetter& letter)
{
    if (!letter.message) {
        throw std::invalid_argument("dead letter without a message");
    }
    const core::Message& message = *letter.message;
    std::uint64_t id = 0;
    {
        Statement insert(m_database,
                         "INSERT INTO dead_letters (time, reason, topic, publish, qos, retain, "
                         "publisher_session_id, publisher_client_id, received_at, expires_at, "
                         "target_client_id, attempts, replayed_at, payload_bytes) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
                         "RETURNING id");
        insert.bind(1, records::toMillis(letter.time))
            .bind(2, static_cast<std::uint8_t>(letter.reason))
            .bind(3, message.topic)
            .bindBlob(
                4, records::encodePublishBlob(message.topic, message.payload, message.properties))
            .bind(5, message.qos)
            .bind(6, message.retain)
            .bind(7, message.publisherSessionId)
            .bind(8, message.publisherClientId)
            .bind(9, records::toMillis(message.receivedWallTime))
            .bind(10, records::expiryMillis(message))
            .bind(11, letter.targetClientId)
            .bind(12, letter.attempts);
        if (letter.replayedAt) {
            insert.bind(13, records::toMillis(*letter.replayedAt));
        } else {
            insert.bindNull(13);
        }
        insert.bind(14, message.payload.size());
        while (insert.step()) {
            id = static_cast<std::uint64_t>(insert.int64(0));
        }
    }
    ++m_totals.entries;
    m_totals.bytes += message.payload.size();
    if (isKnownReason(static_cast<std::int64_t>(letter.reason))) {
        ++m_totals.byReason[static_cast<std::size_t>(letter.reason)];
    }
    evict();
    return id;
}

bool DeadLetterTable::isOverBounds() const
{
    return m_totals.entries > m_bounds.maxEntries || m_totals.bytes > m_bounds.maxBytes;
}

void DeadLetterTable::evict()
{
    while (m_totals.entries > 0 && isOverBounds()) {
        if (!deleteRow(std::nullopt)) {
            // The totals say there are rows and the table has none: count again rather than
            // loop (they are kept in step with every write, so this is not expected).
            spdlog::error("{}: dead-letter totals disagree with the table; counted again",
                          m_database.path());
            const std::uint64_t evicted = m_totals.evicted;
            m_totals = countRows(m_database);
            m_totals.evicted = evicted;
            return;
        }
        ++m_totals.evicted;
    }
}

bool DeadLetterTable::deleteRow(std::optional<std::uint64_t> id)
{
    // RETURNING hands back what the totals need, without a read before each delete.
    bool deleted = false;
    const auto take = [&](Statement& remove) {
        while (remove.step()) {
            forget(remove.int64(0), remove.int64(1));
            deleted = true;
        }
    };
    if (id) {
        Statement remove(m_database,
                         "DELETE FROM dead_letters WHERE id = ?1 RETURNING reason, payload_bytes");
        remove.bind(1, *id);
        take(remove);
    } else {
        // min(id) on the rowid is one step down the b-tree, not a scan.
        Statement remove(m_database,
                         "DELETE FROM dead_letters WHERE id = (SELECT min(id) FROM dead_letters) "
                         "RETURNING reason, payload_bytes");
        take(remove);
    }
    return deleted;
}

void DeadLetterTable::forget(std::int64_t reason, std::int64_t payloadBytes)
{
    const auto bytes = static_cast<std::uint64_t>(std::max<std::int64_t>(payloadBytes, 0));
    m_totals.entries -= std::min<std::uint64_t>(m_totals.entries, 1);
    m_totals.bytes -= std::min(m_totals.bytes, bytes);
    if (isKnownReason(reason)) {
        auto& count = m_totals.byReason[static_cast<std::size_t>(reason)];
        count -= std::min<std::uint64_t>(count, 1);
    }
}

std::uint64_t DeadLetterTable::purge(const core::DeadLetterSelection& selection)
{
    std::vector<std::uint64_t> ids;
    if (!selection.ids.empty()) {
        ids = selection.ids;
    } else {
        const DeadLetterQuery query(selection.filter);
        if (!query.canMatch()) {
            return 0;
        }
        // The ids first, then one delete each: a topic filter with wildcards needs each row's
        // topic checked here, and the totals need each row's reason and size anyway.
        Statement select(m_database, query.sql("SELECT id, topic FROM dead_letters", ""));
        query.bind(select);
        while (select.step()) {
            if (query.matchesTopic(select.text(1))) {
                ids.push_back(static_cast<std::uint64_t>(select.int64(0)));
            }
        }
    }
    std::uint64_t purged = 0;
    for (const std::uint64_t id : ids) {
        purged += deleteRow(id) ? 1 : 0;
    }
    return purged;
}

void DeadLetterTable::markReplayed(const std::vector<std::uint64_t>& ids,
                                   core::Clock::WallTimePoint when, bool remove)
{
    for (const std::uint64_t id : ids) {
        if (remove) {
            deleteRow(id);
        } else {
            Statement(m_database, "UPDATE dead_letters SET replayed_at = ?2 WHERE id = ?1")
                .bind(1, id)
                .bind(2, records::toMillis(when))
                .run();
        }
    }
}

core::DeadLetterPage DeadLetterTable::list(const core::DeadLetterFilter& filter, bool newestFirst,
                                           const std::string& cursor, std::size_t limit)
{
    core::DeadLetterPage page;
    DeadLetterQuery query(filter);
    if (!cursor.empty()) {
        const auto after = core::parseDeadLetterCursor(cursor);
        if (!after) {
            spdlog::warn("{}: dead-letter cursor \"{}\" was not given out by this store; the page "
                         "is empty",
                         m_database.path(), cursor);
            return page;
        }
        query.startAfter(*after, newestFirst);
    }
    if (!query.canMatch()) {
        return page;
    }
    limit = std::max<std::size_t>(limit, 1);
    const std::uint64_t budget = saturatingProduct(limit, kRowsExaminedPerItem);
    // One row beyond the budget tells "the table ends here" from "there is more to examine".
    const auto sqlLimit = static_cast<std::int64_t>(
        std::min<std::uint64_t>(budget, std::numeric_limits<std::int64_t>::max() - 1) + 1);

    Statement select(m_database, query.sql(kSelectLetters, newestFirst ? " ORDER BY id DESC LIMIT ?"
                                                                       : " ORDER BY id LIMIT ?"));
    select.bind(query.bind(select), sqlLimit);
    const records::TimeBase time(m_clock);
    std::uint64_t examined = 0;
    std::uint64_t lastConsumed = 0; // every row up to it is either in the page or not a match
    bool more = false;
    while (select.step()) {
        if (examined == budget) {
            more = true;
            break;
        }
        ++examined;
        const auto id = static_cast<std::uint64_t>(select.int64(0));
        if (!query.matchesTopic(select.text(6))) {
            lastConsumed = id;
            continue;
        }
        if (page.items.size() == limit) {
            more = true; // a further match: the next page starts with it
            break;
        }
        if (auto letter = readLetter(select, time)) {
            page.items.push_back(std::move(*letter));
        }
        lastConsumed = id;
    }
    if (more) {
        page.nextCursor = core::deadLetterCursor(lastConsumed);
    }
    return page;
}

std::optional<core::DeadLetter> DeadLetterTable::get(std::uint64_t id)
{
    Statement select(m_database, std::string(kSelectLetters) + " WHERE id = ?1");
    select.bind(1, id);
    if (!select.step()) {
        return std::nullopt;
    }
    return readLetter(select, records::TimeBase(m_clock));
}

std::optional<core::DeadLetter> DeadLetterTable::readLetter(const Statement& row,
                                                            const records::TimeBase& time) const
{
    const std::int64_t id = row.int64(0);
    const std::int64_t reason = row.int64(2);
    if (!isKnownReason(reason)) {
        spdlog::error("{}: dead letter {} has an unknown reason {}; skipped", m_database.path(), id,
                      reason);
        return std::nullopt;
    }
    auto message = RecordReader::readMessage(row, kMessageColumn, time, 0, m_database.path());
    if (!message) {
        spdlog::error("{}: dead letter {} skipped: its message cannot be decoded",
                      m_database.path(), id);
        return std::nullopt;
    }
    core::DeadLetter letter;
    letter.id = static_cast<std::uint64_t>(id);
    letter.time = records::fromMillis(row.int64(1));
    letter.reason = static_cast<core::DeadLetterReason>(reason);
    letter.targetClientId = row.text(3);
    letter.attempts = static_cast<std::uint32_t>(row.int64(4));
    if (const auto replayed = row.optionalInt64(5)) {
        letter.replayedAt = records::fromMillis(*replayed);
    }
    letter.message = std::move(message);
    return letter;
}

core::DeadLetterStats DeadLetterTable::stats() const
{
    core::DeadLetterStats stats;
    stats.byReason = m_totals.byReason;
    stats.total = m_totals.entries;
    stats.bytes = m_totals.bytes;
    stats.maxEntries = m_bounds.maxEntries;
    stats.maxBytes = m_bounds.maxBytes;
    stats.evicted = m_totals.evicted;
    return stats;
}

void DeadLetterTable::transactionEnded(bool committed)
{
    if (committed) {
        m_committed = m_totals;
    } else {
        m_totals = m_committed;
    }
}

} // namespace sb::storage
