#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QObject>

#include "app/ConnectionProfile.h"
#include "app/SqliteConnection.h"
#include "app/TokenVault.h"

namespace sb::app {

// The saved remote brokers, in a SQLite database in the user's config folder. Each token goes
// to the operating system's keychain when one answers, and into the database otherwise, with
// the profile saying where, so the UI can warn about it. Tokens already in the database move
// to the keychain once one is found.
class ConnectionProfileStore : public QObject
{
    Q_OBJECT

public:
    enum class KeychainState
    {
        Probing,     // not known yet: tokens saved meanwhile go to the database, for now
        Available,   // tokens go to the keychain
        Unavailable, // tokens stay in the database
    };
    Q_ENUM(KeychainState)

    using TokenCallback = std::function<void(std::optional<QString> token, const QString& error)>;

    // `vault` may be null: there is no keychain at all.
    explicit ConnectionProfileStore(std::unique_ptr<TokenVault> vault, QObject* parent = nullptr);
    ~ConnectionProfileStore() override;

    // <config folder>/profiles.sqlite
    static QString defaultPath();

    bool open(const QString& path, QString* error);
    // Asks the vault whether a keychain answers; keychainStateChanged() tells.
    void detectKeychain();
    KeychainState keychainState() const { return m_keychainState; }

    // Ordered by name. Tokens are not filled in: ask token().
    QList<ConnectionProfile> profiles() const;
    std::optional<ConnectionProfile> profile(qint64 id) const;
    // Inserts (id 0) or updates, token included. Returns the id, or 0 with the reason in
    // `error` (an empty name or URL, a name already used, a database error).
    qint64 save(const ConnectionProfile& profile, QString* error);
    bool remove(qint64 id, QString* error);
    // The token of profile `id`, from memory if known this session, else from where it is
    // kept. `done` runs later on this thread unless `context` is destroyed first.
    void token(qint64 id, QObject* context, TokenCallback done);

Q_SIGNALS:
    void profileAdded(qint64 id);
    // Also when its token moved between the keychain and the database.
    void profileChanged(qint64 id);
    void profileRemoved(qint64 id);
    void keychainStateChanged(sb::app::ConnectionProfileStore::KeychainState state);

private:
    static QString keychainKey(qint64 id);
    void moveTokenToKeychain(qint64 id, const QString& token);
    bool keepTokenInDatabase(qint64 id, const QString& token);
    void migrateTokensToKeychain();

    std::unique_ptr<TokenVault> m_vault;
    SqliteConnection m_connection;
    KeychainState m_keychainState = KeychainState::Probing;
    // Tokens known this session, so the keychain is asked once per profile at most.
    QHash<qint64, QString> m_tokens;
};

} // namespace sb::app
