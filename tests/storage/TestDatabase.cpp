#include <filesystem>
#include <stdexcept>
#include <string>

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include "broker/storage/Database.h"
#include "broker/storage/Statement.h"
#include "broker/storage/Transaction.h"
#include "tests/support/TestPrinters.h"

using namespace sb::storage;

// The RAII layer under the store: a connection, cached statements that reset themselves, and
// transactions and savepoints that roll back unless told otherwise.
class TestDatabase : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void statementBindsAndReadsEveryType();
    void statementIsResetWhenItGoesOutOfScope();
    void nestedUseOfOneStatementIsRefused();
    void committedTransactionIsKept();
    void exceptionInsideTransactionLeavesNothing();
    void failedStatementInsideTransactionLeavesNothing();
    void savepointUndoesOnlyItsOwnWork();
    void openErrorNamesThePathAndTheReason();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Database> m_db;
    std::int64_t count() { return m_db->queryInt64("SELECT count(*) FROM t"); }
};

void TestDatabase::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_db = std::make_unique<Database>(m_dir->filePath(QStringLiteral("t.db")).toStdString());
    m_db->execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT, b BLOB)");
}

void TestDatabase::cleanup()
{
    m_db.reset();
    m_dir.reset();
}

void TestDatabase::statementBindsAndReadsEveryType()
{
    const std::string blob("\x00\x01\x02\xFF", 4);
    Statement(*m_db, "INSERT INTO t (id, n, s, b) VALUES (?1, ?2, ?3, ?4)")
        .bind(1, 1)
        .bind(2, std::optional<std::int64_t>(-5))
        .bind(3, std::string_view("text"))
        .bindBlob(4, blob)
        .run();
    Statement(*m_db, "INSERT INTO t (id, n, s, b) VALUES (?1, ?2, ?3, ?4)")
        .bind(1, std::uint64_t{2})
        .bind(2, std::optional<std::int64_t>())
        .bindNull(3)
        .bindNull(4)
        .run();

    Statement select(*m_db, "SELECT n, s, b FROM t ORDER BY id");
    QVERIFY(select.step());
    QCOMPARE(select.int64(0), std::int64_t{-5});
    QCOMPARE(select.text(1), std::string("text"));
    QCOMPARE(select.blob(2), blob);
    QVERIFY(select.step());
    QVERIFY(select.isNull(0));
    QVERIFY(!select.optionalInt64(0).has_value());
    QCOMPARE(select.text(1), std::string());
    QVERIFY(!select.step());
}

// Leaving a statement half-stepped must not leak its position or bindings into the next use.
void TestDatabase::statementIsResetWhenItGoesOutOfScope()
{
    for (int id = 1; id <= 3; ++id) {
        Statement(*m_db, "INSERT INTO t (id, n) VALUES (?1, ?2)").bind(1, id).bind(2, id).run();
    }
    {
        Statement select(*m_db, "SELECT id FROM t WHERE n >= ?1 ORDER BY id");
        select.bind(1, 2);
        QVERIFY(select.step());
        QCOMPARE(select.int64(0), std::int64_t{2});
    }
    Statement again(*m_db, "SELECT id FROM t WHERE n >= ?1 ORDER BY id");
    // Bindings were cleared: NULL compares false, so nothing matches.
    QVERIFY(!again.step());
}

void TestDatabase::nestedUseOfOneStatementIsRefused()
{
    Statement outer(*m_db, "SELECT id FROM t");
    QVERIFY_THROWS_EXCEPTION(std::logic_error, Statement(*m_db, "SELECT id FROM t"));
}

void TestDatabase::committedTransactionIsKept()
{
    {
        Transaction transaction(*m_db);
        QVERIFY(m_db->inTransaction());
        Statement(*m_db, "INSERT INTO t (n) VALUES (1)").run();
        transaction.commit();
    }
    QVERIFY(!m_db->inTransaction());
    QCOMPARE(count(), std::int64_t{1});
}

void TestDatabase::exceptionInsideTransactionLeavesNothing()
{
    try {
        Transaction transaction(*m_db);
        Statement(*m_db, "INSERT INTO t (n) VALUES (1)").run();
        Statement(*m_db, "INSERT INTO t (n) VALUES (2)").run();
        throw std::runtime_error("the caller gives up half-way");
    } catch (const std::runtime_error&) {
    }
    QVERIFY(!m_db->inTransaction());
    QCOMPARE(count(), std::int64_t{0});
}

void TestDatabase::failedStatementInsideTransactionLeavesNothing()
{
    bool threw = false;
    try {
        Transaction transaction(*m_db);
        Statement(*m_db, "INSERT INTO t (id, n) VALUES (1, 1)").run();
        Statement(*m_db, "INSERT INTO t (id, n) VALUES (1, 2)").run(); // duplicate key
        transaction.commit();
    } catch (const SqliteError& e) {
        threw = true;
        QVERIFY(!e.isStorageFailure());
        QVERIFY2(std::string(e.what()).find("t.db") != std::string::npos, e.what());
    }
    QVERIFY(threw);
    QVERIFY(!m_db->inTransaction());
    QCOMPARE(count(), std::int64_t{0});
}

void TestDatabase::savepointUndoesOnlyItsOwnWork()
{
    Transaction transaction(*m_db);
    Statement(*m_db, "INSERT INTO t (id, n) VALUES (1, 1)").run();
    try {
        Savepoint savepoint(*m_db);
        Statement(*m_db, "INSERT INTO t (id, n) VALUES (2, 2)").run();
        Statement(*m_db, "INSERT INTO t (id, n) VALUES (1, 3)").run(); // duplicate key
        savepoint.release();
    } catch (const SqliteError&) {
    }
    {
        Savepoint savepoint(*m_db);
        Statement(*m_db, "INSERT INTO t (id, n) VALUES (3, 3)").run();
        savepoint.release();
    }
    QVERIFY(m_db->inTransaction());
    transaction.commit();
    QCOMPARE(m_db->queryInt64("SELECT group_concat(id) = '1,3' FROM t"), std::int64_t{1});
}

void TestDatabase::openErrorNamesThePathAndTheReason()
{
    const std::string path = m_dir->filePath(QStringLiteral("missing/dir/x.db")).toStdString();
    try {
        Database database(path);
        QFAIL("opening a file in a missing directory succeeded");
    } catch (const SqliteError& e) {
        const std::string message = e.what();
        QVERIFY2(message.find(path) != std::string::npos, e.what());
        QVERIFY2(message.find("No such file or directory") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestDatabase)
#include "TestDatabase.moc"
