// POST /api/v1/publish over real sockets: the message reaches subscribers with its QoS, retain
// flag and properties; every bad field is refused with 400 naming it.

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

// Kept out of the class: moc does not read raw string literals inside macro arguments.
struct BadBody
{
    const char* name;
    const char* body;
    const char* field;
};

const BadBody kBadBodies[] = {
    {"no topic", R"({"payload":"x"})", "topic"},
    {"empty topic", R"({"topic":""})", "topic"},
    {"wildcard topic", R"({"topic":"a/#"})", "topic"},
    {"qos 3", R"({"topic":"a","qos":3})", "qos"},
    {"qos as text", R"({"topic":"a","qos":"1"})", "qos"},
    {"retain as number", R"({"topic":"a","retain":1})", "retain"},
    {"both payloads", R"({"topic":"a","payload":"x","payload_base64":"eA=="})", "payload_base64"},
    {"bad base64", R"({"topic":"a","payload_base64":"***"})", "payload_base64"},
    {"unknown field", R"({"topic":"a","qso":1})", "qso"},
    {"expiry negative", R"({"topic":"a","properties":{"message_expiry_interval":-1}})",
     "properties.message_expiry_interval"},
    {"bad response topic", R"({"topic":"a","properties":{"response_topic":"r/+"}})",
     "properties.response_topic"},
    {"user property without value",
     R"({"topic":"a","properties":{"user_properties":[{"key":"k"}]}})",
     "properties.user_properties[0].value"},
    {"unknown property", R"({"topic":"a","properties":{"topic_alias":1}})",
     "properties.topic_alias"},
    {"binary payload marked UTF-8",
     R"({"topic":"a","payload_base64":"/w==","properties":{"payload_format_indicator":1}})",
     "payload_base64"},
};

const char* const kFullPublish = R"({
    "topic": "admin/hello", "payload": "h\u00e9llo", "qos": 1,
    "properties": {"content_type": "text/plain", "message_expiry_interval": 60,
                   "payload_format_indicator": 1, "response_topic": "admin/reply",
                   "correlation_data_base64": "AAEC",
                   "user_properties": [{"key": "k", "value": "v"}, {"key": "k", "value": "w"}]}
})";

const char* const kBinaryRetained =
    R"({"topic":"admin/bin","payload_base64":"/wABAg==","qos":2,"retain":true})";
const char* const kClearRetained = R"({"topic":"admin/bin","retain":true})";
const char* const kNobodyListens = R"({"topic":"nobody/listens"})";

} // namespace

class TestAdminPublish : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<AdminFixture>();
        m_http = m_fixture->http();
        m_subscriber = std::make_unique<MqttTestClient>(m_fixture->mqttPort());
        QVERIFY(m_subscriber->connect("subscriber"));
        QVERIFY(m_subscriber->subscribe("admin/#", 2));
    }
    void cleanup()
    {
        m_subscriber.reset();
        m_http.reset();
        m_fixture.reset();
    }

    void publishesToSubscribers()
    {
        const auto r = m_http->post("/api/v1/publish", kFullPublish);
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("receivers").to_number<int>(), 1);
        const auto message = m_subscriber->receivePublish();
        QVERIFY(message);
        QCOMPARE(message->topic, std::string("admin/hello"));
        QCOMPARE(message->payload, std::string("héllo"));
        QCOMPARE(int(message->qos), 1);
        QCOMPARE(message->properties.contentType.value_or(""), std::string("text/plain"));
        QVERIFY(message->properties.messageExpiryInterval.value_or(0) > 0);
        QCOMPARE(message->properties.responseTopic.value_or(""), std::string("admin/reply"));
        QCOMPARE(message->properties.correlationData.value_or(""), std::string("\x00\x01\x02", 3));
        QCOMPARE(message->properties.userProperties.size(), std::size_t(2));
        QCOMPARE(message->properties.userProperties[1].value, std::string("w"));
    }

    void binaryPayloadAndRetain()
    {
        const auto r = m_http->post("/api/v1/publish", kBinaryRetained);
        QVERIFY2(r.status == 200, r.describe().c_str());
        const auto message = m_subscriber->receivePublish();
        QVERIFY(message);
        QCOMPARE(message->payload, std::string("\xff\x00\x01\x02", 4));
        QCOMPARE(int(message->qos), 2);
        const auto retained = m_http->get("/api/v1/retained/admin/bin");
        QVERIFY2(retained.status == 200, retained.describe().c_str());
        QCOMPARE(test::text(retained.json.at("publisher")), QStringLiteral("$admin"));
        QVERIFY(!retained.json.at("payload_is_utf8").as_bool());
        // An empty retained message clears it, as in MQTT.
        QCOMPARE(m_http->post("/api/v1/publish", kClearRetained).status, 200U);
        QCOMPARE(m_http->get("/api/v1/retained/admin/bin").status, 404U);
    }

    void noSubscriberIsNotAnError()
    {
        const auto r = m_http->post("/api/v1/publish", kNobodyListens);
        QVERIFY2(r.status == 200, r.describe().c_str());
        QCOMPARE(r.json.at("receivers").to_number<int>(), 0);
    }

    void badFieldsAre400_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("field");
        for (const BadBody& row : kBadBodies) {
            QTest::newRow(row.name) << QString::fromUtf8(row.body) << QString::fromUtf8(row.field);
        }
    }

    void badFieldsAre400()
    {
        QFETCH(QString, body);
        QFETCH(QString, field);
        const auto r = m_http->post("/api/v1/publish", body.toStdString());
        QVERIFY2(r.status == 400, r.describe().c_str());
        QCOMPARE(r.errorCode(), std::string("invalid_field"));
        QCOMPARE(QString::fromStdString(r.errorField()), field);
        QVERIFY(m_subscriber->receivesNothing(50ms));
    }

private:
    std::unique_ptr<AdminFixture> m_fixture;
    std::unique_ptr<AdminHttpClient> m_http;
    std::unique_ptr<MqttTestClient> m_subscriber;
};

QTEST_GUILESS_MAIN(TestAdminPublish)
#include "TestAdminPublish.moc"
