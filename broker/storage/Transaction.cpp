#include "broker/storage/Transaction.h"

#include <exception>

#include <spdlog/spdlog.h>

#include "broker/storage/Statement.h"

namespace sb::storage {

namespace {

// Rollback runs in destructors, which must not throw; a failed rollback is logged (SQLite ends
// the transaction itself when the connection is in a state that needs it).
void runQuietly(Database& database, std::string_view sql)
{
    try {
        Statement(database, sql).run();
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
    }
}

} // namespace

Transaction::Transaction(Database& database)
    : m_database(database)
{
    Statement(m_database, "BEGIN IMMEDIATE").run();
}

Transaction::~Transaction()
{
    // After some errors (SQLITE_FULL, SQLITE_IOERR) SQLite has already rolled back.
    if (!m_done && m_database.inTransaction()) {
        runQuietly(m_database, "ROLLBACK");
    }
}

void Transaction::commit()
{
    Statement(m_database, "COMMIT").run();
    m_done = true;
}

Savepoint::Savepoint(Database& database)
    : m_database(database)
{
    Statement(m_database, "SAVEPOINT operation").run();
}

Savepoint::~Savepoint()
{
    if (!m_done && m_database.inTransaction()) {
        runQuietly(m_database, "ROLLBACK TO operation");
        runQuietly(m_database, "RELEASE operation");
    }
}

void Savepoint::release()
{
    Statement(m_database, "RELEASE operation").run();
    m_done = true;
}

} // namespace sb::storage
