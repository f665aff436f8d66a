#include "broker/storage/Schema.h"

#include <array>
#include <stdexcept>
#include <string>

#include "broker/storage/RecordCodec.h"
#include "broker/storage/Statement.h"
#include "broker/storage/Transaction.h"

namespace sb::storage::schema {

namespace {

// Version 1: sessions and what hangs off them, stored messages, retained messages.
//
// Conventions: times are wall-clock milliseconds since the epoch (INTEGER); a message's topic,
// payload and properties are one BLOB holding an MQTT 5.0 PUBLISH (QoS 0, no packet id), so every
// property round-trips through the codec without a format of our own. Sessions, subscriptions,
// queue rows and inbound QoS 2 ids are tied by session_id without a foreign key: deleting a
// session deletes them in the same transaction (RecordWriter::deleteSession), a row may be
// written just before its session's row (the core routes to a session whose save is queued
// behind), and rows left without a session are removed at start (RecordWriter::deleteOrphans).
void createInitialSchema(Database& database)
{
    database.execute(R"sql(
CREATE TABLE sessions (
    session_id       INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: ids never come back
    client_id        TEXT    NOT NULL,                  -- not unique: generations may overlap
    expiry_interval  INTEGER NOT NULL,                  -- seconds, 0xFFFFFFFF = never
    expires_at       INTEGER,                           -- NULL while online or never
    protocol_version INTEGER NOT NULL,                  -- 4 = 3.1.1, 5 = 5.0
    will             BLOB,                              -- PUBLISH encoding; NULL = no will
    will_qos         INTEGER NOT NULL DEFAULT 0 CHECK (will_qos BETWEEN 0 AND 2),
    will_retain      INTEGER NOT NULL DEFAULT 0,
    will_delay       INTEGER,                           -- Will Delay Interval (not a PUBLISH property)
    created_at       INTEGER NOT NULL
);
CREATE INDEX sessions_by_client_id ON sessions (client_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE subscriptions (
    session_id INTEGER NOT NULL,
    filter     TEXT    NOT NULL, -- as the client sent it, "$share/..." included
    options    INTEGER NOT NULL, -- the SUBSCRIBE options byte (QoS, NL, RAP, retain handling)
    identifier INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, filter)
) WITHOUT ROWID;

CREATE TABLE messages (
    message_id           INTEGER PRIMARY KEY AUTOINCREMENT, -- processing order, never reused
    publish              BLOB    NOT NULL,
    qos                  INTEGER NOT NULL CHECK (qos BETWEEN 0 AND 2),
    retain               INTEGER NOT NULL,
    publisher_session_id INTEGER NOT NULL,
    publisher_client_id  TEXT    NOT NULL,
    received_at          INTEGER NOT NULL,
    expires_at           INTEGER              -- from Message Expiry Interval; NULL = never
);

CREATE TABLE queue (
    session_id       INTEGER NOT NULL,
    message_id       INTEGER NOT NULL,
    qos              INTEGER NOT NULL CHECK (qos BETWEEN 0 AND 2),
    retain           INTEGER NOT NULL,
    subscription_ids TEXT,                 -- "1,7"; NULL when none
    shared_filter    TEXT,                 -- "$share/g/f"; NULL when not shared
    state            INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 2),
    packet_id        INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, message_id)   -- a session's queue in message-id order
) WITHOUT ROWID;
CREATE INDEX queue_by_message ON queue (message_id);

-- A message row lives as long as some queue row refers to it.
CREATE TRIGGER queue_releases_message AFTER DELETE ON queue
WHEN NOT EXISTS (SELECT 1 FROM queue WHERE message_id = OLD.message_id)
BEGIN
    DELETE FROM messages WHERE message_id = OLD.message_id;
END;

CREATE TABLE inbound_qos2 (
    session_id INTEGER NOT NULL,
    packet_id  INTEGER NOT NULL,
    PRIMARY KEY (session_id, packet_id)
) WITHOUT ROWID;

CREATE TABLE retained (
    topic                TEXT    PRIMARY KEY,
    publish              BLOB    NOT NULL,
    qos                  INTEGER NOT NULL CHECK (qos BETWEEN 0 AND 2),
    publisher_session_id INTEGER NOT NULL,
    publisher_client_id  TEXT    NOT NULL,
    received_at          INTEGER NOT NULL,
    expires_at           INTEGER
);
CREATE INDEX retained_by_expiry ON retained (expires_at) WHERE expires_at IS NOT NULL;
)sql");
}

// Version 2: dead letters and the limits changed at runtime.
//
// A dead letter keeps its message as `messages` does (the PUBLISH blob plus the columns the blob
// cannot hold); the topic is repeated in a column of its own so that a listing filtered by topic
// tests it without decoding the blob. Reasons and scopes are the core's enum values; they get no
// CHECK so that a later version may add values without rebuilding the table (the reader skips a
// value it does not know).
void addDeadLettersAndLimits(Database& database)
{
    database.execute(R"sql(
CREATE TABLE dead_letters (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a cursor stays valid
    time                 INTEGER NOT NULL,                  -- when it became a dead letter
    reason               INTEGER NOT NULL,                  -- core::DeadLetterReason
    topic                TEXT    NOT NULL,
    publish              BLOB    NOT NULL,
    qos                  INTEGER NOT NULL CHECK (qos BETWEEN 0 AND 2),
    retain               INTEGER NOT NULL,
    publisher_session_id INTEGER NOT NULL,
    publisher_client_id  TEXT    NOT NULL,
    received_at          INTEGER NOT NULL,
    expires_at           INTEGER,                           -- NULL = never
    target_client_id     TEXT    NOT NULL,                  -- the session it was bound for
    attempts             INTEGER NOT NULL DEFAULT 0,
    replayed_at          INTEGER,                           -- NULL = not replayed
    payload_bytes        INTEGER NOT NULL                   -- counted against dead_letter_max_bytes
);
-- An index ends with the rowid (id), so "reason = ? AND id < ? ORDER BY id DESC LIMIT n" walks
-- one index range in page order without sorting; the same holds for publisher and target.
CREATE INDEX dead_letters_by_reason ON dead_letters (reason);
CREATE INDEX dead_letters_by_publisher ON dead_letters (publisher_client_id);
CREATE INDEX dead_letters_by_target ON dead_letters (target_client_id);
-- For purges by age, which need no order. A listing by time walks the ids and tests the time on
-- the way (a time range in id order would have to be sorted), which SQLite prefers by itself.
CREATE INDEX dead_letters_by_time ON dead_letters (time);

CREATE TABLE limits (
    scope INTEGER NOT NULL, -- core::StoredLimit::Scope
    owner TEXT    NOT NULL, -- user name or client id; '' for the global scope
    name  TEXT    NOT NULL, -- LimitRegistry name
    value INTEGER NOT NULL,
    PRIMARY KEY (scope, owner, name)
) WITHOUT ROWID;
)sql");
}

// Append new steps here; never edit a step that has shipped.
constexpr std::array kMigrations{
    Migration{1, "sessions, subscriptions, messages, queue, inbound QoS 2, retained",
              &createInitialSchema},
    Migration{2, "dead letters, limits changed at runtime", &addDeadLettersAndLimits},
};

bool hasVersionTable(Database& database)
{
    return database.queryInt64("SELECT count(*) FROM sqlite_schema "
                               "WHERE type = 'table' AND name = 'schema_version'") > 0;
}

} // namespace

std::span<const Migration> migrations()
{
    return kMigrations;
}

int latestVersion()
{
    return kMigrations.back().version;
}

int currentVersion(Database& database)
{
    if (!hasVersionTable(database)) {
        return 0;
    }
    return static_cast<int>(database.queryInt64("SELECT max(version) FROM schema_version"));
}

void migrate(Database& database, core::Clock::WallTimePoint now, int targetVersion)
{
    if (targetVersion == 0) {
        targetVersion = latestVersion();
    }
    const int found = currentVersion(database);
    if (found > latestVersion()) {
        throw std::runtime_error(database.path() + ": database schema version " +
                                 std::to_string(found) + " is newer than this build supports (" +
                                 std::to_string(latestVersion()) +
                                 "); use a newer Switchboard or another data directory");
    }
    for (const Migration& step : kMigrations) {
        if (step.version <= found || step.version > targetVersion) {
            continue;
        }
        Transaction transaction(database);
        if (!hasVersionTable(database)) {
            database.execute("CREATE TABLE schema_version ("
                             "version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                             "applied_at INTEGER NOT NULL)");
        }
        step.apply(database);
        Statement record(database, "INSERT INTO schema_version (version, description, applied_at) "
                                   "VALUES (?1, ?2, ?3)");
        record.bind(1, step.version).bind(2, std::string_view(step.description));
        record.bind(3, records::toMillis(now)).run();
        transaction.commit();
    }
}

} // namespace sb::storage::schema
