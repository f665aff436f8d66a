// The live side of a chart window: seconds folded into the window's points (appended or
// merged into the last), points that left the window dropped, latency gaps kept as gaps.

#include <QtTest/QTest>

#include "app/MetricWindowBuffer.h"

using namespace sb;
using app::MetricSample;
using app::MetricWindow;
using app::MetricWindowBuffer;

namespace {

constexpr qint64 kStart = 1704067200000;

MetricSample at(qint64 second, double in, double p50 = MetricSample::kNone,
                double p99 = MetricSample::kNone)
{
    MetricSample s;
    s.timeMs = kStart + second * 1000;
    s.messagesIn = in;
    s.latencyP50 = p50;
    s.latencyP99 = p99;
    s.latencyMax = p99;
    return s;
}

} // namespace

class TestMetricWindowBuffer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void secondsAppendInTheMinuteWindow()
    {
        MetricWindowBuffer buffer(MetricWindow::OneMinute);
        for (int s = 0; s < 60; ++s) {
            const auto change = buffer.add(at(s, s), kStart + s * 1000 + 500);
            QVERIFY(change.appended);
            QCOMPARE(change.removedFromFront, 0);
        }
        QCOMPARE(buffer.points().size(), std::size_t(60));
        // Second 60 pushes second 0 out of the window.
        const auto change = buffer.add(at(60, 60), kStart + 60'500);
        QVERIFY(change.appended);
        QCOMPARE(change.removedFromFront, 1);
        QCOMPARE(buffer.points().front().timeMs, kStart + 1000);
        QCOMPARE(buffer.points().size(), std::size_t(60));
    }

    void secondsMergeIntoCoarserPoints()
    {
        MetricWindowBuffer buffer(MetricWindow::FifteenMinutes); // 5 s points
        QVERIFY(buffer.add(at(0, 10, 0.001, 0.5), kStart).appended);
        const auto change = buffer.add(at(1, 20, 0.003, 0.2), kStart + 1000);
        QVERIFY(change.changed && !change.appended);
        buffer.add(at(2, 30), kStart + 2000); // no deliveries this second
        QCOMPARE(buffer.points().size(), std::size_t(1));
        const MetricSample& point = buffer.points().back();
        QCOMPARE(point.timeMs, kStart);
        QCOMPARE(point.weight, 3);
        QCOMPARE(point.messagesIn, 20.0);
        QCOMPARE(point.latencyP50, 0.002); // over the two seconds with deliveries only
        QCOMPARE(point.latencyP99, 0.5);   // the maximum, not an average
        QVERIFY(buffer.add(at(5, 1), kStart + 5000).appended);
        QCOMPARE(buffer.points().size(), std::size_t(2));
    }

    void historyThenLiveAndStaleSamplesIgnored()
    {
        MetricWindowBuffer buffer;
        buffer.reset(MetricWindow::OneMinute, {at(10, 1), at(11, 2)});
        QCOMPARE(buffer.span(), MetricWindow::OneMinute);
        QVERIFY(!buffer.add(at(5, 9), kStart + 12'000).changed);
        QVERIFY(buffer.add(at(12, 3), kStart + 12'500).appended);
        QCOMPARE(buffer.points().size(), std::size_t(3));
        // Much later: everything but the newest point has left the window.
        const auto change = buffer.add(at(500, 4), kStart + 500'500);
        QCOMPARE(change.removedFromFront, 3);
        QCOMPARE(buffer.points().size(), std::size_t(1));
        QVERIFY(!buffer.points().back().hasLatency());
    }
};

QTEST_GUILESS_MAIN(TestMetricWindowBuffer)
#include "TestMetricWindowBuffer.moc"
