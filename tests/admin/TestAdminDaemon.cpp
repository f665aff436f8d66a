// The admin API in switchboard-broker: --print-admin-token and the token file, the admin URL in
// the log (never the token), --admin-port/--admin-bind and the admin_* config keys, and a busy
// admin port stopping the broker with a message.

#include <csignal>
#include <sys/stat.h>

#include <QtCore/QDir>
#include <QtTest/QTest>

#include "broker/daemon/Config.h"
#include "tests/admin/AdminFixture.h"
#include "tests/admin/AdminHttpClient.h"
#include "tests/support/BrokerProcess.h"
#include "tests/support/DaemonWorkspace.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using test::AdminHttpClient;
using test::BrokerProcess;
using test::DaemonWorkspace;

namespace {

const char* const kAdminConfig = "admin_bind = \"::1\"\n"
                                 "admin_port = 9443\n"
                                 "admin_tls_cert = \"/etc/switchboard/admin.pem\"\n"
                                 "admin_tls_key = \"/etc/switchboard/admin.key\"\n";

} // namespace

class TestAdminDaemon : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { QVERIFY2(m_workspace.isValid(), qPrintable(m_workspace.errorString())); }

    void printAdminTokenCreatesTheTokenFile()
    {
        const QString dataDir = m_workspace.freshDataDir();
        const QString token = printToken(dataDir);
        QCOMPARE(token.size(), 64);
        const QString path = QDir(dataDir).filePath(QStringLiteral("admin-token"));
        struct stat info
        {};
        QCOMPARE(::stat(path.toLocal8Bit().constData(), &info), 0);
        QCOMPARE(info.st_mode & 0777, 0600U);
        QCOMPARE(printToken(dataDir), token); // the same on every call
        QVERIFY(printToken(m_workspace.freshDataDir()) != token);
    }

    void daemonServesTheAdminApi()
    {
        const QString dataDir = m_workspace.freshDataDir();
        BrokerProcess broker;
        QVERIFY(broker.start({QStringLiteral("--bind"), DaemonWorkspace::kLoopback,
                              QStringLiteral("--port"), QStringLiteral("0"),
                              QStringLiteral("--data-dir"), dataDir}));
        QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
        const std::uint16_t port = broker.waitForAdminPort();
        QVERIFY2(port != 0, qPrintable(broker.describe()));
        QVERIFY(broker.standardError().contains(
            QStringLiteral("admin API on http://127.0.0.1:%1").arg(port)));

        const QString token = printToken(dataDir);
        QVERIFY2(!broker.standardError().contains(token), "the token must not be logged");
        AdminHttpClient http(port, token.toStdString());
        QCOMPARE(http.request(AdminHttpClient::Verb::get, "/healthz", {}, std::string()).status,
                 200U);
        const auto overview = http.get("/api/v1/overview");
        QVERIFY2(overview.status == 200, overview.describe().c_str());
        QCOMPARE(overview.json.at("listeners").at(0).at("port").to_number<int>(),
                 int(broker.port()));
        QCOMPARE(test::text(overview.json.at("durability")), QStringLiteral("sync"));
        http.setToken("wrong");
        QCOMPARE(http.get("/api/v1/overview").status, 401U);

        QVERIFY2(broker.stopWith(SIGTERM), qPrintable(broker.describe()));
        QCOMPARE(broker.exitCode(), 0);
    }

    void busyAdminPortStopsTheBroker()
    {
        BrokerProcess first;
        QVERIFY(first.start(m_workspace.onLoopback()));
        const std::uint16_t port = first.waitForAdminPort();
        QVERIFY2(port != 0, qPrintable(first.describe()));

        BrokerProcess second;
        QVERIFY2(second.run(m_workspace.onLoopback(
                     {QStringLiteral("--admin-port"), QString::number(port)})),
                 qPrintable(second.describe()));
        QCOMPARE(second.exitCode(), 1);
        QVERIFY2(second.standardError().contains(
                     QStringLiteral("cannot listen on 127.0.0.1:%1 for the admin API").arg(port)),
                 qPrintable(second.describe()));
        QVERIFY2(first.stopWith(SIGTERM), qPrintable(first.describe()));
    }

    void badAdminBindIsNamed()
    {
        BrokerProcess broker;
        QVERIFY(broker.run(
            m_workspace.onLoopback({QStringLiteral("--admin-bind"), QStringLiteral("nowhere")})));
        QCOMPARE(broker.exitCode(), 1);
        QVERIFY2(
            broker.standardError().contains(QStringLiteral("invalid admin bind address 'nowhere'")),
            qPrintable(broker.describe()));
    }

    void adminKeysInTheConfigFile()
    {
        daemon::DaemonConfig config;
        daemon::applyConfigText(kAdminConfig, "admin.toml", config);
        QCOMPARE(config.admin.bindAddress, std::string("::1"));
        QCOMPARE(config.admin.port, std::uint16_t(9443));
        QCOMPARE(config.admin.tlsCertificateFile, std::string("/etc/switchboard/admin.pem"));
        QCOMPARE(config.admin.tlsKeyFile, std::string("/etc/switchboard/admin.key"));
        const daemon::DaemonConfig defaults;
        QCOMPARE(defaults.admin.bindAddress, std::string("127.0.0.1"));
        QCOMPARE(defaults.admin.port, std::uint16_t(8081));
    }

private:
    QString printToken(const QString& dataDir)
    {
        BrokerProcess broker;
        if (!broker.run(
                {QStringLiteral("--data-dir"), dataDir, QStringLiteral("--print-admin-token")}) ||
            broker.exitCode() != 0) {
            qWarning("%s", qPrintable(broker.describe()));
            return {};
        }
        return broker.standardOutput().trimmed();
    }

    DaemonWorkspace m_workspace;
};

QTEST_GUILESS_MAIN(TestAdminDaemon)
#include "TestAdminDaemon.moc"
