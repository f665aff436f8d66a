// /api/v1/dead-letters over real sockets: dead letters made by real clients (a full offline
// queue, a subscriber that rejects) are listed with filters and pagination, read one by one,
// counted by reason, replayed (original topic, other topic) and purged; bad input is 400.

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

struct BadBody
{
    const char* name;
    const char* target;
    const char* body;
    const char* field;
};

// Kept out of the class: moc does not read raw string literals inside macro arguments.
const BadBody kBadBodies[] = {
    {"replay: unknown target", "replay", R"({"ids":[1],"target":"elsewhere"})", "target"},
    {"replay: topic without target topic", "replay", R"({"ids":[1],"topic":"x"})", "topic"},
    {"replay: target topic without topic", "replay", R"({"ids":[1],"target":"topic"})", "topic"},
    {"replay: wildcard topic", "replay", R"({"ids":[1],"target":"topic","topic":"a/#"})", "topic"},
    {"replay: ids and filter", "replay", R"({"ids":[1],"filter":{}})", "filter"},
    {"replay: neither ids nor filter", "replay", R"({"target":"session"})", "ids"},
    {"replay: id zero", "replay", R"({"ids":[0]})", "ids"},
    {"replay: id not a number", "replay", R"({"ids":["1"]})", "ids"},
    {"replay: empty ids", "replay", R"({"ids":[]})", "ids"},
    {"replay: unknown reason", "replay", R"({"filter":{"reasons":["lost"]}})", "filter.reasons"},
    {"replay: bad time", "replay", R"({"filter":{"since":"yesterday"}})", "filter.since"},
    {"replay: bad filter", "replay", R"({"filter":{"topic":"a/#/b"}})", "filter.topic"},
    {"purge: nothing selected", "purge", R"({})", "ids"},
    {"purge: unknown field", "purge", R"({"filter":{},"all":true})", "all"},
    {"purge: unknown filter field", "purge", R"({"filter":{"reason":"maxlen"}})", "filter.reason"},
};

const char* const kReplayFirst = R"({"ids":[%1]})";
const char* const kReplayToOtherTopic =
    R"({"filter":{"reasons":["maxlen"]},"target":"topic","topic":"elsewhere/t","remove":true})";
const char* const kPurgeRejected = R"({"filter":{"reasons":["rejected"]}})";
const char* const kPurgeAll = R"({"filter":{}})";

} // namespace

class TestAdminDeadLetters : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Three `maxlen` dead letters (an offline queue of 2 sent 5) and one `rejected`.
    void init()
    {
        core::Limits limits;
        limits.maxQueueMessages = 2;
        test::BrokerFixture::Options options;
        options.limits = limits;
        m_fixture = std::make_unique<AdminFixture>(std::move(options));
        m_http = m_fixture->http();

        MqttTestClient parked(m_fixture->mqttPort());
        QVERIFY(parked.connect("parked", true, 600));
        QVERIFY(parked.subscribe("dl/#", 1));
        QVERIFY(parked.disconnect());
        parked.close();
        QVERIFY(test::BrokerFixture::waitFor(
            [&] { return !m_http->get("/api/v1/sessions/parked").json.at("online").as_bool(); }));

        m_picky = std::make_unique<MqttTestClient>(m_fixture->mqttPort());
        QVERIFY(m_picky->connect("picky"));
        QVERIFY(m_picky->subscribe("rj/#", 1));

        m_publisher = std::make_unique<MqttTestClient>(m_fixture->mqttPort());
        QVERIFY(m_publisher->connect("pub"));
        for (int i = 1; i <= 5; ++i) {
            QVERIFY(m_publisher->publish("dl/" + std::to_string(i), "m" + std::to_string(i), 1));
        }
        QVERIFY(m_publisher->publish("rj/x", "refused", 1));
        const auto publish = m_picky->expect<protocol::Publish>();
        QVERIFY(publish);
        protocol::Puback puback;
        puback.packetId = publish->packetId;
        puback.reasonCode = 0x87; // Not authorized
        QVERIFY(m_picky->send(puback));
        QVERIFY(test::BrokerFixture::waitFor([&] {
            return m_http->get("/api/v1/dead-letters/stats").json.at("total").to_number<int>() == 4;
        }));
    }

    void cleanup()
    {
        m_picky.reset();
        m_publisher.reset();
        m_http.reset();
        m_fixture.reset();
    }

    void listsNewestFirstWithTheMessage()
    {
        const auto r = m_http->get("/api/v1/dead-letters");
        QVERIFY2(r.status == 200, r.describe().c_str());
        const auto& list = test::items(r);
        QCOMPARE(test::strings(list, "reason"),
                 (QStringList{QStringLiteral("rejected"), QStringLiteral("maxlen"),
                              QStringLiteral("maxlen"), QStringLiteral("maxlen")}));
        const auto& rejected = list[0].as_object();
        QCOMPARE(test::text(rejected.at("target_client_id")), QStringLiteral("picky"));
        QCOMPARE(test::text(rejected.at("message").at("topic")), QStringLiteral("rj/x"));
        QCOMPARE(test::text(rejected.at("message").at("payload_preview")),
                 QStringLiteral("refused"));
        QCOMPARE(test::text(rejected.at("message").at("publisher")), QStringLiteral("pub"));
        QVERIFY(rejected.at("replayed_at").is_null());
        QVERIFY(test::text(rejected.at("time")).endsWith(u'Z'));
        // The queue kept m1 and m2; m3..m5 became dead letters.
        const auto oldest = m_http->get("/api/v1/dead-letters?order=oldest&reason=maxlen");
        QStringList payloads;
        for (const auto& item : test::items(oldest)) {
            payloads.append(test::text(item.at("message").at("payload_preview")));
        }
        QCOMPARE(payloads,
                 (QStringList{QStringLiteral("m3"), QStringLiteral("m4"), QStringLiteral("m5")}));
    }

    void filters_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("count");
        QTest::newRow("reason") << QStringLiteral("reason=maxlen") << 3;
        QTest::newRow("two reasons") << QStringLiteral("reason=maxlen,rejected") << 4;
        QTest::newRow("topic filter") << QStringLiteral("topic=rj/%23") << 1;
        QTest::newRow("target") << QStringLiteral("target_client_id=parked") << 3;
        QTest::newRow("publisher") << QStringLiteral("publisher=pub") << 4;
        QTest::newRow("other publisher") << QStringLiteral("publisher=someone") << 0;
        QTest::newRow("since the future") << QStringLiteral("since=2999-01-01T00:00:00Z") << 0;
        QTest::newRow("until the future")
            << QStringLiteral("until=2999-01-01T00:00:00%2B02:00") << 4;
        QTest::newRow("not replayed") << QStringLiteral("replayed=false") << 4;
    }

    void filters()
    {
        QFETCH(QString, query);
        QFETCH(int, count);
        const auto r = m_http->get("/api/v1/dead-letters?" + query.toStdString());
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(int(test::items(r).size()), count);
    }

    void badParametersAre400_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("field");
        QTest::newRow("reason") << QStringLiteral("reason=lost") << QStringLiteral("reason");
        QTest::newRow("topic") << QStringLiteral("topic=a/%23/b") << QStringLiteral("topic");
        QTest::newRow("since") << QStringLiteral("since=yesterday") << QStringLiteral("since");
        QTest::newRow("replayed") << QStringLiteral("replayed=perhaps")
                                  << QStringLiteral("replayed");
        QTest::newRow("order") << QStringLiteral("order=random") << QStringLiteral("order");
        QTest::newRow("cursor") << QStringLiteral("cursor=nope") << QStringLiteral("cursor");
        QTest::newRow("limit") << QStringLiteral("limit=-1") << QStringLiteral("limit");
    }

    void badParametersAre400()
    {
        QFETCH(QString, query);
        QFETCH(QString, field);
        const auto r = m_http->get("/api/v1/dead-letters?" + query.toStdString());
        QVERIFY2(r.status == 400, r.describe().c_str());
        QCOMPARE(QString::fromStdString(r.errorField()), field);
    }

    void paginatesAcrossPages()
    {
        QStringList ids;
        std::string target = "/api/v1/dead-letters?limit=3";
        int pages = 0;
        std::string lastCursor;
        for (;;) {
            const auto r = m_http->get(target);
            QVERIFY2(r.status == 200, r.describe().c_str());
            for (const auto& item : test::items(r)) {
                ids.append(QString::number(item.at("id").to_number<std::uint64_t>()));
            }
            ++pages;
            if (r.json.at("next_cursor").is_null()) {
                break;
            }
            QVERIFY(pages < 10);
            lastCursor = test::text(r.json.at("next_cursor")).toStdString();
            target = "/api/v1/dead-letters?limit=3&cursor=" + AdminHttpClient::encode(lastCursor);
        }
        QCOMPARE(pages, 2);
        QCOMPARE(ids.size(), 4);
        QCOMPARE(QSet<QString>(ids.begin(), ids.end()).size(), 4);
        // A cursor is tied to its order.
        const auto r = m_http->get("/api/v1/dead-letters?order=oldest&cursor=" +
                                   AdminHttpClient::encode(lastCursor));
        QCOMPARE(r.status, 400U);
        QCOMPARE(r.errorField(), std::string("cursor"));
    }

    void oneEntryAndNotFound()
    {
        const std::uint64_t id = firstId();
        const auto r = m_http->get("/api/v1/dead-letters/" + std::to_string(id));
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("id").to_number<std::uint64_t>(), id);
        QCOMPARE(test::text(r.json.at("reason")), QStringLiteral("rejected"));
        QCOMPARE(m_http->get("/api/v1/dead-letters/999999").status, 404U);
        QCOMPARE(m_http->get("/api/v1/dead-letters/abc").errorField(), std::string("id"));
    }

    void statsCountByReason()
    {
        const auto r = m_http->get("/api/v1/dead-letters/stats");
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("total").to_number<int>(), 4);
        const auto& byReason = r.json.at("by_reason").as_object();
        QCOMPARE(byReason.at("maxlen").to_number<int>(), 3);
        QCOMPARE(byReason.at("rejected").to_number<int>(), 1);
        QCOMPARE(byReason.at("expired").to_number<int>(), 0);
        QVERIFY(r.json.at("max_entries").to_number<int>() > 0);
    }

    void replayToTheOriginalTopic()
    {
        MqttTestClient listener(m_fixture->mqttPort());
        QVERIFY(listener.connect("listener"));
        QVERIFY(listener.subscribe("rj/#", 1));
        const std::uint64_t id = firstId();
        const auto r = m_http->post("/api/v1/dead-letters/replay",
                                    QString::fromUtf8(kReplayFirst).arg(id).toStdString());
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("replayed").to_number<int>(), 1);
        QCOMPARE(r.json.at("failed").to_number<int>(), 0);
        const auto message = listener.receivePublish();
        QVERIFY(message);
        QCOMPARE(message->payload, std::string("refused"));
        QVERIFY(test::BrokerFixture::waitFor([&] {
            return !m_http->get("/api/v1/dead-letters/" + std::to_string(id))
                        .json.at("replayed_at")
                        .is_null();
        }));
        QCOMPARE(test::items(m_http->get("/api/v1/dead-letters?replayed=true")).size(),
                 std::size_t(1));
    }

    void replayToAnotherTopicAndRemove()
    {
        MqttTestClient listener(m_fixture->mqttPort());
        QVERIFY(listener.connect("listener"));
        QVERIFY(listener.subscribe("elsewhere/#", 1));
        const auto r = m_http->post("/api/v1/dead-letters/replay", kReplayToOtherTopic);
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("replayed").to_number<int>(), 3);
        QCOMPARE(listener.receivePublishes(3).size(), std::size_t(3));
        QVERIFY(test::BrokerFixture::waitFor([&] {
            return m_http->get("/api/v1/dead-letters/stats").json.at("total").to_number<int>() == 1;
        }));
    }

    void badBodiesAre400_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("field");
        for (const BadBody& row : kBadBodies) {
            QTest::newRow(row.name) << QString::fromUtf8(row.target) << QString::fromUtf8(row.body)
                                    << QString::fromUtf8(row.field);
        }
    }

    void badBodiesAre400()
    {
        QFETCH(QString, target);
        QFETCH(QString, body);
        QFETCH(QString, field);
        const auto r =
            m_http->post("/api/v1/dead-letters/" + target.toStdString(), body.toStdString());
        QVERIFY2(r.status == 400, r.describe().c_str());
        QCOMPARE(QString::fromStdString(r.errorField()), field);
        QCOMPARE(m_http->get("/api/v1/dead-letters/stats").json.at("total").to_number<int>(), 4);
    }

    void purgeBySelection()
    {
        const auto r = m_http->post("/api/v1/dead-letters/purge", kPurgeRejected);
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("purged").to_number<int>(), 1);
        const std::uint64_t id = firstId();
        const auto byId = m_http->post("/api/v1/dead-letters/purge",
                                       QString::fromUtf8(kReplayFirst).arg(id).toStdString());
        QCOMPARE(byId.json.at("purged").to_number<int>(), 1);
        QCOMPARE(m_http->get("/api/v1/dead-letters/" + std::to_string(id)).status, 404U);
        const auto all = m_http->post("/api/v1/dead-letters/purge", kPurgeAll);
        QCOMPARE(all.json.at("purged").to_number<int>(), 2);
        QCOMPARE(m_http->get("/api/v1/dead-letters/stats").json.at("total").to_number<int>(), 0);
    }

private:
    std::uint64_t firstId()
    {
        const auto r = m_http->get("/api/v1/dead-letters?limit=1");
        return test::items(r).empty() ? 0 : test::items(r)[0].at("id").to_number<std::uint64_t>();
    }

    std::unique_ptr<AdminFixture> m_fixture;
    std::unique_ptr<AdminHttpClient> m_http;
    std::unique_ptr<MqttTestClient> m_picky;
    std::unique_ptr<MqttTestClient> m_publisher;
};

QTEST_GUILESS_MAIN(TestAdminDeadLetters)
#include "TestAdminDeadLetters.moc"
