#pragma once

#include <QtSql/QSqlDatabase>

namespace sb::app {

// A transaction that rolls back unless commit() was called, so an early return or a failed
// statement never leaves half a change behind.
class SqlTransaction
{
public:
    explicit SqlTransaction(QSqlDatabase& database)
        : m_database(database)
        , m_active(database.transaction())
    {}
    ~SqlTransaction()
    {
        if (m_active) {
            m_database.rollback();
        }
    }
    SqlTransaction(const SqlTransaction&) = delete;
    SqlTransaction& operator=(const SqlTransaction&) = delete;

    bool isActive() const { return m_active; }
    bool commit()
    {
        if (!m_active) {
            return false;
        }
        m_active = false;
        return m_database.commit();
    }

private:
    QSqlDatabase& m_database;
    bool m_active;
};

} // namespace sb::app
