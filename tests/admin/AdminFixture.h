#pragma once

#include <memory>
#include <string>

#include <QtCore/QStringList>
#include <boost/json/value.hpp>

#include "broker/admin/AdminServer.h"
#include "tests/admin/AdminHttpClient.h"
#include "tests/admin/AdminStreamClient.h"
#include "tests/support/BrokerFixture.h"

namespace sb::test {

// A real broker (BrokerFixture) with the admin API on a free loopback port and a known token:
// what every admin test talks to over real sockets.
class AdminFixture
{
public:
    static constexpr const char* kToken = "test-token-0123456789abcdef";

    explicit AdminFixture(BrokerFixture::Options options = {},
                          admin::AdminOptions adminOptions = {});
    ~AdminFixture();

    BrokerFixture& broker() { return *m_broker; }
    core::Broker& core() { return m_broker->broker(); }
    std::uint16_t mqttPort() const { return m_broker->port(); }
    admin::AdminServer& admin() { return *m_admin; }
    std::uint16_t adminPort() const { return m_admin->port(); }

    // A client with the right token.
    std::unique_ptr<AdminHttpClient> http() const;
    std::unique_ptr<AdminStreamClient> stream() const;

private:
    std::unique_ptr<BrokerFixture> m_broker;
    std::unique_ptr<admin::AdminServer> m_admin; // stopped before the broker
};

// The items of a list answer, and the strings at `field` in them (for order checks).
const boost::json::array& items(const AdminHttpClient::Response& response);
QStringList strings(const boost::json::array& items, const char* field);
QString text(const boost::json::value& value);

} // namespace sb::test
