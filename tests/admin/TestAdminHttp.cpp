// The admin API's HTTP layer over real sockets: the bearer token on every endpoint but
// /healthz, 404 and 405 (with Allow), bad requests of every kind answered (never a crash or a
// hang), bodies bounded (413), keep-alive, TLS, and the token file.

#include <filesystem>
#include <sys/stat.h>

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "broker/admin/AdminToken.h"
#include "tests/admin/AdminFixture.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using test::AdminFixture;
using test::AdminHttpClient;
using Verb = AdminHttpClient::Verb;

namespace {

struct Endpoint
{
    Verb method;
    const char* target;
    const char* body;
};

// Every endpoint of docs/admin-api.md that needs the token.
const std::vector<Endpoint>& protectedEndpoints()
{
    static const std::vector<Endpoint> endpoints = {
        {Verb::get, "/api/v1/overview", ""},
        {Verb::get, "/metrics", ""},
        {Verb::get, "/api/v1/clients", ""},
        {Verb::get, "/api/v1/clients/c1", ""},
        {Verb::delete_, "/api/v1/clients/c1", ""},
        {Verb::get, "/api/v1/sessions", ""},
        {Verb::get, "/api/v1/sessions/c1", ""},
        {Verb::delete_, "/api/v1/sessions/c1", ""},
        {Verb::get, "/api/v1/sessions/c1/queue", ""},
        {Verb::get, "/api/v1/subscriptions", ""},
        {Verb::get, "/api/v1/topics", ""},
        {Verb::get, "/api/v1/retained", ""},
        {Verb::get, "/api/v1/retained/a/b", ""},
        {Verb::delete_, "/api/v1/retained/a/b", ""},
        {Verb::post, "/api/v1/publish", R"({"topic":"t","payload":"x"})"},
        {Verb::get, "/api/v1/dead-letters", ""},
        {Verb::get, "/api/v1/dead-letters/1", ""},
        {Verb::get, "/api/v1/dead-letters/stats", ""},
        {Verb::post, "/api/v1/dead-letters/replay", R"({"ids":[1]})"},
        {Verb::post, "/api/v1/dead-letters/purge", R"({"ids":[1]})"},
        {Verb::get, "/api/v1/limits", ""},
        {Verb::patch, "/api/v1/limits", R"({"max_inflight":10})"},
        {Verb::get, "/api/v1/limits/users", ""},
        {Verb::get, "/api/v1/limits/users/alice", ""},
        {Verb::put, "/api/v1/limits/users/alice", R"({"max_inflight":10})"},
        {Verb::patch, "/api/v1/limits/users/alice", R"({"max_inflight":10})"},
        {Verb::delete_, "/api/v1/limits/users/alice", ""},
        {Verb::get, "/api/v1/limits/clients", ""},
        {Verb::get, "/api/v1/limits/clients/c1", ""},
        {Verb::put, "/api/v1/limits/clients/c1", R"({"max_inflight":10})"},
        {Verb::patch, "/api/v1/limits/clients/c1", R"({"max_inflight":10})"},
        {Verb::delete_, "/api/v1/limits/clients/c1", ""},
    };
    return endpoints;
}

QByteArray rowName(const Endpoint& e)
{
    return QByteArray(boost::beast::http::to_string(e.method).data(),
                      static_cast<qsizetype>(boost::beast::http::to_string(e.method).size())) +
           ' ' + e.target;
}

} // namespace

class TestAdminHttp : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { m_fixture = std::make_unique<AdminFixture>(); }
    void cleanup() { m_fixture.reset(); }

    void healthzNeedsNoToken()
    {
        auto http = m_fixture->http();
        const auto r = http->request(Verb::get, "/healthz", {}, std::string());
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(test::text(r.json.at("status")), QStringLiteral("ok"));
        QVERIFY(r.json.at("uptime_seconds").is_double());
    }

    void everyEndpointNeedsTheToken_data()
    {
        QTest::addColumn<int>("index");
        QTest::addColumn<QString>("authorization");
        for (std::size_t i = 0; i < protectedEndpoints().size(); ++i) {
            const Endpoint& e = protectedEndpoints()[i];
            QTest::newRow(rowName(e) + " without token") << int(i) << QString();
            QTest::newRow(rowName(e) + " wrong token")
                << int(i) << QStringLiteral("Bearer not-the-token");
            QTest::newRow(rowName(e) + " other scheme")
                << int(i) << QStringLiteral("Basic dGVzdDp0ZXN0");
        }
    }

    // 401 with the API's error shape and WWW-Authenticate, before anything else is looked at.
    void everyEndpointNeedsTheToken()
    {
        QFETCH(int, index);
        QFETCH(QString, authorization);
        const Endpoint& e = protectedEndpoints()[static_cast<std::size_t>(index)];
        auto http = m_fixture->http();
        const auto r = http->request(e.method, e.target, e.body, authorization.toStdString());
        QVERIFY2(r.status == 401, r.describe().c_str());
        QCOMPARE(r.errorCode(), std::string("unauthorized"));
        QVERIFY(!r.header("www-authenticate").empty());
        QVERIFY(r.json.at("error").as_object().contains("message"));
    }

    void unknownPathIs404()
    {
        auto http = m_fixture->http();
        for (const char* target :
             {"/api/v1/nothing", "/", "/api/v2/overview", "/api/v1/clients/a/b"}) {
            const auto r = http->get(target);
            QVERIFY2(r.status == 404, (std::string(target) + " " + r.describe()).c_str());
            QCOMPARE(r.errorCode(), std::string("not_found"));
        }
        // Without the token an unknown path does not reveal that it is unknown.
        const auto r = http->request(Verb::get, "/api/v1/nothing", {}, std::string());
        QCOMPARE(r.status, 401U);
    }

    void wrongMethodIs405WithAllow_data()
    {
        QTest::addColumn<int>("method");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("allow");
        QTest::newRow("PUT overview")
            << int(Verb::put) << QStringLiteral("/api/v1/overview") << QStringLiteral("GET");
        QTest::newRow("GET publish")
            << int(Verb::get) << QStringLiteral("/api/v1/publish") << QStringLiteral("POST");
        QTest::newRow("POST client") << int(Verb::post) << QStringLiteral("/api/v1/clients/c1")
                                     << QStringLiteral("GET, DELETE");
        QTest::newRow("DELETE dead-letter stats")
            << int(Verb::delete_) << QStringLiteral("/api/v1/dead-letters/stats")
            << QStringLiteral("GET");
        QTest::newRow("POST limits")
            << int(Verb::post) << QStringLiteral("/api/v1/limits") << QStringLiteral("GET, PATCH");
    }

    void wrongMethodIs405WithAllow()
    {
        QFETCH(int, method);
        QFETCH(QString, target);
        QFETCH(QString, allow);
        auto http = m_fixture->http();
        const auto r = http->request(static_cast<Verb>(method), target.toStdString(), "{}");
        QVERIFY2(r.status == 405, r.describe().c_str());
        QCOMPARE(r.errorCode(), std::string("method_not_allowed"));
        QCOMPARE(QString::fromStdString(r.header("allow")), allow);
    }

    void badBodiesAre400NamingTheProblem_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("field");
        QTest::newRow("not JSON") << QStringLiteral("{not json") << QStringLiteral("invalid_body")
                                  << QString();
        QTest::newRow("not an object")
            << QStringLiteral("[1,2]") << QStringLiteral("invalid_body") << QString();
        QTest::newRow("empty") << QString() << QStringLiteral("invalid_body") << QString();
        QTest::newRow("wrong type") << QStringLiteral(R"({"topic":5})")
                                    << QStringLiteral("invalid_field") << QStringLiteral("topic");
        QTest::newRow("nested wrong type")
            << QStringLiteral(R"({"topic":"t","properties":{"content_type":1}})")
            << QStringLiteral("invalid_field") << QStringLiteral("properties.content_type");
        QTest::newRow("truncated UTF-8 escape") << QStringLiteral(R"({"topic":"\ud800"})")
                                                << QStringLiteral("invalid_body") << QString();
    }

    void badBodiesAre400NamingTheProblem()
    {
        QFETCH(QString, body);
        QFETCH(QString, code);
        QFETCH(QString, field);
        auto http = m_fixture->http();
        const auto r = http->post("/api/v1/publish", body.toStdString());
        QVERIFY2(r.status == 400, r.describe().c_str());
        QCOMPARE(QString::fromStdString(r.errorCode()), code);
        QCOMPARE(QString::fromStdString(r.errorField()), field);
        // The connection is still good for the next request.
        QCOMPARE(http->get("/api/v1/overview").status, 200U);
    }

    // A body over the limit is refused from its Content-Length, before it is read.
    void hugeBodyIs413()
    {
        auto http = m_fixture->http();
        const std::string body(2 * 1024 * 1024, 'x');
        const auto r = http->post("/api/v1/publish", body);
        QVERIFY2(r.status == 413, r.describe().c_str());
        QCOMPARE(r.errorCode(), std::string("payload_too_large"));
        QCOMPARE(http->get("/healthz").status, 200U); // a new connection works
    }

    void malformedRequestsAreAnswered_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::newRow("garbage") << QByteArray("GARBAGE\r\n\r\n") << 400;
        QTest::newRow("bad percent-encoding")
            << QByteArray("GET /api/v1/clients/%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ")
                   .append(AdminFixture::kToken)
                   .append("\r\n\r\n")
            << 400;
        QTest::newRow("absolute-form target")
            << QByteArray("GET http://x/api/v1/overview HTTP/1.1\r\nHost: x\r\n\r\n") << 400;
        QTest::newRow("huge header") << QByteArray("GET /healthz HTTP/1.1\r\nX-Big: ")
                                            .append(QByteArray(64 * 1024, 'a'))
                                            .append("\r\n\r\n")
                                     << 431;
        QTest::newRow("bad content-length")
            << QByteArray("POST /api/v1/publish HTTP/1.1\r\nContent-Length: abc\r\n\r\n") << 400;
    }

    void malformedRequestsAreAnswered()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        auto http = m_fixture->http();
        const auto r = http->raw(std::string_view(bytes.constData(), std::size_t(bytes.size())));
        QVERIFY2(r.status == unsigned(status), r.describe().c_str());
        QVERIFY(!r.errorCode().empty());
        QCOMPARE(http->get("/healthz").status, 200U); // the server is still serving
    }

    void keepAliveServesSeveralRequests()
    {
        auto http = m_fixture->http();
        for (int i = 0; i < 20; ++i) {
            const auto r = http->get("/api/v1/overview");
            QVERIFY2(r.status == 200, r.describe().c_str());
        }
    }

    void streamNeedsTheToken()
    {
        test::AdminStreamClient stream(m_fixture->adminPort(), "wrong");
        unsigned status = 0;
        QVERIFY(!stream.connect(&status));
        QCOMPARE(status, 401U);
        test::AdminStreamClient good(m_fixture->adminPort(), AdminFixture::kToken);
        QVERIFY2(good.connect(), good.lastError().c_str());
    }

    // With a certificate configured the API speaks HTTPS only.
    void tlsWhenConfigured()
    {
        QTemporaryDir dir;
        const QString cert = dir.filePath(QStringLiteral("cert.pem"));
        const QString key = dir.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("rsa:2048"), QStringLiteral("-nodes"),
                       QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-keyout"), key,
                       QStringLiteral("-out"), cert});
        QVERIFY2(openssl.waitForFinished(30'000) && openssl.exitCode() == 0,
                 "the openssl command is needed to make a test certificate");
        m_fixture.reset();
        admin::AdminOptions options;
        options.tlsCertificateFile = cert.toStdString();
        options.tlsKeyFile = key.toStdString();
        m_fixture = std::make_unique<AdminFixture>(test::BrokerFixture::Options{}, options);
        QVERIFY(m_fixture->admin().url().rfind("https://", 0) == 0);

        namespace beast = boost::beast;
        namespace ssl = boost::asio::ssl;
        boost::asio::io_context io;
        ssl::context context(ssl::context::tls_client);
        context.set_verify_mode(ssl::verify_none);
        beast::ssl_stream<beast::tcp_stream> stream(io, context);
        beast::get_lowest_layer(stream).connect(
            {boost::asio::ip::address_v4::loopback(), m_fixture->adminPort()});
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
        beast::error_code ec;
        stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
        io.run();
        QVERIFY2(!ec, ec.message().c_str());
        beast::http::request<beast::http::string_body> request(beast::http::verb::get,
                                                               "/api/v1/overview", 11);
        request.set(beast::http::field::host, "127.0.0.1");
        request.set(beast::http::field::authorization,
                    std::string("Bearer ") + AdminFixture::kToken);
        beast::http::response<beast::http::string_body> response;
        beast::flat_buffer buffer;
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
        beast::http::async_write(stream, request, [&](beast::error_code e, std::size_t) {
            ec = e;
            if (!e) {
                beast::http::async_read(stream, buffer, response,
                                        [&](beast::error_code e2, std::size_t) { ec = e2; });
            }
        });
        io.restart();
        io.run();
        QVERIFY2(!ec, ec.message().c_str());
        QCOMPARE(response.result_int(), 200U);

        // Plain HTTP to the TLS port gets no answer.
        auto http = m_fixture->http();
        QCOMPARE(http->get("/healthz").status, 0U);
    }

    void tlsFilesThatCannotBeUsedAreNamed()
    {
        test::BrokerFixture broker;
        admin::AdminOptions options;
        options.port = 0;
        options.token = "t";
        options.tlsCertificateFile = "/nonexistent/cert.pem";
        options.tlsKeyFile = "/nonexistent/key.pem";
        admin::AdminServer server(broker.server(), options);
        try {
            server.start();
            QFAIL("start() accepted a certificate that does not exist");
        } catch (const std::runtime_error& error) {
            QVERIFY2(std::string(error.what()).find("/nonexistent/cert.pem") != std::string::npos,
                     error.what());
        }
    }

    void busyPortIsNamed()
    {
        admin::AdminOptions options;
        options.bindAddress = "127.0.0.1";
        options.port = m_fixture->adminPort();
        options.token = "t";
        admin::AdminServer second(m_fixture->broker().server(), options);
        try {
            second.start();
            QFAIL("two admin servers bound one port");
        } catch (const std::runtime_error& error) {
            const std::string where = "127.0.0.1:" + std::to_string(options.port);
            QVERIFY2(std::string(error.what()).find(where) != std::string::npos, error.what());
        }
    }

    // 32 random bytes as hex, in a file only its owner may read, the same on every start.
    void tokenFileIsCreatedOwnerOnly()
    {
        QTemporaryDir dir;
        const std::string path =
            admin::AdminToken::pathIn(dir.filePath(QStringLiteral("data")).toStdString());
        const std::string token = admin::AdminToken::loadOrCreate(path);
        QCOMPARE(token.size(), std::size_t(64));
        QVERIFY(token.find_first_not_of("0123456789abcdef") == std::string::npos);
        struct stat info
        {};
        QCOMPARE(::stat(path.c_str(), &info), 0);
        QCOMPARE(info.st_mode & 0777, 0600U);
        QCOMPARE(admin::AdminToken::loadOrCreate(path), token);
        QVERIFY(admin::AdminToken::generate() != token);

        // A server given the file uses that token.
        test::BrokerFixture broker;
        admin::AdminOptions options;
        options.port = 0;
        options.tokenFile = path;
        admin::AdminServer server(broker.server(), options);
        server.start();
        QCOMPARE(server.token(), token);
        AdminHttpClient http(server.port(), token);
        QCOMPARE(http.get("/api/v1/overview").status, 200U);
    }

private:
    std::unique_ptr<AdminFixture> m_fixture;
};

QTEST_GUILESS_MAIN(TestAdminHttp)
#include "TestAdminHttp.moc"
