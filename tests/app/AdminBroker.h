#pragma once

#include <memory>

#include "app/AdminEndpoint.h"
#include "broker/admin/AdminServer.h"
#include "tests/support/BrokerFixture.h"

namespace sb::test {

// A real broker with its admin API on loopback and a token the test knows, which can be
// stopped and started again on the same admin port: what a remote broker going away and
// coming back looks like to the console.
class AdminBroker
{
public:
    static constexpr const char* kToken = "console-test-token-0123456789";

    AdminBroker() = default;
    ~AdminBroker();

    // `adminPort` 0 picks a free one (and later starts reuse it).
    void start(std::uint16_t adminPort = 0);
    void stop();
    bool isRunning() const { return m_admin != nullptr; }

    std::uint16_t adminPort() const { return m_adminPort; }
    std::uint16_t mqttPort() const { return m_broker ? m_broker->port() : 0; }
    app::AdminEndpoint endpoint(const QString& token = QString::fromLatin1(kToken)) const;

private:
    std::unique_ptr<BrokerFixture> m_broker;
    std::unique_ptr<admin::AdminServer> m_admin;
    std::uint16_t m_adminPort = 0;
};

} // namespace sb::test
