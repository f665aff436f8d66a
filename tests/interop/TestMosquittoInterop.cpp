// Interoperability with a client nobody here wrote: mosquitto_pub and mosquitto_sub (Debian's
// mosquitto-clients, libmosquitto 2.0) against our broker, in MQTT 3.1.1 and 5.0, at QoS 0, 1
// and 2, with retained messages, persistent sessions and 5.0 properties.
//
// Synchronisation: a subscriber is ready when the broker counts its subscriptions; a publisher
// is done when its process has exited; mosquitto_sub runs with -W so nothing waits forever.

#include <atomic>
#include <memory>

#include <QtCore/QProcess>
#include <QtTest/QTest>

#include "tests/interop/MosquittoClients.h"
#include "tests/support/BrokerFixture.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

using namespace std::chrono_literals;
using namespace sb;
using test::BrokerFixture;
using test::MosquittoClients;

namespace {

const QString kV311 = QStringLiteral("mqttv311");
const QString kV5 = QStringLiteral("mqttv5");
// One line per message: topic, QoS, retain flag, payload.
const QString kLineFormat = QStringLiteral("%t|%q|%r|%p");

QStringList numberedPayloads(int count)
{
    QStringList payloads;
    for (int i = 1; i <= count; ++i) {
        payloads.append(QStringLiteral("message-%1").arg(i));
    }
    return payloads;
}

// What mosquitto_sub -F kLineFormat prints for these messages.
QStringList formatted(const QString& topic, int qos, bool retained, const QStringList& payloads)
{
    QStringList lines;
    for (const QString& payload : payloads) {
        lines.append(
            QStringLiteral("%1|%2|%3|%4").arg(topic).arg(qos).arg(retained ? 1 : 0).arg(payload));
    }
    return lines;
}

QByteArray asLines(const QStringList& payloads)
{
    return (payloads.join(u'\n') + u'\n').toUtf8();
}

void addVersionRows()
{
    QTest::addColumn<QString>("version");
    QTest::newRow("mqttv311") << kV311;
    QTest::newRow("mqttv5") << kV5;
}

} // namespace

class TestMosquittoInterop : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        const QString missing = m_clients.locate();
        if (!missing.isEmpty()) {
            QFAIL(qPrintable(missing));
        }
    }

    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        m_clients.setPort(m_fixture->port());
    }

    void cleanup() { m_fixture.reset(); }

    void messagesArriveExactlyOnceInOrder_data()
    {
        QTest::addColumn<QString>("version");
        QTest::addColumn<int>("qos");
        for (const QString& version : {kV311, kV5}) {
            for (int qos = 0; qos <= 2; ++qos) {
                QTest::addRow("%s qos%d", qPrintable(version), qos) << version << qos;
            }
        }
    }

    // mosquitto_pub -l sends N lines as N messages on one connection; mosquitto_sub gets those
    // N, in order, at the QoS asked for, and then the marker published after them: nothing
    // lost, nothing duplicated.
    void messagesArriveExactlyOnceInOrder()
    {
        QFETCH(QString, version);
        QFETCH(int, qos);
        constexpr int kCount = 25;
        const QString topic = QStringLiteral("interop/order/%1/%2").arg(version).arg(qos);
        const QStringList payloads = numberedPayloads(kCount);
        const QString q = QString::number(qos);

        QProcess sub;
        startSubscriber(sub,
                        m_clients.connection(version) +
                            QStringList{QStringLiteral("-t"), topic, QStringLiteral("-q"), q,
                                        QStringLiteral("-C"), QString::number(kCount + 1),
                                        QStringLiteral("-F"), kLineFormat},
                        1);
        if (QTest::currentTestFailed()) {
            return;
        }
        publish(version,
                {QStringLiteral("-t"), topic, QStringLiteral("-q"), q, QStringLiteral("-l")},
                asLines(payloads));
        if (QTest::currentTestFailed()) {
            return;
        }
        // At QoS 0 the publisher's exit does not mean the broker has routed everything: wait
        // until all N went out before the marker, so the marker comes last by construction.
        QVERIFY2(BrokerFixture::waitFor([&] { return delivered(qos) >= kCount; }),
                 qPrintable(QStringLiteral("delivered %1 of %2").arg(delivered(qos)).arg(kCount)));
        publish(version, {QStringLiteral("-t"), topic, QStringLiteral("-q"), q,
                          QStringLiteral("-m"), QStringLiteral("end")});
        if (QTest::currentTestFailed()) {
            return;
        }

        QString error;
        const QStringList lines = MosquittoClients::finish(sub, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines,
                 formatted(topic, qos, false, payloads + QStringList{QStringLiteral("end")}));
        QCOMPARE(delivered(qos), std::uint64_t(kCount + 1));
    }

    void versionsInterwork_data()
    {
        QTest::addColumn<QString>("publisherVersion");
        QTest::addColumn<QString>("subscriberVersion");
        QTest::newRow("3.1.1 publisher, 5.0 subscriber") << kV311 << kV5;
        QTest::newRow("5.0 publisher, 3.1.1 subscriber") << kV5 << kV311;
    }

    // A 5.0 publisher's message (with a user property 3.1.1 cannot carry) reaches a 3.1.1
    // subscriber, and the other way round.
    void versionsInterwork()
    {
        QFETCH(QString, publisherVersion);
        QFETCH(QString, subscriberVersion);
        const QString topic = QStringLiteral("interop/versions");
        const QStringList payloads = numberedPayloads(5);

        QProcess sub;
        startSubscriber(sub,
                        m_clients.connection(subscriberVersion) +
                            QStringList{QStringLiteral("-t"), topic, QStringLiteral("-q"),
                                        QStringLiteral("2"), QStringLiteral("-C"),
                                        QString::number(payloads.size()), QStringLiteral("-F"),
                                        kLineFormat},
                        1);
        if (QTest::currentTestFailed()) {
            return;
        }
        QStringList pubArguments{QStringLiteral("-t"), topic, QStringLiteral("-q"),
                                 QStringLiteral("1"), QStringLiteral("-l")};
        if (publisherVersion == kV5) {
            pubArguments +=
                {QStringLiteral("-D"), QStringLiteral("publish"), QStringLiteral("user-property"),
                 QStringLiteral("origin"), QStringLiteral("v5")};
        }
        publish(publisherVersion, pubArguments, asLines(payloads));
        if (QTest::currentTestFailed()) {
            return;
        }
        QString error;
        const QStringList lines = MosquittoClients::finish(sub, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines, formatted(topic, 1, false, payloads));
    }

    // Wildcard filters, and a topic matching two filters of one client delivered once (-v
    // prints the topic of each message).
    void wildcardFiltersSelectTopics_data() { addVersionRows(); }
    void wildcardFiltersSelectTopics()
    {
        QFETCH(QString, version);
        QProcess sub;
        startSubscriber(sub,
                        m_clients.connection(version) +
                            QStringList{QStringLiteral("-t"), QStringLiteral("interop/wild/+/temp"),
                                        QStringLiteral("-t"), QStringLiteral("interop/wild/b/#"),
                                        QStringLiteral("-t"), QStringLiteral("interop/end"),
                                        QStringLiteral("-q"), QStringLiteral("1"),
                                        QStringLiteral("-C"), QStringLiteral("4"),
                                        QStringLiteral("-v")},
                        3);
        if (QTest::currentTestFailed()) {
            return;
        }
        // One publisher after another at QoS 1: each has been routed before the next starts.
        const QList<QPair<QString, QString>> sent = {
            {QStringLiteral("interop/wild/a/temp"), QStringLiteral("one")},
            {QStringLiteral("interop/wild/c/humidity"), QStringLiteral("not-subscribed")},
            {QStringLiteral("interop/wild/b/temp"), QStringLiteral("two")}, // both filters
            {QStringLiteral("interop/wild/b/x/y"), QStringLiteral("three")},
            {QStringLiteral("interop/wild/temp"), QStringLiteral("not-subscribed")},
            {QStringLiteral("interop/end"), QStringLiteral("end")},
        };
        for (const auto& [topic, payload] : sent) {
            publish(version, {QStringLiteral("-t"), topic, QStringLiteral("-q"),
                              QStringLiteral("1"), QStringLiteral("-m"), payload});
            if (QTest::currentTestFailed()) {
                return;
            }
        }
        QString error;
        const QStringList lines = MosquittoClients::finish(sub, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines, (QStringList{QStringLiteral("interop/wild/a/temp one"),
                                     QStringLiteral("interop/wild/b/temp two"),
                                     QStringLiteral("interop/wild/b/x/y three"),
                                     QStringLiteral("interop/end end")}));
    }

    void retainedMessageReachesLaterSubscriber_data() { addVersionRows(); }
    // mosquitto_pub -r stores the message; a subscriber that comes later gets it with the
    // retain flag set. A second retained publish replaces it.
    void retainedMessageReachesLaterSubscriber()
    {
        QFETCH(QString, version);
        const QString topic = QStringLiteral("interop/retained/%1").arg(version);
        for (const QString& payload : {QStringLiteral("first"), QStringLiteral("latest")}) {
            publish(version,
                    {QStringLiteral("-t"), topic, QStringLiteral("-q"), QStringLiteral("1"),
                     QStringLiteral("-r"), QStringLiteral("-m"), payload});
            if (QTest::currentTestFailed()) {
                return;
            }
        }
        QCOMPARE(m_fixture->broker().retainedCount(), std::size_t(1));

        QString error;
        const QStringList lines = m_clients.subscribeAndWait(
            m_clients.connection(version) +
                QStringList{QStringLiteral("-t"), QStringLiteral("interop/retained/#"),
                            QStringLiteral("-q"), QStringLiteral("1"), QStringLiteral("-C"),
                            QStringLiteral("1"), QStringLiteral("-F"), kLineFormat},
            error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines, formatted(topic, 1, true, {QStringLiteral("latest")}));
    }

    void emptyRetainedMessageClearsIt_data() { addVersionRows(); }
    // mosquitto_pub -r -n (an empty retained message) removes the retained message: a later
    // subscriber's first message is the live one published after it subscribed.
    void emptyRetainedMessageClearsIt()
    {
        QFETCH(QString, version);
        const QString topic = QStringLiteral("interop/cleared/%1").arg(version);
        publish(version, {QStringLiteral("-t"), topic, QStringLiteral("-q"), QStringLiteral("1"),
                          QStringLiteral("-r"), QStringLiteral("-m"), QStringLiteral("stale")});
        if (QTest::currentTestFailed()) {
            return;
        }
        QCOMPARE(m_fixture->broker().retainedCount(), std::size_t(1));
        publish(version, {QStringLiteral("-t"), topic, QStringLiteral("-q"), QStringLiteral("1"),
                          QStringLiteral("-r"), QStringLiteral("-n")});
        if (QTest::currentTestFailed()) {
            return;
        }
        QCOMPARE(m_fixture->broker().retainedCount(), std::size_t(0));

        QProcess sub;
        startSubscriber(sub,
                        m_clients.connection(version) +
                            QStringList{QStringLiteral("-t"), topic, QStringLiteral("-q"),
                                        QStringLiteral("1"), QStringLiteral("-C"),
                                        QStringLiteral("1"), QStringLiteral("-F"), kLineFormat},
                        1);
        if (QTest::currentTestFailed()) {
            return;
        }
        publish(version, {QStringLiteral("-t"), topic, QStringLiteral("-q"), QStringLiteral("1"),
                          QStringLiteral("-m"), QStringLiteral("live")});
        if (QTest::currentTestFailed()) {
            return;
        }
        QString error;
        const QStringList lines = MosquittoClients::finish(sub, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines, formatted(topic, 1, false, {QStringLiteral("live")}));
    }

    void cleanSessionIsForgotten_data() { addVersionRows(); }
    // Without -c the session (and its subscription) ends with the connection.
    void cleanSessionIsForgotten()
    {
        QFETCH(QString, version);
        QString error;
        m_clients.subscribeAndWait(
            m_clients.connection(version) +
                QStringList{QStringLiteral("-i"), QStringLiteral("interop-clean"),
                            QStringLiteral("-q"), QStringLiteral("1"), QStringLiteral("-t"),
                            QStringLiteral("interop/clean"), QStringLiteral("-E")},
            error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY2(BrokerFixture::waitFor([&] {
                     return m_fixture->broker().sessionCount() == 0 &&
                            m_fixture->broker().router().subscriptionCount() == 0;
                 }),
                 "the clean session outlived its connection");
    }

    // 5.0 user properties set with mosquitto_pub -D arrive at mosquitto_sub (-F %P prints
    // them as key:value).
    void userPropertiesReachMosquittoSub()
    {
        const QString topic = QStringLiteral("interop/props/sub");
        QProcess sub;
        startSubscriber(sub,
                        m_clients.connection(kV5) +
                            QStringList{QStringLiteral("-t"), topic, QStringLiteral("-q"),
                                        QStringLiteral("1"), QStringLiteral("-C"),
                                        QStringLiteral("1"), QStringLiteral("-F"),
                                        QStringLiteral("%P|%p")},
                        1);
        if (QTest::currentTestFailed()) {
            return;
        }
        publish(kV5, {QStringLiteral("-t"), topic, QStringLiteral("-q"), QStringLiteral("1"),
                      QStringLiteral("-m"), QStringLiteral("hello"), QStringLiteral("-D"),
                      QStringLiteral("publish"), QStringLiteral("user-property"),
                      QStringLiteral("site"), QStringLiteral("lab-1")});
        if (QTest::currentTestFailed()) {
            return;
        }
        QString error;
        const QStringList lines = MosquittoClients::finish(sub, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines, QStringList{QStringLiteral("site:lab-1|hello")});
    }

    // Several user properties, a repeated key among them, arrive at a 5.0 subscriber in the
    // order sent (MQTT 5.0 3.3.2.3.7), with the other publish properties mosquitto_pub sets.
    void publishPropertiesForwardedInOrder()
    {
        const std::string topic = "interop/props/client";
        test::MqttTestClient client(m_fixture->port());
        QVERIFY2(client.connect("interop-props"), client.lastError().c_str());
        QVERIFY2(client.subscribe(topic, 1), client.lastError().c_str());

        const auto property = [](const char* key, const char* value) {
            return QStringList{QStringLiteral("-D"), QStringLiteral("publish"),
                               QStringLiteral("user-property"), QString::fromUtf8(key),
                               QString::fromUtf8(value)};
        };
        publish(kV5, QStringList{QStringLiteral("-t"),
                                 QString::fromStdString(topic),
                                 QStringLiteral("-q"),
                                 QStringLiteral("1"),
                                 QStringLiteral("-m"),
                                 QStringLiteral("{\"t\":21}"),
                                 QStringLiteral("-D"),
                                 QStringLiteral("publish"),
                                 QStringLiteral("content-type"),
                                 QStringLiteral("application/json"),
                                 QStringLiteral("-D"),
                                 QStringLiteral("publish"),
                                 QStringLiteral("response-topic"),
                                 QStringLiteral("interop/reply"),
                                 QStringLiteral("-D"),
                                 QStringLiteral("publish"),
                                 QStringLiteral("correlation-data"),
                                 QStringLiteral("req-7"),
                                 QStringLiteral("-D"),
                                 QStringLiteral("publish"),
                                 QStringLiteral("payload-format-indicator"),
                                 QStringLiteral("1")} +
                         property("k", "v1") + property("a", "b") + property("k", "v2"));
        if (QTest::currentTestFailed()) {
            return;
        }

        const auto received = client.receivePublish();
        QVERIFY2(received, client.lastError().c_str());
        QCOMPARE(received->topic, topic);
        QCOMPARE(received->payload, std::string("{\"t\":21}"));
        QCOMPARE(received->qos, std::uint8_t(1));
        const protocol::Properties& p = received->properties;
        const std::vector<protocol::UserProperty> expected = {{"k", "v1"}, {"a", "b"}, {"k", "v2"}};
        QVERIFY(p.userProperties == expected);
        QCOMPARE(p.contentType.value_or("(none)"), std::string("application/json"));
        QCOMPARE(p.responseTopic.value_or("(none)"), std::string("interop/reply"));
        QCOMPARE(p.correlationData.value_or("(none)"), std::string("req-7"));
        QCOMPARE(p.payloadFormatIndicator.value_or(0xFF), std::uint8_t(1));
    }

    // A 5.0 Subscription Identifier set with mosquitto_sub -D comes back on the messages that
    // subscription matched (-F %S).
    void subscriptionIdentifierComesBack()
    {
        const QString topic = QStringLiteral("interop/subid");
        QProcess sub;
        startSubscriber(
            sub,
            m_clients.connection(kV5) +
                QStringList{QStringLiteral("-t"), topic, QStringLiteral("-q"), QStringLiteral("1"),
                            QStringLiteral("-D"), QStringLiteral("subscribe"),
                            QStringLiteral("subscription-identifier"), QStringLiteral("42"),
                            QStringLiteral("-C"), QStringLiteral("1"), QStringLiteral("-F"),
                            QStringLiteral("%S|%p")},
            1);
        if (QTest::currentTestFailed()) {
            return;
        }
        publish(kV5, {QStringLiteral("-t"), topic, QStringLiteral("-q"), QStringLiteral("1"),
                      QStringLiteral("-m"), QStringLiteral("tagged")});
        if (QTest::currentTestFailed()) {
            return;
        }
        QString error;
        const QStringList lines = MosquittoClients::finish(sub, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines, QStringList{QStringLiteral("42|tagged")});
    }

    void persistentSessionKeepsMessagesWhileAway_data() { addVersionRows(); }
    // Declared last: it resumes a session, the riskiest path for the broker, and a crash here
    // would otherwise hide the results of every test after it.
    // mosquitto_sub -c -i <id> subscribes and leaves; QoS 1 messages published meanwhile wait
    // in its session; the same id with -c gets them all, in order, when it comes back.
    void persistentSessionKeepsMessagesWhileAway()
    {
        QFETCH(QString, version);
        constexpr int kCount = 10;
        const QString topic = QStringLiteral("interop/persistent/%1").arg(version);
        const QStringList payloads = numberedPayloads(kCount);
        QStringList session =
            m_clients.connection(version) + QStringList{QStringLiteral("-c"),
                                                        QStringLiteral("-i"),
                                                        QStringLiteral("interop-fixed-") + version,
                                                        QStringLiteral("-q"),
                                                        QStringLiteral("1"),
                                                        QStringLiteral("-t"),
                                                        topic};
        if (version == kV5) {
            session += {QStringLiteral("-x"), QStringLiteral("600")};
        }

        // -E: exit as soon as the subscription is acknowledged.
        QString error;
        m_clients.subscribeAndWait(session + QStringList{QStringLiteral("-E")}, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY2(BrokerFixture::waitFor([&] { return connectionCount() == 0; }),
                 "the subscriber's connection is still open");
        QCOMPARE(m_fixture->broker().sessionCount(), std::size_t(1));
        QCOMPARE(m_fixture->broker().router().subscriptionCount(), std::size_t(1));

        publish(version,
                {QStringLiteral("-t"), topic, QStringLiteral("-q"), QStringLiteral("1"),
                 QStringLiteral("-l")},
                asLines(payloads));
        if (QTest::currentTestFailed()) {
            return;
        }

        const QStringList lines = m_clients.subscribeAndWait(
            session + QStringList{QStringLiteral("-C"), QString::number(kCount),
                                  QStringLiteral("-F"), kLineFormat},
            error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(lines, formatted(topic, 1, false, payloads));
    }

private:
    // Starts mosquitto_sub and returns once the broker counts `filters` more subscriptions.
    void startSubscriber(QProcess& sub, const QStringList& arguments, std::size_t filters)
    {
        const std::size_t before = m_fixture->broker().router().subscriptionCount();
        const QString error = m_clients.startSubscriber(sub, arguments);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const bool subscribed = BrokerFixture::waitFor(
            [&] { return m_fixture->broker().router().subscriptionCount() >= before + filters; });
        if (!subscribed) {
            sub.kill();
            sub.waitForFinished(static_cast<int>(MosquittoClients::kProcessTimeout.count()));
            QFAIL(qPrintable(QStringLiteral("mosquitto_sub did not subscribe; stderr: ") +
                             QString::fromLocal8Bit(sub.readAllStandardError())));
        }
    }

    void publish(const QString& version, const QStringList& arguments, const QByteArray& input = {})
    {
        const QString error = m_clients.publish(m_clients.connection(version) + arguments, input);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    std::uint64_t delivered(int qos)
    {
        return m_fixture->broker().totals().messagesDelivered.at(static_cast<std::size_t>(qos));
    }

    std::size_t connectionCount()
    {
        std::atomic<std::size_t> count{0};
        m_fixture->server().runOnEveryWorker(
            [&](core::Shard& shard) { count += shard.connectionCount(); });
        return count;
    }

    MosquittoClients m_clients;
    std::unique_ptr<BrokerFixture> m_fixture;
};

QTEST_GUILESS_MAIN(TestMosquittoInterop)
#include "TestMosquittoInterop.moc"
