#include "app/ConnectionProfileStore.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QPointer>
#include <QtCore/QStandardPaths>
#include <QtCore/QTimer>
#include <QtSql/QSqlError>
#include <QtSql/QSqlQuery>

#include "app/SqlTransaction.h"

namespace sb::app {

namespace {

constexpr int kSchemaVersion = 1;

const QStringList& schema()
{
    // AUTOINCREMENT: an id is never reused, because the keychain entry and the metric history
    // of a removed profile are keyed by it and must not pass to a new one.
    static const QStringList statements{QStringLiteral(R"(
        CREATE TABLE IF NOT EXISTS profiles (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            admin_url TEXT NOT NULL,
            token TEXT,
            token_storage TEXT NOT NULL DEFAULT 'database',
            ca_file TEXT NOT NULL DEFAULT '',
            client_certificate_file TEXT NOT NULL DEFAULT '',
            client_key_file TEXT NOT NULL DEFAULT '',
            ignore_tls_errors INTEGER NOT NULL DEFAULT 0
        ))")};
    return statements;
}

// SQLite stores a null QString as NULL; the text columns are NOT NULL.
QString text(const QString& value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

const QString kKeychain = QStringLiteral("keychain");
const QString kDatabase = QStringLiteral("database");

const QString kSelect =
    QStringLiteral("SELECT id, name, admin_url, token_storage, ca_file, client_certificate_file, "
                   "client_key_file, ignore_tls_errors FROM profiles");

ConnectionProfile fromRow(const QSqlQuery& query)
{
    ConnectionProfile profile;
    profile.id = query.value(0).toLongLong();
    profile.name = query.value(1).toString();
    profile.endpoint.url = QUrl(query.value(2).toString());
    profile.tokenStorage = query.value(3).toString() == kKeychain
                               ? ConnectionProfile::TokenStorage::Keychain
                               : ConnectionProfile::TokenStorage::Database;
    profile.endpoint.caFile = query.value(4).toString();
    profile.endpoint.clientCertificateFile = query.value(5).toString();
    profile.endpoint.clientKeyFile = query.value(6).toString();
    profile.endpoint.ignoreTlsErrors = query.value(7).toBool();
    return profile;
}

} // namespace

ConnectionProfileStore::ConnectionProfileStore(std::unique_ptr<TokenVault> vault, QObject* parent)
    : QObject(parent)
    , m_vault(std::move(vault))
    , m_connection(QStringLiteral("profiles"))
    , m_keychainState(m_vault ? KeychainState::Probing : KeychainState::Unavailable)
{}

ConnectionProfileStore::~ConnectionProfileStore() = default;

QString ConnectionProfileStore::defaultPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation))
        .filePath(QStringLiteral("profiles.sqlite"));
}

bool ConnectionProfileStore::open(const QString& path, QString* error)
{
    if (!m_connection.open(path, kSchemaVersion, schema(), error)) {
        return false;
    }
    // Tokens may be in this file: only its owner may read it.
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

void ConnectionProfileStore::detectKeychain()
{
    if (!m_vault) {
        return;
    }
    m_vault->probe(this, [this](bool available) {
        m_keychainState = available ? KeychainState::Available : KeychainState::Unavailable;
        Q_EMIT keychainStateChanged(m_keychainState);
        if (available) {
            migrateTokensToKeychain();
        }
    });
}

QList<ConnectionProfile> ConnectionProfileStore::profiles() const
{
    QList<ConnectionProfile> result;
    QSqlQuery query(kSelect + QStringLiteral(" ORDER BY name COLLATE NOCASE, id"),
                    m_connection.database());
    while (query.next()) {
        result.append(fromRow(query));
    }
    return result;
}

std::optional<ConnectionProfile> ConnectionProfileStore::profile(qint64 id) const
{
    QSqlQuery query(m_connection.database());
    query.prepare(kSelect + QStringLiteral(" WHERE id = ?"));
    query.addBindValue(id);
    if (!query.exec() || !query.next()) {
        return std::nullopt;
    }
    return fromRow(query);
}

qint64 ConnectionProfileStore::save(const ConnectionProfile& profile, QString* error)
{
    const QString name = profile.name.trimmed();
    if (name.isEmpty()) {
        *error = tr("The profile needs a name.");
        return 0;
    }
    if (profile.endpoint.url.isEmpty()) {
        *error = tr("The profile needs an admin URL.");
        return 0;
    }
    // The token is written to the database first and leaves it only once the keychain holds
    // it: a crash or a refusal in between never loses it.
    const bool toKeychain = m_keychainState == KeychainState::Available;
    QSqlDatabase& db = m_connection.database();
    SqlTransaction transaction(db);
    QSqlQuery query(db);
    if (profile.id == 0) {
        query.prepare(
            QStringLiteral("INSERT INTO profiles (name, admin_url, token, token_storage, ca_file, "
                           "client_certificate_file, client_key_file, ignore_tls_errors) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    } else {
        query.prepare(QStringLiteral(
            "UPDATE profiles SET name = ?, admin_url = ?, token = ?, token_storage = ?, "
            "ca_file = ?, client_certificate_file = ?, client_key_file = ?, "
            "ignore_tls_errors = ? WHERE id = ?"));
    }
    const AdminEndpoint& endpoint = profile.endpoint;
    query.addBindValue(name);
    query.addBindValue(endpoint.url.toString());
    query.addBindValue(text(endpoint.token));
    query.addBindValue(kDatabase);
    query.addBindValue(text(endpoint.caFile));
    query.addBindValue(text(endpoint.clientCertificateFile));
    query.addBindValue(text(endpoint.clientKeyFile));
    query.addBindValue(endpoint.ignoreTlsErrors ? 1 : 0);
    if (profile.id != 0) {
        query.addBindValue(profile.id);
    }
    if (!query.exec()) {
        const bool duplicate = query.lastError().nativeErrorCode() == QStringLiteral("2067") ||
                               query.lastError().text().contains(QStringLiteral("UNIQUE"));
        *error = duplicate ? tr("A broker named \"%1\" exists already.").arg(name)
                           : query.lastError().text();
        return 0;
    }
    if (profile.id != 0 && query.numRowsAffected() == 0) {
        *error = tr("The profile was removed meanwhile.");
        return 0;
    }
    const qint64 id = profile.id != 0 ? profile.id : query.lastInsertId().toLongLong();
    if (!transaction.commit()) {
        *error = db.lastError().text();
        return 0;
    }
    m_tokens.insert(id, endpoint.token);
    if (profile.id == 0) {
        Q_EMIT profileAdded(id);
    } else {
        Q_EMIT profileChanged(id);
    }
    if (toKeychain) {
        moveTokenToKeychain(id, endpoint.token);
    }
    return id;
}

void ConnectionProfileStore::moveTokenToKeychain(qint64 id, const QString& token)
{
    m_vault->write(keychainKey(id), token, this, [this, id, token](bool ok, const QString&) {
        if (ok) {
            QSqlQuery query(m_connection.database());
            query.prepare(QStringLiteral("UPDATE profiles SET token = NULL, token_storage = ? "
                                         "WHERE id = ? AND token_storage = ?"));
            query.addBindValue(kKeychain);
            query.addBindValue(id);
            query.addBindValue(kDatabase);
            if (query.exec() && query.numRowsAffected() > 0) {
                Q_EMIT profileChanged(id);
            }
            return;
        }
        // The keychain refused (locked, user said no): the token must not be lost.
        if (keepTokenInDatabase(id, token)) {
            Q_EMIT profileChanged(id);
        }
    });
}

bool ConnectionProfileStore::keepTokenInDatabase(qint64 id, const QString& token)
{
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("UPDATE profiles SET token = ?, token_storage = ? WHERE id = ?"));
    query.addBindValue(token);
    query.addBindValue(kDatabase);
    query.addBindValue(id);
    return query.exec() && query.numRowsAffected() > 0;
}

void ConnectionProfileStore::migrateTokensToKeychain()
{
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral(
        "SELECT id, token FROM profiles WHERE token_storage = ? AND token IS NOT NULL"));
    query.addBindValue(kDatabase);
    if (!query.exec()) {
        return;
    }
    while (query.next()) {
        moveTokenToKeychain(query.value(0).toLongLong(), query.value(1).toString());
    }
}

bool ConnectionProfileStore::remove(qint64 id, QString* error)
{
    const auto existing = profile(id);
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("DELETE FROM profiles WHERE id = ?"));
    query.addBindValue(id);
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    if (query.numRowsAffected() == 0) {
        *error = tr("There is no such profile.");
        return false;
    }
    m_tokens.remove(id);
    if (existing && existing->tokenStorage == ConnectionProfile::TokenStorage::Keychain &&
        m_vault) {
        m_vault->remove(keychainKey(id), this, [](bool, const QString&) {});
    }
    Q_EMIT profileRemoved(id);
    return true;
}

void ConnectionProfileStore::token(qint64 id, QObject* context, TokenCallback done)
{
    const auto known = m_tokens.constFind(id);
    if (known != m_tokens.constEnd()) {
        QTimer::singleShot(0, context,
                           [token = *known, done = std::move(done)] { done(token, {}); });
        return;
    }
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("SELECT token_storage, token FROM profiles WHERE id = ?"));
    query.addBindValue(id);
    if (!query.exec() || !query.next()) {
        QTimer::singleShot(0, context, [done = std::move(done)] {
            done(std::nullopt, tr("There is no such profile."));
        });
        return;
    }
    if (query.value(0).toString() != kKeychain || !m_vault) {
        const QString token = query.value(1).toString();
        m_tokens.insert(id, token);
        QTimer::singleShot(0, context, [token, done = std::move(done)] { done(token, {}); });
        return;
    }
    QPointer<ConnectionProfileStore> self(this);
    m_vault->read(
        keychainKey(id), context,
        [self, id, done = std::move(done)](std::optional<QString> token, const QString& error) {
            if (token && self) {
                self->m_tokens.insert(id, *token);
            }
            if (!token && error.isEmpty()) {
                done(std::nullopt, tr("The keychain has no token for this broker."));
                return;
            }
            done(token, error);
        });
}

QString ConnectionProfileStore::keychainKey(qint64 id)
{
    return QStringLiteral("broker-profile-%1").arg(id);
}

} // namespace sb::app
