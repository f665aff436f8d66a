// GET/DELETE /api/v1/clients over real sockets: the connected clients with their details,
// filters, sorting and pagination across shards, one client in detail, and disconnecting one
// with reason 0x98 (optionally discarding its session).

#include <QtTest/QTest>

#include "tests/admin/AdminFixture.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace std::chrono_literals;
using test::AdminFixture;
using test::AdminHttpClient;
using test::MqttTestClient;

namespace {

protocol::Connect connectPacket(const std::string& clientId, std::optional<std::string> username,
                                protocol::Version version = protocol::Version::V5,
                                std::uint32_t expiry = 0)
{
    protocol::Connect connect;
    connect.version = version;
    connect.clientId = clientId;
    connect.username = std::move(username);
    connect.keepAlive = 30;
    connect.cleanStart = true;
    if (expiry != 0) {
        connect.properties.sessionExpiryInterval = expiry;
    }
    return connect;
}

} // namespace

class TestAdminClients : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<AdminFixture>();
        m_http = m_fixture->http();
    }
    void cleanup()
    {
        m_clients.clear();
        m_http.reset();
        m_fixture.reset();
    }

    void listsConnectedClientsWithTheirDetails()
    {
        MqttTestClient& a = connect(connectPacket("alpha", "alice"));
        MqttTestClient& b = connect(connectPacket("beta", std::nullopt, protocol::Version::V311));
        QVERIFY(a.publish("t/1", "hello", 1));
        QVERIFY(b.ping());

        const auto r = m_http->get("/api/v1/clients?sort=client_id");
        QVERIFY2(r.status == 200, r.describe().c_str());
        const auto& list = test::items(r);
        QCOMPARE(test::strings(list, "client_id"),
                 (QStringList{QStringLiteral("alpha"), QStringLiteral("beta")}));
        QCOMPARE(r.json.at("total").to_number<int>(), 2);
        QVERIFY(r.json.at("next_cursor").is_null());
        const auto& alpha = list[0].as_object();
        QCOMPARE(test::text(alpha.at("username")), QStringLiteral("alice"));
        QCOMPARE(test::text(alpha.at("protocol_version")), QStringLiteral("5.0"));
        QVERIFY(test::text(alpha.at("address")).startsWith(QStringLiteral("127.0.0.1:")));
        QCOMPARE(alpha.at("keepalive_seconds").to_number<int>(), 30);
        QCOMPARE(alpha.at("messages_in").to_number<int>(), 1);
        QVERIFY(alpha.at("bytes_in").to_number<int>() > 0);
        QVERIFY(test::text(alpha.at("connected_at")).endsWith(u'Z'));
        const auto& beta = list[1].as_object();
        QVERIFY(beta.at("username").is_null());
        QCOMPARE(test::text(beta.at("protocol_version")), QStringLiteral("3.1.1"));
    }

    void filters_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("client id prefix")
            << QStringLiteral("prefix=sensor-")
            << QStringList{QStringLiteral("sensor-1"), QStringLiteral("sensor-2")};
        QTest::newRow("username") << QStringLiteral("username=bob")
                                  << QStringList{QStringLiteral("sensor-2")};
        QTest::newRow("address") << QStringLiteral("address=127.0.0.1")
                                 << QStringList{QStringLiteral("app"), QStringLiteral("sensor-1"),
                                                QStringLiteral("sensor-2")};
        QTest::newRow("address elsewhere") << QStringLiteral("address=10.") << QStringList{};
        QTest::newRow("prefix and username") << QStringLiteral("prefix=sensor&username=alice")
                                             << QStringList{QStringLiteral("sensor-1")};
    }

    void filters()
    {
        QFETCH(QString, query);
        QFETCH(QStringList, expected);
        connect(connectPacket("sensor-1", "alice"));
        connect(connectPacket("sensor-2", "bob"));
        connect(connectPacket("app", "alice"));
        const auto r = m_http->get("/api/v1/clients?sort=client_id&" + query.toStdString());
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(test::strings(test::items(r), "client_id"), expected);
        QCOMPARE(r.json.at("total").to_number<int>(), int(expected.size()));
    }

    // Pages of 2 over 5 clients on 2 shards: every client once, in order, then no cursor.
    void paginatesAcrossPages_data()
    {
        QTest::addColumn<QString>("order");
        QTest::newRow("asc") << QStringLiteral("asc");
        QTest::newRow("desc") << QStringLiteral("desc");
    }

    void paginatesAcrossPages()
    {
        QFETCH(QString, order);
        QStringList ids;
        for (int i = 1; i <= 5; ++i) {
            ids.append(QStringLiteral("page-%1").arg(i));
            connect(connectPacket(ids.back().toStdString(), std::nullopt));
        }
        if (order == QStringLiteral("desc")) {
            std::reverse(ids.begin(), ids.end());
        }
        for (const QString& sort : {QStringLiteral("client_id"), QStringLiteral("connected_at")}) {
            if (sort == QStringLiteral("connected_at") && order == QStringLiteral("desc")) {
                continue; // connections within one millisecond sort by id, which is covered
            }
            QStringList seen;
            std::string target = "/api/v1/clients?limit=2&sort=" + sort.toStdString() +
                                 "&order=" + order.toStdString();
            int pages = 0;
            for (;;) {
                const auto r = m_http->get(target);
                QVERIFY2(r.status == 200, r.describe().c_str());
                QVERIFY(test::items(r).size() <= 2);
                seen += test::strings(test::items(r), "client_id");
                ++pages;
                if (r.json.at("next_cursor").is_null()) {
                    break;
                }
                QVERIFY(pages < 10);
                target =
                    "/api/v1/clients?limit=2&sort=" + sort.toStdString() +
                    "&order=" + order.toStdString() + "&cursor=" +
                    AdminHttpClient::encode(test::text(r.json.at("next_cursor")).toStdString());
            }
            QCOMPARE(pages, 3);
            QCOMPARE(seen, ids);
        }
    }

    void sortsByQueueDepth()
    {
        // A client with a window of 1 that does not acknowledge: its queue grows.
        protocol::Connect slow = connectPacket("slow", std::nullopt);
        slow.properties.receiveMaximum = 1;
        MqttTestClient& subscriber = connect(slow);
        QVERIFY(subscriber.subscribe("q/#", 1));
        connect(connectPacket("idle", std::nullopt));
        MqttTestClient& publisher = connect(connectPacket("publisher", std::nullopt));
        for (int i = 0; i < 5; ++i) {
            QVERIFY(publisher.publish("q/x", "m", 1));
        }
        QVERIFY(test::BrokerFixture::waitFor([&] {
            const auto r = m_http->get("/api/v1/clients?sort=queue_depth");
            return r.status == 200 && !test::items(r).empty() &&
                   test::text(test::items(r)[0].at("client_id")) == QStringLiteral("slow") &&
                   test::items(r)[0].at("queue_depth").to_number<int>() == 4;
        }));
        const auto r = m_http->get("/api/v1/clients/slow");
        QCOMPARE(r.json.at("inflight").to_number<int>(), 1);
        QCOMPARE(r.json.at("inflight_window").to_number<int>(), 1);
    }

    void badParametersAre400_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("field");
        QTest::newRow("limit 0") << QStringLiteral("limit=0") << QStringLiteral("limit");
        QTest::newRow("limit too big") << QStringLiteral("limit=1001") << QStringLiteral("limit");
        QTest::newRow("limit not a number")
            << QStringLiteral("limit=ten") << QStringLiteral("limit");
        QTest::newRow("unknown sort") << QStringLiteral("sort=name") << QStringLiteral("sort");
        QTest::newRow("unknown order") << QStringLiteral("order=up") << QStringLiteral("order");
        QTest::newRow("garbage cursor")
            << QStringLiteral("cursor=%21%21") << QStringLiteral("cursor");
        QTest::newRow("cursor of another list")
            << QStringLiteral("cursor=eyJrIjoic2Vzc2lvbnMifQ") << QStringLiteral("cursor");
    }

    void badParametersAre400()
    {
        QFETCH(QString, query);
        QFETCH(QString, field);
        const auto r = m_http->get("/api/v1/clients?" + query.toStdString());
        QVERIFY2(r.status == 400, r.describe().c_str());
        QCOMPARE(r.errorCode(), std::string("invalid_parameter"));
        QCOMPARE(QString::fromStdString(r.errorField()), field);
    }

    // A cursor made for one sort order is refused for another rather than misread.
    void cursorOfAnotherSortIsRefused()
    {
        for (int i = 0; i < 3; ++i) {
            connect(connectPacket("c" + std::to_string(i), std::nullopt));
        }
        const auto first = m_http->get("/api/v1/clients?limit=1&sort=client_id");
        const std::string cursor = test::text(first.json.at("next_cursor")).toStdString();
        const auto r = m_http->get("/api/v1/clients?limit=1&sort=queue_depth&cursor=" +
                                   AdminHttpClient::encode(cursor));
        QCOMPARE(r.status, 400U);
        QCOMPARE(r.errorField(), std::string("cursor"));
    }

    void clientDetailHasSubscriptionsAndCounters()
    {
        MqttTestClient& client = connect(connectPacket("detail/with slash", "carol"));
        QVERIFY(client.subscribe("a/+", 1, 7));
        QVERIFY(client.subscribe("$share/g/b/#", 2));
        QVERIFY(client.publish("z/nobody", "one", 1));
        MqttTestClient& other = connect(connectPacket("other", std::nullopt));
        QVERIFY(other.publish("a/x", "two", 1));
        QVERIFY(client.receivePublish());

        // The PUBACK the client sent on receipt is handled on the broker's worker, which may
        // come after the admin request: wait until it has been (bounded by waitFor's deadline).
        const std::string path = "/api/v1/clients/" + AdminHttpClient::encode("detail/with slash");
        QVERIFY(test::BrokerFixture::waitFor([&] {
            const auto detail = m_http->get(path);
            return detail.status == 200 &&
                   detail.json.as_object().at("inflight").to_number<int>() == 0;
        }));
        const auto r = m_http->get(path);
        QVERIFY2(r.status == 200, r.describe().c_str());
        const auto& c = r.json.as_object();
        QCOMPARE(test::text(c.at("client_id")), QStringLiteral("detail/with slash"));
        QCOMPARE(c.at("subscription_count").to_number<int>(), 2);
        const auto& subscriptions = c.at("subscriptions").as_array();
        QCOMPARE(test::strings(subscriptions, "filter"),
                 (QStringList{QStringLiteral("$share/g/b/#"), QStringLiteral("a/+")}));
        QCOMPARE(test::text(subscriptions[0].at("share_group")), QStringLiteral("g"));
        QCOMPARE(subscriptions[0].at("qos").to_number<int>(), 2);
        QCOMPARE(subscriptions[1].at("subscription_identifier").to_number<int>(), 7);
        QCOMPARE(c.at("messages_in").to_number<int>(), 1);
        QCOMPARE(c.at("messages_out").to_number<int>(), 1);
        QVERIFY(c.at("bytes_out").to_number<int>() > 0);
        QCOMPARE(c.at("inflight").to_number<int>(), 0);
    }

    void unknownOrOfflineClientIs404()
    {
        QCOMPARE(m_http->get("/api/v1/clients/nobody").status, 404U);
        QCOMPARE(m_http->del("/api/v1/clients/nobody").status, 404U);
        {
            MqttTestClient& client =
                connect(connectPacket("gone", std::nullopt, protocol::Version::V5, 600));
            QVERIFY(client.disconnect());
        }
        QVERIFY(test::BrokerFixture::waitFor(
            [&] { return m_http->get("/api/v1/clients/gone").status == 404; }));
        // The session is still there, offline.
        QCOMPARE(m_http->get("/api/v1/sessions/gone").status, 200U);
    }

    void disconnectSendsAdministrativeAction_data()
    {
        QTest::addColumn<bool>("discard");
        QTest::newRow("keep session") << false;
        QTest::newRow("discard session") << true;
    }

    void disconnectSendsAdministrativeAction()
    {
        QFETCH(bool, discard);
        MqttTestClient& client =
            connect(connectPacket("kicked", std::nullopt, protocol::Version::V5, 600));
        const auto r = m_http->del(discard ? "/api/v1/clients/kicked?session=discard"
                                           : "/api/v1/clients/kicked");
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("session_discarded").as_bool(), discard);
        std::vector<protocol::Packet> before;
        QVERIFY(client.waitClosed(5s, &before));
        QCOMPARE(before.size(), std::size_t(1));
        const auto* disconnect = std::get_if<protocol::Disconnect>(&before[0]);
        QVERIFY(disconnect != nullptr);
        QCOMPARE(int(disconnect->reasonCode), 0x98);
        QCOMPARE(m_http->get("/api/v1/sessions/kicked").status, discard ? 404U : 200U);
        QCOMPARE(m_http->get("/api/v1/clients/kicked").status, 404U);
    }

    void disconnectClosesA311Client()
    {
        MqttTestClient& client =
            connect(connectPacket("old", std::nullopt, protocol::Version::V311));
        QCOMPARE(m_http->del("/api/v1/clients/old").status, 200U);
        QVERIFY(client.waitClosed(5s));
    }

    void badSessionParameterIs400()
    {
        connect(connectPacket("x", std::nullopt));
        const auto r = m_http->del("/api/v1/clients/x?session=forget");
        QCOMPARE(r.status, 400U);
        QCOMPARE(r.errorField(), std::string("session"));
        QCOMPARE(m_http->get("/api/v1/clients/x").status, 200U); // still connected
    }

private:
    MqttTestClient& connect(protocol::Connect packet)
    {
        auto client = std::make_unique<MqttTestClient>(m_fixture->mqttPort(), packet.version);
        const auto connack = client->connect(std::move(packet));
        if (!connack || connack->reasonCode != 0) {
            qFatal("CONNECT failed: %s", client->lastError().c_str());
        }
        m_clients.push_back(std::move(client));
        return *m_clients.back();
    }

    std::unique_ptr<AdminFixture> m_fixture;
    std::unique_ptr<AdminHttpClient> m_http;
    std::vector<std::unique_ptr<MqttTestClient>> m_clients;
};

QTEST_GUILESS_MAIN(TestAdminClients)
#include "TestAdminClients.moc"
