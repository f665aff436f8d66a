// switchboard-bench against our broker: each scenario runs briefly and the JSON line it prints
// must show a correct run. Only correctness is asserted (counts, loss at QoS 1/2, duplicates at
// QoS 2, order); rates and latencies depend on the machine and are never checked.

#include <memory>

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtTest/QTest>

#include "tests/support/BrokerFixture.h"

using sb::test::BrokerFixture;

namespace {

// Generous: a run is a second or two, but CI machines are sometimes very busy.
constexpr int kRunTimeoutMs = 90'000;

// What a row expects the bench to have counted.
struct Expected
{
    qint64 published = -1; // -1: decided by the schedule (duration x rate), not checked
    int fanout = 1;        // deliveries per published message
    int connections = 0;   // idle: connections that must be open
};

} // namespace

Q_DECLARE_METATYPE(Expected)

class TestBenchSmoke : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void scenario_data();
    void scenario();

private:
    std::unique_ptr<BrokerFixture> m_broker;
};

void TestBenchSmoke::initTestCase()
{
    m_broker = std::make_unique<BrokerFixture>();
}

void TestBenchSmoke::cleanupTestCase()
{
    m_broker.reset();
}

void TestBenchSmoke::scenario_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("qos");
    QTest::addColumn<Expected>("expected");

    const auto words = [](const char* text) {
        return QString::fromLatin1(text).split(u' ', Qt::SkipEmptyParts);
    };
    QTest::newRow("throughput QoS 0")
        << words("throughput --messages 4000 --qos 0") << 0 << Expected{4000, 1, 0};
    QTest::newRow("throughput QoS 1")
        << words("throughput --messages 4000 --qos 1") << 1 << Expected{4000, 1, 0};
    QTest::newRow("throughput QoS 2")
        << words("throughput --messages 4000 --qos 2") << 2 << Expected{4000, 1, 0};
    QTest::newRow("throughput QoS 1, MQTT 3.1.1, per-pair topics, 2 threads")
        << words("throughput --messages 4000 --qos 1 --protocol 3.1.1 --publishers 3 "
                 "--subscribers 3 --topic-mode pairs --threads 2")
        << 1 << Expected{4000, 1, 0};
    QTest::newRow("throughput QoS 2, shared topic, 2 x 2")
        << words("throughput --messages 4000 --qos 2 --publishers 2 --subscribers 2 "
                 "--topic-mode shared")
        << 2 << Expected{4000, 2, 0};
    QTest::newRow("throughput QoS 1, persistent sessions, small window")
        << words("throughput --messages 3000 --qos 1 --persistent --inflight 8") << 1
        << Expected{3000, 1, 0};
    QTest::newRow("fanout QoS 1 to 5")
        << words("fanout --messages 2000 --qos 1 --subscribers 5") << 1 << Expected{2000, 5, 0};
    QTest::newRow("fanin QoS 2 from 5")
        << words("fanin --messages 4000 --qos 2 --publishers 5") << 2 << Expected{4000, 1, 0};
    QTest::newRow("latency QoS 1 at 2000/s")
        << words("latency --rate 2000 --duration 1 --qos 1") << 1 << Expected{-1, 1, 0};
    QTest::newRow("latency QoS 0 at 2000/s, spinning I/O thread")
        << words("latency --rate 2000 --duration 1 --qos 0 --spin") << 0 << Expected{-1, 1, 0};
    QTest::newRow("realistic QoS 1, 40 devices, 2 wildcard subscribers")
        << words("realistic --publishers 40 --rate 400 --duration 1 --qos 1") << 1
        << Expected{-1, 2, 0};
    QTest::newRow("idle 100 connections")
        << words("idle --connections 100 --duration 1") << 0 << Expected{-1, 1, 100};
}

void TestBenchSmoke::scenario()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, qos);
    QFETCH(Expected, expected);

    arguments << QStringLiteral("--host") << QStringLiteral("127.0.0.1") << QStringLiteral("--port")
              << QString::number(m_broker->port()) << QStringLiteral("--json")
              << QStringLiteral("--timeout") << QStringLiteral("60");
    QProcess bench;
    bench.start(QStringLiteral(SWITCHBOARD_BENCH_PATH), arguments);
    QVERIFY2(bench.waitForStarted(), qPrintable(bench.errorString()));
    if (!bench.waitForFinished(kRunTimeoutMs)) {
        bench.kill();
        bench.waitForFinished();
        QFAIL("switchboard-bench did not finish");
    }
    const QByteArray output = bench.readAllStandardOutput();
    const QByteArray table = bench.readAllStandardError();
    QCOMPARE(bench.exitStatus(), QProcess::NormalExit);
    QVERIFY2(bench.exitCode() == 0, table.constData());

    // --json: stdout is exactly one JSON line (the table went to stderr).
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(output.trimmed(), &parseError);
    QVERIFY2(document.isObject(), qPrintable(parseError.errorString() + QLatin1String(": ") +
                                             QString::fromUtf8(output)));
    const QJsonObject run = document.object();
    const auto number = [&run](const char* key) {
        return run.value(QLatin1String(key)).toInteger(-1);
    };

    QCOMPARE(run.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(number("error_count"), qint64{0});
    QCOMPARE(number("connected"), number("connections_planned"));
    if (expected.connections > 0) {
        QCOMPARE(number("connected"), qint64{expected.connections});
        QCOMPARE(number("dropped_while_idle"), qint64{0});
        return;
    }

    const qint64 published = number("published");
    QVERIFY(published > 0);
    if (expected.published >= 0) {
        QCOMPARE(published, expected.published);
    }
    if (qos > 0) {
        QCOMPARE(number("acknowledged"), published);
    }
    QCOMPARE(number("expected_deliveries"), published * expected.fanout);
    // Every delivery is accounted for: received once, or counted lost.
    QCOMPARE(number("delivered") + number("lost") - number("duplicates"),
             number("expected_deliveries"));
    if (qos > 0) {
        QCOMPARE(number("lost"), qint64{0});
        QCOMPARE(number("delivered"), number("expected_deliveries"));
    }
    if (qos == 2) {
        QCOMPARE(number("duplicates"), qint64{0});
    }
    if (arguments.contains(QStringLiteral("--spin"))) {
        // A spinning generator reports the part of its core that found work: a number, more
        // than nothing (it sent and received every message of the run) and at most the one
        // core of its one I/O thread.
        const QJsonValue busy =
            run.value(QLatin1String("bench")).toObject().value(QLatin1String("busy_percent"));
        QVERIFY2(busy.isDouble(), output.constData());
        QVERIFY2(busy.toDouble() > 0, output.constData());
        QVERIFY2(busy.toDouble() <= 100, output.constData());
    }
    QCOMPARE(number("reordered"), qint64{0});
    QCOMPARE(number("malformed"), qint64{0});
    QCOMPARE(number("foreign"), qint64{0});
    QCOMPARE(number("unexpected"), qint64{0});
    QCOMPARE(run.value(QLatin1String("granted_qos")).toInt(-1), qos);
    QVERIFY(run.value(QLatin1String("correct")).toBool());
    // Every delivery was timed.
    QCOMPARE(run.value(QLatin1String("latency_us"))
                 .toObject()
                 .value(QLatin1String("count"))
                 .toInteger(-1),
             number("delivered"));
}

QTEST_GUILESS_MAIN(TestBenchSmoke)
#include "TestBenchSmoke.moc"
