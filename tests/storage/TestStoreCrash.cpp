#include <set>
#include <string>

#include <QtCore/QDeadlineTimer>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include "broker/storage/SqliteStore.h"
#include "tests/storage/StoreTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb;

// The durability contract at the storage level: in sync mode, a write the store reported
// committed survives kill -9 of the process that made it.
class TestStoreCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acknowledgedWritesSurviveKill9();
};

void TestStoreCrash::acknowledgedWritesSurviveKill9()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcess writer;
    writer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    writer.start(QStringLiteral(STORE_CRASH_WRITER), {dir.path()});
    QVERIFY2(writer.waitForStarted(), qPrintable(writer.errorString()));

    // Read until the writer has reported a few thousand commits, then kill it mid-stream.
    std::set<std::uint64_t> acknowledged;
    QByteArray pending;
    QDeadlineTimer deadline(std::chrono::seconds(60));
    while (acknowledged.size() < 3000 && !deadline.hasExpired()) {
        if (!writer.waitForReadyRead(int(deadline.remainingTime()))) {
            break;
        }
        pending += writer.readAllStandardOutput();
        qsizetype end = 0;
        while ((end = pending.indexOf('\n')) >= 0) {
            const QByteArray line = pending.left(end);
            pending.remove(0, end + 1);
            bool isNumber = false;
            const auto id = line.toULongLong(&isNumber);
            if (isNumber) {
                acknowledged.insert(id);
            }
        }
    }
    writer.kill(); // SIGKILL: no destructor, no close(), no checkpoint
    QVERIFY(writer.waitForFinished(10000));
    QVERIFY2(acknowledged.size() >= 3000, "the writer did not report enough commits");

    storage::SqliteStore store(dir.path().toStdString(), core::Durability::Sync);
    const auto state = store.recover(core::Clock::system().wallNow(), 1'000'000);
    std::set<std::uint64_t> recovered;
    for (const auto& row : state.queues.at(1).deliveries) {
        recovered.insert(row.messageId);
    }
    qInfo("%zu writes acknowledged before the kill, %zu recovered", acknowledged.size(),
          recovered.size());
    for (const std::uint64_t id : acknowledged) {
        QVERIFY2(recovered.contains(id), std::to_string(id).c_str());
    }
}

QTEST_GUILESS_MAIN(TestStoreCrash)
#include "TestStoreCrash.moc"
