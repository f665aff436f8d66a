#pragma once

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtSql/QSqlDatabase>

namespace sb::app {

// One SQLite database opened under a connection name of its own (QSqlDatabase's registry is
// process-wide, so two stores, or two tests, must never share a name), closed and removed
// from the registry when this object goes.
class SqliteConnection
{
public:
    explicit SqliteConnection(const QString& purpose);
    ~SqliteConnection();
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    // Opens `path` (creating its folder), in WAL mode, and makes sure `schema` (statements
    // separated by ';') exists at `version` in a schema_version table. False with the reason
    // in `error` otherwise, including a database written by a newer console.
    bool open(const QString& path, int version, const QStringList& schema, QString* error);

    QSqlDatabase& database() { return m_database; }
    const QSqlDatabase& database() const { return m_database; }
    bool isOpen() const { return m_database.isOpen(); }

private:
    QString m_name;
    QSqlDatabase m_database;
};

} // namespace sb::app
