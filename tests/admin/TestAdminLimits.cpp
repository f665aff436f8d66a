// /api/v1/limits over real sockets: every limit with its value, default, range and
// description; several changed at once, all or nothing; overrides per user name and client id.

#include <QtTest/QTest>

#include "broker/core/LimitRegistry.h"
#include "tests/admin/AdminFixture.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using test::AdminFixture;
using test::AdminHttpClient;

namespace {

const char* const kTwoLimits = R"({"max_inflight":16,"queue_overflow_policy":"drop-oldest"})";
const char* const kOneBad = R"({"max_inflight":16,"max_packet_size":5})";
const char* const kUnknown = R"({"max_inflight":16,"max_speed":5})";
const char* const kWrongType = R"({"max_inflight":[1]})";
const char* const kInconsistent = R"({"min_keepalive":100,"max_keepalive":10})";
const char* const kEmpty = R"({})";
const char* const kAliceLimits = R"({"max_publish_rate":10,"max_inflight":5})";
const char* const kAlicePatch = R"({"max_inflight":7,"max_publish_rate":null})";
const char* const kGlobalOnly = R"({"max_connections":5})";
const char* const kSmallWindow = R"({"max_inflight":3})";

} // namespace

class TestAdminLimits : public QObject
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
        m_http.reset();
        m_fixture.reset();
    }

    void everyLimitIsListed()
    {
        const auto r = m_http->get("/api/v1/limits");
        QVERIFY2(r.status == 200, r.describe().c_str());
        const auto& list = test::items(r);
        QCOMPARE(list.size(), core::LimitRegistry::specs().size());
        for (const auto& item : list) {
            const auto& limit = item.as_object();
            for (const char* field : {"name", "type", "value", "default", "differs_from_default",
                                      "unit", "description", "per_client"}) {
                QVERIFY2(limit.contains(field), field);
            }
            QVERIFY(!limit.at("differs_from_default").as_bool());
            QVERIFY(!test::text(limit.at("description")).isEmpty());
        }
        const auto byName = [&](const char* name) -> const boost::json::object& {
            for (const auto& item : list) {
                if (test::text(item.at("name")) == QLatin1String(name)) {
                    return item.as_object();
                }
            }
            qFatal("no limit %s", name);
        };
        QCOMPARE(byName("max_packet_size").at("minimum").to_number<int>(), 16);
        QCOMPARE(test::text(byName("queue_overflow_policy").at("type")), QStringLiteral("enum"));
        QCOMPARE(byName("queue_overflow_policy").at("choices").as_array().size(), std::size_t(4));
        QVERIFY(byName("dead_letter_qos0").at("value").is_bool());
    }

    void severalAtOnce()
    {
        const auto r = m_http->patch("/api/v1/limits", kTwoLimits);
        QVERIFY2(r.status == 200, r.describe().c_str());
        const auto check = m_http->get("/api/v1/limits");
        for (const auto& item : test::items(check)) {
            const QString name = test::text(item.at("name"));
            if (name == QStringLiteral("max_inflight")) {
                QCOMPARE(item.at("value").to_number<int>(), 16);
                QVERIFY(item.at("differs_from_default").as_bool());
            } else if (name == QStringLiteral("queue_overflow_policy")) {
                QCOMPARE(test::text(item.at("value")), QStringLiteral("drop-oldest"));
            } else {
                QVERIFY2(!item.at("differs_from_default").as_bool(), qPrintable(name));
            }
        }
        QCOMPARE(m_fixture->core().limits()->maxInflight, std::uint16_t(16));
    }

    // One bad value and nothing changes; the answer names it.
    void allOrNothing_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("out of range")
            << QString::fromUtf8(kOneBad) << QStringLiteral("max_packet_size");
        QTest::newRow("unknown") << QString::fromUtf8(kUnknown) << QStringLiteral("max_speed");
        QTest::newRow("wrong type")
            << QString::fromUtf8(kWrongType) << QStringLiteral("max_inflight");
        QTest::newRow("inconsistent")
            << QString::fromUtf8(kInconsistent) << QStringLiteral("min_keepalive");
        QTest::newRow("empty") << QString::fromUtf8(kEmpty) << QStringLiteral("limits");
    }

    void allOrNothing()
    {
        QFETCH(QString, body);
        QFETCH(QString, field);
        const auto r = m_http->patch("/api/v1/limits", body.toStdString());
        QVERIFY2(r.status == 400, r.describe().c_str());
        QCOMPARE(QString::fromStdString(r.errorField()), field);
        QCOMPARE(m_fixture->core().limits()->maxInflight, core::Limits{}.maxInflight);
    }

    void overridesPerUserAndClient_data()
    {
        QTest::addColumn<QString>("scope");
        QTest::newRow("users") << QStringLiteral("users");
        QTest::newRow("clients") << QStringLiteral("clients");
    }

    void overridesPerUserAndClient()
    {
        QFETCH(QString, scope);
        const std::string base = "/api/v1/limits/" + scope.toStdString();
        QCOMPARE(m_http->get(base + "/alice").status, 404U);
        QCOMPARE(m_http->del(base + "/alice").status, 404U);

        const auto put = m_http->put(base + "/alice", kAliceLimits);
        QVERIFY2(put.status == 200, put.describe().c_str());
        QCOMPARE(put.json.at("limits").at("max_inflight").to_number<int>(), 5);

        const auto list = m_http->get(base);
        QCOMPARE(test::strings(test::items(list), "name"), QStringList{QStringLiteral("alice")});

        const auto patch = m_http->patch(base + "/alice", kAlicePatch);
        QVERIFY2(patch.status == 200, patch.describe().c_str());
        const auto& limits = patch.json.at("limits").as_object();
        QCOMPARE(limits.at("max_inflight").to_number<int>(), 7);
        QVERIFY(!limits.contains("max_publish_rate"));

        const auto refused = m_http->put(base + "/alice", kGlobalOnly);
        QCOMPARE(refused.status, 400U);
        QCOMPARE(refused.errorField(), std::string("max_connections"));
        QCOMPARE(m_http->get(base + "/alice").json.at("limits").at("max_inflight").to_number<int>(),
                 7);

        QCOMPARE(m_http->del(base + "/alice").status, 200U);
        QCOMPARE(m_http->get(base + "/alice").status, 404U);
        QVERIFY(test::items(m_http->get(base)).empty());
    }

    void overridesPaginate()
    {
        QStringList names;
        for (int i = 0; i < 5; ++i) {
            names.append(QStringLiteral("user-%1").arg(i));
            QCOMPARE(m_http->put("/api/v1/limits/users/" + names.back().toStdString(), kSmallWindow)
                         .status,
                     200U);
        }
        QStringList seen;
        std::string target = "/api/v1/limits/users?limit=2";
        int pages = 0;
        for (;;) {
            const auto r = m_http->get(target);
            QVERIFY2(r.status == 200, r.describe().c_str());
            seen += test::strings(test::items(r), "name");
            ++pages;
            if (r.json.at("next_cursor").is_null()) {
                break;
            }
            QVERIFY(pages < 10);
            target = "/api/v1/limits/users?limit=2&cursor=" +
                     AdminHttpClient::encode(test::text(r.json.at("next_cursor")).toStdString());
        }
        QCOMPARE(pages, 3);
        QCOMPARE(seen, names);
        QCOMPARE(m_http->get("/api/v1/limits/users?cursor=x").errorField(), std::string("cursor"));
    }

    // An override reaches the connection it names: the window it is given.
    void clientOverrideApplies()
    {
        QCOMPARE(m_http->put("/api/v1/limits/clients/small", kSmallWindow).status, 200U);
        test::MqttTestClient client(m_fixture->mqttPort());
        QVERIFY(client.connect("small"));
        const auto r = m_http->get("/api/v1/clients/small");
        QCOMPARE(r.json.at("inflight_window").to_number<int>(), 3);
    }

private:
    std::unique_ptr<AdminFixture> m_fixture;
    std::unique_ptr<AdminHttpClient> m_http;
};

QTEST_GUILESS_MAIN(TestAdminLimits)
#include "TestAdminLimits.moc"
