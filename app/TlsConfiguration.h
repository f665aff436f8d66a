#pragma once

#include <optional>

#include <QtCore/QCoreApplication>
#include <QtNetwork/QSslConfiguration>

#include "app/AdminEndpoint.h"

namespace sb::app {

// Builds the QSslConfiguration for an endpoint from its CA and client-certificate files, with
// a message naming the file when one cannot be used.
class TlsConfiguration
{
    Q_DECLARE_TR_FUNCTIONS(TlsConfiguration)

public:
    // Nullopt with the reason in `error` if a file cannot be read or parsed.
    static std::optional<QSslConfiguration> forEndpoint(const AdminEndpoint& endpoint,
                                                        QString* error);
};

} // namespace sb::app
