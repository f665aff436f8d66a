// The sidebar's model: the Local broker first, remote brokers by name (also after a rename),
// roles that follow the connection's state, and rows that go when a broker is removed.

#include <QtTest/QAbstractItemModelTester>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include "app/BrokerListModel.h"

using namespace sb;
using app::BrokerListModel;
using Kind = app::BrokerListModel::Kind;

namespace {

QStringList names(const BrokerListModel& model)
{
    QStringList result;
    for (int row = 0; row < model.rowCount(); ++row) {
        result.append(model.index(row).data().toString());
    }
    return result;
}

} // namespace

class TestBrokerListModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void localFirstThenByName()
    {
        BrokerListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addBroker(QStringLiteral("profile-2"), Kind::Remote, QStringLiteral("staging"), {},
                        2);
        model.addBroker(QStringLiteral("local"), Kind::Local, QStringLiteral("Local broker"), {});
        model.addBroker(QStringLiteral("profile-1"), Kind::Remote, QStringLiteral("Production"), {},
                        1);
        model.addBroker(QStringLiteral("profile-3"), Kind::Remote, QStringLiteral("edge"), {}, 3);
        QCOMPARE(names(model),
                 (QStringList{QStringLiteral("Local broker"), QStringLiteral("edge"),
                              QStringLiteral("Production"), QStringLiteral("staging")}));

        model.updateBroker(QStringLiteral("profile-3"), QStringLiteral("Zulu"),
                           QStringLiteral("https://z:1"));
        QCOMPARE(names(model).last(), QStringLiteral("Zulu"));
        QCOMPARE(
            model.indexOf(QStringLiteral("profile-3")).data(BrokerListModel::DetailRole).toString(),
            QStringLiteral("https://z:1"));
        model.updateBroker(QStringLiteral("profile-3"), QStringLiteral("alpha"), {});
        QCOMPARE(names(model).at(1), QStringLiteral("alpha"));

        model.removeBroker(QStringLiteral("profile-1"));
        QCOMPARE(model.rowCount(), 3);
        QVERIFY(model.connection(QStringLiteral("profile-1")) == nullptr);
        QCOMPARE(model.indexOf(QStringLiteral("profile-2"))
                     .data(BrokerListModel::ProfileIdRole)
                     .toLongLong(),
                 2);
    }

    void rolesFollowTheConnection()
    {
        BrokerListModel model;
        app::BrokerConnection* c = model.addBroker(QStringLiteral("profile-9"), Kind::Remote,
                                                   QStringLiteral("dead"), {}, 9);
        const QModelIndex index = model.indexOf(QStringLiteral("profile-9"));
        QCOMPARE(index.data(BrokerListModel::StateTextRole).toString(),
                 QStringLiteral("Disconnected"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        app::AdminEndpoint nowhere;
        nowhere.url = QUrl(QStringLiteral("ftp://not-admin"));
        c->setEndpoint(nowhere);
        QTRY_COMPARE(index.data(BrokerListModel::StateRole).toInt(),
                     int(app::BrokerConnection::State::Failed));
        QVERIFY(changed.count() >= 1);
        QVERIFY(!index.data(BrokerListModel::ErrorTextRole).toString().isEmpty());
        model.setStatusOverride(QStringLiteral("profile-9"), QStringLiteral("Token unavailable"));
        QCOMPARE(index.data(BrokerListModel::StateTextRole).toString(),
                 QStringLiteral("Token unavailable"));
        c->disconnectFromBroker();
    }
};

QTEST_GUILESS_MAIN(TestBrokerListModel)
#include "TestBrokerListModel.moc"
