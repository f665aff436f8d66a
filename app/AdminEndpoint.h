#pragma once

#include <QtCore/QString>
#include <QtCore/QUrl>

namespace sb::app {

// Where a broker's admin API is and how to reach it: the URL, the bearer token and the TLS
// settings. The same for the embedded broker (loopback, no TLS) and a remote one.
struct AdminEndpoint
{
    QUrl url; // http(s)://host:port, the API under /api/v1
    QString token;
    QString caFile;                // extra CA certificates (PEM) trusted for this broker
    QString clientCertificateFile; // PEM, for brokers that ask for a client certificate
    QString clientKeyFile;         // PEM, unencrypted
    bool ignoreTlsErrors = false;  // accept any certificate (development only)

    bool isTls() const { return url.scheme() == QStringLiteral("https"); }
    bool operator==(const AdminEndpoint&) const = default;
};

} // namespace sb::app
