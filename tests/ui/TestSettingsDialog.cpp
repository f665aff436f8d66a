// The settings dialog drives the Local broker through its real widgets: a port typed in, a
// durability picked, Start and Stop pressed, and a taken port shown as taken.

#include <QtNetwork/QTcpServer>
#include <QtTest/QTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>

#include "tests/support/MqttTestClient.h"
#include "tests/ui/ConsoleFixture.h"
#include "ui/SettingsDialog.h"
#include "ui/Translations.h"

using namespace sb;
using State = app::EmbeddedBroker::State;
using Durability = app::EmbeddedBrokerSettings::Durability;

namespace {

template <typename T>
T* child(QWidget& parent, const char* name)
{
    return parent.findChild<T*>(QString::fromLatin1(name));
}

void typeInto(QAbstractSpinBox* box, const QString& text)
{
    box->setFocus();
    box->selectAll();
    QTest::keyClicks(box, text);
    QTest::keyClick(box, Qt::Key_Tab);
}

} // namespace

class TestSettingsDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { ui::Translations::install(*QCoreApplication::instance()); }

    void startAndStopWithTypedSettings()
    {
        test::ConsoleFixture fixture;
        app::Console& console = fixture.console();
        ui::SettingsDialog dialog(console);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));

        auto* port = child<QSpinBox>(dialog, "mqttPort");
        auto* durability = child<QComboBox>(dialog, "durability");
        auto* startStop = child<QPushButton>(dialog, "startStop");
        auto* state = child<QLabel>(dialog, "brokerState");
        auto* folder = child<QLineEdit>(dialog, "dataDirectory");
        QVERIFY(port && durability && startStop && state && folder);
        QCOMPARE(state->text(), QStringLiteral("Stopped."));
        QCOMPARE(startStop->text(), QStringLiteral("Start"));
        QCOMPARE(folder->text(), fixture.directory().filePath(QStringLiteral("broker")));

        const quint16 chosen = test::ConsoleFixture::freePort();
        typeInto(port, QString::number(chosen));
        QCOMPARE(port->value(), int(chosen));
        durability->setFocus();
        // Memory is the last entry: End selects it as a user's keyboard would.
        QTest::keyClick(durability, Qt::Key_End);
        QCOMPARE(durability->currentData().toInt(), int(Durability::Memory));

        QTest::mouseClick(startStop, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(console.embeddedBroker().state(), State::Running, 15000);
        QCOMPARE(console.embeddedBroker().mqttPort(), chosen);
        QCOMPARE(console.settings().embeddedBroker().mqttPort, chosen);
        QCOMPARE(console.settings().embeddedBroker().durability, Durability::Memory);
        QCOMPARE(state->text(), QStringLiteral("Running on port %1.").arg(chosen));
        QCOMPARE(startStop->text(), QStringLiteral("Stop"));
        test::MqttTestClient client(chosen);
        QVERIFY(client.connect("settings-dialog"));

        QTest::mouseClick(startStop, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(console.embeddedBroker().state(), State::Stopped, 15000);
        QCOMPARE(state->text(), QStringLiteral("Stopped."));
    }

    void aTakenPortIsShownAsTaken()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress(QStringLiteral("127.0.0.1")), 0));
        test::ConsoleFixture fixture;
        app::Console& console = fixture.console();
        ui::SettingsDialog dialog(console);
        dialog.show();
        typeInto(child<QSpinBox>(dialog, "mqttPort"), QString::number(squatter.serverPort()));
        QTest::mouseClick(child<QPushButton>(dialog, "startStop"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(console.embeddedBroker().state(), State::Running, 15000);
        const QString text = child<QLabel>(dialog, "brokerState")->text();
        QVERIFY2(text.contains(QStringLiteral("port %1 was taken").arg(squatter.serverPort())),
                 qPrintable(text));
    }

    void okSavesWithoutStartingAStoppedBroker()
    {
        test::ConsoleFixture fixture;
        app::Console& console = fixture.console();
        ui::SettingsDialog dialog(console);
        dialog.show();
        auto* autoStart = child<QCheckBox>(dialog, "autoStart");
        QVERIFY(autoStart->isChecked());
        QTest::mouseClick(autoStart, Qt::LeftButton, {}, QPoint(4, autoStart->height() / 2));
        auto* workers = child<QSpinBox>(dialog, "workers");
        QCOMPARE(workers->value(), 2);
        typeInto(workers, QStringLiteral("3"));
        auto* buttons = dialog.findChild<QDialogButtonBox*>();
        QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        const app::EmbeddedBrokerSettings saved = console.settings().embeddedBroker();
        QVERIFY(!saved.startAutomatically);
        QCOMPARE(saved.workers, 3);
        QCOMPARE(console.embeddedBroker().state(), State::Stopped);
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "TestSettingsDialog.moc"
