// /api/v1/subscriptions, /api/v1/topics and /api/v1/retained over real sockets: every
// subscription of every session, the topic tree browsed a level at a time with message counts,
// rates and retained flags, and retained messages listed, read and removed.

#include <QtTest/QTest>

#include "tests/admin/AdminFixture.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace std::chrono_literals;
using test::AdminFixture;
using test::AdminHttpClient;
using test::MqttTestClient;

class TestAdminTopics : public QObject
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

    // ---- Subscriptions ------------------------------------------------------------------

    void listsEverySubscription()
    {
        MqttTestClient& a = connect("a", 0);
        QVERIFY(a.subscribe("home/+/temp", 1, 5));
        QVERIFY(a.subscribe("$share/workers/jobs/#", 2));
        MqttTestClient& b = connect("b", 0);
        QVERIFY(b.subscribe("home/+/temp", 0));

        const auto r = m_http->get("/api/v1/subscriptions");
        QVERIFY2(r.status == 200, r.describe().c_str());
        const auto& list = test::items(r);
        QCOMPARE(test::strings(list, "filter"),
                 (QStringList{QStringLiteral("$share/workers/jobs/#"),
                              QStringLiteral("home/+/temp"), QStringLiteral("home/+/temp")}));
        QCOMPARE(test::strings(list, "client_id"),
                 (QStringList{QStringLiteral("a"), QStringLiteral("a"), QStringLiteral("b")}));
        QCOMPARE(list[1].at("subscription_identifier").to_number<int>(), 5);
        QCOMPARE(list[0].at("qos").to_number<int>(), 2);
        QVERIFY(list[0].at("online").as_bool());

        QCOMPARE(test::strings(test::items(m_http->get("/api/v1/subscriptions?client_id=b")),
                               "client_id"),
                 QStringList{QStringLiteral("b")});
        QCOMPARE(test::items(m_http->get("/api/v1/subscriptions?shared=true")).size(),
                 std::size_t(1));
        QCOMPARE(test::items(m_http->get("/api/v1/subscriptions?prefix=home/")).size(),
                 std::size_t(2));
        QCOMPARE(m_http->get("/api/v1/subscriptions?shared=maybe").errorField(),
                 std::string("shared"));
    }

    void subscriptionsPaginate()
    {
        MqttTestClient& client = connect("many", 0);
        QStringList filters;
        for (int i = 0; i < 7; ++i) {
            filters.append(QStringLiteral("f/%1").arg(i));
            QVERIFY(client.subscribe(filters.back().toStdString(), 0));
        }
        QCOMPARE(collectPages("/api/v1/subscriptions?limit=3", "filter"), filters);
    }

    // ---- Topic tree ---------------------------------------------------------------------

    void topicTreeIsBrowsedLevelByLevel()
    {
        MqttTestClient& publisher = connect("pub", 0);
        QVERIFY(publisher.publish("home/kitchen/temp", "21", 0));
        QVERIFY(publisher.publish("home/kitchen/temp", "22", 0));
        QVERIFY(publisher.publish("home/kitchen/humidity", "40", 0));
        QVERIFY(publisher.publish("home/hall", "on", 0, true));
        QVERIFY(publisher.publish("office", "x", 0));
        QVERIFY(test::BrokerFixture::waitFor([&] {
            const auto r = m_http->get("/api/v1/topics");
            return r.json.at("node").at("subtree_messages").to_number<int>() == 5;
        }));

        const auto root = m_http->get("/api/v1/topics");
        QVERIFY2(root.status == 200, root.describe().c_str());
        QCOMPARE(test::strings(test::items(root), "topic"),
                 (QStringList{QStringLiteral("home"), QStringLiteral("office")}));
        const auto& home = test::items(root)[0].as_object();
        QCOMPARE(home.at("subtree_messages").to_number<int>(), 4);
        QCOMPARE(home.at("messages").to_number<int>(), 0);
        QVERIFY(home.at("has_children").as_bool());
        QCOMPARE(home.at("subtree_retained").to_number<int>(), 1);
        const auto& office = test::items(root)[1].as_object();
        QCOMPARE(office.at("messages").to_number<int>(), 1);
        QVERIFY(!office.at("has_children").as_bool());

        const auto level = m_http->get("/api/v1/topics?prefix=home");
        QCOMPARE(test::strings(test::items(level), "topic"),
                 (QStringList{QStringLiteral("home/hall"), QStringLiteral("home/kitchen")}));
        QCOMPARE(test::strings(test::items(level), "name"),
                 (QStringList{QStringLiteral("hall"), QStringLiteral("kitchen")}));
        QVERIFY(test::items(level)[0].at("retained").as_bool());
        QVERIFY(!test::items(level)[1].at("retained").as_bool());
        QCOMPARE(test::text(level.json.at("node").at("topic")), QStringLiteral("home"));

        const auto deep = m_http->get("/api/v1/topics?prefix=home&depth=2");
        QCOMPARE(test::strings(test::items(deep), "topic"),
                 (QStringList{QStringLiteral("home/hall"), QStringLiteral("home/kitchen"),
                              QStringLiteral("home/kitchen/humidity"),
                              QStringLiteral("home/kitchen/temp")}));
        const auto& temp = test::items(deep)[3].as_object();
        QCOMPARE(temp.at("messages").to_number<int>(), 2);
        QCOMPARE(temp.at("depth").to_number<int>(), 2);
        QVERIFY(!test::text(temp.at("last_message_at")).isEmpty());
        QVERIFY(temp.at("bytes").to_number<int>() == 4);
    }

    // A level with more children than a page: pages in tree order, each node once.
    void topicTreePaginates()
    {
        MqttTestClient& publisher = connect("pub", 0);
        QStringList expected;
        for (int i = 0; i < 9; ++i) {
            const std::string topic = "wide/n" + std::to_string(i);
            expected.append(QString::fromStdString(topic));
            QVERIFY(publisher.publish(topic, "x", 0));
        }
        QVERIFY(test::BrokerFixture::waitFor([&] {
            const auto r = m_http->get("/api/v1/topics?prefix=wide&limit=100");
            return test::items(r).size() == 9;
        }));
        QCOMPARE(collectPages("/api/v1/topics?prefix=wide&limit=4", "topic"), expected);
    }

    void topicTreeRefusesBadParameters_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("field");
        QTest::newRow("wildcard prefix")
            << QStringLiteral("prefix=a/%23") << QStringLiteral("prefix");
        QTest::newRow("depth 0") << QStringLiteral("depth=0") << QStringLiteral("depth");
        QTest::newRow("depth too deep") << QStringLiteral("depth=99") << QStringLiteral("depth");
        QTest::newRow("cursor") << QStringLiteral("cursor=abc") << QStringLiteral("cursor");
    }

    void topicTreeRefusesBadParameters()
    {
        QFETCH(QString, query);
        QFETCH(QString, field);
        const auto r = m_http->get("/api/v1/topics?" + query.toStdString());
        QVERIFY2(r.status == 400, r.describe().c_str());
        QCOMPARE(QString::fromStdString(r.errorField()), field);
    }

    // ---- Retained -----------------------------------------------------------------------

    void retainedMessagesAreListedReadAndRemoved()
    {
        MqttTestClient& publisher = connect("pub", 0);
        QVERIFY(publisher.publish("r/a", "alpha", 1, true));
        QVERIFY(publisher.publish("r/b/deep", "beta", 1, true));
        QVERIFY(publisher.publish("/leading", "gamma", 1, true));
        QVERIFY(publisher.publish("$SYS/info", "delta", 1, true));

        const auto all = m_http->get("/api/v1/retained");
        QVERIFY2(all.status == 200, all.describe().c_str());
        QCOMPARE(test::strings(test::items(all), "topic"),
                 (QStringList{QStringLiteral("/leading"), QStringLiteral("$SYS/info"),
                              QStringLiteral("r/a"), QStringLiteral("r/b/deep")}));
        QCOMPARE(all.json.at("total").to_number<int>(), 4);

        const auto filtered = m_http->get("/api/v1/retained?filter=r/%23");
        QCOMPARE(test::strings(test::items(filtered), "topic"),
                 (QStringList{QStringLiteral("r/a"), QStringLiteral("r/b/deep")}));

        const auto one = m_http->get("/api/v1/retained/r/b/deep");
        QVERIFY2(one.status == 200, one.describe().c_str());
        QCOMPARE(test::text(one.json.at("payload_preview")), QStringLiteral("beta"));
        QCOMPARE(test::text(one.json.at("payload_base64")), QStringLiteral("YmV0YQ=="));
        QVERIFY(one.json.at("retain").as_bool());
        // Slashes may also be percent-encoded; an empty first level is an empty segment.
        QCOMPARE(m_http->get("/api/v1/retained/r%2Fb%2Fdeep").status, 200U);
        QCOMPARE(m_http->get("/api/v1/retained//leading").status, 200U);
        QCOMPARE(m_http->get("/api/v1/retained/%24SYS/info").status, 200U);

        QCOMPARE(m_http->del("/api/v1/retained/r/a").status, 200U);
        QCOMPARE(m_http->get("/api/v1/retained/r/a").status, 404U);
        QCOMPARE(m_http->del("/api/v1/retained/r/a").status, 404U);
        // A new subscriber no longer gets it.
        MqttTestClient& subscriber = connect("sub", 0);
        QVERIFY(subscriber.subscribe("r/#", 0));
        const auto received = subscriber.receivePublishes(2, 500ms);
        QCOMPARE(received.size(), std::size_t(1));
        QCOMPARE(received[0].topic, std::string("r/b/deep"));
    }

    void retainedPaginates()
    {
        MqttTestClient& publisher = connect("pub", 0);
        QStringList expected;
        for (int i = 0; i < 5; ++i) {
            expected.append(QStringLiteral("keep/%1").arg(i));
            QVERIFY(publisher.publish(expected.back().toStdString(), "v", 1, true));
        }
        QCOMPARE(collectPages("/api/v1/retained?limit=2", "topic"), expected);
    }

    void retainedRefusesBadInput()
    {
        QCOMPARE(m_http->get("/api/v1/retained/a/%23").errorField(), std::string("topic"));
        QCOMPARE(m_http->del("/api/v1/retained/a/+").errorField(), std::string("topic"));
        QCOMPARE(m_http->get("/api/v1/retained?filter=a/%23/b").errorField(),
                 std::string("filter"));
        QCOMPARE(m_http->get("/api/v1/retained?cursor=zz").errorField(), std::string("cursor"));
        QCOMPARE(m_http->get("/api/v1/retained/none").status, 404U);
    }

private:
    MqttTestClient& connect(const std::string& clientId, std::uint32_t expiry)
    {
        auto client = std::make_unique<MqttTestClient>(m_fixture->mqttPort());
        if (!client->connect(clientId, true, expiry)) {
            qFatal("CONNECT failed: %s", client->lastError().c_str());
        }
        m_clients.push_back(std::move(client));
        return *m_clients.back();
    }

    // Follows next_cursor from `first` and returns `field` of every item, in order.
    QStringList collectPages(const std::string& first, const char* field)
    {
        QStringList seen;
        std::string target = first;
        for (int pages = 0; pages < 50; ++pages) {
            const auto r = m_http->get(target);
            if (r.status != 200) {
                qWarning("%s", r.describe().c_str());
                return {};
            }
            seen += test::strings(test::items(r), field);
            if (r.json.at("next_cursor").is_null()) {
                return seen;
            }
            const auto separator = first.find('?') == std::string::npos ? "?" : "&";
            target = first + separator + "cursor=" +
                     AdminHttpClient::encode(test::text(r.json.at("next_cursor")).toStdString());
        }
        return {};
    }

    std::unique_ptr<AdminFixture> m_fixture;
    std::unique_ptr<AdminHttpClient> m_http;
    std::vector<std::unique_ptr<MqttTestClient>> m_clients;
};

QTEST_GUILESS_MAIN(TestAdminTopics)
#include "TestAdminTopics.moc"
