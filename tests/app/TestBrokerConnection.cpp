// A broker connection's life: connected with frames, unreachable when the broker goes (with
// backoff between attempts, not a busy loop), connected again when it comes back, told
// plainly when the token is wrong.

#include <QtNetwork/QTcpServer>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include "app/BrokerConnection.h"
#include "tests/app/AdminBroker.h"

using namespace sb;
using namespace std::chrono_literals;
using app::BrokerConnection;
using State = app::BrokerConnection::State;

class TestBrokerConnection : public QObject
{
    Q_OBJECT

private:
    static std::unique_ptr<BrokerConnection> makeConnection()
    {
        auto c = std::make_unique<BrokerConnection>(QStringLiteral("test"));
        c->setBackoff(app::ExponentialBackoff(50ms, 400ms));
        c->client().setStreamSilenceTimeout(3s);
        c->client().setRequestTimeout(2s);
        return c;
    }

private Q_SLOTS:
    void backoffDoublesUpToItsMaximum()
    {
        app::ExponentialBackoff backoff(100ms, 1s);
        QCOMPARE(backoff.next(), 100ms);
        QCOMPARE(backoff.next(), 200ms);
        QCOMPARE(backoff.next(), 400ms);
        QCOMPARE(backoff.next(), 800ms);
        QCOMPARE(backoff.next(), 1000ms);
        QCOMPARE(backoff.next(), 1000ms);
        backoff.reset();
        QCOMPARE(backoff.next(), 100ms);
    }

    void connectsAndReceivesFrames()
    {
        test::AdminBroker broker;
        broker.start();
        auto c = makeConnection();
        QSignalSpy states(c.get(), &BrokerConnection::stateChanged);
        QSignalSpy frames(c.get(), &BrokerConnection::frameReceived);
        c->setEndpoint(broker.endpoint());
        QCOMPARE(c->state(), State::Connecting);
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, 5000);
        QVERIFY(c->overview().has_value());
        QVERIFY(frames.wait(3000));
        QVERIFY(c->latestFrame().has_value());
        QVERIFY(!c->lastError().isError());
        QCOMPARE(states.first().at(0).value<State>(), State::Connecting);
    }

    void reconnectsWithBackoffWhenTheBrokerComesBack()
    {
        test::AdminBroker broker;
        broker.start();
        const std::uint16_t port = broker.adminPort();
        auto c = makeConnection();
        c->setEndpoint(broker.endpoint());
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, 5000);

        broker.stop();
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Unreachable, 5000);
        QCOMPARE(c->lastError().kind(), app::AdminError::Kind::Unreachable);
        // Attempts go on, spaced out: a few in a second, not hundreds.
        QTRY_VERIFY_WITH_TIMEOUT(c->failedAttempts() >= 4, 5000);
        const auto next = c->nextAttemptIn();
        QVERIFY(next.has_value());
        // At most the backoff's maximum, plus the 5 % a coarse QTimer may add.
        QVERIFY2(*next <= 420ms, qPrintable(QString::number(next->count())));
        const int attempts = c->failedAttempts();
        QTest::qWait(400);
        QVERIFY2(c->failedAttempts() - attempts <= 3,
                 qPrintable(QString::number(c->failedAttempts() - attempts)));

        broker.start(port);
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, 5000);
        QCOMPARE(c->failedAttempts(), 0);
        QVERIFY(!c->nextAttemptIn().has_value());
    }

    void aWrongTokenSaysSo()
    {
        test::AdminBroker broker;
        broker.start();
        auto c = makeConnection();
        c->setEndpoint(broker.endpoint(QStringLiteral("wrong")));
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Unauthorized, 5000);
        QCOMPARE(c->lastError().kind(), app::AdminError::Kind::Unauthorized);
        QCOMPARE(BrokerConnection::stateName(c->state()), QStringLiteral("Token refused"));
        // Fixed token: connected, without waiting for the backoff.
        c->setEndpoint(broker.endpoint());
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Connected, 5000);
    }

    void disconnectingStopsAttempts()
    {
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        app::AdminEndpoint dead;
        dead.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(probe.serverPort()));
        probe.close();
        auto c = makeConnection();
        c->setEndpoint(dead);
        QTRY_COMPARE_WITH_TIMEOUT(c->state(), State::Unreachable, 5000);
        c->disconnectFromBroker();
        QCOMPARE(c->state(), State::Disconnected);
        const int attempts = c->failedAttempts();
        QTest::qWait(300);
        QCOMPARE(c->failedAttempts(), attempts);
        QVERIFY(!c->nextAttemptIn().has_value());
    }
};

QTEST_GUILESS_MAIN(TestBrokerConnection)
#include "TestBrokerConnection.moc"
