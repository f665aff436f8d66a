#pragma once

#include <QtCore/QString>

#include "app/AdminEndpoint.h"

namespace sb::app {

// A saved remote broker: what the profile dialog edits and the profile store keeps.
struct ConnectionProfile
{
    enum class TokenStorage
    {
        Keychain, // in the operating system's keychain
        Database, // in the profile database, readable by anyone who can read the file
    };

    qint64 id = 0; // 0 until saved
    QString name;
    AdminEndpoint endpoint; // the token is filled only when the store was asked for it
    TokenStorage tokenStorage = TokenStorage::Database;
};

} // namespace sb::app
