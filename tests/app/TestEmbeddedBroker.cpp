// The Local broker inside the console: started and stopped off the GUI thread, its admin API
// on loopback with a fresh token, the next free port when its port is taken, its log lines
// delivered in batches, and a failed start explained.

#include <QtCore/QTemporaryDir>
#include <QtNetwork/QTcpServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include "app/AdminClient.h"
#include "app/EmbeddedBroker.h"
#include "tests/support/MqttTestClient.h"

using namespace sb;
using app::EmbeddedBroker;
using app::EmbeddedBrokerSettings;
using State = app::EmbeddedBroker::State;

class TestEmbeddedBroker : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;

    EmbeddedBrokerSettings settings(quint16 port = 0) const
    {
        EmbeddedBrokerSettings s;
        s.mqttPort = port;
        s.dataDirectory = m_dir->filePath(QStringLiteral("broker"));
        s.durability = EmbeddedBrokerSettings::Durability::Async;
        s.workers = 2;
        return s;
    }

private Q_SLOTS:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }

    void startsServesAndStops()
    {
        EmbeddedBroker broker;
        QList<app::LogLine> log;
        connect(&broker, &EmbeddedBroker::logLinesArrived, this,
                [&](const QList<app::LogLine>& lines, int) { log.append(lines); });
        broker.start(settings());
        QCOMPARE(broker.state(), State::Starting); // not blocking the caller
        QTRY_COMPARE_WITH_TIMEOUT(broker.state(), State::Running, 10000);
        QVERIFY(broker.mqttPort() != 0);
        QCOMPARE(broker.adminEndpoint().url.host(), QStringLiteral("127.0.0.1"));
        QCOMPARE(broker.adminEndpoint().token.size(), 64);
        QVERIFY(QFile::exists(m_dir->filePath(QStringLiteral("broker/switchboard.db"))));
        // The token is this run's only: nothing about it on disk.
        QVERIFY(!QFile::exists(m_dir->filePath(QStringLiteral("broker/admin-token"))));

        test::MqttTestClient client(broker.mqttPort());
        QVERIFY(client.connect("embedded-client"));

        app::AdminClient admin;
        admin.setEndpoint(broker.adminEndpoint());
        std::optional<app::AdminResult<app::Overview>> overview;
        admin.fetchOverview(this, [&](const app::AdminResult<app::Overview>& r) { overview = r; });
        QTRY_VERIFY_WITH_TIMEOUT(overview.has_value(), 5000);
        QVERIFY2(overview->ok(), qPrintable(overview->error().toDisplayString()));
        QCOMPARE(overview->value().durability, QStringLiteral("async"));
        QCOMPARE(overview->value().clients, quint64(1));

        const auto mentions = [&](const char* text) {
            return std::any_of(log.begin(), log.end(), [&](const app::LogLine& l) {
                return l.text.contains(QLatin1String(text));
            });
        };
        QTRY_VERIFY_WITH_TIMEOUT(mentions("MQTT listening"), 5000);
        QVERIFY(mentions("admin API on"));

        broker.stop();
        QCOMPARE(broker.state(), State::Stopping);
        QTRY_COMPARE_WITH_TIMEOUT(broker.state(), State::Stopped, 10000);
        QVERIFY(client.waitClosed());
        QCOMPARE(broker.mqttPort(), quint16(0));
    }

    void aTakenPortMovesToTheNextFreeOne()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress(QStringLiteral("127.0.0.1")), 0));
        EmbeddedBroker broker;
        broker.start(settings(squatter.serverPort()));
        QTRY_COMPARE_WITH_TIMEOUT(broker.state(), State::Running, 10000);
        QCOMPARE(broker.requestedMqttPort(), squatter.serverPort());
        QVERIFY(broker.mqttPort() > squatter.serverPort());
        test::MqttTestClient client(broker.mqttPort());
        QVERIFY(client.connect("next-port"));
    }

    void aFailedStartSaysWhy()
    {
        // The data directory is a file: the store cannot live there.
        QFile blocker(m_dir->filePath(QStringLiteral("broker")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        EmbeddedBroker broker;
        broker.start(settings());
        QTRY_COMPARE_WITH_TIMEOUT(broker.state(), State::Failed, 10000);
        QVERIFY2(broker.errorText().contains(m_dir->filePath(QStringLiteral("broker"))),
                 qPrintable(broker.errorText()));
        // It can be started again once the cause is gone.
        QVERIFY(blocker.remove());
        broker.start(settings());
        QTRY_COMPARE_WITH_TIMEOUT(broker.state(), State::Running, 10000);
    }

    void restartAppliesNewSettings()
    {
        EmbeddedBroker broker;
        broker.start(settings());
        QTRY_COMPARE_WITH_TIMEOUT(broker.state(), State::Running, 10000);
        const QString firstToken = broker.adminEndpoint().token;
        EmbeddedBrokerSettings memory = settings();
        memory.durability = EmbeddedBrokerSettings::Durability::Memory;
        QSignalSpy states(&broker, &EmbeddedBroker::stateChanged);
        broker.restart(memory);
        QTRY_VERIFY_WITH_TIMEOUT(states.count() >= 4,
                                 15000); // stopping, stopped, starting, running
        QCOMPARE(broker.state(), State::Running);
        QCOMPARE(broker.settings().durability, EmbeddedBrokerSettings::Durability::Memory);
        QVERIFY(broker.adminEndpoint().token != firstToken);
    }

    // Destroying a running broker stops it (the console quits with the broker running).
    void destructionStopsTheBroker()
    {
        quint16 port = 0;
        {
            EmbeddedBroker broker;
            broker.start(settings());
            QTRY_COMPARE_WITH_TIMEOUT(broker.state(), State::Running, 10000);
            port = broker.mqttPort();
        }
        test::MqttTestClient client(port);
        QVERIFY(!client.open());
    }
};

QTEST_GUILESS_MAIN(TestEmbeddedBroker)
#include "TestEmbeddedBroker.moc"
