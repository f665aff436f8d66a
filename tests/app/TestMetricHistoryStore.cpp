// The metric history: one-second samples kept an hour, one-minute aggregates kept a day,
// minutes aggregated as they complete (averages, and maxima for tail latency), each window
// queried at its resolution, the file bounded, and everything still there after a reopen.
// Time is a manual clock: an hour passes in a line.

#include <cmath>

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include "app/MetricHistoryStore.h"
#include "tests/app/ManualClock.h"

using namespace sb;
using app::MetricHistoryStore;
using app::MetricSample;
using app::MetricWindow;

namespace {

// 2024-01-01T00:00:00Z: a round minute, so bucket arithmetic is easy to follow.
constexpr qint64 kStart = 1704067200000;
constexpr qint64 kSecond = 1000;
constexpr qint64 kMinute = 60 * kSecond;
constexpr qint64 kHour = 60 * kMinute;

MetricSample second(qint64 t, double in, double p99 = MetricSample::kNone)
{
    MetricSample s;
    s.timeMs = t;
    s.messagesIn = in;
    s.messagesOut = in * 2;
    s.connections = 3;
    s.queued = 10;
    if (!std::isnan(p99)) {
        s.latencyP50 = p99 / 10;
        s.latencyP99 = p99;
        s.latencyMax = p99 * 2;
    }
    return s;
}

} // namespace

class TestMetricHistoryStore : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<test::ManualClock> m_clock;

    QString path() const { return m_dir->filePath(QStringLiteral("metrics.sqlite")); }

    std::unique_ptr<MetricHistoryStore> open(MetricHistoryStore::Limits limits = {})
    {
        auto store = std::make_unique<MetricHistoryStore>(*m_clock, limits);
        QString error;
        if (!store->open(path(), &error)) {
            qWarning("%s", qPrintable(error));
            return nullptr;
        }
        return store;
    }

    // Records one sample a second from the clock's time for `seconds`, moving the clock.
    void feed(MetricHistoryStore& store, const QString& broker, int seconds,
              const std::function<MetricSample(qint64)>& make)
    {
        for (int i = 0; i < seconds; ++i) {
            store.record(broker, make(m_clock->nowMs()));
            m_clock->advance(kSecond);
        }
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_clock = std::make_unique<test::ManualClock>(kStart);
    }

    void completeMinutesAreAggregated()
    {
        auto store = open();
        QVERIFY(store);
        // Minute 0: in = 0..59 (average 29.5), one latency spike of 0.9 s in second 30.
        // Minute 1: in = 100 flat, no deliveries at all. Minute 2 is still filling.
        feed(*store, QStringLiteral("a"), 60, [](qint64 t) {
            const auto s = (t - kStart) / kSecond;
            return second(t, double(s), s == 30 ? 0.9 : 0.01);
        });
        feed(*store, QStringLiteral("a"), 60, [](qint64 t) { return second(t, 100); });
        feed(*store, QStringLiteral("a"), 10, [](qint64 t) { return second(t, 7); });
        QCOMPARE(store->rowCount(QStringLiteral("a"), 1), qint64(130));
        QCOMPARE(store->rowCount(QStringLiteral("a"), 60), qint64(2));

        m_clock->set(kStart + 3 * kMinute);
        const QList<MetricSample> day = [&] {
            // The day window reads minute aggregates (5-minute points): one point here.
            return store->query(QStringLiteral("a"), MetricWindow::OneDay);
        }();
        QCOMPARE(day.size(), 1);
        QCOMPARE(day[0].timeMs, kStart);
        QCOMPARE(day[0].weight, 120);
        QVERIFY(std::abs(day[0].messagesIn - (29.5 + 100) / 2) < 1e-9);
        QCOMPARE(day[0].latencyP99, 0.9); // the spike survives aggregation
        QCOMPARE(day[0].latencyMax, 1.8);
        QCOMPARE(day[0].connections, 3.0);
    }

    void eachWindowHasItsResolution_data()
    {
        QTest::addColumn<int>("span");
        QTest::addColumn<int>("points");
        QTest::addColumn<qint64>("step");
        QTest::newRow("1 min: seconds") << int(MetricWindow::OneMinute) << 60 << kSecond;
        QTest::newRow("15 min: 5 s") << int(MetricWindow::FifteenMinutes) << 180 << 5 * kSecond;
        QTest::newRow("1 h: 15 s") << int(MetricWindow::OneHour) << 240 << 15 * kSecond;
    }
    void eachWindowHasItsResolution()
    {
        QFETCH(int, span);
        QFETCH(int, points);
        QFETCH(qint64, step);
        auto store = open();
        feed(*store, QStringLiteral("b"), 3600, [](qint64 t) { return second(t, 4); });
        // As in the console: the frame of second S is recorded during second S + 1.
        m_clock->set(kStart + 3599 * kSecond + 500);
        const QList<MetricSample> samples =
            store->query(QStringLiteral("b"), static_cast<MetricWindow::Span>(span));
        QCOMPARE(samples.size(), points);
        for (qsizetype i = 1; i < samples.size(); ++i) {
            QCOMPARE(samples[i].timeMs - samples[i - 1].timeMs, step);
        }
        QCOMPARE(samples.last().timeMs, kStart + 3599 * kSecond - (3599 * kSecond) % step);
        QCOMPARE(samples.first().messagesIn, 4.0);
        QVERIFY(samples.first().weight >= 1);
        QVERIFY(!samples.first().hasLatency()); // no deliveries: no latency, not zero
    }

    void oldSamplesExpireTierByTier()
    {
        auto store = open();
        feed(*store, QStringLiteral("c"), 5 * 60, [](qint64 t) { return second(t, 1); });
        store->flush();
        QCOMPARE(store->rowCount(QStringLiteral("c"), 1), qint64(300));

        // An hour later the seconds are gone, but the broker went quiet in its last minute:
        // that minute is aggregated before its seconds go.
        m_clock->advance(kHour + kMinute);
        store->flush();
        QCOMPARE(store->rowCount(QStringLiteral("c"), 1), qint64(0));
        QCOMPARE(store->rowCount(QStringLiteral("c"), 60), qint64(5));
        QCOMPARE(store->query(QStringLiteral("c"), MetricWindow::OneHour).size(), 0);
        QCOMPARE(store->query(QStringLiteral("c"), MetricWindow::OneDay).size(), 1);

        m_clock->advance(24 * kHour);
        store->flush();
        QCOMPARE(store->rowCount(QStringLiteral("c")), qint64(0));
    }

    void theFileIsBounded()
    {
        MetricHistoryStore::Limits limits;
        limits.maxRows = 500;
        auto store = open(limits);
        for (int broker = 0; broker < 4; ++broker) {
            m_clock->set(kStart);
            feed(*store, QStringLiteral("broker-%1").arg(broker), 300,
                 [](qint64 t) { return second(t, 1); });
        }
        for (int i = 0; i < 10; ++i) {
            store->flush(); // the cap is checked every few flushes
        }
        QVERIFY2(store->rowCount() <= 500, qPrintable(QString::number(store->rowCount())));
        // The newest data is what stays.
        m_clock->set(kStart + 299 * kSecond + 500);
        QCOMPARE(store->query(QStringLiteral("broker-3"), MetricWindow::OneMinute).size(), 60);
    }

    void historySurvivesReopening()
    {
        {
            auto store = open();
            feed(*store, QStringLiteral("d"), 90, [](qint64 t) { return second(t, 5, 0.02); });
            // No flush: the destructor writes what waits.
        }
        m_clock->set(kStart + 89 * kSecond + 500);
        auto store = open();
        const QList<MetricSample> minute =
            store->query(QStringLiteral("d"), MetricWindow::OneMinute);
        QCOMPARE(minute.size(), 60);
        QCOMPARE(minute.last().latencyP99, 0.02);
        QCOMPARE(store->rowCount(QStringLiteral("d"), 60), qint64(1));
        // Recording goes on where it stopped, and the next minute is aggregated too.
        feed(*store, QStringLiteral("d"), 60, [](qint64 t) { return second(t, 5); });
        QCOMPARE(store->rowCount(QStringLiteral("d"), 60), qint64(2));
    }

    void brokersAreSeparateAndRemovable()
    {
        auto store = open();
        feed(*store, QStringLiteral("e"), 30, [](qint64 t) { return second(t, 1); });
        m_clock->set(kStart);
        feed(*store, QStringLiteral("f"), 30, [](qint64 t) { return second(t, 2); });
        QCOMPARE(store->query(QStringLiteral("e"), MetricWindow::OneMinute).first().messagesIn,
                 1.0);
        QCOMPARE(store->query(QStringLiteral("f"), MetricWindow::OneMinute).first().messagesIn,
                 2.0);
        store->removeBroker(QStringLiteral("e"));
        QCOMPARE(store->rowCount(QStringLiteral("e")), qint64(0));
        QCOMPARE(store->rowCount(QStringLiteral("f"), 1), qint64(30));
    }

    void writesAreBatched()
    {
        MetricHistoryStore::Limits limits;
        limits.flushEverySamples = 30;
        limits.flushEveryMs = kHour;
        auto store = open(limits);
        feed(*store, QStringLiteral("g"), 5, [](qint64 t) { return second(t, 1); });
        // Another connection sees nothing yet: five samples wait in memory.
        {
            MetricHistoryStore reader(*m_clock);
            QString error;
            QVERIFY(reader.open(path(), &error));
            QCOMPARE(reader.rowCount(QStringLiteral("g")), qint64(0));
        }
        feed(*store, QStringLiteral("g"), 25, [](qint64 t) { return second(t, 1); });
        MetricHistoryStore reader(*m_clock);
        QString error;
        QVERIFY(reader.open(path(), &error));
        QCOMPARE(reader.rowCount(QStringLiteral("g"), 1), qint64(30));
    }
};

QTEST_GUILESS_MAIN(TestMetricHistoryStore)
#include "TestMetricHistoryStore.moc"
