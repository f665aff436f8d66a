// Many clients on a broker with 2 workers: connections land on both, deliveries cross between
// them, and still every message arrives, in order per publisher; a session that hops between
// workers on reconnect loses nothing. Clients run on their own threads; results are checked
// on the test thread once every thread has joined.

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <QtTest/QTest>

#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;

namespace {

// What one subscriber thread saw: per publisher, the sequence numbers in arrival order.
struct Received
{
    std::map<int, std::vector<int>> byPublisher;
    std::size_t count = 0;
    std::string error;
};

// "p<publisher>:<sequence>"
bool parsePayload(const std::string& payload, int& publisher, int& sequence)
{
    const auto colon = payload.find(':');
    if (payload.size() < 3 || payload[0] != 'p' || colon == std::string::npos) {
        return false;
    }
    publisher = std::stoi(payload.substr(1, colon - 1));
    sequence = std::stoi(payload.substr(colon + 1));
    return true;
}

} // namespace

class TestSystemWorkers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // 20 subscribers and 20 publishers on 2 workers, all at once: every subscriber gets every
    // message exactly once, in each publisher's order.
    void manyPublishersManySubscribers_data()
    {
        QTest::addColumn<int>("qos");
        QTest::addColumn<int>("perPublisher");
        QTest::newRow("qos0") << 0 << 25;
        QTest::newRow("qos1") << 1 << 25;
        QTest::newRow("qos2") << 2 << 10;
    }
    void manyPublishersManySubscribers()
    {
        QFETCH(int, qos);
        QFETCH(int, perPublisher);
        constexpr int kSubscribers = 20;
        constexpr int kPublishers = 20;
        const auto q = static_cast<std::uint8_t>(qos);
        const std::size_t expected = static_cast<std::size_t>(kPublishers * perPublisher);
        BrokerFixture broker({}, 2);

        std::vector<std::unique_ptr<MqttTestClient>> subscribers;
        std::vector<std::unique_ptr<MqttTestClient>> publishers;
        for (int i = 0; i < kSubscribers; ++i) {
            const Version v = i % 3 == 0 ? Version::V311 : Version::V5;
            subscribers.push_back(connectClient(broker.port(), "sub-" + std::to_string(i), v));
            QVERIFY(subscribers.back());
            QVERIFY(subscribeOk(*subscribers.back(), "load/#", q));
        }
        for (int i = 0; i < kPublishers; ++i) {
            const Version v = i % 4 == 0 ? Version::V311 : Version::V5;
            publishers.push_back(connectClient(broker.port(), "pub-" + std::to_string(i), v));
            QVERIFY(publishers.back());
        }
        const auto perWorker = connectionsPerWorker(broker);
        QCOMPARE(perWorker.size(), std::size_t(2));
        QVERIFY2(perWorker[0] > 0 && perWorker[1] > 0, "connections did not spread");

        std::vector<Received> results(kSubscribers);
        std::vector<std::string> publishErrors(kPublishers);
        std::vector<std::thread> threads;
        for (int s = 0; s < kSubscribers; ++s) {
            threads.emplace_back([&, s] {
                Received& r = results[static_cast<std::size_t>(s)];
                const auto deadline = std::chrono::steady_clock::now() + 30s;
                while (r.count < expected && std::chrono::steady_clock::now() < deadline) {
                    auto publish = subscribers[static_cast<std::size_t>(s)]->receivePublish(
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now()));
                    if (!publish) {
                        r.error = subscribers[static_cast<std::size_t>(s)]->lastError();
                        return;
                    }
                    int p = 0;
                    int seq = 0;
                    if (!parsePayload(publish->payload, p, seq)) {
                        r.error = "bad payload " + publish->payload;
                        return;
                    }
                    r.byPublisher[p].push_back(seq);
                    ++r.count;
                }
            });
        }
        for (int p = 0; p < kPublishers; ++p) {
            threads.emplace_back([&, p] {
                auto& client = *publishers[static_cast<std::size_t>(p)];
                for (int seq = 0; seq < perPublisher; ++seq) {
                    const std::string payload = "p" + std::to_string(p) + ":" + std::to_string(seq);
                    if (!client.publish("load/" + std::to_string(p), payload, q)) {
                        publishErrors[static_cast<std::size_t>(p)] = client.lastError();
                        return;
                    }
                }
                // QoS 0 has no answer: a PINGRESP shows every PUBLISH before it was read.
                if (!client.ping()) {
                    publishErrors[static_cast<std::size_t>(p)] = "no PINGRESP";
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }

        for (int p = 0; p < kPublishers; ++p) {
            QVERIFY2(publishErrors[static_cast<std::size_t>(p)].empty(),
                     text(publishErrors[static_cast<std::size_t>(p)]));
        }
        for (int s = 0; s < kSubscribers; ++s) {
            const Received& r = results[static_cast<std::size_t>(s)];
            QVERIFY2(r.error.empty(), text("subscriber " + std::to_string(s) + ": " + r.error));
            QCOMPARE(r.count, expected);
            for (int p = 0; p < kPublishers; ++p) {
                const auto found = r.byPublisher.find(p);
                QVERIFY(found != r.byPublisher.end());
                const std::vector<int>& seqs = found->second;
                QCOMPARE(seqs.size(), static_cast<std::size_t>(perPublisher));
                for (int i = 0; i < perPublisher; ++i) {
                    QVERIFY2(seqs[static_cast<std::size_t>(i)] == i,
                             text("subscriber " + std::to_string(s) + ", publisher " +
                                  std::to_string(p) + ": out of order at " + std::to_string(i)));
                }
            }
        }
    }

    // A persistent subscriber that keeps reconnecting (each time taking over its previous
    // connection, often on the other worker) while a publisher sends without pause: every
    // message arrives, first copies in order, and any repeat is a marked redelivery (DUP).
    void takeoversDuringTrafficLoseNothing_data() { addVersionRows(); }
    void takeoversDuringTrafficLoseNothing()
    {
        QFETCH(Version, version);
        constexpr int kMessages = 300;
        constexpr int kTakeovers = 8;
        BrokerFixture broker({}, 2);
        auto subscriber = connectClient(broker.port(), "hopper", version, false, 600);
        auto publisher = connectClient(broker.port(), "steady", version);
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "steady/t", 1));

        std::atomic<bool> publishing{true};
        std::string publishError;
        std::thread producer([&] {
            for (int i = 0; i < kMessages; ++i) {
                if (!publisher->publish("steady/t", std::to_string(i), 1)) {
                    publishError = "publish " + std::to_string(i) + ": " + publisher->lastError();
                    break;
                }
            }
            publishing = false;
        });

        std::vector<int> firstSeen;
        std::vector<bool> seen(kMessages, false);
        std::string error;
        int takeovers = 0;
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while ((publishing || static_cast<int>(firstSeen.size()) < kMessages) &&
               std::chrono::steady_clock::now() < deadline) {
            // Read a few, then take over with a new connection (the old one is not closed).
            for (int n = 0; n < 20 && static_cast<int>(firstSeen.size()) < kMessages; ++n) {
                auto publish = subscriber->receivePublish(publishing ? 200ms : 2s);
                if (!publish) {
                    break;
                }
                const int i = std::stoi(publish->payload);
                if (seen[static_cast<std::size_t>(i)]) {
                    if (!publish->dup && error.empty()) {
                        error = "message " + publish->payload + " repeated without DUP";
                    }
                    continue;
                }
                seen[static_cast<std::size_t>(i)] = true;
                firstSeen.push_back(i);
            }
            if (takeovers < kTakeovers) {
                auto next = connectClient(broker.port(), "hopper", version, false, 600);
                if (!next) {
                    error = "reconnect failed";
                    break;
                }
                subscriber = std::move(next);
                ++takeovers;
            }
        }
        producer.join();

        QVERIFY2(publishError.empty(), text(publishError));
        QVERIFY2(error.empty(), text(error));
        QCOMPARE(takeovers, kTakeovers);
        QCOMPARE(firstSeen.size(), std::size_t(kMessages));
        for (int i = 0; i < kMessages; ++i) {
            QVERIFY2(firstSeen[static_cast<std::size_t>(i)] == i,
                     text("first copies out of order at " + std::to_string(i)));
        }
    }

    // Shared-subscription members spread over both workers, with publishers on both: each
    // message reaches exactly one member.
    void sharedGroupAcrossWorkers()
    {
        constexpr int kMembers = 6;
        constexpr int kPublishers = 4;
        constexpr int kPerPublisher = 50;
        BrokerFixture broker({}, 2);
        std::vector<std::unique_ptr<MqttTestClient>> members;
        for (int i = 0; i < kMembers; ++i) {
            members.push_back(connectClient(broker.port(), "member-" + std::to_string(i),
                                            i % 2 ? Version::V5 : Version::V311));
            QVERIFY(members.back());
            QVERIFY(subscribeOk(*members.back(), "$share/pool/work/#", 1));
        }
        std::vector<std::thread> threads;
        std::vector<std::string> errors(kPublishers);
        for (int p = 0; p < kPublishers; ++p) {
            threads.emplace_back([&, p] {
                auto client = connectClient(broker.port(), "producer-" + std::to_string(p));
                if (!client) {
                    errors[static_cast<std::size_t>(p)] = "connect failed";
                    return;
                }
                for (int i = 0; i < kPerPublisher; ++i) {
                    if (!client->publish("work/" + std::to_string(p),
                                         std::to_string(p) + ":" + std::to_string(i), 1)) {
                        errors[static_cast<std::size_t>(p)] = client->lastError();
                        return;
                    }
                }
            });
        }
        std::vector<std::vector<std::string>> received(kMembers);
        std::atomic<int> total{0};
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        for (int m = 0; m < kMembers; ++m) {
            threads.emplace_back([&, m] {
                // Every member reads until the group as a whole has all the messages.
                auto& member = *members[static_cast<std::size_t>(m)];
                while (total < kPublishers * kPerPublisher &&
                       std::chrono::steady_clock::now() < deadline) {
                    if (auto publish = member.receivePublish(50ms)) {
                        received[static_cast<std::size_t>(m)].push_back(publish->payload);
                        ++total;
                    }
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        for (const auto& e : errors) {
            QVERIFY2(e.empty(), text(e));
        }
        std::set<std::string> all;
        int membersUsed = 0;
        for (const auto& r : received) {
            all.insert(r.begin(), r.end());
            membersUsed += r.empty() ? 0 : 1;
        }
        QCOMPARE(total.load(), kPublishers * kPerPublisher);
        QCOMPARE(all.size(), std::size_t(kPublishers * kPerPublisher));
        QCOMPARE(membersUsed, kMembers);
    }
};

QTEST_GUILESS_MAIN(TestSystemWorkers)
#include "TestSystemWorkers.moc"
