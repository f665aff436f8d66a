// The profile dialog drives real widgets: fields typed in, "Test connection" against a real
// broker (right and wrong token), the ignore-TLS warning, the keychain note, and Save into
// the profile store (or an error that keeps the dialog open).

#include <QtTest/QSignalSpy>
#include <QtTest/QTest>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>

#include "app/ConnectionProfileStore.h"
#include "tests/app/AdminBroker.h"
#include "tests/ui/ConsoleFixture.h"
#include "ui/ProfileDialog.h"
#include "ui/Translations.h"

using namespace sb;

namespace {

template <typename T>
T* child(QWidget& parent, const char* name)
{
    return parent.findChild<T*>(QString::fromLatin1(name));
}

void type(QWidget& dialog, const char* field, const QString& text)
{
    auto* edit = child<QLineEdit>(dialog, field);
    QVERIFY2(edit != nullptr, field);
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
}

} // namespace

class TestProfileDialog : public QObject
{
    Q_OBJECT

private:
    test::AdminBroker m_broker;

private Q_SLOTS:
    void initTestCase()
    {
        ui::Translations::install(*QCoreApplication::instance());
        m_broker.start();
    }

    void testConnectionThenSave()
    {
        test::ConsoleFixture fixture;
        app::ConnectionProfileStore& store = fixture.console().profiles();
        ui::ProfileDialog dialog(store, 0);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(child<QLabel>(dialog, "keychainNote")
                    ->text()
                    .contains(QStringLiteral("No system keychain")));

        type(dialog, "name", QStringLiteral("Test broker"));
        type(dialog, "adminUrl", QStringLiteral("http://127.0.0.1:%1").arg(m_broker.adminPort()));
        type(dialog, "token", QStringLiteral("wrong-token"));
        auto* test = child<QPushButton>(dialog, "testConnection");
        auto* result = child<QLabel>(dialog, "testResult");
        QSignalSpy finished(&dialog, &ui::ProfileDialog::testFinished);
        QTest::mouseClick(test, Qt::LeftButton);
        QVERIFY(finished.wait(5000));
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QVERIFY2(result->text().contains(QStringLiteral("refused the token")),
                 qPrintable(result->text()));

        type(dialog, "token", QString::fromLatin1(test::AdminBroker::kToken));
        QTest::mouseClick(test, Qt::LeftButton);
        QVERIFY(finished.wait(5000));
        QCOMPARE(finished.at(1).at(0).toBool(), true);
        QVERIFY2(result->text().startsWith(QStringLiteral("Connected: Switchboard")),
                 qPrintable(result->text()));

        auto* buttons = dialog.findChild<QDialogButtonBox*>();
        QTest::mouseClick(buttons->button(QDialogButtonBox::Save), Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        const auto saved = store.profile(dialog.savedId());
        QVERIFY(saved.has_value());
        QCOMPARE(saved->name, QStringLiteral("Test broker"));
        QCOMPARE(saved->endpoint.url.port(), int(m_broker.adminPort()));
        QCOMPARE(saved->tokenStorage, app::ConnectionProfile::TokenStorage::Database);
        // The console connects to what was saved.
        app::BrokerConnection* connection =
            fixture.console().brokers().connection(app::Console::remoteBrokerId(dialog.savedId()));
        QVERIFY(connection != nullptr);
        QTRY_COMPARE_WITH_TIMEOUT(connection->state(), app::BrokerConnection::State::Connected,
                                  5000);
    }

    void ignoringTlsErrorsShowsAWarning()
    {
        test::ConsoleFixture fixture;
        ui::ProfileDialog dialog(fixture.console().profiles(), 0);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto* ignore = child<QCheckBox>(dialog, "ignoreTlsErrors");
        auto* warning = child<QLabel>(dialog, "tlsWarning");
        QVERIFY(!warning->isVisible());
        QTest::mouseClick(ignore, Qt::LeftButton, {}, QPoint(4, ignore->height() / 2));
        QVERIFY(ignore->isChecked());
        QVERIFY(warning->isVisible());
        QVERIFY(warning->text().contains(QStringLiteral("any certificate")));
        QVERIFY(dialog.endpoint().ignoreTlsErrors);
    }

    void anInvalidProfileKeepsTheDialogOpen()
    {
        test::ConsoleFixture fixture;
        ui::ProfileDialog dialog(fixture.console().profiles(), 0);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        type(dialog, "adminUrl", QStringLiteral("http://127.0.0.1:1"));
        auto* buttons = dialog.findChild<QDialogButtonBox*>();
        QTest::mouseClick(buttons->button(QDialogButtonBox::Save), Qt::LeftButton);
        QVERIFY(dialog.isVisible());
        auto* error = child<QLabel>(dialog, "error");
        QVERIFY(error->isVisible());
        QCOMPARE(error->text(), QStringLiteral("The profile needs a name."));
        QCOMPARE(fixture.console().profiles().profiles().size(), 0);
    }

    void editingLoadsTheSavedProfile()
    {
        test::ConsoleFixture fixture;
        app::ConnectionProfileStore& store = fixture.console().profiles();
        app::ConnectionProfile profile;
        profile.name = QStringLiteral("Existing");
        profile.endpoint = m_broker.endpoint();
        profile.endpoint.caFile = QStringLiteral("/tmp/ca.pem");
        QString error;
        const qint64 id = store.save(profile, &error);
        ui::ProfileDialog dialog(store, id);
        QCOMPARE(child<QLineEdit>(dialog, "name")->text(), QStringLiteral("Existing"));
        QCOMPARE(child<QLineEdit>(dialog, "caFile")->text(), QStringLiteral("/tmp/ca.pem"));
        QTRY_COMPARE(child<QLineEdit>(dialog, "token")->text(),
                     QString::fromLatin1(test::AdminBroker::kToken));
        type(dialog, "name", QStringLiteral("Renamed"));
        dialog.accept();
        QCOMPARE(store.profile(id)->name, QStringLiteral("Renamed"));
        QCOMPARE(store.profiles().size(), 1);
    }
};

QTEST_MAIN(TestProfileDialog)
#include "TestProfileDialog.moc"
