#include "app/TlsConfiguration.h"

#include <QtCore/QFile>
#include <QtNetwork/QSslCertificate>
#include <QtNetwork/QSslKey>

namespace sb::app {

namespace {

std::optional<QByteArray> readFile(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = TlsConfiguration::tr("Cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return file.readAll();
}

// The key type is not in a PEM file's name; try the ones brokers use.
QSslKey parseKey(const QByteArray& pem)
{
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        QSslKey key(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull()) {
            return key;
        }
    }
    return {};
}

} // namespace

std::optional<QSslConfiguration> TlsConfiguration::forEndpoint(const AdminEndpoint& endpoint,
                                                               QString* error)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    if (!endpoint.caFile.isEmpty()) {
        const auto pem = readFile(endpoint.caFile, error);
        if (!pem) {
            return std::nullopt;
        }
        const QList<QSslCertificate> authorities = QSslCertificate::fromData(*pem, QSsl::Pem);
        if (authorities.isEmpty()) {
            *error = tr("%1 holds no PEM certificate").arg(endpoint.caFile);
            return std::nullopt;
        }
        configuration.addCaCertificates(authorities);
    }
    if (!endpoint.clientCertificateFile.isEmpty()) {
        const auto pem = readFile(endpoint.clientCertificateFile, error);
        if (!pem) {
            return std::nullopt;
        }
        const QList<QSslCertificate> chain = QSslCertificate::fromData(*pem, QSsl::Pem);
        if (chain.isEmpty()) {
            *error = tr("%1 holds no PEM certificate").arg(endpoint.clientCertificateFile);
            return std::nullopt;
        }
        configuration.setLocalCertificateChain(chain);
        const QString keyPath = endpoint.clientKeyFile.isEmpty() ? endpoint.clientCertificateFile
                                                                 : endpoint.clientKeyFile;
        const auto keyPem = readFile(keyPath, error);
        if (!keyPem) {
            return std::nullopt;
        }
        const QSslKey key = parseKey(*keyPem);
        if (key.isNull()) {
            *error = tr("%1 holds no unencrypted PEM private key").arg(keyPath);
            return std::nullopt;
        }
        configuration.setPrivateKey(key);
    }
    if (endpoint.ignoreTlsErrors) {
        configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    }
    return configuration;
}

} // namespace sb::app
