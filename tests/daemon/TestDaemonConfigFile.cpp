// switchboard-broker's TOML config file: errors name the file, line and key; valid settings
// take effect (seen by clients); the documented example is valid and documents every limit.

#include <csignal>

#include <QtCore/QFileInfo>
#include <QtTest/QTest>

#include "broker/core/LimitRegistry.h"
#include "broker/daemon/Config.h"
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

class TestDaemonConfigFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { QVERIFY2(m_workspace.isValid(), qPrintable(m_workspace.errorString())); }

    // ---- Config file -------------------------------------------------------------------------

    void configErrorNamesFileLineAndKey_data()
    {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("where"); // what must follow the file name: ":line" etc.
        QTest::addColumn<QString>("message");
        QTest::newRow("wrong type") << QStringLiteral("bind = \"127.0.0.1\"\nport = \"1883\"\n")
                                    << QStringLiteral(":2: port: ")
                                    << QStringLiteral("expected an integer between 0 and 65535");
        QTest::newRow("float for an integer")
            << QStringLiteral("workers = 2.5\n") << QStringLiteral(":1: workers: ")
            << QStringLiteral("expected an integer");
        QTest::newRow("out of range")
            << QStringLiteral("port = 1883\n\n[limits]\nmax_packet_size = 5\n")
            << QStringLiteral(":4: limits.max_packet_size: ")
            << QStringLiteral("expected an integer between 16 and 268435460");
        QTest::newRow("negative") << QStringLiteral("workers = -1\n")
                                  << QStringLiteral(":1: workers: ")
                                  << QStringLiteral("expected an integer between 0 and 1024");
        QTest::newRow("unknown key")
            << QStringLiteral("bind = \"127.0.0.1\"\nlisten_port = 1883\n")
            << QStringLiteral(":2: listen_port: ") << QStringLiteral("unknown setting");
        QTest::newRow("unknown [limits] key")
            << QStringLiteral("[limits]\nreceive_maximum = 10\nmax_conections = 100\n")
            << QStringLiteral(":3: limits.max_conections: ") << QStringLiteral("unknown limit");
        QTest::newRow("wrong type in [limits]")
            << QStringLiteral("[limits]\nreceive_maximum = \"many\"\n")
            << QStringLiteral(":2: limits.receive_maximum: ")
            << QStringLiteral("expected an integer between 1 and 65535");
        QTest::newRow("limits not a table")
            << QStringLiteral("limits = 5\n") << QStringLiteral(":1: limits: ")
            << QStringLiteral("expected a table");
        QTest::newRow("unknown log level")
            << QStringLiteral("log_level = \"verbose\"\n") << QStringLiteral(":1: log_level: ")
            << QStringLiteral("expected one of trace");
        QTest::newRow("unknown durability")
            << QStringLiteral("\n\ndurability = \"fast\"\n") << QStringLiteral(":3: durability: ")
            << QStringLiteral("expected one of sync, async, memory");
        QTest::newRow("empty data_dir")
            << QStringLiteral("data_dir = \"\"\n") << QStringLiteral(":1: data_dir: ")
            << QStringLiteral("must not be empty");
        QTest::newRow("commit delay out of range")
            << QStringLiteral("async_commit_delay_ms = 0\n")
            << QStringLiteral(":1: async_commit_delay_ms: ")
            << QStringLiteral("expected an integer between 1 and 60000");
        QTest::newRow("admin port out of range")
            << QStringLiteral("admin_port = 70000\n") << QStringLiteral(":1: admin_port: ")
            << QStringLiteral("expected an integer between 0 and 65535");
        QTest::newRow("admin bind not a string")
            << QStringLiteral("admin_bind = 127\n") << QStringLiteral(":1: admin_bind: ")
            << QStringLiteral("expected a string");
        QTest::newRow("admin TLS certificate without key")
            << QStringLiteral("admin_tls_cert = \"/etc/ssl/admin.pem\"\n")
            << QStringLiteral(": admin_tls_cert and admin_tls_key: ")
            << QStringLiteral("give both (TLS) or neither");
        QTest::newRow("TOML syntax error")
            << QStringLiteral("port = 1883\nworkers = = 2\n") << QStringLiteral(":2:") << QString();
        QTest::newRow("TOML duplicate key")
            << QStringLiteral("port = 1883\nport = 1884\n") << QStringLiteral(":2:") << QString();
    }

    // A config file that cannot be used stops the program before it listens, with
    // "file:line: key: what was expected" on stderr and a non-zero exit.
    void configErrorNamesFileLineAndKey()
    {
        QFETCH(QString, content);
        QFETCH(QString, where);
        QFETCH(QString, message);
        const QString path = m_workspace.writeConfig(content);
        QVERIFY(!path.isEmpty());
        BrokerProcess broker;
        QVERIFY2(broker.run(m_workspace.onLoopback({QStringLiteral("--config"), path})),
                 qPrintable(broker.describe()));
        QVERIFY2(broker.exitedNormally() && broker.exitCode() != 0, qPrintable(broker.describe()));
        const QString stderrText = broker.standardError();
        QVERIFY2(stderrText.contains(path + where), qPrintable(broker.describe()));
        QVERIFY2(stderrText.contains(message), qPrintable(broker.describe()));
        QVERIFY2(!stderrText.contains(QStringLiteral("MQTT listening")),
                 qPrintable(broker.describe()));
    }

    // A check across two keys has no single line; the file and the key are still named.
    void keepAliveBoundsMustBeOrdered()
    {
        const QString path = m_workspace.writeConfig(
            QStringLiteral("[limits]\nmin_keepalive = 100\nmax_keepalive = 10\n"));
        BrokerProcess broker;
        QVERIFY2(broker.run(m_workspace.onLoopback({QStringLiteral("--config"), path})),
                 qPrintable(broker.describe()));
        QVERIFY2(broker.exitedNormally() && broker.exitCode() != 0, qPrintable(broker.describe()));
        QVERIFY2(broker.standardError().contains(path + QStringLiteral(": limits.min_keepalive")),
                 qPrintable(broker.describe()));
    }

    // Every top-level key and [limits] keys a client can observe take effect.
    void configFileSettingsApply()
    {
        const QString dataDir = m_workspace.freshDataDir();
        const QString path = m_workspace.writeConfig(QStringLiteral(R"(bind = "127.0.0.1"
port = 0
workers = 3
log_level = "debug"
data_dir = "%1"
durability = "async"
async_commit_delay_ms = 20

[limits]
max_packet_size = 2048
receive_maximum = 7
topic_alias_maximum = 5
max_session_expiry = 100
min_keepalive = 10
max_keepalive = 30
)")
                                                         .arg(dataDir));
        BrokerProcess broker;
        QVERIFY(broker.start({QStringLiteral("--config"), path}));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
        QCOMPARE(broker.listeningAddress(), kLoopback);
        QCOMPARE(broker.workers(), 3);
        QVERIFY2(
            broker.standardError().contains(QStringLiteral("durability async, data in ") + dataDir),
            qPrintable(broker.describe()));
        QVERIFY(QFileInfo(dataDir).isDir());

        test::MqttTestClient client(broker.port());
        protocol::Connect connect;
        connect.clientId = "config-client";
        connect.keepAlive = 60;
        connect.cleanStart = true;
        connect.properties.sessionExpiryInterval = 600;
        const auto connack = client.connect(connect);
        QVERIFY2(connack, client.lastError().c_str());
        QCOMPARE(connack->reasonCode, std::uint8_t(0));
        const protocol::Properties& p = connack->properties;
        QCOMPARE(p.maximumPacketSize.value_or(0), std::uint32_t(2048));
        QCOMPARE(p.receiveMaximum.value_or(0), std::uint16_t(7));
        QCOMPARE(p.topicAliasMaximum.value_or(0), std::uint16_t(5));
        QCOMPARE(p.sessionExpiryInterval.value_or(0), std::uint32_t(100));
        QCOMPARE(p.serverKeepAlive.value_or(0), std::uint16_t(30));

        // log_level = "debug" shows the per-client debug line.
        QVERIFY2(broker.waitForLog(QStringLiteral("client 'config-client' connected")),
                 qPrintable(broker.describe()));
        QVERIFY2(client.disconnect(), client.lastError().c_str());
        client.close(); // as a real client does: the broker waits for our end to close
        QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
        QCOMPARE(broker.exitCode(), 0);
    }

    // The command line wins over the file.
    void commandLineOverridesConfigFile()
    {
        const QString path = m_workspace.writeConfig(
            QStringLiteral("bind = \"0.0.0.0\"\nport = 1\nworkers = 3\nlog_level = \"debug\"\n"));
        BrokerProcess broker;
        QVERIFY(broker.start(m_workspace.onLoopback(
            {QStringLiteral("--config"), path, QStringLiteral("--workers"), QStringLiteral("2"),
             QStringLiteral("--log-level"), QStringLiteral("info")})));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
        QCOMPARE(broker.listeningAddress(), kLoopback);
        QCOMPARE(broker.workers(), 2);
        {
            test::MqttTestClient client(broker.port());
            QVERIFY2(client.connect("override-client"), client.lastError().c_str());
            QVERIFY2(client.disconnect(), client.lastError().c_str());
            client.close(); // as a real client does: the broker waits for our end to close
        }
        QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
        QCOMPARE(broker.exitCode(), 0);
        // Everything has been written once the process has ended: at info, no debug line.
        QVERIFY2(!broker.standardError().contains(QStringLiteral("client 'override-client'")),
                 qPrintable(broker.describe()));
    }

    // docs/examples/switchboard.toml is a valid config with every setting at its default (as
    // it says), and the daemon starts with it (moved to a free loopback port by the command
    // line).
    void exampleConfigIsValid()
    {
        daemon::DaemonConfig config;
        try {
            daemon::applyConfigFile(SWITCHBOARD_EXAMPLE_CONFIG, config);
        } catch (const daemon::ConfigError& error) {
            QFAIL(error.what());
        }
        const daemon::DaemonConfig defaults;
        QCOMPARE(config.server.bindAddress, defaults.server.bindAddress);
        QCOMPARE(config.server.port, defaults.server.port);
        QCOMPARE(config.server.workers, defaults.server.workers);
        QCOMPARE(config.logLevel, defaults.logLevel);
        QVERIFY(config.durability == defaults.durability);
        QCOMPARE(config.asyncCommitDelay.count(), defaults.asyncCommitDelay.count());
        QCOMPARE(config.admin.bindAddress, defaults.admin.bindAddress);
        QCOMPARE(config.admin.port, defaults.admin.port);
        QCOMPARE(config.admin.tlsCertificateFile, defaults.admin.tlsCertificateFile);
        // data_dir: the example shows the default for root, which differs for other users.
        for (const auto& spec : core::LimitRegistry::specs()) {
            QVERIFY2(
                spec.get(config.server.limits) == spec.get(defaults.server.limits),
                qPrintable(QStringLiteral("the example sets %1 to another value than its "
                                          "default")
                               .arg(QLatin1String(spec.name.data(), qsizetype(spec.name.size())))));
        }

        BrokerProcess broker;
        QVERIFY(broker.start(m_workspace.onLoopback(
            {QStringLiteral("--config"), QStringLiteral(SWITCHBOARD_EXAMPLE_CONFIG)})));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
        test::MqttTestClient client(broker.port());
        QVERIFY2(client.connect("example-client"), client.lastError().c_str());
        QVERIFY2(client.disconnect(), client.lastError().c_str());
        client.close(); // as a real client does: the broker waits for our end to close
        QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
        QCOMPARE(broker.exitCode(), 0);
    }

    // The documentation and the example name every limit the config file accepts, so a new
    // limit cannot be added without documenting it.
    void everyLimitIsDocumented()
    {
        const QString doc = DaemonWorkspace::readText(QStringLiteral(SWITCHBOARD_CONFIG_DOC));
        const QString example =
            DaemonWorkspace::readText(QStringLiteral(SWITCHBOARD_EXAMPLE_CONFIG));
        QVERIFY(!doc.isEmpty());
        QVERIFY(!example.isEmpty());
        for (const auto& spec : core::LimitRegistry::specs()) {
            const QString name = QString::fromLatin1(spec.name.data(), qsizetype(spec.name.size()));
            QVERIFY2(doc.contains(u'`' + name + u'`'),
                     qPrintable(QStringLiteral("docs/configuration.md does not document ") + name));
            QVERIFY2(example.contains(u'\n' + name + QStringLiteral(" =")),
                     qPrintable(QStringLiteral("docs/examples/switchboard.toml lacks ") + name));
        }
        for (const char* key : {"bind", "port", "workers", "log_level", "data_dir", "durability",
                                "async_commit_delay_ms", "admin_bind", "admin_port",
                                "admin_tls_cert", "admin_tls_key"}) {
            QVERIFY2(doc.contains(u'`' + QLatin1String(key) + u'`'), key);
        }
    }

    void queueOverflowPolicyApplies_data()
    {
        QTest::addColumn<QString>("policy");
        QTest::addColumn<QStringList>("kept");
        const QStringList oldest{QStringLiteral("m1"), QStringLiteral("m2"), QStringLiteral("m3")};
        const QStringList newest{QStringLiteral("m3"), QStringLiteral("m4"), QStringLiteral("m5")};
        QTest::newRow("drop-newest") << QStringLiteral("drop-newest") << oldest;
        QTest::newRow("drop-oldest") << QStringLiteral("drop-oldest") << newest;
        QTest::newRow("dead-letter-newest") << QStringLiteral("dead-letter-newest") << oldest;
        QTest::newRow("dead-letter-oldest") << QStringLiteral("dead-letter-oldest") << newest;
    }

    // [limits] max_queue_messages and queue_overflow_policy do what docs/configuration.md says:
    // five messages for an offline session whose queue holds three; "*-newest" refuses the
    // arriving ones, "*-oldest" evicts the oldest.
    void queueOverflowPolicyApplies()
    {
        QFETCH(QString, policy);
        QFETCH(QStringList, kept);
        const QString path = m_workspace.writeConfig(
            QStringLiteral("[limits]\nmax_queue_messages = 3\nqueue_overflow_policy = \"%1\"\n")
                .arg(policy));
        BrokerProcess broker;
        QVERIFY(broker.start(m_workspace.onLoopback({QStringLiteral("--config"), path})));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));

        test::MqttTestClient subscriber(broker.port());
        QVERIFY2(subscriber.connect("overflow-sub", true, 600), subscriber.lastError().c_str());
        QVERIFY2(subscriber.subscribe("overflow/t", 1), subscriber.lastError().c_str());
        QVERIFY2(subscriber.disconnect(), subscriber.lastError().c_str());
        subscriber.close();

        test::MqttTestClient publisher(broker.port());
        QVERIFY2(publisher.connect("overflow-pub"), publisher.lastError().c_str());
        for (const char* payload : {"m1", "m2", "m3", "m4", "m5"}) {
            QVERIFY2(publisher.publish("overflow/t", payload, 1), publisher.lastError().c_str());
        }
        QVERIFY2(publisher.disconnect(), publisher.lastError().c_str());
        publisher.close();

        test::MqttTestClient resumed(broker.port());
        const auto connack = resumed.connect("overflow-sub", false, 600);
        QVERIFY2(connack && connack->sessionPresent, resumed.lastError().c_str());
        QStringList received;
        for (qsizetype i = 0; i < kept.size(); ++i) {
            const auto publish = resumed.receivePublish();
            QVERIFY2(publish, resumed.lastError().c_str());
            received.append(QString::fromStdString(publish->payload));
        }
        QCOMPARE(received, kept);
        QVERIFY2(resumed.receivesNothing(200ms), "more messages than the queue may hold");
        QVERIFY2(resumed.disconnect(), resumed.lastError().c_str());
        resumed.close();
        QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
    }

private:
    DaemonWorkspace m_workspace;
};

QTEST_GUILESS_MAIN(TestDaemonConfigFile)
#include "TestDaemonConfigFile.moc"
