// The console as a user sees it: the window starts the Local broker by itself, three MQTT
// clients connect, and the Overview's connection tile says 3; the sidebar, status bar,
// shortcuts, log pane and remembered layout do what they say.

#include <QtGui/QAction>
#include <QtTest/QTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListView>

#include "tests/support/MqttTestClient.h"
#include "tests/ui/ConsoleFixture.h"
#include "ui/LogPane.h"
#include "ui/MainWindow.h"
#include "ui/MetricTile.h"
#include "ui/OverviewPage.h"
#include "ui/TimeSeriesChart.h"
#include "ui/Translations.h"

using namespace sb;
using State = app::EmbeddedBroker::State;

namespace {

QAction* actionWithShortcut(QWidget& window, const QKeySequence& shortcut)
{
    const QList<QAction*> actions = window.findChildren<QAction*>();
    for (QAction* action : actions) {
        if (action->shortcut() == shortcut) {
            return action;
        }
    }
    return nullptr;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { ui::Translations::install(*QCoreApplication::instance()); }

    void overviewCountsThreeConnections()
    {
        test::ConsoleFixture fixture;
        app::Console& console = fixture.console();
        ui::MainWindow window(console);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        ui::MetricTile* connections = window.overviewPage()->tile(QStringLiteral("connections"));
        QVERIFY(connections != nullptr);
        QCOMPARE(connections->value(), QStringLiteral("—")); // nothing to show yet, honestly
        QCOMPARE(window.selectedBroker(), app::Console::kLocalBrokerId);

        console.startAutomatically();
        QTRY_COMPARE_WITH_TIMEOUT(console.embeddedBroker().state(), State::Running, 15000);
        const quint16 port = console.embeddedBroker().mqttPort();
        QVERIFY(port != 1883 || console.settings().embeddedBroker().mqttPort == 1883);

        std::vector<std::unique_ptr<test::MqttTestClient>> clients;
        for (int i = 0; i < 3; ++i) {
            clients.push_back(std::make_unique<test::MqttTestClient>(port));
            QVERIFY(clients.back()->connect("ui-client-" + std::to_string(i)));
        }
        QTRY_COMPARE_WITH_TIMEOUT(connections->value(), QStringLiteral("3"), 10000);
        QCOMPARE(connections->caption(), QStringLiteral("3 MQTT clients"));
        QTRY_VERIFY_WITH_TIMEOUT(window.stateLabel()->text().contains(QStringLiteral("Connected")),
                                 5000);
        // The charts follow: the connections chart's line has points.
        ui::TimeSeriesChart* chart = window.overviewPage()->charts().at(1);
        QCOMPARE(chart->title(), QStringLiteral("Connections"));
        QTRY_VERIFY_WITH_TIMEOUT(chart->pointCount(0) > 0, 5000);

        clients.pop_back();
        QTRY_COMPARE_WITH_TIMEOUT(connections->value(), QStringLiteral("2"), 10000);

        // The log pane shows the broker's own lines.
        QTRY_VERIFY_WITH_TIMEOUT(window.logPane()->visibleLines() > 0, 5000);
    }

    void shortcutsExistForPagesAndCommonActions_data()
    {
        QTest::addColumn<QKeySequence>("shortcut");
        QTest::newRow("overview") << QKeySequence(QStringLiteral("Ctrl+1"));
        QTest::newRow("new broker") << QKeySequence(QKeySequence::New);
        QTest::newRow("settings") << QKeySequence(QStringLiteral("Ctrl+,"));
        QTest::newRow("reconnect") << QKeySequence(Qt::Key_F5);
        QTest::newRow("quit") << QKeySequence(QStringLiteral("Ctrl+Q"));
        QTest::newRow("log") << QKeySequence(QStringLiteral("Ctrl+L"));
    }
    void shortcutsExistForPagesAndCommonActions()
    {
        QFETCH(QKeySequence, shortcut);
        test::ConsoleFixture fixture;
        ui::MainWindow window(fixture.console());
        QAction* action = actionWithShortcut(window, shortcut);
        QVERIFY2(action != nullptr, qPrintable(shortcut.toString()));
        QVERIFY2(!action->text().isEmpty(), action->metaObject()->className());
    }

    void theLogPaneTogglesWithItsShortcut()
    {
        test::ConsoleFixture fixture;
        ui::MainWindow window(fixture.console());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const bool before = window.logPane()->isVisible();
        QTest::keyClick(&window, Qt::Key_L, Qt::ControlModifier);
        QTRY_COMPARE(window.logPane()->isVisible(), !before);
    }

    void layoutAndSelectionAreRemembered()
    {
        test::ConsoleFixture fixture;
        app::Console& console = fixture.console();
        app::ConnectionProfile profile;
        profile.name = QStringLiteral("Staging");
        profile.endpoint.url =
            QUrl(QStringLiteral("http://127.0.0.1:%1").arg(test::ConsoleFixture::freePort()));
        QString error;
        const qint64 id = console.profiles().save(profile, &error);
        QVERIFY2(id > 0, qPrintable(error));
        {
            ui::MainWindow window(console);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QCOMPARE(window.sidebar()->model()->rowCount(), 2);
            window.selectBroker(app::Console::remoteBrokerId(id));
            window.resize(1111, 777);
            window.overviewPage()->setWindow(app::MetricWindow::OneHour);
            window.close();
        }
        ui::MainWindow again(console);
        QCOMPARE(again.selectedBroker(), app::Console::remoteBrokerId(id));
        QCOMPARE(again.size(), QSize(1111, 777));
        QCOMPARE(again.overviewPage()->window(), app::MetricWindow::OneHour);
        // The unreachable remote broker says so instead of showing numbers.
        QTRY_VERIFY_WITH_TIMEOUT(
            again.overviewPage()->tile(QStringLiteral("connections"))->caption() ==
                QStringLiteral("Unreachable"),
            10000);
    }
};

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
