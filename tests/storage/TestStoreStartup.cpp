#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include "broker/storage/Database.h"
#include "broker/storage/RecordCodec.h"
#include "broker/storage/Schema.h"
#include "broker/storage/SqliteStore.h"
#include "broker/storage/Statement.h"
#include "tests/storage/StoreTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace sb::storage;

namespace {

// Runs recover() and returns its exception's message ("" if it did not throw).
std::string recoverError(const std::string& dataDir)
{
    try {
        SqliteStore store(dataDir, core::Durability::Sync);
        store.recover(core::Clock::system().wallNow(), 10);
        return {};
    } catch (const std::runtime_error& e) {
        qInfo("recover() refused: %s", e.what());
        return e.what();
    }
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

// What happens when the store opens a data directory: the schema is created or migrated, and
// every way the file can be unusable ends in an error that names it.
class TestStoreStartup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void freshDatabaseIsAtTheLatestVersion();
    void migrationStepsAreRecorded();
    void firstSchemaIsMigratedToTheLatest();
    void versionOneDataSurvivesVersionTwo();
    void newerSchemaIsRefused();
    void missingDataDirectoryIsCreated();
    void garbageFileIsReportedAsCorrupt();
    void damagedPageIsReportedAsCorrupt();
    void directoryInPlaceOfTheFileIsReported();
    void dataDirectoryThatIsAFileIsReported();
    void unwritableDirectoryIsReported();
    void readOnlyFileIsReported();
};

void TestStoreStartup::freshDatabaseIsAtTheLatestVersion()
{
    test::StoreFixture fixture;
    QVERIFY(fixture.isValid());
    fixture.open();
    fixture.close();
    Database database(fixture.databasePath());
    QCOMPARE(schema::currentVersion(database), schema::latestVersion());
    QCOMPARE(database.queryText("PRAGMA journal_mode"), std::string("wal"));
}

void TestStoreStartup::migrationStepsAreRecorded()
{
    QVERIFY(!schema::migrations().empty());
    int expected = 1;
    for (const auto& step : schema::migrations()) {
        QCOMPARE(step.version, expected++); // versions are consecutive, from 1
    }
    test::StoreFixture fixture;
    fixture.open();
    fixture.close();
    Database database(fixture.databasePath());
    QCOMPARE(database.queryInt64("SELECT count(*) FROM schema_version"),
             std::int64_t(schema::migrations().size()));
    QCOMPARE(database.queryInt64("SELECT min(version) FROM schema_version"), std::int64_t{1});
}

// A database created by the first release, with data in it, opens with this build: every later
// step runs and the data is still there.
void TestStoreStartup::firstSchemaIsMigratedToTheLatest()
{
    test::StoreFixture fixture;
    QVERIFY(fixture.isValid());
    {
        std::filesystem::create_directories(fixture.dataDir());
        Database database(fixture.databasePath());
        schema::migrate(database, fixture.clock().wallNow(), 1);
        QCOMPARE(schema::currentVersion(database), 1);
        database.execute("INSERT INTO sessions (session_id, client_id, expiry_interval, "
                         "protocol_version, created_at) VALUES (5, 'old-client', 60, 5, 0)");
    }
    const auto state = fixture.open();
    QCOMPARE(state.sessions.size(), std::size_t{1});
    QCOMPARE(state.sessions[0].clientId, std::string("old-client"));
    QCOMPARE(state.maxSessionId, std::uint64_t{5});
    fixture.close();
    Database database(fixture.databasePath());
    QCOMPARE(schema::currentVersion(database), schema::latestVersion());
}

// Version 2 adds dead letters and limits: a version-1 file with a row in every table opens with
// its rows intact, and the new tables work at once.
void TestStoreStartup::versionOneDataSurvivesVersionTwo()
{
    test::StoreFixture fixture;
    QVERIFY(fixture.isValid());
    const auto now = test::storedPrecision(fixture.clock().wallNow());
    {
        std::filesystem::create_directories(fixture.dataDir());
        Database database(fixture.databasePath());
        schema::migrate(database, now, 1);
        QCOMPARE(schema::currentVersion(database), 1);
        database.execute("INSERT INTO sessions (session_id, client_id, expiry_interval, "
                         "protocol_version, created_at) VALUES (5, 'old-client', 3600, 5, 0);"
                         "INSERT INTO subscriptions VALUES (5, 'a/#', 1, 0);"
                         "INSERT INTO queue (session_id, message_id, qos, retain) "
                         "VALUES (5, 9, 1, 0)");
        const std::string blob = records::encodePublishBlob("a/b", "kept", {});
        for (const char* sql :
             {"INSERT INTO messages (message_id, publish, qos, retain, publisher_session_id, "
              "publisher_client_id, received_at) VALUES (9, ?1, 1, 0, 3, 'pub', ?2)",
              "INSERT INTO retained (topic, publish, qos, publisher_session_id, "
              "publisher_client_id, received_at) VALUES ('a/b', ?1, 1, 3, 'pub', ?2)"}) {
            Statement(database, sql).bindBlob(1, blob).bind(2, records::toMillis(now)).run();
        }
    }

    auto state = fixture.open();
    QCOMPARE(state.sessions.size(), std::size_t{1});
    QCOMPARE(state.subscriptions.size(), std::size_t{1});
    QCOMPARE(state.subscriptions[0].filter, std::string("a/#"));
    QCOMPARE(state.queues.at(5).deliveries.size(), std::size_t{1});
    QCOMPARE(state.queues.at(5).deliveries[0].message->payload, std::string("kept"));
    QCOMPARE(state.retained.size(), std::size_t{1});
    QVERIFY(state.limits.empty());

    fixture.store().saveLimit({core::StoredLimit::Scope::Client, "old-client", "max_queue", 7});
    fixture.store().deadLetters().add(
        test::makeDeadLetter(fixture.clock(), "a/b", core::DeadLetterReason::Expired));
    state = fixture.reopen();
    QCOMPARE(state.sessions.size(), std::size_t{1});
    QCOMPARE(state.limits.size(), std::size_t{1});
    QCOMPARE(state.limits[0].value, std::int64_t{7});
    const auto letter = test::awaitStoreCallback<std::optional<core::DeadLetter>>(
        [&](auto done) { fixture.store().deadLetters().get(1, std::move(done)); });
    QVERIFY(letter && *letter);
    QCOMPARE((*letter)->message->topic, std::string("a/b"));
    fixture.close();

    Database database(fixture.databasePath());
    QCOMPARE(schema::currentVersion(database), 2);
    QCOMPARE(database.queryInt64("SELECT count(*) FROM schema_version"), std::int64_t{2});
}

void TestStoreStartup::newerSchemaIsRefused()
{
    test::StoreFixture fixture;
    fixture.open();
    fixture.close();
    const int future = schema::latestVersion() + 1;
    {
        Database database(fixture.databasePath());
        Statement(database, "INSERT INTO schema_version (version, description, applied_at) "
                            "VALUES (?1, 'from the future', 0)")
            .bind(1, future)
            .run();
    }
    const std::string error = recoverError(fixture.dataDir());
    QVERIFY2(contains(error, fixture.databasePath()), error.c_str());
    QVERIFY2(contains(error, "version " + std::to_string(future)), error.c_str());
    QVERIFY2(contains(error, "(" + std::to_string(schema::latestVersion()) + ")"), error.c_str());
}

void TestStoreStartup::missingDataDirectoryIsCreated()
{
    QTemporaryDir dir;
    const std::string dataDir = dir.filePath(QStringLiteral("a/b/c")).toStdString();
    QCOMPARE(recoverError(dataDir), std::string());
    QVERIFY(std::filesystem::exists(std::filesystem::path(dataDir) / SqliteStore::kFileName));
}

void TestStoreStartup::garbageFileIsReportedAsCorrupt()
{
    test::StoreFixture fixture;
    std::filesystem::create_directories(fixture.dataDir());
    {
        std::ofstream file(fixture.databasePath(), std::ios::binary);
        std::mt19937 random(7);
        for (int i = 0; i < 8192; ++i) {
            file.put(static_cast<char>(random()));
        }
    }
    const std::string error = recoverError(fixture.dataDir());
    QVERIFY2(contains(error, fixture.databasePath() + ": database is corrupt"), error.c_str());
    QVERIFY2(contains(error, "not a database"), error.c_str());
}

// A valid header but a damaged table: quick_check finds it before anything is read.
void TestStoreStartup::damagedPageIsReportedAsCorrupt()
{
    test::StoreFixture fixture;
    fixture.open();
    for (int i = 0; i < 200; ++i) {
        fixture.store().saveSession(
            test::makeSession(fixture.clock(), i + 1, "client-" + std::to_string(i)));
    }
    fixture.close();
    {
        std::fstream file(fixture.databasePath(), std::ios::binary | std::ios::in | std::ios::out);
        const auto size = std::filesystem::file_size(fixture.databasePath());
        QVERIFY(size > 3 * 4096);
        // Overwrite the middle of page 3 onwards (page 1 is the header and schema).
        file.seekp(2 * 4096 + 100);
        for (int i = 0; i < 4096; ++i) {
            file.put('\xA5');
        }
    }
    const std::string error = recoverError(fixture.dataDir());
    QVERIFY2(contains(error, fixture.databasePath() + ": database is corrupt"), error.c_str());
}

void TestStoreStartup::directoryInPlaceOfTheFileIsReported()
{
    test::StoreFixture fixture;
    std::filesystem::create_directories(fixture.databasePath());
    const std::string error = recoverError(fixture.dataDir());
    QVERIFY2(contains(error, fixture.databasePath()), error.c_str());
    QVERIFY2(contains(error, "directory"), error.c_str());
}

void TestStoreStartup::dataDirectoryThatIsAFileIsReported()
{
    QTemporaryDir dir;
    const std::string dataDir = dir.filePath(QStringLiteral("not-a-dir")).toStdString();
    std::ofstream(dataDir) << "x";
    const std::string error = recoverError(dataDir);
    QVERIFY2(contains(error, dataDir + ": cannot create the data directory"), error.c_str());
}

void TestStoreStartup::unwritableDirectoryIsReported()
{
    if (geteuid() == 0) {
        QSKIP("permissions do not apply to root; covered by the two tests above");
    }
    QTemporaryDir dir;
    const std::filesystem::path dataDir = dir.filePath(QStringLiteral("locked")).toStdString();
    std::filesystem::create_directories(dataDir);
    std::filesystem::permissions(dataDir, std::filesystem::perms::owner_read |
                                              std::filesystem::perms::owner_exec);
    const std::string error = recoverError(dataDir.string());
    std::filesystem::permissions(dataDir, std::filesystem::perms::owner_all);
    QVERIFY2(contains(error, (dataDir / SqliteStore::kFileName).string()), error.c_str());
    QVERIFY2(contains(error, "Permission denied"), error.c_str());
}

void TestStoreStartup::readOnlyFileIsReported()
{
    if (geteuid() == 0) {
        QSKIP("permissions do not apply to root");
    }
    test::StoreFixture fixture;
    fixture.open();
    fixture.close();
    std::filesystem::permissions(fixture.databasePath(), std::filesystem::perms::owner_read);
    const std::string error = recoverError(fixture.dataDir());
    QVERIFY2(contains(error, fixture.databasePath()), error.c_str());
    QVERIFY2(contains(error, "not writable"), error.c_str());
}

QTEST_GUILESS_MAIN(TestStoreStartup)
#include "TestStoreStartup.moc"
