#include "tests/ui/ConsoleFixture.h"

#include <QtCore/QStandardPaths>
#include <QtNetwork/QTcpServer>

namespace sb::test {

ConsoleFixture::ConsoleFixture()
{
    QStandardPaths::setTestModeEnabled(true);
    app::Console::Parts parts;
    parts.settings =
        std::make_unique<app::AppSettings>(m_dir.filePath(QStringLiteral("console.ini")));
    parts.profiles = std::make_unique<app::ConnectionProfileStore>(nullptr);
    parts.history = std::make_unique<app::MetricHistoryStore>();

    app::EmbeddedBrokerSettings local;
    local.mqttPort = freePort();
    local.adminPort = 0;
    local.dataDirectory = m_dir.filePath(QStringLiteral("broker"));
    local.durability = app::EmbeddedBrokerSettings::Durability::Async;
    local.workers = 2;
    parts.settings->setEmbeddedBroker(local);

    m_console = std::make_unique<app::Console>(std::move(parts));
    m_console->open(m_dir.filePath(QStringLiteral("profiles.sqlite")),
                    m_dir.filePath(QStringLiteral("metrics.sqlite")));
}

ConsoleFixture::~ConsoleFixture() = default;

quint16 ConsoleFixture::freePort()
{
    QTcpServer server;
    server.listen(QHostAddress(QStringLiteral("127.0.0.1")), 0);
    return server.serverPort();
}

} // namespace sb::test
