// switchboard-broker's data directory and durability modes: one broker per directory,
// `memory` writes nothing, and in `sync` mode what was acknowledged survives a restart, even
// after kill -9.

#include <csignal>

#include <QtCore/QDir>
#include <QtTest/QTest>

#include "tests/support/BrokerProcess.h"
#include "tests/support/DaemonWorkspace.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

using namespace std::chrono_literals;
using namespace sb;
using test::BrokerProcess;
using test::DaemonWorkspace;

namespace {
const QString& kLoopback = DaemonWorkspace::kLoopback;
} // namespace

class TestDaemonDurability : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { QVERIFY2(m_workspace.isValid(), qPrintable(m_workspace.errorString())); }

    // ---- Data directory and durability -------------------------------------------------------

    // One broker per data directory: a second one on the same directory is refused and says
    // which directory.
    void dataDirectoryIsExclusive()
    {
        const QString dataDir = m_workspace.freshDataDir();
        const QStringList arguments{QStringLiteral("--bind"),     kLoopback,
                                    QStringLiteral("--port"),     QStringLiteral("0"),
                                    QStringLiteral("--data-dir"), dataDir};
        BrokerProcess first;
        QVERIFY(first.start(arguments));
        QVERIFY2(first.waitUntilListening(), qPrintable(first.describe()));

        BrokerProcess second;
        QVERIFY2(second.run(arguments), qPrintable(second.describe()));
        QVERIFY2(second.exitedNormally() && second.exitCode() != 0, qPrintable(second.describe()));
        QVERIFY2(second.standardError().contains(dataDir), qPrintable(second.describe()));
        QVERIFY2(!second.standardError().contains(QStringLiteral("MQTT listening")),
                 qPrintable(second.describe()));

        QVERIFY2(first.stopWith(SIGTERM), qPrintable(first.describe()));
        QCOMPARE(first.exitCode(), 0);
    }

    // --durability memory keeps no broker state on disk: the data directory holds only the
    // admin API's token (a credential --print-admin-token must find), never a database.
    void memoryDurabilityWritesNothing()
    {
        const QString dataDir = m_workspace.freshDataDir();
        BrokerProcess broker;
        QVERIFY(broker.start({QStringLiteral("--bind"), kLoopback, QStringLiteral("--port"),
                              QStringLiteral("0"), QStringLiteral("--data-dir"), dataDir,
                              QStringLiteral("--durability"), QStringLiteral("memory")}));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
        QVERIFY2(broker.standardError().contains(QStringLiteral("durability memory")),
                 qPrintable(broker.describe()));
        test::MqttTestClient client(broker.port());
        QVERIFY2(client.connect("memory-client", false, 600), client.lastError().c_str());
        QVERIFY2(client.publish("memory/t", "x", 1, true), client.lastError().c_str());
        QVERIFY2(client.disconnect(), client.lastError().c_str());
        client.close();
        QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
        QCOMPARE(broker.exitCode(), 0);
        const QStringList files =
            QDir(dataDir).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden);
        QCOMPARE(files, QStringList{QStringLiteral("admin-token")});
    }

    void acknowledgedMessagesSurviveRestart_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGKILL") << int(SIGKILL);
    }

    // The durability contract in the default `sync` mode: what the broker acknowledged (QoS 1
    // messages queued for an offline persistent session, a retained message) is there after a
    // restart on the same data directory, even after kill -9.
    void acknowledgedMessagesSurviveRestart()
    {
        QFETCH(int, signal);
        const QString dataDir = m_workspace.freshDataDir();
        const QStringList arguments{QStringLiteral("--bind"),     kLoopback,
                                    QStringLiteral("--port"),     QStringLiteral("0"),
                                    QStringLiteral("--data-dir"), dataDir};
        const std::vector<std::string> payloads = {"m1", "m2", "m3", "m4", "m5"};
        {
            BrokerProcess broker;
            QVERIFY(broker.start(arguments));
            QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
            QVERIFY2(broker.standardError().contains(QStringLiteral("durability sync")),
                     qPrintable(broker.describe()));

            test::MqttTestClient subscriber(broker.port());
            QVERIFY2(subscriber.connect("durable-sub", true, 600), subscriber.lastError().c_str());
            QVERIFY2(subscriber.subscribe("durable/t", 1), subscriber.lastError().c_str());
            QVERIFY2(subscriber.disconnect(), subscriber.lastError().c_str());
            subscriber.close();

            test::MqttTestClient publisher(broker.port());
            QVERIFY2(publisher.connect("durable-pub"), publisher.lastError().c_str());
            for (const std::string& payload : payloads) {
                QVERIFY2(publisher.publish("durable/t", payload, 1), publisher.lastError().c_str());
                QCOMPARE(publisher.lastReasonCode(), std::uint8_t(0));
            }
            QVERIFY2(publisher.publish("durable/retained", "kept", 1, true),
                     publisher.lastError().c_str());
            // Acknowledged: from here on the broker may die at any moment. (The publisher just
            // goes away, so that SIGTERM does not wait for it.)
            publisher.close();
            QVERIFY2(broker.stopWith(signal), qPrintable(broker.describe()));
        }

        BrokerProcess broker;
        QVERIFY(broker.start(arguments));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
        QVERIFY2(broker.standardError().contains(
                     QStringLiteral("recovered 1 session(s) and 1 retained message(s)")),
                 qPrintable(broker.describe()));

        test::MqttTestClient subscriber(broker.port());
        const auto connack = subscriber.connect("durable-sub", false, 600);
        QVERIFY2(connack, subscriber.lastError().c_str());
        QVERIFY(connack->sessionPresent);
        for (const std::string& payload : payloads) {
            const auto received = subscriber.receivePublish();
            QVERIFY2(received, subscriber.lastError().c_str());
            QCOMPARE(received->topic, std::string("durable/t"));
            QCOMPARE(received->payload, payload);
        }
        QVERIFY2(subscriber.subscribe("durable/retained", 1), subscriber.lastError().c_str());
        const auto retained = subscriber.receivePublish();
        QVERIFY2(retained, subscriber.lastError().c_str());
        QCOMPARE(retained->payload, std::string("kept"));
        QVERIFY(retained->retain);
        QVERIFY2(subscriber.disconnect(), subscriber.lastError().c_str());
        subscriber.close();
        QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
        QCOMPARE(broker.exitCode(), 0);
    }

private:
    DaemonWorkspace m_workspace;
};

QTEST_GUILESS_MAIN(TestDaemonDurability)
#include "TestDaemonDurability.moc"
