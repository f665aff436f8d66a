// Overrides per user name and per client id on top of the global limits, with real clients: the
// client id's override wins over the user name's, which wins over the global value; each limit
// is taken from the most specific layer that sets it; changes apply to open connections at once.

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/support/BrokerControl.h"
#include "tests/support/TestPrinters.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using core::Broker;
using protocol::Version;

namespace {

// Subscribes to `count` distinct filters, one SUBSCRIBE each; returns how many were granted.
int grantedSubscriptions(MqttTestClient& client, int count)
{
    int granted = 0;
    for (int i = 0; i < count; ++i) {
        auto suback = client.subscribe("o/" + std::to_string(i), 1);
        if (suback && suback->reasonCodes == std::vector<std::uint8_t>{1}) {
            ++granted;
        }
    }
    return granted;
}

std::optional<std::string> userOf(const QString& user)
{
    return user.isEmpty() ? std::nullopt : std::optional<std::string>(user.toStdString());
}

// Global 4 subscriptions; user "alice" 2; client id "special" 1.
bool layer(BrokerFixture& broker, std::string& why)
{
    return changeLimits(broker, {{"max_subscriptions_per_client", integerValue(4)}}, &why) &&
           changeOverrides(broker, Broker::OverrideScope::User, "alice",
                           {{"max_subscriptions_per_client", integerValue(2)}}, &why) &&
           changeOverrides(broker, Broker::OverrideScope::Client, "special",
                           {{"max_subscriptions_per_client", integerValue(1)}}, &why);
}

// 1 if a SUBSCRIBE to `filter` is granted, else 0.
int subscribeCodesCount(MqttTestClient& client, const std::string& filter)
{
    auto suback = client.subscribe(filter, 1);
    return suback && suback->reasonCodes == std::vector<std::uint8_t>{1} ? 1 : 0;
}

protocol::Publish qos1(const std::string& topic, std::uint16_t packetId)
{
    protocol::Publish p;
    p.topic = topic;
    p.payload = "x";
    p.qos = 1;
    p.packetId = packetId;
    return p;
}

} // namespace

class TestLimitsOverrides : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // Client id over user name over global.
    void precedence_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("clientId");
        QTest::addColumn<int>("allowed");
        QTest::newRow("global") << QString() << QStringLiteral("plain") << 4;
        QTest::newRow("other user") << QStringLiteral("bob") << QStringLiteral("b-1") << 4;
        QTest::newRow("user") << QStringLiteral("alice") << QStringLiteral("a-1") << 2;
        QTest::newRow("client over user")
            << QStringLiteral("alice") << QStringLiteral("special") << 1;
        QTest::newRow("client, other user")
            << QStringLiteral("bob") << QStringLiteral("special") << 1;
        QTest::newRow("client, no user") << QString() << QStringLiteral("special") << 1;
        QTest::newRow("user name is not a client id")
            << QStringLiteral("special") << QStringLiteral("s-1") << 4;
    }
    void precedence()
    {
        QFETCH(QString, user);
        QFETCH(QString, clientId);
        QFETCH(int, allowed);
        BrokerFixture broker;
        std::string why;
        QVERIFY2(layer(broker, why), msg(why));
        const auto effective =
            broker.broker().effectiveLimits(user.toStdString(), clientId.toStdString());
        QCOMPARE(int(effective->maxSubscriptionsPerClient), allowed);
        auto client = acceptedClient(
            broker.port(),
            connectPacket(clientId.toStdString(), Version::V5, true, 0, 60, userOf(user)), &why);
        QVERIFY2(client, msg(why));
        QCOMPARE(grantedSubscriptions(*client, 6), allowed);
        QCOMPARE(rejectionsOf(broker.broker(), "max_subscriptions_per_client"),
                 std::uint64_t(6 - allowed));
    }

    // Each limit comes from the most specific layer that sets it: the client id's override
    // replaces only the limits it names.
    void layersMergePerLimit()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeLimits(broker,
                              {{"max_subscriptions_per_client", integerValue(4)},
                               {"max_inflight", integerValue(9)},
                               {"max_publish_rate", integerValue(100)}},
                              &why),
                 msg(why));
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::User, "alice",
                                 {{"max_subscriptions_per_client", integerValue(2)},
                                  {"max_inflight", integerValue(7)}},
                                 &why),
                 msg(why));
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::Client, "special",
                                 {{"max_subscriptions_per_client", integerValue(1)}}, &why),
                 msg(why));
        const auto limits = broker.broker().effectiveLimits("alice", "special");
        QCOMPARE(limits->maxSubscriptionsPerClient, std::uint32_t(1)); // client
        QCOMPARE(limits->maxInflight, std::uint16_t(7));               // user
        QCOMPARE(limits->maxPublishRate, std::uint32_t(100));          // global
        QCOMPARE(broker.broker().overrides(Broker::OverrideScope::User).at("alice").values.size(),
                 std::size_t(2));
        // A later global change shows through where no override sets the limit.
        QVERIFY2(changeLimits(
                     broker,
                     {{"max_publish_rate", integerValue(50)}, {"max_inflight", integerValue(3)}},
                     &why),
                 msg(why));
        const auto after = broker.broker().effectiveLimits("alice", "special");
        QCOMPARE(after->maxPublishRate, std::uint32_t(50));
        QCOMPARE(after->maxInflight, std::uint16_t(7));
    }

    // An override set, changed or removed while the client is connected applies at once.
    void overrideChangedOnLiveConnection()
    {
        BrokerFixture broker;
        std::string why;
        auto client = acceptedClient(
            broker.port(), connectPacket("c-live", Version::V5, true, 0, 60, std::string("alice")),
            &why);
        QVERIFY2(client, msg(why));
        QCOMPARE(subscribeCodesCount(*client, "x/0"), 1);
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::User, "alice",
                                 {{"max_subscriptions_per_client", integerValue(1)}}, &why),
                 msg(why));
        QCOMPARE(subscribeCodesCount(*client, "x/1"), 0);
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::Client, "c-live",
                                 {{"max_subscriptions_per_client", integerValue(2)}}, &why),
                 msg(why));
        QCOMPARE(subscribeCodesCount(*client, "x/1"), 1);
        QCOMPARE(subscribeCodesCount(*client, "x/2"), 0);
        // Removing the client's override falls back to the user's (1), then the global (none).
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::Client, "c-live", {}, &why),
                 msg(why));
        QVERIFY(broker.broker().overrides(Broker::OverrideScope::Client).empty());
        QCOMPARE(subscribeCodesCount(*client, "x/2"), 0);
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::User, "alice", {}, &why), msg(why));
        QCOMPARE(subscribeCodesCount(*client, "x/2"), 1);
    }

    // A per-client publish rate on a live connection: the one client is held to it, another
    // with no override is not.
    void publishRateOverrideOnLiveConnection()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        std::string why;
        auto limited = acceptedClient(broker.port(), connectPacket("noisy"), &why);
        auto free = acceptedClient(broker.port(), connectPacket("quiet"), &why);
        QVERIFY2(limited && free, msg(why));
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::Client, "noisy",
                                 {{"max_publish_rate", integerValue(2)}}, &why),
                 msg(why));
        for (int i = 0; i < 20; ++i) {
            QVERIFY(free->publish("r/t", "x", 1));
        }
        QVERIFY(limited->publish("r/t", "x", 1));
        QVERIFY(limited->publish("r/t", "x", 1));
        QVERIFY(limited->send(qos1("r/t", 99)));
        const auto end = awaitConnectionEnd(*limited);
        QVERIFY2(endedWithDisconnect(end, Version::V5, 0x96, why), msg(why));
        QVERIFY(free->publish("r/t", "x", 1));
    }

    // min_keepalive above max_keepalive is refused across layers too: a user's minimum and a
    // client id's maximum must not leave a client with min > max.
    void keepaliveOverridesStayOrderedAcrossLayers()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::User, "alice",
                                 {{"min_keepalive", integerValue(100)}}, &why),
                 msg(why));
        const bool accepted = changeOverrides(broker, Broker::OverrideScope::Client, "special",
                                              {{"max_keepalive", integerValue(50)}}, &why);
        const auto limits = broker.broker().effectiveLimits("alice", "special");
        QVERIFY2(!accepted || limits->minKeepAlive <= limits->maxKeepAlive,
                 msg("accepted: alice on 'special' gets min_keepalive " +
                     std::to_string(limits->minKeepAlive) + " > max_keepalive " +
                     std::to_string(limits->maxKeepAlive)));
    }

    // The same for a global change under an override: a global max_keepalive below a user's
    // min_keepalive must not leave that user with min > max.
    void globalKeepaliveChangeKeepsOverridesOrdered()
    {
        BrokerFixture broker;
        std::string why;
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::User, "alice",
                                 {{"min_keepalive", integerValue(100)}}, &why),
                 msg(why));
        const bool accepted = changeLimits(broker, {{"max_keepalive", integerValue(60)}}, &why);
        const auto limits = broker.broker().effectiveLimits("alice", "any");
        QVERIFY2(!accepted || limits->minKeepAlive <= limits->maxKeepAlive,
                 msg("accepted: alice gets min_keepalive " + std::to_string(limits->minKeepAlive) +
                     " > max_keepalive " + std::to_string(limits->maxKeepAlive)));
    }

    // Offline sessions follow their overrides too: a queue bound set for a client id applies to
    // its session while it is away.
    void overrideAppliesToOfflineSession()
    {
        BrokerFixture broker;
        std::string why;
        auto parked =
            acceptedClient(broker.port(), connectPacket("away", Version::V5, false, 300), &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("away-pub"), &why);
        QVERIFY2(parked && publisher, msg(why));
        QVERIFY(parked->subscribe("away/#", 1));
        QVERIFY(parked->disconnect());
        QVERIFY2(changeOverrides(broker, Broker::OverrideScope::Client, "away",
                                 {{"max_queue_messages", integerValue(2)}}, &why),
                 msg(why));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(publisher->publish("away/t", std::to_string(i), 1));
        }
        QVERIFY(waitForDeadLetters(broker.broker(), 1));
        const auto letters = deadLettersMatching(broker.broker());
        QCOMPARE(letters.size(), std::size_t(1));
        QCOMPARE(letters.front().message->payload, std::string("2"));
    }
};

QTEST_GUILESS_MAIN(TestLimitsOverrides)
#include "TestLimitsOverrides.moc"
