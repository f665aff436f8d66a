#include "app/SqliteConnection.h"

#include <QtCore/QAtomicInteger>
#include <QtCore/QCoreApplication>
#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include "app/SqlTransaction.h"

namespace sb::app {

namespace {

QString uniqueName(const QString& purpose)
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("switchboard-%1-%2").arg(purpose).arg(++counter);
}

bool exec(QSqlQuery& query, const QString& statement, QString* error)
{
    if (query.exec(statement)) {
        return true;
    }
    *error = query.lastError().text();
    return false;
}

} // namespace

SqliteConnection::SqliteConnection(const QString& purpose)
    : m_name(uniqueName(purpose))
{}

SqliteConnection::~SqliteConnection()
{
    if (m_database.isValid()) {
        m_database.close();
        // No QSqlDatabase copy may outlive removeDatabase(): drop ours first.
        m_database = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
}

bool SqliteConnection::open(const QString& path, int version, const QStringList& schema,
                            QString* error)
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        *error = QCoreApplication::translate("SqliteConnection", "Cannot create the folder of %1")
                     .arg(path);
        return false;
    }
    m_database = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
    if (!m_database.isValid()) {
        *error = QCoreApplication::translate(
            "SqliteConnection", "The Qt SQLite driver is missing (Debian: libqt6sql6-sqlite).");
        return false;
    }
    m_database.setDatabaseName(path);
    if (!m_database.open()) {
        *error = m_database.lastError().text();
        return false;
    }
    QSqlQuery query(m_database);
    // WAL with synchronous=NORMAL: a commit costs no fsync, and a crash loses at most the
    // last commits, never the file. History and profiles can afford that; the UI cannot
    // afford an fsync on its thread every second.
    if (!exec(query, QStringLiteral("PRAGMA journal_mode=WAL"), error) ||
        !exec(query, QStringLiteral("PRAGMA synchronous=NORMAL"), error) ||
        !exec(
            query,
            QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"),
            error) ||
        !exec(query, QStringLiteral("SELECT version FROM schema_version"), error)) {
        return false;
    }
    const int existing = query.next() ? query.value(0).toInt() : 0;
    if (existing > version) {
        *error = QCoreApplication::translate(
                     "SqliteConnection",
                     "%1 was written by a newer Switchboard (schema %2, this one knows %3).")
                     .arg(path)
                     .arg(existing)
                     .arg(version);
        return false;
    }
    if (existing == version) {
        return true;
    }
    SqlTransaction transaction(m_database);
    for (const QString& statement : schema) {
        if (!exec(query, statement, error)) {
            return false;
        }
    }
    if (!exec(query, QStringLiteral("DELETE FROM schema_version"), error)) {
        return false;
    }
    query.prepare(QStringLiteral("INSERT INTO schema_version (version) VALUES (?)"));
    query.addBindValue(version);
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    if (!transaction.commit()) {
        *error = m_database.lastError().text();
        return false;
    }
    return true;
}

} // namespace sb::app
