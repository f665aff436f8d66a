// Shared subscriptions ($share/{group}/{filter}) over real sockets, for 3.1.1 and 5.0 members:
// each message goes to exactly one member of each group, balanced across the online members, and
// QoS 1 messages a departing member did not acknowledge go to another member.

#include <algorithm>
#include <map>
#include <set>

#include <QtTest/QTest>

#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;

namespace {

// Reads PUBLISHes from several clients (acknowledging them) until `total` arrived or the
// deadline passed; returns the payloads per client.
std::vector<std::vector<std::string>> collect(const std::vector<MqttTestClient*>& clients,
                                              std::size_t total,
                                              std::chrono::milliseconds timeout = 10s)
{
    std::vector<std::vector<std::string>> received(clients.size());
    std::size_t count = 0;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (count < total && std::chrono::steady_clock::now() < deadline) {
        for (std::size_t i = 0; i < clients.size(); ++i) {
            // Short waits: whatever is already there is taken, an idle client costs little.
            while (auto publish = clients[i]->receivePublish(20ms)) {
                received[i].push_back(publish->payload);
                ++count;
            }
        }
    }
    return received;
}

std::size_t totalOf(const std::vector<std::vector<std::string>>& perClient)
{
    std::size_t n = 0;
    for (const auto& v : perClient) {
        n += v.size();
    }
    return n;
}

} // namespace

class TestSystemShared : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // 2 members, 100 messages: each member gets a fair share, together exactly the 100, no
    // message twice; a plain subscriber on the same filter still gets all 100.
    void eachMessageToExactlyOneMember_data()
    {
        QTest::addColumn<Version>("first");
        QTest::addColumn<Version>("second");
        QTest::newRow("mqtt311 members") << Version::V311 << Version::V311;
        QTest::newRow("mqtt5 members") << Version::V5 << Version::V5;
        QTest::newRow("mixed members") << Version::V311 << Version::V5;
    }
    void eachMessageToExactlyOneMember()
    {
        QFETCH(Version, first);
        QFETCH(Version, second);
        BrokerFixture broker;
        auto a = connectClient(broker.port(), "member-a", first);
        auto b = connectClient(broker.port(), "member-b", second);
        auto plain = connectClient(broker.port(), "plain");
        auto publisher = connectClient(broker.port(), "share-pub");
        QVERIFY(a && b && plain && publisher);
        QVERIFY(subscribeOk(*a, "$share/workers/jobs/+", 1));
        QVERIFY(subscribeOk(*b, "$share/workers/jobs/+", 1));
        QVERIFY(subscribeOk(*plain, "jobs/+", 1));

        constexpr int kMessages = 100;
        for (int i = 0; i < kMessages; ++i) {
            QVERIFY(publisher->publish("jobs/" + std::to_string(i % 7), std::to_string(i), 1));
        }
        const auto received = collect({a.get(), b.get()}, kMessages);
        QCOMPARE(totalOf(received), std::size_t(kMessages));
        std::set<std::string> distinct;
        for (const auto& v : received) {
            distinct.insert(v.begin(), v.end());
        }
        QCOMPARE(distinct.size(), std::size_t(kMessages));
        // Balanced: round-robin over two online members gives each about half.
        QVERIFY2(received[0].size() >= 25 && received[1].size() >= 25,
                 text("unbalanced: " + std::to_string(received[0].size()) + " / " +
                      std::to_string(received[1].size())));
        // Nothing more arrives at either member.
        QVERIFY(a->receivesNothing(100ms));
        QVERIFY(b->receivesNothing(100ms));

        const auto all = plain->receivePublishes(kMessages);
        QCOMPARE(all.size(), std::size_t(kMessages));
    }

    // Two groups on the same filter are independent: each group gets every message once.
    void groupsAreIndependent()
    {
        BrokerFixture broker;
        auto g1a = connectClient(broker.port(), "g1a");
        auto g1b = connectClient(broker.port(), "g1b", Version::V311);
        auto g2 = connectClient(broker.port(), "g2");
        auto publisher = connectClient(broker.port(), "groups-pub");
        QVERIFY(g1a && g1b && g2 && publisher);
        QVERIFY(subscribeOk(*g1a, "$share/one/g/#", 1));
        QVERIFY(subscribeOk(*g1b, "$share/one/g/#", 1));
        QVERIFY(subscribeOk(*g2, "$share/two/g/#", 1));
        constexpr int kMessages = 20;
        for (int i = 0; i < kMessages; ++i) {
            QVERIFY(publisher->publish("g/x", std::to_string(i), 1));
        }
        QCOMPARE(totalOf(collect({g1a.get(), g1b.get()}, kMessages)), std::size_t(kMessages));
        const auto second = g2->receivePublishes(kMessages);
        QCOMPARE(second.size(), std::size_t(kMessages));
        for (int i = 0; i < kMessages; ++i) {
            QCOMPARE(second[i].payload, std::to_string(i)); // a lone member keeps the order
        }
    }

    // A member that leaves with QoS 1 messages it did not acknowledge: those go to another
    // member, so together the group still gets every message.
    void unacknowledgedGoToAnotherMember_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<bool>("persistent");
        QTest::addColumn<bool>("networkDrop");
        QTest::newRow("mqtt311 drop") << Version::V311 << false << true;
        QTest::newRow("mqtt5 drop") << Version::V5 << false << true;
        QTest::newRow("mqtt5 disconnect") << Version::V5 << false << false;
        QTest::newRow("mqtt5 persistent drop") << Version::V5 << true << true;
        QTest::newRow("mqtt311 persistent disconnect") << Version::V311 << true << false;
    }
    void unacknowledgedGoToAnotherMember()
    {
        QFETCH(Version, version);
        QFETCH(bool, persistent);
        QFETCH(bool, networkDrop);
        BrokerFixture broker;
        auto leaving = connectClient(broker.port(), "leaving", version, !persistent, 300);
        auto staying = connectClient(broker.port(), "staying", version);
        auto publisher = connectClient(broker.port(), "redeliver-pub");
        QVERIFY(leaving && staying && publisher);
        QVERIFY(subscribeOk(*leaving, "$share/g/r/t", 1));
        QVERIFY(subscribeOk(*staying, "$share/g/r/t", 1));

        constexpr int kMessages = 10;
        for (int i = 0; i < kMessages; ++i) {
            QVERIFY(publisher->publish("r/t", std::to_string(i), 1));
        }
        // Every message is in flight to one member or the other (nobody acknowledged yet).
        QVERIFY(BrokerFixture::waitFor([&] {
            return inflightOf(broker, "leaving") + inflightOf(broker, "staying") == kMessages;
        }));
        const std::size_t share = inflightOf(broker, "leaving");
        QVERIFY2(share > 0, "round-robin gave the leaving member nothing");
        // The leaving member reads its share but acknowledges nothing.
        for (std::size_t i = 0; i < share; ++i) {
            QVERIFY(leaving->expect<protocol::Publish>());
        }
        if (networkDrop) {
            leaving->close();
        } else {
            QVERIFY(leaving->disconnect());
        }

        const auto got = staying->receivePublishes(kMessages, 5s);
        std::set<std::string> payloads;
        for (const auto& p : got) {
            payloads.insert(p.payload);
        }
        QCOMPARE(payloads.size(), std::size_t(kMessages));
        QCOMPARE(got.size(), std::size_t(kMessages));
    }

    // QoS 2 is different: a message in flight to a member whose connection breaks before its
    // PUBREC stays that member's, completed when it reconnects [MQTT-4.8.2-4], and never goes to
    // another member even if the session ends [MQTT-4.8.2-5].
    void qos2InFlightStaysWithItsMember_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<bool>("persistent");
        QTest::newRow("mqtt5 persistent") << Version::V5 << true;
        QTest::newRow("mqtt5 clean") << Version::V5 << false;
        QTest::newRow("mqtt311 persistent") << Version::V311 << true;
    }
    void qos2InFlightStaysWithItsMember()
    {
        QFETCH(Version, version);
        QFETCH(bool, persistent);
        BrokerFixture broker;
        auto leaving = connectClient(broker.port(), "q2-leaving", version, !persistent, 300);
        auto staying = connectClient(broker.port(), "q2-staying", version);
        auto publisher = connectClient(broker.port(), "q2-pub");
        QVERIFY(leaving && staying && publisher);
        QVERIFY(subscribeOk(*leaving, "$share/g/q2/t", 2));
        QVERIFY(subscribeOk(*staying, "$share/g/q2/t", 2));
        constexpr std::size_t kMessages = 10;
        for (std::size_t i = 0; i < kMessages; ++i) {
            QVERIFY(publisher->publish("q2/t", std::to_string(i), 2));
        }
        QVERIFY(BrokerFixture::waitFor([&] {
            return inflightOf(broker, "q2-leaving") + inflightOf(broker, "q2-staying") == kMessages;
        }));
        const std::size_t share = inflightOf(broker, "q2-leaving");
        QVERIFY2(share > 0, "round-robin gave the leaving member nothing");
        QCOMPARE(staying->receivePublishes(kMessages - share).size(), kMessages - share);
        std::vector<protocol::Publish> held;
        for (std::size_t i = 0; i < share; ++i) {
            auto publish = leaving->expect<protocol::Publish>(); // no PUBREC
            QVERIFY(publish);
            held.push_back(*publish);
        }
        leaving->close();
        QVERIFY(
            BrokerFixture::waitFor([&] { return sessionOnline(broker, "q2-leaving") != true; }));

        // The staying member gets nothing of the leaving one's share: next comes the sentinel.
        QVERIFY(publisher->publish("q2/t", "sentinel", 2));
        std::string why;
        QVERIFY2(nextPayloadIs(*staying, "sentinel", why), text(why));

        if (persistent) {
            leaving = connectClient(broker.port(), "q2-leaving", version, false, 300);
            QVERIFY(leaving);
            for (const auto& original : held) {
                auto resent = leaving->receivePublish();
                QVERIFY2(resent, text(leaving->lastError()));
                QVERIFY(resent->dup);
                QCOMPARE(resent->payload, original.payload);
                QCOMPARE(resent->packetId, original.packetId);
            }
        }
    }

    // With every member offline, a persistent member keeps the message for its return.
    void offlinePersistentMemberKeepsMessages()
    {
        BrokerFixture broker;
        auto member = connectClient(broker.port(), "sleeper", Version::V5, false, 300);
        auto publisher = connectClient(broker.port(), "sleeper-pub");
        QVERIFY(member && publisher);
        QVERIFY(subscribeOk(*member, "$share/g/s/t", 1));
        QVERIFY(member->disconnect());
        QVERIFY(publisher->publish("s/t", "kept", 1));
        QCOMPARE(publisher->lastReasonCode(), std::uint8_t(0)); // it has a receiver
        member = connectClient(broker.port(), "sleeper", Version::V5, false, 300);
        QVERIFY(member);
        std::string why;
        QVERIFY2(nextPayloadIs(*member, "kept", why), text(why));
    }

    // A member that unsubscribes stops getting messages; the rest of the group gets them all.
    void unsubscribedMemberGetsNoMore()
    {
        BrokerFixture broker;
        auto a = connectClient(broker.port(), "unsub-a");
        auto b = connectClient(broker.port(), "unsub-b");
        auto publisher = connectClient(broker.port(), "unsub-pub");
        QVERIFY(a && b && publisher);
        QVERIFY(subscribeOk(*a, "$share/g/u/t", 1));
        QVERIFY(subscribeOk(*b, "$share/g/u/t", 1));
        QVERIFY(subscribeOk(*a, "zz/sentinel", 1));
        auto unsuback = a->unsubscribe({"$share/g/u/t"});
        QVERIFY(unsuback);
        QCOMPARE(unsuback->reasonCodes, (std::vector<std::uint8_t>{0}));
        for (int i = 0; i < 10; ++i) {
            QVERIFY(publisher->publish("u/t", std::to_string(i), 1));
        }
        QVERIFY(publisher->publish("zz/sentinel", "sentinel", 1));
        QCOMPARE(b->receivePublishes(10).size(), std::size_t(10));
        std::string why;
        QVERIFY2(nextPayloadIs(*a, "sentinel", why), text(why));
    }

    // Retained messages are not sent for a shared subscription (5.0 4.8.2).
    void noRetainedOnSharedSubscribe()
    {
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "ret-pub");
        auto member = connectClient(broker.port(), "ret-member");
        QVERIFY(publisher && member);
        QVERIFY(publisher->publish("ret/t", "retained", 1, true));
        QVERIFY(subscribeOk(*member, "$share/g/ret/t", 1));
        QVERIFY(publisher->publish("ret/t", "live", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*member, "live", why), text(why));
    }

    // No Local on a shared subscription is a Protocol Error (5.0 [MQTT-3.8.3-4]): DISCONNECT 0x82.
    void noLocalOnSharedIsProtocolError()
    {
        BrokerFixture broker;
        auto client = connectClient(broker.port(), "nl-shared");
        QVERIFY(client);
        QVERIFY(client->send(makeSubscribe("$share/g/t", subscriptionOptions(1, true))));
        std::string why;
        QVERIFY2(
            endedWith(awaitEnding(*client), Version::V5, protocol::ReasonCode::ProtocolError, why),
            text(why));
        QVERIFY2(brokerServes(broker.port(), why), text(why));
    }

    // A member with a plain subscription on the same filter too gets two copies: one for the
    // group and one of its own (the group's pick is separate from plain subscriptions).
    void memberWithPlainSubscriptionGetsBoth()
    {
        BrokerFixture broker;
        auto member = connectClient(broker.port(), "both");
        auto publisher = connectClient(broker.port(), "both-pub");
        QVERIFY(member && publisher);
        QVERIFY(subscribeOk(*member, "$share/g/b/t", 1, 0));
        QVERIFY(subscribeOk(*member, "b/t", 1, 0));
        QVERIFY(publisher->publish("b/t", "x", 1));
        QCOMPARE(member->receivePublishes(2).size(), std::size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestSystemShared)
#include "TestSystemShared.moc"
