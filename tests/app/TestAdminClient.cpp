// The AdminClient against a real broker started through the facade (as the console starts
// its Local broker): the overview and stats frames arrive with the numbers real clients
// cause, and every kind of failure surfaces as its own typed error.

#include <QtNetwork/QTcpServer>
#include <QtNetwork/QTcpSocket>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>

#include "app/AdminClient.h"
#include "broker/facade/EmbeddedBrokerHost.h"
#include "tests/support/MqttTestClient.h"

using namespace sb;
using app::AdminClient;
using app::AdminError;
using app::AdminResult;
using Kind = app::AdminError::Kind;

Q_DECLARE_METATYPE(sb::app::AdminError::Kind)

namespace {

// A port nothing listens on: bound by the OS, then released.
quint16 deadPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

template <typename T>
std::optional<AdminResult<T>>
wait(const std::function<void(QObject*, AdminClient::Callback<T>)>& call)
{
    QObject context;
    std::optional<AdminResult<T>> result;
    call(&context, [&](const AdminResult<T>& r) { result = r; });
    // A result that never comes is returned as nullopt, which every caller checks.
    if (!QTest::qWaitFor([&] { return result.has_value(); }, 10000)) {
        return std::nullopt;
    }
    return result;
}

} // namespace

class TestAdminClient : public QObject
{
    Q_OBJECT

private:
    facade::EmbeddedBrokerHost m_host;
    std::unique_ptr<AdminClient> m_client;

    app::AdminEndpoint endpoint(const QString& token) const
    {
        app::AdminEndpoint e;
        e.url = QUrl(QString::fromStdString(m_host.adminUrl()));
        e.token = token;
        return e;
    }
    QString token() const { return QString::fromStdString(m_host.adminToken()); }

    std::optional<AdminResult<app::Overview>> overview()
    {
        return wait<app::Overview>(
            [this](QObject* context, AdminClient::Callback<app::Overview> done) {
                m_client->fetchOverview(context, std::move(done));
            });
    }

private Q_SLOTS:
    void initTestCase()
    {
        facade::EmbeddedBrokerHost::Options options;
        options.port = 0;
        options.durability = facade::EmbeddedBrokerHost::Durability::Memory;
        options.workers = 2;
        std::string error;
        QVERIFY2(m_host.start(options, &error), error.c_str());
    }
    void cleanupTestCase() { m_host.stop(); }
    void init()
    {
        m_client = std::make_unique<AdminClient>();
        m_client->setEndpoint(endpoint(token()));
    }
    void cleanup() { m_client.reset(); }

    void overviewDescribesTheBroker()
    {
        const auto result = overview();
        QVERIFY(result);
        QVERIFY2(result->ok(), qPrintable(result->error().toDisplayString()));
        const app::Overview& o = result->value();
        QCOMPARE(o.version, QString::fromStdString(facade::EmbeddedBrokerHost::version()));
        QCOMPARE(o.durability, QStringLiteral("memory"));
        QCOMPARE(o.mqttPort, m_host.mqttPort());
        QCOMPARE(o.workers, 2);
        QVERIFY(o.deadLetters.has_value());
    }

    void statsFramesFollowRealClients()
    {
        QSignalSpy opened(m_client.get(), &AdminClient::streamOpened);
        QSignalSpy closed(m_client.get(), &AdminClient::streamClosed);
        std::vector<app::StatsFrame> frames;
        connect(m_client.get(), &AdminClient::statsReceived, this,
                [&](const app::StatsFrame& f) { frames.push_back(f); });
        m_client->openStream();
        QVERIFY(opened.wait(5000));
        QCOMPARE(opened.at(0).at(0).toString(),
                 QString::fromStdString(facade::EmbeddedBrokerHost::version()));

        test::MqttTestClient subscriber(m_host.mqttPort());
        test::MqttTestClient publisher(m_host.mqttPort());
        QVERIFY(subscriber.connect("stats-subscriber"));
        QVERIFY(publisher.connect("stats-publisher"));
        QVERIFY(subscriber.subscribe("stats/#", 0));
        for (int i = 0; i < 200; ++i) {
            QVERIFY(publisher.publish("stats/t", "x", 0));
        }
        QCOMPARE(subscriber.receivePublishes(200, std::chrono::seconds(10)).size(),
                 std::size_t(200));

        // Within a few frames: 2 connections, and the 200 messages in the rates.
        double in = 0;
        const auto settled = [&] {
            in = 0;
            for (const auto& f : frames) {
                in += f.messagesInPerSecond * f.intervalSeconds;
            }
            return !frames.empty() && frames.back().connections == 2 && in >= 199.5;
        };
        QTRY_VERIFY_WITH_TIMEOUT(settled(), 8000);
        const app::StatsFrame& last = frames.back();
        QCOMPARE(last.clients, quint64(2));
        QVERIFY(last.intervalSeconds > 0.5 && last.intervalSeconds < 2.0);
        QVERIFY(last.time.isValid());
        QVERIFY(last.residentBytes.has_value() && *last.residentBytes > 0);
        QVERIFY2(in < 200.5, qPrintable(QString::number(in)));
        for (std::size_t i = 1; i < frames.size(); ++i) {
            QCOMPARE(frames[i].sequence, frames[i - 1].sequence + 1);
        }
        QVERIFY(std::any_of(frames.begin(), frames.end(),
                            [](const app::StatsFrame& f) { return f.latencyCount > 0; }));
        QCOMPARE(closed.count(), 0);
        QVERIFY(m_client->isStreamOpen());
    }

    void wrongTokenIsUnauthorized()
    {
        m_client->setEndpoint(endpoint(QStringLiteral("not-the-token")));
        const auto result = overview();
        QVERIFY(result && !result->ok());
        QCOMPARE(result->error().kind(), Kind::Unauthorized);
        QCOMPARE(result->error().httpStatus(), 401);

        QSignalSpy closed(m_client.get(), &AdminClient::streamClosed);
        m_client->openStream();
        QVERIFY(closed.wait(5000));
        QCOMPARE(closed.at(0).at(0).value<AdminError>().kind(), Kind::Unauthorized);
        QVERIFY(!m_client->isStreamOpen());
    }

    void deadPortIsUnreachable()
    {
        app::AdminEndpoint e = endpoint(token());
        e.url.setPort(deadPort());
        m_client->setEndpoint(e);
        const auto result = overview();
        QVERIFY(result && !result->ok());
        QCOMPARE(result->error().kind(), Kind::Unreachable);
        QVERIFY(!result->error().toDisplayString().isEmpty());

        QSignalSpy closed(m_client.get(), &AdminClient::streamClosed);
        m_client->openStream();
        QVERIFY(closed.wait(5000));
        QCOMPARE(closed.at(0).at(0).value<AdminError>().kind(), Kind::Unreachable);
    }

    void badUrlIsAnError_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<Kind>("kind");
        QTest::newRow("empty") << QString() << Kind::InvalidUrl;
        QTest::newRow("not http") << QStringLiteral("ftp://127.0.0.1:21") << Kind::InvalidUrl;
        QTest::newRow("no host") << QStringLiteral("http://") << Kind::InvalidUrl;
        QTest::newRow("words") << QStringLiteral("broker please") << Kind::InvalidUrl;
        QTest::newRow("unknown host")
            << QStringLiteral("http://no-such-host.invalid:8081") << Kind::Unreachable;
    }
    void badUrlIsAnError()
    {
        QFETCH(QString, url);
        QFETCH(Kind, kind);
        app::AdminEndpoint e = endpoint(token());
        e.url = QUrl(url);
        m_client->setEndpoint(e);
        const auto result = overview();
        QVERIFY(result && !result->ok());
        QCOMPARE(result->error().kind(), kind);
    }

    // An MQTT port is not an admin API: whatever it answers, it is an error, not data.
    void mqttPortIsNotAnAdminApi()
    {
        app::AdminEndpoint e = endpoint(token());
        e.url.setPort(m_host.mqttPort());
        m_client->setEndpoint(e);
        m_client->setRequestTimeout(std::chrono::milliseconds(3000));
        const auto result = overview();
        QVERIFY(result && !result->ok());
        QVERIFY(result->error().kind() == Kind::Unreachable ||
                result->error().kind() == Kind::BadResponse);
    }

    void httpErrorsCarryTheApiCode()
    {
        const auto result = wait<QJsonObject>([this](QObject* context,
                                                     AdminClient::Callback<QJsonObject> done) {
            m_client->getJson(QStringLiteral("/api/v1/no-such-endpoint"), context, std::move(done));
        });
        QVERIFY(result && !result->ok());
        QCOMPARE(result->error().kind(), Kind::Http);
        QCOMPARE(result->error().httpStatus(), 404);
        QCOMPARE(result->error().code(), QStringLiteral("not_found"));
        QVERIFY(!result->error().detail().isEmpty());
    }

    void nonJsonAnswerIsABadResponse()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QTcpServer::newConnection, this, [&server] {
            QTcpSocket* socket = server.nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                socket->readAll();
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                              "Content-Length: 13\r\nConnection: close\r\n\r\n<html></html>");
                socket->disconnectFromHost();
            });
        });
        app::AdminEndpoint e;
        e.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
        m_client->setEndpoint(e);
        const auto result = overview();
        QVERIFY(result && !result->ok());
        QCOMPARE(result->error().kind(), Kind::BadResponse);
    }

    // A stream that goes quiet is a dead stream, even when no TCP error says so; a frame
    // that is not a stats frame ends it as a bad response.
    void silentOrMalformedStreamsEnd_data()
    {
        QTest::addColumn<QString>("second");
        QTest::addColumn<Kind>("kind");
        QTest::newRow("silence") << QString() << Kind::Unreachable;
        QTest::newRow("malformed frame")
            << QStringLiteral(R"({"type":"stats","sequence":1})") << Kind::BadResponse;
    }
    void silentOrMalformedStreamsEnd()
    {
        QFETCH(QString, second);
        QFETCH(Kind, kind);
        QWebSocketServer server(QStringLiteral("fake"), QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        std::vector<std::unique_ptr<QWebSocket>> sockets;
        connect(&server, &QWebSocketServer::newConnection, this, [&] {
            sockets.emplace_back(server.nextPendingConnection());
            sockets.back()->sendTextMessage(QStringLiteral(R"({"type":"hello","version":"9"})"));
            if (!second.isEmpty()) {
                sockets.back()->sendTextMessage(second);
            }
        });
        app::AdminEndpoint e;
        e.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.serverPort()));
        m_client->setEndpoint(e);
        m_client->setStreamSilenceTimeout(std::chrono::milliseconds(400));
        QSignalSpy opened(m_client.get(), &AdminClient::streamOpened);
        QSignalSpy closed(m_client.get(), &AdminClient::streamClosed);
        m_client->openStream();
        QVERIFY(closed.wait(5000));
        QCOMPARE(opened.count(), 1);
        QCOMPARE(closed.at(0).at(0).value<AdminError>().kind(), kind);
    }
};

QTEST_GUILESS_MAIN(TestAdminClient)
#include "TestAdminClient.moc"
