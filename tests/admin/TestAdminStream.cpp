// GET /api/v1/stream over a real WebSocket: a stats frame every second whose numbers match
// what real clients did, queue depths, delivery latency, several streams at once, and the live
// tap (matching messages only, rate-capped, commands checked).

#include <QtTest/QTest>

#include "tests/admin/AdminFixture.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace std::chrono_literals;
using test::AdminFixture;
using test::AdminStreamClient;
using test::MqttTestClient;

namespace {

const char* const kTapSensors = R"({"tap":{"filter":"sensors/#","max_rate":1000}})";
const char* const kTapSlow = R"({"tap":{"filter":"fast/#","max_rate":5}})";
const char* const kTapStop = R"({"tap":null})";

struct BadCommand
{
    const char* name;
    const char* text;
    const char* field;
};

const BadCommand kBadCommands[] = {
    {"not JSON", "tap please", ""},
    {"no tap", R"({"watch":"a"})", "watch"},
    {"no filter", R"({"tap":{"max_rate":5}})", "tap.filter"},
    {"bad filter", R"({"tap":{"filter":"a/#/b"}})", "tap.filter"},
    {"shared filter", R"({"tap":{"filter":"$share/g/a"}})", "tap.filter"},
    {"rate too high", R"({"tap":{"filter":"a","max_rate":100000}})", "tap.max_rate"},
    {"rate zero", R"({"tap":{"filter":"a","max_rate":0}})", "tap.max_rate"},
    {"tap not an object", R"({"tap":"a/#"})", "tap"},
};

bool isStats(const boost::json::object& frame)
{
    return test::text(frame.at("type")) == QStringLiteral("stats");
}

std::uint64_t number(const boost::json::value& value)
{
    return value.to_number<std::uint64_t>();
}

} // namespace

class TestAdminStream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { m_fixture = std::make_unique<AdminFixture>(); }
    void cleanup()
    {
        m_clients.clear();
        m_fixture.reset();
    }

    void helloThenAStatsFrameEverySecond()
    {
        auto stream = m_fixture->stream();
        QVERIFY2(stream->connect(), stream->lastError().c_str());
        const auto hello = stream->next();
        QVERIFY2(hello, stream->lastError().c_str());
        QCOMPARE(test::text(hello->at("type")), QStringLiteral("hello"));
        const auto first = stream->waitFor(isStats, 3s);
        QVERIFY2(first, stream->lastError().c_str());
        const auto second = stream->waitFor(isStats, 3s);
        QVERIFY2(second, stream->lastError().c_str());
        QCOMPARE(number(second->at("sequence")), number(first->at("sequence")) + 1);
        const double interval = second->at("interval_seconds").to_number<double>();
        QVERIFY2(interval > 0.5 && interval < 2.0, std::to_string(interval).c_str());
        for (const char* field :
             {"time", "connections", "clients", "connects_per_second", "disconnects_per_second",
              "messages_in_per_second", "messages_out_per_second", "bytes_in_per_second",
              "bytes_out_per_second", "queued_messages", "top_queues", "latency_seconds",
              "dead_letters_per_second", "rejections_per_second", "cpu", "memory", "totals"}) {
            QVERIFY2(second->contains(field), field);
        }
        QVERIFY(second->at("memory").at("resident_bytes").to_number<std::uint64_t>() > 0);
    }

    // 5 clients connected, 1,000 messages published (and delivered to one subscriber): the
    // frames say exactly that, as totals and as the sum of their per-second rates.
    void statsMatchWhatClientsDid()
    {
        auto stream = m_fixture->stream();
        QVERIFY2(stream->connect(), stream->lastError().c_str());
        const auto baseline = stream->waitFor(isStats, 3s);
        QVERIFY2(baseline, stream->lastError().c_str());
        QCOMPARE(number(baseline->at("connections")), 0U);

        MqttTestClient& subscriber = connect("subscriber");
        QVERIFY(subscriber.subscribe("load/#", 0));
        std::vector<MqttTestClient*> publishers;
        for (int i = 0; i < 4; ++i) {
            publishers.push_back(&connect("publisher-" + std::to_string(i)));
        }
        for (int i = 0; i < 1000; ++i) {
            QVERIFY(
                publishers[std::size_t(i % 4)]->publish("load/" + std::to_string(i % 10), "x", 0));
        }
        QCOMPARE(subscriber.receivePublishes(1000, 10s).size(), std::size_t(1000));

        double messagesIn = 0;
        double messagesOut = 0;
        double connects = 0;
        std::uint64_t latencyCount = 0;
        const auto settled = stream->waitFor(
            [&](const boost::json::object& frame) {
                if (!isStats(frame)) {
                    return false;
                }
                const double interval = frame.at("interval_seconds").to_number<double>();
                messagesIn += frame.at("messages_in_per_second").to_number<double>() * interval;
                messagesOut += frame.at("messages_out_per_second").to_number<double>() * interval;
                connects += frame.at("connects_per_second").to_number<double>() * interval;
                latencyCount += number(frame.at("latency_seconds").at("count"));
                return number(frame.at("totals").at("messages_in")) == 1000 &&
                       number(frame.at("totals").at("messages_out")) == 1000;
            },
            10s);
        QVERIFY2(settled, stream->lastError().c_str());
        QCOMPARE(number(settled->at("connections")), 5U);
        QCOMPARE(number(settled->at("clients")), 5U);
        QCOMPARE(number(settled->at("sessions")), 5U);
        QCOMPARE(number(settled->at("subscriptions")), 1U);
        QCOMPARE(number(settled->at("totals").at("connects")), 5U);
        QCOMPARE(std::llround(messagesIn), 1000LL);
        QCOMPARE(std::llround(messagesOut), 1000LL);
        QCOMPARE(std::llround(connects), 5LL);
        QCOMPARE(latencyCount, 1000U);
        const auto& latency = settled->at("latency_seconds").as_object();
        QVERIFY(latency.at("p50").to_number<double>() <= latency.at("p99").to_number<double>());
        QVERIFY(latency.at("p99").to_number<double>() <= latency.at("p999").to_number<double>());

        // Disconnects show up too.
        m_clients.clear();
        const auto after = stream->waitFor(
            [](const boost::json::object& frame) {
                return isStats(frame) && number(frame.at("connections")) == 0;
            },
            10s);
        QVERIFY2(after, stream->lastError().c_str());
        QCOMPARE(number(after->at("totals").at("disconnects")), 5U);
    }

    void deepestQueuesAreListed()
    {
        for (const char* id : {"shallow", "deep"}) {
            MqttTestClient client(m_fixture->mqttPort());
            QVERIFY(client.connect(id, true, 600));
            QVERIFY(client.subscribe(std::string(id) == "deep" ? "q/#" : "q/one", 1));
            QVERIFY(client.disconnect());
        }
        MqttTestClient& publisher = connect("publisher");
        for (int i = 0; i < 6; ++i) {
            QVERIFY(publisher.publish(i < 2 ? "q/one" : "q/other", "m", 1));
        }
        auto stream = m_fixture->stream();
        QVERIFY2(stream->connect(), stream->lastError().c_str());
        const auto frame = stream->waitFor(
            [](const boost::json::object& f) {
                return isStats(f) && number(f.at("queued_messages")) == 8;
            },
            10s);
        QVERIFY2(frame, stream->lastError().c_str());
        const auto& top = frame->at("top_queues").as_array();
        QCOMPARE(test::strings(top, "client_id"),
                 (QStringList{QStringLiteral("deep"), QStringLiteral("shallow")}));
        QCOMPARE(number(top[0].at("queued")), 6U);
    }

    void severalStreamsAtOnce()
    {
        std::vector<std::unique_ptr<AdminStreamClient>> streams;
        for (int i = 0; i < 3; ++i) {
            streams.push_back(m_fixture->stream());
            QVERIFY2(streams.back()->connect(), streams.back()->lastError().c_str());
        }
        for (auto& stream : streams) {
            QVERIFY2(stream->waitFor(isStats, 3s), stream->lastError().c_str());
        }
        // One going away does not disturb the others.
        streams.front()->close();
        for (std::size_t i = 1; i < streams.size(); ++i) {
            QVERIFY2(streams[i]->waitFor(isStats, 3s), streams[i]->lastError().c_str());
        }
    }

    void tapSendsMatchingMessagesOnly()
    {
        auto stream = m_fixture->stream();
        QVERIFY2(stream->connect(), stream->lastError().c_str());
        QVERIFY(stream->send(kTapSensors));
        const auto started = stream->waitFor([](const boost::json::object& f) {
            return test::text(f.at("type")) == QStringLiteral("tap_started");
        });
        QVERIFY2(started, stream->lastError().c_str());
        QCOMPARE(test::text(started->at("filter")), QStringLiteral("sensors/#"));

        MqttTestClient& publisher = connect("publisher");
        QVERIFY(publisher.publish("other/x", "no", 0));
        QVERIFY(publisher.publish("sensors/kitchen", "21.5", 1));
        QVERIFY(publisher.publish("sensors/hall", "19", 0, true));
        QStringList topics;
        const auto tapped = stream->waitFor([&](const boost::json::object& f) {
            if (test::text(f.at("type")) != QStringLiteral("tap")) {
                return false;
            }
            topics += test::strings(f.at("messages").as_array(), "topic");
            return topics.size() >= 2;
        });
        QVERIFY2(tapped, stream->lastError().c_str());
        QCOMPARE(topics,
                 (QStringList{QStringLiteral("sensors/kitchen"), QStringLiteral("sensors/hall")}));
        const auto& last = tapped->at("messages").as_array().back().as_object();
        QCOMPARE(test::text(last.at("payload_preview")), QStringLiteral("19"));
        QVERIFY(last.at("retain").as_bool());

        QVERIFY(stream->send(kTapStop));
        QVERIFY(stream->waitFor([](const boost::json::object& f) {
            return test::text(f.at("type")) == QStringLiteral("tap_stopped");
        }));
        QVERIFY(publisher.publish("sensors/kitchen", "22", 0));
        // Two more stats frames and no tap frame in between.
        int stats = 0;
        const auto tapAfterStop = stream->waitFor(
            [&](const boost::json::object& f) {
                stats += isStats(f) ? 1 : 0;
                return test::text(f.at("type")) == QStringLiteral("tap") || stats == 2;
            },
            5s);
        QVERIFY(tapAfterStop);
        QVERIFY(isStats(*tapAfterStop));
    }

    // The tap is a sample: at most max_rate per second (plus its one-second burst), the rest
    // counted as skipped.
    void tapIsRateCapped()
    {
        auto stream = m_fixture->stream();
        QVERIFY2(stream->connect(), stream->lastError().c_str());
        QVERIFY(stream->send(kTapSlow));
        QVERIFY(stream->waitFor([](const boost::json::object& f) {
            return test::text(f.at("type")) == QStringLiteral("tap_started");
        }));
        MqttTestClient& publisher = connect("publisher");
        for (int i = 0; i < 200; ++i) {
            QVERIFY(publisher.publish("fast/t", std::to_string(i), 0));
        }
        QVERIFY(publisher.ping()); // all 200 have been read by the broker
        std::uint64_t delivered = 0;
        std::uint64_t skipped = 0;
        const auto done = stream->waitFor(
            [&](const boost::json::object& f) {
                if (test::text(f.at("type")) == QStringLiteral("tap")) {
                    delivered += f.at("messages").as_array().size();
                    skipped += number(f.at("skipped"));
                }
                return delivered + skipped >= 200;
            },
            10s);
        QVERIFY2(done, stream->lastError().c_str());
        QVERIFY2(delivered <= 12, std::to_string(delivered).c_str());
        QVERIFY(delivered >= 1);
        QCOMPARE(delivered + skipped, 200U);
    }

    void badCommandsAreAnsweredWithAnError_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("field");
        for (const BadCommand& row : kBadCommands) {
            QTest::newRow(row.name) << QString::fromUtf8(row.text) << QString::fromUtf8(row.field);
        }
    }

    void badCommandsAreAnsweredWithAnError()
    {
        QFETCH(QString, command);
        QFETCH(QString, field);
        auto stream = m_fixture->stream();
        QVERIFY2(stream->connect(), stream->lastError().c_str());
        QVERIFY(stream->send(command.toStdString()));
        const auto error = stream->waitFor([](const boost::json::object& f) {
            return test::text(f.at("type")) == QStringLiteral("error");
        });
        QVERIFY2(error, stream->lastError().c_str());
        const auto& detail = error->at("error").as_object();
        QVERIFY(!test::text(detail.at("code")).isEmpty());
        QCOMPARE(detail.contains("field") ? test::text(detail.at("field")) : QString(), field);
        // The stream carries on.
        QVERIFY2(stream->waitFor(isStats, 3s), stream->lastError().c_str());
    }

private:
    MqttTestClient& connect(const std::string& clientId)
    {
        auto client = std::make_unique<MqttTestClient>(m_fixture->mqttPort());
        if (!client->connect(clientId)) {
            qFatal("CONNECT failed: %s", client->lastError().c_str());
        }
        m_clients.push_back(std::move(client));
        return *m_clients.back();
    }

    std::unique_ptr<AdminFixture> m_fixture;
    std::vector<std::unique_ptr<MqttTestClient>> m_clients;
};

QTEST_GUILESS_MAIN(TestAdminStream)
#include "TestAdminStream.moc"
