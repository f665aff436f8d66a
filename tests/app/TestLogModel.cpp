// The Local broker's log on its way to the screen: a bounded buffer that broker threads fill
// without waiting, a bounded model, and the level and text filters.

#include <thread>

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include "app/LogBuffer.h"
#include "app/LogFilterModel.h"
#include "app/LogModel.h"

using namespace sb;
using app::LogLine;

namespace {

LogLine line(LogLine::Level level, const QString& text)
{
    return LogLine{level, text};
}

} // namespace

class TestLogModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bufferWakesOncePerBatchAndDropsTheOldest()
    {
        app::LogBuffer buffer(100);
        int wakes = 0;
        std::vector<std::thread> writers;
        for (int t = 0; t < 4; ++t) {
            writers.emplace_back([&buffer, &wakes, t] {
                for (int i = 0; i < 2500; ++i) {
                    if (buffer.push(line(LogLine::Info, QStringLiteral("%1-%2").arg(t).arg(i)))) {
                        ++wakes; // only the first push wakes, so no race on this counter
                    }
                }
            });
        }
        for (std::thread& w : writers) {
            w.join();
        }
        QCOMPARE(wakes, 1);
        std::size_t dropped = 0;
        const QList<LogLine> batch = buffer.take(&dropped);
        QCOMPARE(batch.size(), 100);
        QCOMPARE(dropped, std::size_t(9900));
        QVERIFY(buffer.push(line(LogLine::Info, QStringLiteral("after"))));
        QCOMPARE(buffer.take(&dropped).size(), 1);
        QCOMPARE(dropped, std::size_t(0));
    }

    void modelKeepsTheNewestLines()
    {
        app::LogModel model(5);
        model.append(
            {line(LogLine::Info, QStringLiteral("a")), line(LogLine::Info, QStringLiteral("b"))});
        QCOMPARE(model.rowCount(), 2);
        QList<LogLine> many;
        for (int i = 0; i < 8; ++i) {
            many.append(line(LogLine::Debug, QString::number(i)));
        }
        model.append(many, 3);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.index(4).data().toString(), QStringLiteral("7"));
        QCOMPARE(model.index(0).data().toString(), QStringLiteral("3"));

        app::LogModel withGap(10);
        withGap.append({line(LogLine::Info, QStringLiteral("x"))}, 42);
        QCOMPARE(withGap.rowCount(), 2);
        QVERIFY(withGap.index(0).data().toString().contains(QStringLiteral("42")));
        QCOMPARE(withGap.index(0).data(app::LogModel::LevelRole).toInt(), int(LogLine::Warning));
    }

    void filtersByLevelAndText()
    {
        app::LogModel model;
        model.append({line(LogLine::Debug, QStringLiteral("debug detail")),
                      line(LogLine::Info, QStringLiteral("MQTT listening")),
                      line(LogLine::Warning, QStringLiteral("accept failed")),
                      line(LogLine::Error, QStringLiteral("store failed"))});
        app::LogFilterModel filter;
        filter.setSourceModel(&model);
        QCOMPARE(filter.rowCount(), 4);
        filter.setMinimumLevel(LogLine::Warning);
        QCOMPARE(filter.rowCount(), 2);
        filter.setText(QStringLiteral("STORE"));
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.index(0, 0).data().toString(), QStringLiteral("store failed"));
        filter.setMinimumLevel(LogLine::Trace);
        filter.setText({});
        QCOMPARE(filter.rowCount(), 4);
    }
};

QTEST_GUILESS_MAIN(TestLogModel)
#include "TestLogModel.moc"
