#include "tests/app/AdminBroker.h"

namespace sb::test {

AdminBroker::~AdminBroker()
{
    stop();
}

void AdminBroker::start(std::uint16_t adminPort)
{
    stop();
    m_broker = std::make_unique<BrokerFixture>();
    admin::AdminOptions options;
    options.bindAddress = "127.0.0.1";
    options.port = adminPort != 0 ? adminPort : m_adminPort;
    options.token = kToken;
    m_admin = std::make_unique<admin::AdminServer>(m_broker->server(), options);
    m_admin->start();
    m_adminPort = m_admin->port();
}

void AdminBroker::stop()
{
    if (m_admin) {
        m_admin->stop();
        m_admin.reset();
    }
    m_broker.reset();
}

app::AdminEndpoint AdminBroker::endpoint(const QString& token) const
{
    app::AdminEndpoint endpoint;
    endpoint.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_adminPort));
    endpoint.token = token;
    return endpoint;
}

} // namespace sb::test
