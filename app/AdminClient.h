#pragma once

#include <chrono>
#include <functional>

#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <QtNetwork/QNetworkAccessManager>

#include "app/AdminEndpoint.h"
#include "app/AdminResult.h"
#include "app/Overview.h"
#include "app/StatsFrame.h"

class QNetworkReply;
class QNetworkRequest;
class QWebSocket;

namespace sb::app {

// Talks to one broker's admin API: REST calls through a QNetworkAccessManager and the stats
// stream through one QWebSocket, with typed results and typed errors. It does not know or care
// whether the broker is the embedded one or a production server.
class AdminClient : public QObject
{
    Q_OBJECT

public:
    static constexpr std::chrono::milliseconds kDefaultRequestTimeout{5000};
    // Frames come every second; this long without one means the broker or the path is gone
    // even if no TCP error says so (a laptop waking up, a NAT dropping the flow).
    static constexpr std::chrono::milliseconds kDefaultStreamSilence{5000};

    template <typename T>
    using Callback = std::function<void(const AdminResult<T>&)>;

    explicit AdminClient(QObject* parent = nullptr);
    ~AdminClient() override;

    // Closes the stream; later calls use the new endpoint.
    void setEndpoint(const AdminEndpoint& endpoint);
    const AdminEndpoint& endpoint() const { return m_endpoint; }
    void setRequestTimeout(std::chrono::milliseconds timeout) { m_requestTimeout = timeout; }
    void setStreamSilenceTimeout(std::chrono::milliseconds timeout);

    // GET /api/v1/overview. `done` runs later on this thread, unless `context` is destroyed
    // first (then never).
    void fetchOverview(QObject* context, Callback<Overview> done);
    // GET `path` (e.g. "/api/v1/overview") and hand over the JSON object it answers.
    void getJson(const QString& path, QObject* context, Callback<QJsonObject> done);

    // Opens /api/v1/stream. streamOpened() follows the broker's hello; statsReceived() each
    // frame; streamClosed() if the stream fails or ends without closeStream().
    void openStream();
    void closeStream();
    bool isStreamOpen() const { return m_streamOpen; }

Q_SIGNALS:
    void streamOpened(const QString& brokerVersion);
    void statsReceived(const sb::app::StatsFrame& frame);
    void streamClosed(const sb::app::AdminError& error);

private:
    std::optional<QNetworkRequest> makeRequest(const QString& path, AdminError* error) const;
    static AdminError errorFromReply(QNetworkReply& reply, const QByteArray& body);
    void onStreamMessage(const QString& text);
    void onStreamEnded();
    void failStream(const AdminError& error);
    void discardSocket();

    AdminEndpoint m_endpoint;
    std::chrono::milliseconds m_requestTimeout = kDefaultRequestTimeout;
    QNetworkAccessManager m_network;
    QWebSocket* m_socket = nullptr; // child; replaced for each openStream()
    QTimer m_silence;
    bool m_streamOpen = false;
    // Counts openStream()/closeStream() calls, so late answers about an older stream are
    // recognised and dropped.
    quint64 m_streamGeneration = 0;
    QString m_socketError;
};

} // namespace sb::app
