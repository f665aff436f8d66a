#include "app/AdminClient.h"

#include <QtCore/QJsonDocument>
#include <QtNetwork/QNetworkReply>
#include <QtNetwork/QNetworkRequest>
#include <QtWebSockets/QWebSocket>

#include "app/TlsConfiguration.h"

namespace sb::app {

namespace {

QUrl withPath(const QUrl& base, const QString& path)
{
    QUrl url = base;
    QString prefix = base.path();
    while (prefix.endsWith(QLatin1Char('/'))) {
        prefix.chop(1);
    }
    url.setPath(prefix + path);
    return url;
}

// {"error": {"code": "...", "message": "..."}} as every admin API error carries.
std::pair<QString, QString> apiError(const QByteArray& body)
{
    const QJsonObject error =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
    return {error.value(QStringLiteral("code")).toString(),
            error.value(QStringLiteral("message")).toString()};
}

} // namespace

AdminClient::AdminClient(QObject* parent)
    : QObject(parent)
{
    m_silence.setSingleShot(true);
    m_silence.setInterval(kDefaultStreamSilence);
    connect(&m_silence, &QTimer::timeout, this, [this] {
        failStream(AdminError::unreachable(
            tr("No stats frame for %1 s.").arg(m_silence.interval() / 1000.0)));
    });
}

AdminClient::~AdminClient()
{
    discardSocket();
}

void AdminClient::setEndpoint(const AdminEndpoint& endpoint)
{
    closeStream();
    m_endpoint = endpoint;
}

void AdminClient::setStreamSilenceTimeout(std::chrono::milliseconds timeout)
{
    m_silence.setInterval(timeout);
}

std::optional<QNetworkRequest> AdminClient::makeRequest(const QString& path,
                                                        AdminError* error) const
{
    const QUrl& base = m_endpoint.url;
    const QString scheme = base.scheme();
    if (!base.isValid() || base.host().isEmpty() ||
        (scheme != QStringLiteral("http") && scheme != QStringLiteral("https"))) {
        *error = AdminError::invalidUrl(
            tr("Expected http://host:port or https://host:port, got \"%1\".").arg(base.toString()));
        return std::nullopt;
    }
    QNetworkRequest request(withPath(base, path));
    request.setRawHeader("Authorization", "Bearer " + m_endpoint.token.toUtf8());
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(static_cast<int>(m_requestTimeout.count()));
    if (m_endpoint.isTls()) {
        QString problem;
        const auto tls = TlsConfiguration::forEndpoint(m_endpoint, &problem);
        if (!tls) {
            *error = AdminError::tls(problem);
            return std::nullopt;
        }
        request.setSslConfiguration(*tls);
    }
    return request;
}

AdminError AdminClient::errorFromReply(QNetworkReply& reply, const QByteArray& body)
{
    const QVariant status = reply.attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (status.isValid() && status.toInt() >= 400) {
        const int code = status.toInt();
        const auto [apiCode, message] = apiError(body);
        const QString reason =
            message.isEmpty()
                ? reply.attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()
                : message;
        if (code == 401) {
            return AdminError::unauthorized(reason);
        }
        return AdminError::http(code, apiCode, reason);
    }
    switch (reply.error()) {
    case QNetworkReply::NoError:
        return {};
    case QNetworkReply::SslHandshakeFailedError:
        return AdminError::tls(reply.errorString());
    case QNetworkReply::ProtocolUnknownError:
    case QNetworkReply::ProtocolFailure:
    case QNetworkReply::UnknownContentError:
        return AdminError::badResponse(reply.errorString());
    default:
        return AdminError::unreachable(reply.errorString());
    }
}

void AdminClient::getJson(const QString& path, QObject* context, Callback<QJsonObject> done)
{
    AdminError error;
    const auto request = makeRequest(path, &error);
    if (!request) {
        QTimer::singleShot(0, context, [done = std::move(done), error] { done(error); });
        return;
    }
    QNetworkReply* reply = m_network.get(*request);
    if (m_endpoint.ignoreTlsErrors) {
        connect(reply, &QNetworkReply::sslErrors, reply,
                [reply](const QList<QSslError>&) { reply->ignoreSslErrors(); });
    }
    // Deleted whether or not `context` still wants the answer.
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    connect(reply, &QNetworkReply::finished, context, [reply, done = std::move(done)] {
        const QByteArray body = reply->readAll();
        const AdminError failure = errorFromReply(*reply, body);
        if (failure.isError()) {
            done(failure);
            return;
        }
        QJsonParseError parseError{};
        const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
            done(AdminError::badResponse(
                tr("%1 did not answer a JSON object.").arg(reply->url().toDisplayString())));
            return;
        }
        done(document.object());
    });
}

void AdminClient::fetchOverview(QObject* context, Callback<Overview> done)
{
    getJson(QStringLiteral("/api/v1/overview"), context,
            [done = std::move(done)](const AdminResult<QJsonObject>& result) {
                if (!result.ok()) {
                    done(result.error());
                    return;
                }
                QString problems;
                auto overview = Overview::fromJson(result.value(), &problems);
                if (!overview) {
                    done(AdminError::badResponse(
                        tr("The overview lacks or mistypes: %1.").arg(problems)));
                    return;
                }
                done(std::move(*overview));
            });
}

void AdminClient::openStream()
{
    discardSocket();
    ++m_streamGeneration;
    AdminError error;
    auto request = makeRequest(QStringLiteral("/api/v1/stream"), &error);
    if (!request) {
        QTimer::singleShot(0, this, [this, error, generation = m_streamGeneration] {
            if (generation == m_streamGeneration) {
                Q_EMIT streamClosed(error);
            }
        });
        return;
    }
    QUrl url = request->url();
    url.setScheme(m_endpoint.isTls() ? QStringLiteral("wss") : QStringLiteral("ws"));
    request->setUrl(url);

    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socketError.clear();
    if (m_endpoint.isTls()) {
        m_socket->setSslConfiguration(request->sslConfiguration());
        if (m_endpoint.ignoreTlsErrors) {
            connect(m_socket, &QWebSocket::sslErrors, m_socket,
                    [socket = m_socket](const QList<QSslError>&) { socket->ignoreSslErrors(); });
        }
    }
    connect(m_socket, &QWebSocket::textMessageReceived, this, &AdminClient::onStreamMessage);
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError) {
                if (m_socket != nullptr) {
                    m_socketError = m_socket->errorString();
                }
            });
    connect(m_socket, &QWebSocket::disconnected, this, &AdminClient::onStreamEnded);
    m_silence.start();
    m_socket->open(*request);
}

void AdminClient::closeStream()
{
    ++m_streamGeneration;
    discardSocket();
}

void AdminClient::discardSocket()
{
    m_silence.stop();
    m_streamOpen = false;
    if (m_socket == nullptr) {
        return;
    }
    QWebSocket* socket = m_socket;
    m_socket = nullptr;
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

void AdminClient::onStreamMessage(const QString& text)
{
    m_silence.start();
    const QJsonObject message = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = message.value(QStringLiteral("type")).toString();
    if (type == QStringLiteral("hello")) {
        m_streamOpen = true;
        Q_EMIT streamOpened(message.value(QStringLiteral("version")).toString());
        return;
    }
    if (type != QStringLiteral("stats")) {
        // Tap messages and "dropped" notices are for other pages.
        return;
    }
    QString problems;
    const auto frame = StatsFrame::fromJson(message, &problems);
    if (!frame) {
        failStream(
            AdminError::badResponse(tr("A stats frame lacks or mistypes: %1.").arg(problems)));
        return;
    }
    Q_EMIT statsReceived(*frame);
}

void AdminClient::onStreamEnded()
{
    const bool wasOpen = m_streamOpen;
    const QString detail = m_socketError;
    discardSocket();
    if (wasOpen) {
        Q_EMIT streamClosed(AdminError::unreachable(
            detail.isEmpty() ? tr("The broker closed the stats stream.") : detail));
        return;
    }
    // Qt 6.4's QWebSocket does not expose the status of a refused handshake (a wrong token
    // reads like a refused connection), so ask the REST side, which answers with a typed
    // error.
    fetchOverview(this, [this, detail,
                         generation = m_streamGeneration](const AdminResult<Overview>& result) {
        if (generation != m_streamGeneration) {
            return; // the stream was closed or opened again meanwhile
        }
        Q_EMIT streamClosed(
            result.ok()
                ? AdminError::badResponse(tr("The broker refused the stats stream: %1").arg(detail))
                : result.error());
    });
}

void AdminClient::failStream(const AdminError& error)
{
    discardSocket();
    Q_EMIT streamClosed(error);
}

} // namespace sb::app
