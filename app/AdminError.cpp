#include "app/AdminError.h"

namespace sb::app {

AdminError AdminError::invalidUrl(const QString& detail)
{
    return {Kind::InvalidUrl, detail};
}

AdminError AdminError::unreachable(const QString& detail)
{
    return {Kind::Unreachable, detail};
}

AdminError AdminError::tls(const QString& detail)
{
    return {Kind::Tls, detail};
}

AdminError AdminError::unauthorized(const QString& detail)
{
    AdminError error{Kind::Unauthorized, detail};
    error.m_httpStatus = 401;
    return error;
}

AdminError AdminError::http(int status, const QString& code, const QString& message)
{
    AdminError error{Kind::Http, message};
    error.m_httpStatus = status;
    error.m_code = code;
    return error;
}

AdminError AdminError::badResponse(const QString& detail)
{
    return {Kind::BadResponse, detail};
}

QString AdminError::toDisplayString() const
{
    QString summary;
    switch (m_kind) {
    case Kind::None:
        return {};
    case Kind::InvalidUrl:
        summary = tr("The admin URL is not valid.");
        break;
    case Kind::Unreachable:
        summary = tr("The broker is unreachable.");
        break;
    case Kind::Tls:
        summary = tr("The TLS connection to the broker failed.");
        break;
    case Kind::Unauthorized:
        summary = tr("The broker refused the token.");
        break;
    case Kind::Http:
        summary = tr("The broker answered with HTTP %1%2.")
                      .arg(m_httpStatus)
                      .arg(m_code.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(m_code));
        break;
    case Kind::BadResponse:
        summary = tr("The answer was not from a Switchboard admin API.");
        break;
    }
    return m_detail.isEmpty() ? summary : summary + QLatin1Char(' ') + m_detail;
}

} // namespace sb::app
