#include "tests/admin/AdminFixture.h"

#include <QtCore/QStringList>

namespace sb::test {

AdminFixture::AdminFixture(BrokerFixture::Options options, admin::AdminOptions adminOptions)
    : m_broker(std::make_unique<BrokerFixture>(std::move(options)))
{
    adminOptions.bindAddress = "127.0.0.1";
    adminOptions.port = 0;
    if (adminOptions.token.empty() && adminOptions.tokenFile.empty()) {
        adminOptions.token = kToken;
    }
    m_admin = std::make_unique<admin::AdminServer>(m_broker->server(), adminOptions);
    m_admin->start();
}

AdminFixture::~AdminFixture()
{
    m_admin->stop();
    m_admin.reset();
    m_broker.reset();
}

std::unique_ptr<AdminHttpClient> AdminFixture::http() const
{
    return std::make_unique<AdminHttpClient>(m_admin->port(), m_admin->token());
}

std::unique_ptr<AdminStreamClient> AdminFixture::stream() const
{
    return std::make_unique<AdminStreamClient>(m_admin->port(), m_admin->token());
}

const boost::json::array& items(const AdminHttpClient::Response& response)
{
    static const boost::json::array kNone;
    if (!response.json.is_object()) {
        return kNone;
    }
    const auto* list = response.json.as_object().if_contains("items");
    return list != nullptr && list->is_array() ? list->as_array() : kNone;
}

QString text(const boost::json::value& value)
{
    if (value.is_string()) {
        const auto& s = value.as_string();
        return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
    }
    return {};
}

QStringList strings(const boost::json::array& list, const char* field)
{
    QStringList out;
    for (const auto& item : list) {
        const auto* value = item.is_object() ? item.as_object().if_contains(field) : nullptr;
        out.append(value != nullptr ? text(*value) : QString());
    }
    return out;
}

} // namespace sb::test
