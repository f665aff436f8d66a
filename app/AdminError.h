#pragma once

#include <QtCore/QCoreApplication>
#include <QtCore/QMetaType>
#include <QtCore/QString>

namespace sb::app {

// What went wrong talking to a broker's admin API, typed so that the UI can tell "the broker is
// down" from "the token is wrong" from "this is not a Switchboard broker".
class AdminError
{
    Q_DECLARE_TR_FUNCTIONS(AdminError)

public:
    enum class Kind
    {
        None,
        InvalidUrl,   // not an http(s) URL with a host
        Unreachable,  // refused, timed out, host unknown, connection lost
        Tls,          // TLS handshake or certificate problem
        Unauthorized, // 401: the token is not this broker's
        Http,         // any other HTTP error, with the API's code and message
        BadResponse,  // answered, but not with what the admin API answers
    };

    AdminError() = default;

    static AdminError invalidUrl(const QString& detail);
    static AdminError unreachable(const QString& detail);
    static AdminError tls(const QString& detail);
    static AdminError unauthorized(const QString& detail);
    static AdminError http(int status, const QString& code, const QString& message);
    static AdminError badResponse(const QString& detail);

    Kind kind() const { return m_kind; }
    bool isError() const { return m_kind != Kind::None; }
    int httpStatus() const { return m_httpStatus; }
    // The API's error code ("not_found") for Http, empty otherwise.
    const QString& code() const { return m_code; }
    // The detail: the API's message, or what the network layer said.
    const QString& detail() const { return m_detail; }

    // One sentence for the UI: what happened, then the detail.
    QString toDisplayString() const;

private:
    AdminError(Kind kind, QString detail)
        : m_kind(kind)
        , m_detail(std::move(detail))
    {}

    Kind m_kind = Kind::None;
    int m_httpStatus = 0;
    QString m_code;
    QString m_detail;
};

} // namespace sb::app

Q_DECLARE_METATYPE(sb::app::AdminError)
