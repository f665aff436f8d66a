// switchboard-broker's command line, start-up failures and graceful shutdown on SIGTERM /
// SIGINT, tested on the real binary as a child process on 127.0.0.1 with ports the OS picks.

#include <csignal>

#include <QtTest/QTest>

#include "tests/support/BrokerFixture.h"
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

class TestDaemonCommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { QVERIFY2(m_workspace.isValid(), qPrintable(m_workspace.errorString())); }

    // ---- Command line ------------------------------------------------------------------------

    void versionPrintsVersionAndExits()
    {
        BrokerProcess broker;
        QVERIFY2(broker.run({QStringLiteral("--version")}), qPrintable(broker.describe()));
        QVERIFY2(broker.exitedNormally() && broker.exitCode() == 0, qPrintable(broker.describe()));
        QCOMPARE(broker.standardOutput().trimmed(),
                 QStringLiteral("switchboard-broker " SWITCHBOARD_EXPECTED_VERSION));
    }

    void helpListsEveryOption()
    {
        BrokerProcess broker;
        QVERIFY2(broker.run({QStringLiteral("--help")}), qPrintable(broker.describe()));
        QVERIFY2(broker.exitedNormally() && broker.exitCode() == 0, qPrintable(broker.describe()));
        const QString help = broker.standardOutput();
        for (const char* option : {"--bind", "--port", "--workers", "--config", "--log-level",
                                   "--data-dir", "--durability", "--version", "--help"}) {
            QVERIFY2(help.contains(QLatin1String(option)),
                     qPrintable(QStringLiteral("--help does not mention %1:\n%2")
                                    .arg(QLatin1String(option), help)));
        }
    }

    // --port 0 picks a free port; the log line says which; clients of both versions connect.
    void startsOnPortTheSystemPicks()
    {
        BrokerProcess broker;
        QVERIFY(broker.start(m_workspace.onLoopback()));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
        QCOMPARE(broker.listeningAddress(), kLoopback);
        QVERIFY(broker.port() != 0);

        test::MqttTestClient v5(broker.port(), protocol::Version::V5);
        const auto connack = v5.connect("daemon-v5");
        QVERIFY2(connack, v5.lastError().c_str());
        QCOMPARE(connack->reasonCode, std::uint8_t(0));

        test::MqttTestClient v311(broker.port(), protocol::Version::V311);
        const auto connack311 = v311.connect("daemon-v311");
        QVERIFY2(connack311, v311.lastError().c_str());
        QCOMPARE(connack311->reasonCode, std::uint8_t(0));

        // And the broker routes between them.
        QVERIFY2(v311.subscribe("daemon/t", 1), v311.lastError().c_str());
        QVERIFY2(v5.publish("daemon/t", "hello", 1), v5.lastError().c_str());
        const auto received = v311.receivePublish();
        QVERIFY2(received, v311.lastError().c_str());
        QCOMPARE(received->payload, std::string("hello"));

        QVERIFY2(v5.disconnect(), v5.lastError().c_str());
        v5.close(); // as a real client does: the broker waits for our end to close
        QVERIFY2(v311.disconnect(), v311.lastError().c_str());
        v311.close(); // as a real client does: the broker waits for our end to close
        QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
        QCOMPARE(broker.exitCode(), 0);
    }

    void workersOptionSetsWorkerCount_data()
    {
        QTest::addColumn<int>("workers");
        QTest::newRow("1 worker") << 1;
        QTest::newRow("3 workers") << 3;
    }

    void workersOptionSetsWorkerCount()
    {
        QFETCH(int, workers);
        BrokerProcess broker;
        QVERIFY(broker.start(
            m_workspace.onLoopback({QStringLiteral("--workers"), QString::number(workers)})));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
        QCOMPARE(broker.workers(), workers);
        QVERIFY2(broker.standardError().contains(QStringLiteral("with %1 worker(s)").arg(workers)),
                 qPrintable(broker.describe()));
        QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
    }

    void invalidCommandLineIsRefused_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown log level")
            << QStringList{QStringLiteral("--log-level"), QStringLiteral("verbose")}
            << QStringLiteral("--log-level");
        QTest::newRow("port out of range")
            << QStringList{QStringLiteral("--port"), QStringLiteral("70000")}
            << QStringLiteral("--port");
        QTest::newRow("port not a number")
            << QStringList{QStringLiteral("--port"), QStringLiteral("mqtt")}
            << QStringLiteral("--port");
        QTest::newRow("zero workers")
            << QStringList{QStringLiteral("--workers"), QStringLiteral("0")}
            << QStringLiteral("--workers");
        QTest::newRow("unknown durability")
            << QStringList{QStringLiteral("--durability"), QStringLiteral("fast")}
            << QStringLiteral("--durability");
        QTest::newRow("unknown option")
            << QStringList{QStringLiteral("--listen"), QStringLiteral("1883")}
            << QStringLiteral("--listen");
        QTest::newRow("missing config file")
            << QStringList{QStringLiteral("--config"), QStringLiteral("/nonexistent/sb.toml")}
            << QStringLiteral("/nonexistent/sb.toml");
    }

    // A bad command line ends the program at once with a non-zero exit and a message naming
    // the option; it never starts listening.
    void invalidCommandLineIsRefused()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        BrokerProcess broker;
        QVERIFY2(broker.run(m_workspace.onLoopback() + arguments), qPrintable(broker.describe()));
        QVERIFY2(broker.exitedNormally() && broker.exitCode() != 0, qPrintable(broker.describe()));
        QVERIFY2(broker.standardError().contains(message), qPrintable(broker.describe()));
        QVERIFY2(!broker.standardError().contains(QStringLiteral("MQTT listening")),
                 qPrintable(broker.describe()));
    }

    void startFailureIsReported_data()
    {
        QTest::addColumn<QString>("bind");
        QTest::addColumn<bool>("occupyPort");
        QTest::addColumn<QString>("message");
        QTest::newRow("port in use") << kLoopback << true << QStringLiteral("cannot listen on");
        QTest::newRow("invalid bind address")
            << QStringLiteral("not-an-address") << false
            << QStringLiteral("invalid bind address 'not-an-address'");
    }

    void startFailureIsReported()
    {
        QFETCH(QString, bind);
        QFETCH(bool, occupyPort);
        QFETCH(QString, message);
        // A broker in this process holds a port; the daemon is pointed at it.
        test::BrokerFixture occupant;
        const QString port = occupyPort ? QString::number(occupant.port()) : QStringLiteral("0");
        BrokerProcess broker;
        QVERIFY2(broker.run({QStringLiteral("--bind"), bind, QStringLiteral("--port"), port,
                             QStringLiteral("--data-dir"), m_workspace.freshDataDir()}),
                 qPrintable(broker.describe()));
        QVERIFY2(broker.exitedNormally() && broker.exitCode() != 0, qPrintable(broker.describe()));
        QVERIFY2(broker.standardError().contains(message), qPrintable(broker.describe()));
        if (occupyPort) {
            QVERIFY2(broker.standardError().contains(kLoopback + u':' + port),
                     qPrintable(broker.describe()));
        }
    }

    // ---- Shutdown ----------------------------------------------------------------------------

    void signalShutsDownGracefully_data()
    {
        QTest::addColumn<int>("signal");
        QTest::addColumn<QString>("name");
        QTest::newRow("SIGTERM") << int(SIGTERM) << QStringLiteral("SIGTERM");
        QTest::newRow("SIGINT") << int(SIGINT) << QStringLiteral("SIGINT");
    }

    // On SIGTERM/SIGINT a 5.0 client is told DISCONNECT 0x8B (Server shutting down), a 3.1.1
    // client is closed (3.1.1 has no server DISCONNECT); the clients close their ends, as real
    // clients do, and the process exits 0 promptly.
    void signalShutsDownGracefully()
    {
        QFETCH(int, signal);
        QFETCH(QString, name);
        BrokerProcess broker;
        QVERIFY(broker.start(m_workspace.onLoopback()));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));

        test::MqttTestClient v5(broker.port(), protocol::Version::V5);
        QVERIFY2(v5.connect("shutdown-v5"), v5.lastError().c_str());
        test::MqttTestClient v311(broker.port(), protocol::Version::V311);
        QVERIFY2(v311.connect("shutdown-v311"), v311.lastError().c_str());

        const auto signalled = std::chrono::steady_clock::now();
        broker.sendSignal(signal);

        std::vector<protocol::Packet> before;
        QVERIFY2(v5.waitClosed(5s, &before), v5.lastError().c_str());
        v5.close();
        QCOMPARE(before.size(), std::size_t(1));
        const auto* disconnect = std::get_if<protocol::Disconnect>(&before.front());
        QVERIFY2(disconnect != nullptr, "the 5.0 client got another packet than DISCONNECT");
        QCOMPARE(disconnect->reasonCode, std::uint8_t(0x8B));

        std::vector<protocol::Packet> before311;
        QVERIFY2(v311.waitClosed(5s, &before311), v311.lastError().c_str());
        v311.close();
        QCOMPARE(before311.size(), std::size_t(0));

        QVERIFY2(broker.waitForExit(5s), qPrintable(broker.describe()));
        QVERIFY(std::chrono::steady_clock::now() - signalled < 5s);
        QVERIFY2(broker.exitedNormally(), qPrintable(broker.describe()));
        QCOMPARE(broker.exitCode(), 0);

        const QString log = broker.standardError();
        QVERIFY2(log.contains(QStringLiteral("received %1, shutting down").arg(name)),
                 qPrintable(broker.describe()));
        QVERIFY2(log.contains(QStringLiteral("MQTT broker stopped")),
                 qPrintable(broker.describe()));
    }

    // The log line is the signal scripts wait for: a SIGTERM right after it must already be a
    // graceful stop (exit 0), not death by the signal's default action. Repeated, because the
    // window it checks is short.
    void signalRightAfterListeningLineIsGraceful()
    {
        constexpr int kAttempts = 10;
        for (int attempt = 1; attempt <= kAttempts; ++attempt) {
            BrokerProcess broker;
            QVERIFY(broker.start(m_workspace.onLoopback()));
            QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
            QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
            QVERIFY2(broker.exitedNormally() && broker.exitCode() == 0,
                     qPrintable(QStringLiteral("attempt %1: ").arg(attempt) + broker.describe()));
        }
    }

    // A client that neither reads nor closes does not hold the shutdown up beyond its grace
    // period (3 s): the process still exits 0.
    void shutdownIsBoundedWithSilentClient()
    {
        BrokerProcess broker;
        QVERIFY(broker.start(m_workspace.onLoopback()));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
        test::MqttTestClient silent(broker.port());
        QVERIFY2(silent.connect("silent"), silent.lastError().c_str());

        const auto signalled = std::chrono::steady_clock::now();
        QVERIFY2(broker.stopWith(SIGTERM, 8s), qPrintable(broker.describe()));
        QVERIFY(std::chrono::steady_clock::now() - signalled < 8s);
        QVERIFY2(broker.exitedNormally(), qPrintable(broker.describe()));
        QCOMPARE(broker.exitCode(), 0);
    }

private:
    DaemonWorkspace m_workspace;
};

QTEST_GUILESS_MAIN(TestDaemonCommandLine)
#include "TestDaemonCommandLine.moc"
