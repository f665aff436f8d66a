// The durability contract, end to end: switchboard-broker in sync durability is killed with
// SIGKILL in the middle of a stream of QoS 1 and QoS 2 messages and started again on the same
// data directory. Every message it acknowledged must reach the persistent subscriber, in order
// per publisher, and no QoS 2 message may arrive twice; retained messages and in-flight QoS 2
// exchanges on both sides survive the restart.

#include <atomic>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include "tests/support/BrokerProcess.h"
#include "tests/support/MqttTestClient.h"
#include "tests/support/TestPrinters.h"

using namespace std::chrono_literals;
using namespace sb;
using sb::test::BrokerProcess;
using sb::test::MqttTestClient;

namespace {

constexpr std::uint32_t kSessionExpiry = 3600;

QStringList brokerArguments(const QString& dataDir)
{
    return {QStringLiteral("--bind"),       QStringLiteral("127.0.0.1"),
            QStringLiteral("--port"),       QStringLiteral("0"),
            QStringLiteral("--durability"), QStringLiteral("sync"),
            QStringLiteral("--data-dir"),   dataDir,
            QStringLiteral("--log-level"),  QStringLiteral("info")};
}

std::string payloadFor(const std::string& publisher, int seq)
{
    return publisher + ":" + std::to_string(seq);
}

// Parses "publisher:seq".
std::pair<std::string, int> parsePayload(const std::string& payload)
{
    const auto colon = payload.rfind(':');
    return {payload.substr(0, colon), std::stoi(payload.substr(colon + 1))};
}

// A publisher with a window of unacknowledged messages, as a real client would run it. It
// remembers what the broker acknowledged and what it still owes, so that after the crash it can
// finish the job the way MQTT says (4.4): PUBLISH again with DUP, PUBREL again.
class PipelinedPublisher
{
public:
    PipelinedPublisher(std::string id, std::uint8_t publishQos, int count)
        : clientId(std::move(id))
        , qos(publishQos)
        , total(count)
    {}

    // Publishes until all are acknowledged or the connection breaks. Counts acks in `acks`.
    void run(std::uint16_t port, std::atomic<int>& acks)
    {
        MqttTestClient client(port);
        if (!client.connect(clientId, false, kSessionExpiry)) {
            return;
        }
        pump(client, acks);
    }

    // After the restart: reconnect, resend what is owed, then publish the rest.
    bool finish(std::uint16_t port)
    {
        MqttTestClient client(port);
        auto connack = client.connect(clientId, false, kSessionExpiry);
        if (!connack || !connack->sessionPresent) {
            return false;
        }
        for (const auto& [packetId, seq] : unacknowledged) {
            protocol::Publish publish;
            publish.topic = "crash/" + clientId;
            publish.qos = qos;
            publish.dup = true;
            publish.packetId = packetId;
            publish.payload = payloadFor(clientId, seq);
            client.send(publish);
        }
        for (const auto& [packetId, seq] : awaitingPubcomp) {
            protocol::Pubrel pubrel;
            pubrel.packetId = packetId;
            client.send(pubrel);
        }
        std::atomic<int> ignored{0};
        pump(client, ignored);
        return next == total && unacknowledged.empty() && awaitingPubcomp.empty();
    }

    const std::string clientId;
    const std::uint8_t qos;
    const int total;
    std::set<int> acknowledged;

private:
    void pump(MqttTestClient& client, std::atomic<int>& acks)
    {
        constexpr std::size_t kWindow = 64;
        for (;;) {
            while (unacknowledged.size() < kWindow && next < total) {
                const auto packetId = static_cast<std::uint16_t>(next % 60000 + 1);
                protocol::Publish publish;
                publish.topic = "crash/" + clientId;
                publish.qos = qos;
                publish.packetId = packetId;
                publish.payload = payloadFor(clientId, next);
                if (!client.send(publish)) {
                    return;
                }
                unacknowledged[packetId] = next++;
            }
            if (unacknowledged.empty() && awaitingPubcomp.empty()) {
                return;
            }
            auto packet = client.receive(5s);
            if (!packet) {
                return; // the broker is gone
            }
            if (auto* puback = std::get_if<protocol::Puback>(&*packet)) {
                acknowledge(puback->packetId, acks);
            } else if (auto* pubrec = std::get_if<protocol::Pubrec>(&*packet)) {
                const int seq = unacknowledged.count(pubrec->packetId) != 0
                                    ? unacknowledged[pubrec->packetId]
                                    : -1;
                acknowledge(pubrec->packetId, acks);
                if (seq >= 0) {
                    awaitingPubcomp[pubrec->packetId] = seq;
                }
                protocol::Pubrel pubrel;
                pubrel.packetId = pubrec->packetId;
                client.send(pubrel);
            } else if (auto* pubcomp = std::get_if<protocol::Pubcomp>(&*packet)) {
                awaitingPubcomp.erase(pubcomp->packetId);
            }
        }
    }

    void acknowledge(std::uint16_t packetId, std::atomic<int>& acks)
    {
        const auto it = unacknowledged.find(packetId);
        if (it == unacknowledged.end()) {
            return;
        }
        acknowledged.insert(it->second);
        unacknowledged.erase(it);
        ++acks;
    }

    int next = 0;
    std::map<std::uint16_t, int> unacknowledged;  // packet id -> seq, PUBLISH sent
    std::map<std::uint16_t, int> awaitingPubcomp; // QoS 2: PUBREC received, PUBREL sent
};

// The subscriber side of QoS 2 as the spec asks of a receiver (4.3.3): a PUBLISH whose packet id
// was PUBREC'd and not yet released is a resend, acknowledged but not delivered again.
class RecordingSubscriber
{
public:
    explicit RecordingSubscriber(std::string id)
        : clientId(std::move(id))
    {}

    // Connects (persistent session). Returns whether the broker remembered the session.
    bool connect(MqttTestClient& client) const
    {
        auto connack = client.connect(clientId, false, kSessionExpiry);
        return connack && connack->reasonCode == 0 && connack->sessionPresent;
    }

    // Receives until `done()` or nothing arrives for `quiet`.
    void receive(MqttTestClient& client, const std::function<bool()>& done,
                 std::chrono::milliseconds quiet = 3s, int maxPackets = 200'000)
    {
        for (int i = 0; i < maxPackets && !done(); ++i) {
            auto packet = client.receive(quiet);
            if (!packet) {
                return;
            }
            if (auto* publish = std::get_if<protocol::Publish>(&*packet)) {
                onPublish(client, *publish);
            } else if (auto* pubrel = std::get_if<protocol::Pubrel>(&*packet)) {
                unreleased.erase(pubrel->packetId);
                protocol::Pubcomp pubcomp;
                pubcomp.packetId = pubrel->packetId;
                client.send(pubcomp);
            }
        }
    }

    const std::string clientId;
    std::map<std::string, std::vector<int>> delivered; // publisher -> seqs in arrival order
    std::set<std::uint16_t> unreleased;

private:
    void onPublish(MqttTestClient& client, const protocol::Publish& publish)
    {
        if (publish.qos == 1) {
            protocol::Puback puback;
            puback.packetId = publish.packetId;
            client.send(puback);
        } else if (publish.qos == 2) {
            protocol::Pubrec pubrec;
            pubrec.packetId = publish.packetId;
            client.send(pubrec);
            if (!unreleased.insert(publish.packetId).second) {
                return; // a resend of one we have: not delivered again
            }
        }
        const auto [publisher, seq] = parsePayload(publish.payload);
        delivered[publisher].push_back(seq);
    }
};

} // namespace

class TestCrashRecovery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acknowledgedMessagesSurviveSigkill()
    {
        QTemporaryDir dataDir;
        QVERIFY(dataDir.isValid());
        RecordingSubscriber subscriber("crash-subscriber");
        PipelinedPublisher qos1("publisher-q1", 1, 3000);
        PipelinedPublisher qos2("publisher-q2", 2, 3000);

        {
            BrokerProcess broker;
            QVERIFY(broker.start(brokerArguments(dataDir.path())));
            QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
            // The subscriber subscribes and goes away; its session keeps what arrives.
            MqttTestClient client(broker.port());
            QVERIFY(client.connect(subscriber.clientId, false, kSessionExpiry));
            QVERIFY(client.subscribe("crash/#", 2));
            QVERIFY(client.disconnect());

            std::atomic<int> acks{0};
            std::thread t1([&] { qos1.run(broker.port(), acks); });
            std::thread t2([&] { qos2.run(broker.port(), acks); });
            // Kill it mid-stream: after a good part was acknowledged, before the end.
            const auto deadline = std::chrono::steady_clock::now() + 60s;
            while (acks.load() < 2500 && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::yield();
            }
            broker.sendSignal(SIGKILL);
            t1.join();
            t2.join();
            QVERIFY2(acks.load() >= 2500, "the publishers made too little progress");
            QVERIFY2(qos1.acknowledged.size() + qos2.acknowledged.size() < 6000,
                     "the broker was killed only after the stream ended");
            QVERIFY(broker.waitForExit());
        }

        BrokerProcess restarted;
        QVERIFY(restarted.start(brokerArguments(dataDir.path())));
        QVERIFY2(restarted.waitUntilListening(), qPrintable(restarted.describe()));
        // Publishers finish what they owe (resends with DUP, PUBREL again) and the rest.
        QVERIFY(qos1.finish(restarted.port()));
        QVERIFY(qos2.finish(restarted.port()));

        MqttTestClient client(restarted.port());
        QVERIFY(subscriber.connect(client));
        subscriber.receive(client, [&] {
            return subscriber.delivered["publisher-q1"].size() >= 3000 &&
                   subscriber.delivered["publisher-q2"].size() >= 3000;
        });

        for (const PipelinedPublisher* publisher : {&qos1, &qos2}) {
            const std::vector<int>& got = subscriber.delivered[publisher->clientId];
            const std::set<int> unique(got.begin(), got.end());
            for (const int seq : publisher->acknowledged) {
                QVERIFY2(unique.count(seq) == 1,
                         qPrintable(QStringLiteral("%1: acknowledged message %2 was lost")
                                        .arg(QString::fromStdString(publisher->clientId))
                                        .arg(seq)));
            }
            QCOMPARE(unique.size(), std::size_t(3000)); // everything, once the publishers finished
            // In order per publisher: the first arrival of each message is in sequence.
            int last = -1;
            std::set<int> seen;
            for (const int seq : got) {
                if (seen.insert(seq).second) {
                    QVERIFY2(seq > last, "messages of one publisher arrived out of order");
                    last = seq;
                }
            }
            if (publisher->qos == 2) {
                QCOMPARE(got.size(), unique.size()); // exactly once
            }
        }
        QVERIFY(restarted.stopWith(SIGTERM));
        QVERIFY(restarted.exitedNormally());
    }

    void inflightQos2SurvivesOnBothSides()
    {
        // The subscriber is online during the crash with QoS 2 exchanges half done; so is the
        // publisher. After the restart both finish them and nothing is delivered twice.
        QTemporaryDir dataDir;
        QVERIFY(dataDir.isValid());
        RecordingSubscriber subscriber("q2-subscriber");
        PipelinedPublisher publisher("q2-publisher", 2, 2000);
        {
            BrokerProcess broker;
            QVERIFY(broker.start(brokerArguments(dataDir.path())));
            QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
            MqttTestClient subscriberClient(broker.port());
            QVERIFY(subscriberClient.connect(subscriber.clientId, false, kSessionExpiry));
            QVERIFY(subscriberClient.subscribe("crash/#", 2));

            std::atomic<int> acks{0};
            std::thread pub([&] { publisher.run(broker.port(), acks); });
            // Receive part of the stream, then kill the broker with exchanges in flight.
            subscriber.receive(subscriberClient,
                               [&] { return subscriber.delivered["q2-publisher"].size() >= 700; });
            broker.sendSignal(SIGKILL);
            pub.join();
            QVERIFY(broker.waitForExit());
            QVERIFY(subscriber.delivered["q2-publisher"].size() >= 700);
        }
        BrokerProcess restarted;
        QVERIFY(restarted.start(brokerArguments(dataDir.path())));
        QVERIFY2(restarted.waitUntilListening(), qPrintable(restarted.describe()));
        QVERIFY(publisher.finish(restarted.port()));
        MqttTestClient client(restarted.port());
        QVERIFY(subscriber.connect(client));
        // Until every message arrived once (a duplicate must not end the wait early).
        subscriber.receive(client, [&] {
            const std::vector<int>& seqs = subscriber.delivered["q2-publisher"];
            return std::set<int>(seqs.begin(), seqs.end()).size() >= 2000;
        });

        const std::vector<int>& got = subscriber.delivered["q2-publisher"];
        const std::set<int> unique(got.begin(), got.end());
        QVERIFY2(
            unique.size() == 2000,
            qPrintable(
                QStringLiteral("%1 distinct of %2 received; ").arg(unique.size()).arg(got.size()) +
                QString::fromStdString(client.lastError()) + restarted.describe()));
        QCOMPARE(got.size(), std::size_t(2000)); // no QoS 2 message twice
        QVERIFY(restarted.stopWith(SIGTERM));
    }

    void retainedMessagesSurviveRestart()
    {
        QTemporaryDir dataDir;
        QVERIFY(dataDir.isValid());
        {
            BrokerProcess broker;
            QVERIFY(broker.start(brokerArguments(dataDir.path())));
            QVERIFY2(broker.waitUntilListening(), qPrintable(broker.describe()));
            MqttTestClient client(broker.port());
            QVERIFY(client.connect("retainer"));
            protocol::Properties props;
            props.contentType = "text/plain";
            props.userProperties.push_back({"unit", "celsius"});
            QVERIFY(client.publish("rooms/kitchen/temp", "21.5", 1, true, props));
            QVERIFY(client.publish("rooms/hall/temp", "19.0", 0, true));
            QVERIFY(client.publish("rooms/attic/temp", "8.0", 1, true));
            QVERIFY(client.publish("rooms/attic/temp", "", 1, true)); // cleared
            // A QoS 0 retained message has no acknowledgement to wait for; a retained QoS 1
            // publish after it is answered only once everything before it is committed.
            QVERIFY(client.publish("sync/point", "x", 1, true));
            broker.sendSignal(SIGKILL);
            QVERIFY(broker.waitForExit());
        }
        BrokerProcess restarted;
        QVERIFY(restarted.start(brokerArguments(dataDir.path())));
        QVERIFY2(restarted.waitUntilListening(), qPrintable(restarted.describe()));
        MqttTestClient client(restarted.port());
        QVERIFY(client.connect("reader"));
        QVERIFY(client.subscribe("rooms/#", 1));
        std::map<std::string, protocol::Publish> retained;
        for (int i = 0; i < 2; ++i) {
            auto publish = client.receivePublish();
            QVERIFY2(publish, client.lastError().c_str());
            QVERIFY(publish->retain);
            retained[publish->topic] = *publish;
        }
        QVERIFY(client.receivesNothing(300ms)); // the cleared one stays cleared
        QCOMPARE(retained.count("rooms/kitchen/temp"), std::size_t(1));
        QCOMPARE(retained["rooms/kitchen/temp"].payload, std::string("21.5"));
        QCOMPARE(retained["rooms/kitchen/temp"].properties.contentType.value_or(""),
                 std::string("text/plain"));
        QCOMPARE(retained["rooms/kitchen/temp"].properties.userProperties.size(), std::size_t(1));
        QCOMPARE(retained["rooms/hall/temp"].payload, std::string("19.0"));
        QVERIFY(restarted.stopWith(SIGTERM));
    }
};

QTEST_GUILESS_MAIN(TestCrashRecovery)
#include "TestCrashRecovery.moc"
