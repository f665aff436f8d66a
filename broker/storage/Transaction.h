#pragma once

#include "broker/storage/Database.h"

namespace sb::storage {

// One write transaction (BEGIN IMMEDIATE, so the write lock is taken at the start and COMMIT
// cannot fail for want of it). Rolls back in its destructor unless commit() succeeded: an
// exception or an early return leaves nothing behind.
class Transaction
{
public:
    explicit Transaction(Database& database);
    ~Transaction();

    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    // Throws SqliteError if the commit fails; the destructor then rolls back what is left.
    void commit();

private:
    Database& m_database;
    bool m_done = false;
};

// A nested unit inside an open transaction (SAVEPOINT): rolls back to where it began unless
// release() was called, keeping the enclosing transaction and what was done before it. The
// store wraps each operation of a grouped commit in one, so one failing operation does not take
// the others with it.
class Savepoint
{
public:
    explicit Savepoint(Database& database);
    ~Savepoint();

    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;

    void release();

private:
    Database& m_database;
    bool m_done = false;
};

} // namespace sb::storage
