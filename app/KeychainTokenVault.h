#pragma once

#include "app/TokenVault.h"

namespace sb::app {

// Tokens in the operating system's keychain through QtKeychain (Secret Service or KWallet on
// Linux, Keychain on macOS, Credential Manager on Windows), under one service name.
class KeychainTokenVault final : public TokenVault
{
public:
    // How long the probe waits for a keychain before calling it unavailable: a D-Bus service
    // that never answers must not leave tokens undecided.
    static constexpr int kProbeTimeoutMs = 5000;

    explicit KeychainTokenVault(QString service = QStringLiteral("Switchboard"));

    void probe(QObject* context, std::function<void(bool available)> done) override;
    void write(const QString& key, const QString& token, QObject* context, Done done) override;
    void read(const QString& key, QObject* context, Read done) override;
    void remove(const QString& key, QObject* context, Done done) override;

private:
    QString m_service;
};

} // namespace sb::app
