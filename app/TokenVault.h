#pragma once

#include <functional>
#include <optional>

#include <QtCore/QObject>
#include <QtCore/QString>

namespace sb::app {

// Where tokens are kept outside the profile database: the operating system's keychain in the
// program, a fake in tests. Asynchronous because keychains are (they may ask the user).
// Callbacks run on the caller's thread, never after `context` is destroyed, and in the order
// the calls were made.
class TokenVault
{
public:
    using Done = std::function<void(bool ok, const QString& error)>;
    using Read = std::function<void(std::optional<QString> token, const QString& error)>;

    virtual ~TokenVault() = default;

    // Whether a keychain service answers at all (none on a headless CI machine).
    virtual void probe(QObject* context, std::function<void(bool available)> done) = 0;
    virtual void write(const QString& key, const QString& token, QObject* context, Done done) = 0;
    // nullopt with an empty error: there is no such entry.
    virtual void read(const QString& key, QObject* context, Read done) = 0;
    virtual void remove(const QString& key, QObject* context, Done done) = 0;
};

} // namespace sb::app
