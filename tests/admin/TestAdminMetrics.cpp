// GET /metrics and GET /api/v1/overview over real HTTP: Prometheus text format that promtool
// accepts, and counters, gauges and the delivery-latency histogram matching what real clients
// did.

#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtTest/QTest>

#include "tests/admin/AdminFixture.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace std::chrono_literals;
using test::AdminFixture;
using test::MqttTestClient;

#ifndef SWITCHBOARD_PROMTOOL
#define SWITCHBOARD_PROMTOOL ""
#endif

namespace {

// The value of the sample `series` (name with its labels exactly as written), or NaN.
double sample(const std::string& text, const std::string& series)
{
    const std::string needle = "\n" + series + " ";
    const auto at = text.find(needle);
    if (at == std::string::npos) {
        return std::nan("");
    }
    const auto start = at + needle.size();
    return std::stod(text.substr(start, text.find('\n', start) - start));
}

const char* const kBucketLine =
    "switchboard_delivery_latency_seconds_bucket\\{le=\"([^\"]+)\"\\} (\\d+)";

} // namespace

class TestAdminMetrics : public QObject
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

    void countersMatchTraffic()
    {
        MqttTestClient subscriber(m_fixture->mqttPort());
        QVERIFY(subscriber.connect("subscriber"));
        QVERIFY(subscriber.subscribe("m/#", 1));
        MqttTestClient publisher(m_fixture->mqttPort());
        QVERIFY(publisher.connect("publisher"));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(publisher.publish("m/q1", "abc", 1));
        }
        for (int i = 0; i < 2; ++i) {
            QVERIFY(publisher.publish("m/q0", "abc", 0, true));
        }
        QCOMPARE(subscriber.receivePublishes(5).size(), std::size_t(5));

        const auto r = m_http->get("/metrics");
        QVERIFY2(r.status == 200, r.describe().c_str());
        QVERIFY(r.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
        const std::string text = "\n" + r.body;
        QCOMPARE(sample(text, "switchboard_connections"), 2.0);
        QCOMPARE(sample(text, "switchboard_sessions"), 2.0);
        QCOMPARE(sample(text, "switchboard_subscriptions"), 1.0);
        QCOMPARE(sample(text, "switchboard_retained_messages"), 1.0);
        QCOMPARE(sample(text, "switchboard_messages_received_total{qos=\"0\"}"), 2.0);
        QCOMPARE(sample(text, "switchboard_messages_received_total{qos=\"1\"}"), 3.0);
        QCOMPARE(sample(text, "switchboard_messages_received_total{qos=\"2\"}"), 0.0);
        QCOMPARE(sample(text, "switchboard_messages_delivered_total{qos=\"0\"}"), 2.0);
        QCOMPARE(sample(text, "switchboard_messages_delivered_total{qos=\"1\"}"), 3.0);
        QVERIFY(sample(text, "switchboard_bytes_received_total") > 0);
        QCOMPARE(sample(text, "switchboard_client_connects_total"), 2.0);
        QCOMPARE(sample(text, "switchboard_dead_letters_total{reason=\"maxlen\"}"), 0.0);
        QCOMPARE(sample(text, "switchboard_limit_rejections_total{limit=\"max_connections\"}"),
                 0.0);
        QVERIFY(sample(text, "process_resident_memory_bytes") > 0);
        QVERIFY(sample(text, "process_start_time_seconds") > 1.6e9);

        // The histogram: 5 deliveries, cumulative buckets that never decrease.
        QCOMPARE(sample(text, "switchboard_delivery_latency_seconds_count"), 5.0);
        QCOMPARE(sample(text, "switchboard_delivery_latency_seconds_bucket{le=\"+Inf\"}"), 5.0);
        QVERIFY(sample(text, "switchboard_delivery_latency_seconds_sum") > 0);
        static const QRegularExpression bucket(QString::fromUtf8(kBucketLine));
        double previous = 0;
        int buckets = 0;
        for (auto it = bucket.globalMatch(QString::fromStdString(r.body)); it.hasNext();) {
            const double value = it.next().captured(2).toDouble();
            QVERIFY(value >= previous);
            previous = value;
            ++buckets;
        }
        QVERIFY(buckets > 10);
    }

    // GET /api/v1/overview counts what is there.
    void overviewSaysWhatIsThere()
    {
        {
            MqttTestClient gone(m_fixture->mqttPort());
            QVERIFY(gone.connect("gone", true, 600));
            QVERIFY(gone.subscribe("o/#", 1));
            QVERIFY(gone.disconnect());
        }
        MqttTestClient client(m_fixture->mqttPort());
        QVERIFY(client.connect("here"));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(client.publish("o/t", "m", 1, i == 0));
        }
        QVERIFY(test::BrokerFixture::waitFor([&] {
            const auto r = m_http->get("/api/v1/overview");
            return r.status == 200 && r.json.at("queued_messages").to_number<int>() == 3 &&
                   r.json.at("connections").to_number<int>() == 1;
        }));
        const auto r = m_http->get("/api/v1/overview");
        const auto& o = r.json.as_object();
        QCOMPARE(test::text(o.at("version")), QStringLiteral(SWITCHBOARD_TEST_VERSION));
        QCOMPARE(o.at("workers").to_number<int>(), 2);
        QCOMPARE(test::text(o.at("durability")), QStringLiteral("memory"));
        QCOMPARE(o.at("clients").to_number<int>(), 1);
        QCOMPARE(o.at("sessions").to_number<int>(), 2);
        QCOMPARE(o.at("subscriptions").to_number<int>(), 1);
        QCOMPARE(o.at("retained").to_number<int>(), 1);
        QCOMPARE(o.at("totals").at("messages_in").to_number<int>(), 3);
        QCOMPARE(o.at("dead_letters").at("total").to_number<int>(), 0);
        const auto& listeners = o.at("listeners").as_array();
        QCOMPARE(listeners[0].at("port").to_number<int>(), int(m_fixture->mqttPort()));
        QCOMPARE(listeners[1].at("port").to_number<int>(), int(m_fixture->adminPort()));
        QVERIFY(o.at("uptime_seconds").to_number<double>() >= 0);
        QVERIFY(o.at("memory").at("resident_bytes").to_number<std::uint64_t>() > 0);
    }

    void promtoolFindsNoProblem()
    {
        const QString promtool = QStringLiteral(SWITCHBOARD_PROMTOOL);
        if (promtool.isEmpty()) {
            QFAIL("promtool was not found when this suite was configured: install the Debian "
                  "package 'prometheus' (scripts/install-deps.sh does) and configure again");
        }
        MqttTestClient client(m_fixture->mqttPort());
        QVERIFY(client.connect("client"));
        QVERIFY(client.subscribe("p/#", 0));
        QVERIFY(client.publish("p/x", "x", 0));
        QVERIFY(client.receivePublish());
        const auto r = m_http->get("/metrics");
        QVERIFY2(r.status == 200, r.describe().c_str());

        QProcess check;
        check.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
        QVERIFY2(check.waitForStarted(10'000), qPrintable(check.errorString()));
        check.write(QByteArray::fromStdString(r.body));
        check.closeWriteChannel();
        QVERIFY(check.waitForFinished(30'000));
        const QByteArray output = check.readAllStandardOutput() + check.readAllStandardError();
        QVERIFY2(check.exitStatus() == QProcess::NormalExit && check.exitCode() == 0,
                 output.constData());
        QVERIFY2(output.trimmed().isEmpty(), output.constData()); // not even a lint warning
    }

private:
    std::unique_ptr<AdminFixture> m_fixture;
    std::unique_ptr<test::AdminHttpClient> m_http;
};

QTEST_GUILESS_MAIN(TestAdminMetrics)
#include "TestAdminMetrics.moc"
