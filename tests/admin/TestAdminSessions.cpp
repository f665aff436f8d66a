// /api/v1/sessions over real sockets: sessions online and offline, filters and pagination,
// one session in detail, ending one, and browsing a session's queue without consuming it, in
// memory and (with the SQLite store) across the part paged out to disk.

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include "broker/admin/Base64.h"
#include "broker/storage/SqliteStore.h"
#include "tests/admin/AdminFixture.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace std::chrono_literals;
using test::AdminFixture;
using test::AdminHttpClient;
using test::MqttTestClient;

class TestAdminSessions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { start({}); }
    void cleanup()
    {
        m_clients.clear();
        m_http.reset();
        m_fixture.reset();
    }

    void listsOnlineAndOfflineSessions_data()
    {
        QTest::addColumn<QString>("state");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("all") << QStringLiteral("all")
                             << QStringList{QStringLiteral("off"), QStringLiteral("on")};
        QTest::newRow("online") << QStringLiteral("online") << QStringList{QStringLiteral("on")};
        QTest::newRow("offline") << QStringLiteral("offline") << QStringList{QStringLiteral("off")};
    }

    void listsOnlineAndOfflineSessions()
    {
        QFETCH(QString, state);
        QFETCH(QStringList, expected);
        connect("on", 0);
        offlineSession("off", "x/#");
        const auto r = m_http->get("/api/v1/sessions?state=" + state.toStdString());
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(test::strings(test::items(r), "client_id"), expected);
        for (const auto& item : test::items(r)) {
            const auto& s = item.as_object();
            const bool online = test::text(s.at("client_id")) == QStringLiteral("on");
            QCOMPARE(s.at("online").as_bool(), online);
            QCOMPARE(s.at("persistent").as_bool(), !online);
            QCOMPARE(s.at("expires_at").is_null(), online);
            QCOMPARE(s.at("disconnected_at").is_null(), online);
            QCOMPARE(s.at("subscription_count").to_number<int>(), online ? 0 : 1);
        }
    }

    void paginatesAcrossPages()
    {
        QStringList ids;
        for (int i = 1; i <= 5; ++i) {
            ids.append(QStringLiteral("s%1").arg(i));
            offlineSession(ids.back().toStdString(), "t");
        }
        QStringList seen;
        std::string target = "/api/v1/sessions?limit=2";
        int pages = 0;
        for (;;) {
            const auto r = m_http->get(target);
            QVERIFY2(r.status == 200, r.describe().c_str());
            seen += test::strings(test::items(r), "client_id");
            QCOMPARE(r.json.at("total").to_number<int>(), 5);
            ++pages;
            if (r.json.at("next_cursor").is_null()) {
                break;
            }
            QVERIFY(pages < 10);
            target = "/api/v1/sessions?limit=2&cursor=" +
                     AdminHttpClient::encode(test::text(r.json.at("next_cursor")).toStdString());
        }
        QCOMPARE(pages, 3);
        QCOMPARE(seen, ids);
        QCOMPARE(m_http->get("/api/v1/sessions?sort=size").status, 400U);
        QCOMPARE(m_http->get("/api/v1/sessions?state=gone").errorField(), std::string("state"));
    }

    void sessionDetailAndNotFound()
    {
        offlineSession("detailed", "d/+");
        const auto r = m_http->get("/api/v1/sessions/detailed");
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(test::strings(r.json.at("subscriptions").as_array(), "filter"),
                 QStringList{QStringLiteral("d/+")});
        QCOMPARE(r.json.at("expiry_interval_seconds").to_number<int>(), 600);
        const auto missing = m_http->get("/api/v1/sessions/nobody");
        QCOMPARE(missing.status, 404U);
        QCOMPARE(missing.errorCode(), std::string("not_found"));
        QCOMPARE(m_http->del("/api/v1/sessions/nobody").status, 404U);
        QCOMPARE(m_http->get("/api/v1/sessions/nobody/queue").status, 404U);
    }

    void deletingAnOfflineSessionEndsIt()
    {
        offlineSession("doomed", "t");
        const auto r = m_http->del("/api/v1/sessions/doomed");
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("client_disconnected").as_bool(), false);
        QCOMPARE(m_http->get("/api/v1/sessions/doomed").status, 404U);
        // A returning client finds no session.
        MqttTestClient client(m_fixture->mqttPort());
        const auto connack = client.connect("doomed", false, 600);
        QVERIFY(connack);
        QVERIFY(!connack->sessionPresent);
    }

    void deletingAnOnlineSessionDisconnectsItsClient()
    {
        MqttTestClient& client = connect("online-doomed", 600);
        const auto r = m_http->del("/api/v1/sessions/online-doomed");
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("client_disconnected").as_bool(), true);
        std::vector<protocol::Packet> before;
        QVERIFY(client.waitClosed(5s, &before));
        QVERIFY(!before.empty());
        QCOMPARE(int(std::get<protocol::Disconnect>(before.back()).reasonCode), 0x98);
        QCOMPARE(m_http->get("/api/v1/sessions/online-doomed").status, 404U);
    }

    // Browsing shows the messages in delivery order, page by page, and takes none of them.
    void queueIsBrowsedWithoutConsumingIt()
    {
        offlineSession("reader", "news/#");
        MqttTestClient& publisher = connect("publisher", 0);
        for (int i = 1; i <= 5; ++i) {
            QVERIFY(
                publisher.publish("news/" + std::to_string(i), "message-" + std::to_string(i), 1));
        }
        QStringList payloads;
        std::string target = "/api/v1/sessions/reader/queue?limit=2";
        int pages = 0;
        for (;;) {
            const auto r = m_http->get(target);
            QVERIFY2(r.status == 200, r.describe().c_str());
            QCOMPARE(r.json.at("total").to_number<int>(), 5);
            for (const auto& item : test::items(r)) {
                QCOMPARE(test::text(item.at("state")), QStringLiteral("queued"));
                const auto& message = item.at("message").as_object();
                const auto decoded =
                    admin::Base64::decode(test::text(message.at("payload_base64")).toStdString());
                QVERIFY(decoded);
                QCOMPARE(QString::fromStdString(*decoded),
                         test::text(message.at("payload_preview")));
                QCOMPARE(message.at("qos").to_number<int>(), 1);
                QCOMPARE(test::text(message.at("publisher")), QStringLiteral("publisher"));
                payloads.append(QString::fromStdString(*decoded));
            }
            ++pages;
            if (r.json.at("next_cursor").is_null()) {
                break;
            }
            QVERIFY(pages < 10);
            target = "/api/v1/sessions/reader/queue?limit=2&cursor=" +
                     AdminHttpClient::encode(test::text(r.json.at("next_cursor")).toStdString());
        }
        QCOMPARE(pages, 3);
        QCOMPARE(payloads, (QStringList{QStringLiteral("message-1"), QStringLiteral("message-2"),
                                        QStringLiteral("message-3"), QStringLiteral("message-4"),
                                        QStringLiteral("message-5")}));

        // The preview can be made smaller; it never splits a character.
        const auto small = m_http->get("/api/v1/sessions/reader/queue?limit=1&preview_bytes=3");
        QCOMPARE(test::text(test::items(small)[0].at("message").at("payload_preview")),
                 QStringLiteral("mes"));
        QCOMPARE(m_http->get("/api/v1/sessions/reader/queue?preview_bytes=100000").errorField(),
                 std::string("preview_bytes"));
        QCOMPARE(m_http->get("/api/v1/sessions/reader/queue?cursor=xyz").errorField(),
                 std::string("cursor"));

        // Nothing was taken: the client gets all five.
        MqttTestClient reader(m_fixture->mqttPort());
        QVERIFY(reader.connect("reader", false, 600));
        QCOMPARE(reader.receivePublishes(5).size(), std::size_t(5));
    }

    void inflightMessagesComeFirst()
    {
        protocol::Connect connect;
        connect.clientId = "windowed";
        connect.properties.receiveMaximum = 1;
        auto client = std::make_unique<MqttTestClient>(m_fixture->mqttPort());
        QVERIFY(client->connect(connect));
        QVERIFY(client->subscribe("w", 1));
        MqttTestClient& publisher = this->connect("publisher", 0);
        for (int i = 0; i < 3; ++i) {
            QVERIFY(publisher.publish("w", "w" + std::to_string(i), 1));
        }
        QVERIFY(test::BrokerFixture::waitFor([&] {
            const auto r = m_http->get("/api/v1/sessions/windowed/queue");
            return test::items(r).size() == 3;
        }));
        const auto r = m_http->get("/api/v1/sessions/windowed/queue");
        const auto& list = test::items(r);
        QCOMPARE(test::strings(list, "state"),
                 (QStringList{QStringLiteral("inflight"), QStringLiteral("queued"),
                              QStringLiteral("queued")}));
        QVERIFY(list[0].at("packet_id").to_number<int>() > 0);
        QCOMPARE(test::text(list[0].at("stage")), QStringLiteral("awaiting_puback"));
        m_clients.push_back(std::move(client));
    }

    // With the store, a long queue lives mostly on disk; browsing pages through both parts.
    void coldQueueIsPagedFromTheStore()
    {
        QTemporaryDir dir;
        core::Limits limits;
        limits.queueMemoryMessages = 10;
        test::BrokerFixture::Options options;
        options.limits = limits;
        options.persistence = std::make_shared<storage::SqliteStore>(dir.path().toStdString(),
                                                                     core::Durability::Sync);
        cleanup();
        start(std::move(options));

        offlineSession("deep", "deep/#");
        MqttTestClient& publisher = connect("publisher", 0);
        for (int i = 0; i < 25; ++i) {
            QVERIFY(publisher.publish("deep/t", "payload-" + std::to_string(i), 1));
        }
        QStringList payloads;
        QStringList states;
        std::string target = "/api/v1/sessions/deep/queue?limit=7";
        for (int pages = 0; pages < 10; ++pages) {
            const auto r = m_http->get(target);
            QVERIFY2(r.status == 200, r.describe().c_str());
            for (const auto& item : test::items(r)) {
                payloads.append(test::text(item.at("message").at("payload_preview")));
                states.append(test::text(item.at("state")));
            }
            if (r.json.at("next_cursor").is_null()) {
                break;
            }
            target = "/api/v1/sessions/deep/queue?limit=7&cursor=" +
                     AdminHttpClient::encode(test::text(r.json.at("next_cursor")).toStdString());
        }
        QCOMPARE(payloads.size(), 25);
        for (int i = 0; i < 25; ++i) {
            QCOMPARE(payloads[i], QStringLiteral("payload-%1").arg(i));
        }
        QCOMPARE(states.count(QStringLiteral("queued")), 10);
        QCOMPARE(states.count(QStringLiteral("stored")), 15);
        cleanup(); // the store closes before the directory goes
    }

private:
    void start(test::BrokerFixture::Options options)
    {
        m_fixture = std::make_unique<AdminFixture>(std::move(options));
        m_http = m_fixture->http();
    }

    MqttTestClient& connect(const std::string& clientId, std::uint32_t expiry)
    {
        auto client = std::make_unique<MqttTestClient>(m_fixture->mqttPort());
        if (!client->connect(clientId, true, expiry)) {
            qFatal("CONNECT failed: %s", client->lastError().c_str());
        }
        m_clients.push_back(std::move(client));
        return *m_clients.back();
    }

    // A persistent session with one subscription whose client has gone.
    void offlineSession(const std::string& clientId, const std::string& filter)
    {
        MqttTestClient client(m_fixture->mqttPort());
        QVERIFY(client.connect(clientId, true, 600));
        QVERIFY(client.subscribe(filter, 1));
        QVERIFY(client.disconnect());
        client.close();
        QVERIFY(test::BrokerFixture::waitFor([&] {
            const auto r = m_http->get("/api/v1/sessions/" + AdminHttpClient::encode(clientId));
            return r.status == 200 && !r.json.at("online").as_bool();
        }));
    }

    std::unique_ptr<AdminFixture> m_fixture;
    std::unique_ptr<AdminHttpClient> m_http;
    std::vector<std::unique_ptr<MqttTestClient>> m_clients;
};

QTEST_GUILESS_MAIN(TestAdminSessions)
#include "TestAdminSessions.moc"
