// Retained messages over real sockets: stored, replaced, cleared by an empty payload, delivered
// on subscribe with RETAIN=1 as Retain Handling says, at min(message, granted) QoS.

#include <algorithm>

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using protocol::RetainHandling;

namespace {

constexpr const char* kSentinelTopic = "zz/sentinel";

// Subscribes `client` to `filter` (plus the sentinel topic), then has `publisher` send a
// sentinel. Returns the PUBLISHes that arrived before it: the retained messages.
std::optional<std::vector<protocol::Publish>>
retainedOnSubscribe(MqttTestClient& client, MqttTestClient& publisher, const std::string& filter,
                    protocol::SubscriptionOptions options = subscriptionOptions(2),
                    std::uint32_t subscriptionId = 0)
{
    static std::uint16_t packetId = 100;
    if (!client.subscribe(makeSubscribe(kSentinelTopic, subscriptionOptions(1), 0, ++packetId))) {
        return std::nullopt;
    }
    auto suback = client.subscribe(makeSubscribe(filter, options, subscriptionId, ++packetId));
    if (!suback || suback->reasonCodes.size() != 1 || protocol::isError(suback->reasonCodes[0])) {
        return std::nullopt;
    }
    if (!publisher.publish(kSentinelTopic, "sentinel", 1)) {
        return std::nullopt;
    }
    std::vector<protocol::Publish> retained;
    for (int i = 0; i < 100; ++i) { // bounded: no test retains that many
        auto publish = client.receivePublish();
        if (!publish) {
            return std::nullopt;
        }
        if (publish->topic == kSentinelTopic) {
            return retained;
        }
        retained.push_back(std::move(*publish));
    }
    return std::nullopt;
}

} // namespace

class TestSystemRetained : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // A retained message is stored and sent to a later subscriber with RETAIN=1.
    void storedAndDeliveredOnSubscribe_data() { addVersionRows(); }
    void storedAndDeliveredOnSubscribe()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "ret-pub", version);
        QVERIFY(publisher);
        QVERIFY(publisher->publish("ret/a", "kept", 1, true));
        QCOMPARE(publisher->lastReasonCode(), std::uint8_t(0)); // kept counts as success
        QVERIFY(BrokerFixture::waitFor([&] { return broker.broker().retainedCount() == 1; }));

        auto subscriber = connectClient(broker.port(), "ret-sub", version);
        QVERIFY(subscriber);
        auto retained = retainedOnSubscribe(*subscriber, *publisher, "ret/a");
        QVERIFY2(retained, text(subscriber->lastError()));
        QCOMPARE(retained->size(), std::size_t(1));
        QCOMPARE(retained->at(0).payload, std::string("kept"));
        QCOMPARE(retained->at(0).topic, std::string("ret/a"));
        QVERIFY(retained->at(0).retain);
        QCOMPARE(retained->at(0).qos, std::uint8_t(1));
    }

    // A second retained message on the topic replaces the first.
    void replaced_data() { addVersionRows(); }
    void replaced()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "rep-pub", version);
        QVERIFY(publisher);
        QVERIFY(publisher->publish("rep/t", "old", 1, true));
        QVERIFY(publisher->publish("rep/t", "new", 0, true));
        auto subscriber = connectClient(broker.port(), "rep-sub", version);
        QVERIFY(subscriber);
        auto retained = retainedOnSubscribe(*subscriber, *publisher, "rep/t");
        QVERIFY(retained);
        QCOMPARE(retained->size(), std::size_t(1));
        QCOMPARE(retained->at(0).payload, std::string("new"));
        QCOMPARE(retained->at(0).qos, std::uint8_t(0));
    }

    // An empty retained payload clears the topic; current subscribers still get the empty
    // message as a normal one (3.3.1.3).
    void clearedByEmptyPayload_data() { addVersionRows(); }
    void clearedByEmptyPayload()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "clr-pub", version);
        auto current = connectClient(broker.port(), "clr-current", version);
        QVERIFY(publisher && current);
        QVERIFY(publisher->publish("clr/t", "soon gone", 1, true));
        QVERIFY(subscribeOk(*current, "clr/t", 1));
        auto stored = current->receivePublish(); // the retained one, on subscribe
        QVERIFY(stored);
        QCOMPARE(stored->payload, std::string("soon gone"));

        QVERIFY(publisher->publish("clr/t", "", 1, true));
        auto empty = current->receivePublish();
        QVERIFY2(empty, text(current->lastError()));
        QCOMPARE(empty->payload, std::string());
        QVERIFY(BrokerFixture::waitFor([&] { return broker.broker().retainedCount() == 0; }));

        auto later = connectClient(broker.port(), "clr-later", version);
        QVERIFY(later);
        auto retained = retainedOnSubscribe(*later, *publisher, "clr/t");
        QVERIFY(retained);
        QCOMPARE(retained->size(), std::size_t(0));
    }

    // A wildcard subscription gets every matching retained message, and only those.
    void wildcardGetsEveryMatchingRetained()
    {
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "wr-pub");
        QVERIFY(publisher);
        for (const char* topic : {"wr/a", "wr/b", "wr/c/deep", "other/a", "$wr/a"}) {
            QVERIFY(publisher->publish(topic, topic, 1, true));
        }
        auto subscriber = connectClient(broker.port(), "wr-sub");
        QVERIFY(subscriber);
        auto plus = retainedOnSubscribe(*subscriber, *publisher, "wr/+");
        QVERIFY(plus);
        std::vector<std::string> topics;
        for (const auto& p : *plus) {
            topics.push_back(p.topic);
            QVERIFY(p.retain);
        }
        std::sort(topics.begin(), topics.end());
        QCOMPARE(topics, (std::vector<std::string>{"wr/a", "wr/b"}));

        auto subscriber2 = connectClient(broker.port(), "wr-sub2");
        QVERIFY(subscriber2);
        auto hash = retainedOnSubscribe(*subscriber2, *publisher, "#");
        QVERIFY(hash);
        QCOMPARE(hash->size(), std::size_t(4)); // not "$wr/a": '#' does not match '$' topics
    }

    // Retained delivery uses min(message QoS, granted QoS).
    void qosIsMinimumOfMessageAndSubscription_data()
    {
        QTest::addColumn<int>("messageQos");
        QTest::addColumn<int>("grantedQos");
        QTest::newRow("message 2 granted 1") << 2 << 1;
        QTest::newRow("message 1 granted 2") << 1 << 2;
        QTest::newRow("message 2 granted 0") << 2 << 0;
    }
    void qosIsMinimumOfMessageAndSubscription()
    {
        QFETCH(int, messageQos);
        QFETCH(int, grantedQos);
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "rq-pub");
        QVERIFY(publisher);
        QVERIFY(publisher->publish("rq/t", "q", static_cast<std::uint8_t>(messageQos), true));
        auto subscriber = connectClient(broker.port(), "rq-sub");
        QVERIFY(subscriber);
        auto retained =
            retainedOnSubscribe(*subscriber, *publisher, "rq/t",
                                subscriptionOptions(static_cast<std::uint8_t>(grantedQos)));
        QVERIFY(retained);
        QCOMPARE(retained->size(), std::size_t(1));
        QCOMPARE(retained->at(0).qos, static_cast<std::uint8_t>(std::min(messageQos, grantedQos)));
    }

    // Retain Handling 0 sends retained messages on every subscribe, 1 only when the subscription
    // is new, 2 never.
    void retainHandling_data()
    {
        QTest::addColumn<int>("handling");
        QTest::addColumn<int>("onFirst");
        QTest::addColumn<int>("onRepeat");
        QTest::newRow("0 send on subscribe") << 0 << 1 << 1;
        QTest::newRow("1 send if new") << 1 << 1 << 0;
        QTest::newRow("2 do not send") << 2 << 0 << 0;
    }
    void retainHandling()
    {
        QFETCH(int, handling);
        QFETCH(int, onFirst);
        QFETCH(int, onRepeat);
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "rh-pub");
        QVERIFY(publisher);
        QVERIFY(publisher->publish("rh/t", "retained", 1, true));
        auto subscriber = connectClient(broker.port(), "rh-sub");
        QVERIFY(subscriber);
        const auto options =
            subscriptionOptions(1, false, false, static_cast<RetainHandling>(handling));
        auto first = retainedOnSubscribe(*subscriber, *publisher, "rh/t", options, 11);
        QVERIFY(first);
        QCOMPARE(first->size(), std::size_t(onFirst));
        if (onFirst == 1) {
            QVERIFY(first->at(0).retain);
            QCOMPARE(first->at(0).properties.subscriptionIdentifiers,
                     (std::vector<std::uint32_t>{11}));
        }
        auto repeat = retainedOnSubscribe(*subscriber, *publisher, "rh/t", options, 11);
        QVERIFY(repeat);
        QCOMPARE(repeat->size(), std::size_t(onRepeat));
    }

    // A retained message ages: its Message Expiry Interval is counted down while stored, and it
    // is no longer sent once expired.
    void retainedMessageExpires()
    {
        core::ManualClock clock;
        BrokerFixture broker({}, 2, &clock);
        auto publisher = connectClient(broker.port(), "rx-pub");
        QVERIFY(publisher);
        protocol::Properties properties;
        properties.messageExpiryInterval = 10;
        QVERIFY(publisher->publish("rx/t", "ages", 1, true, properties));

        clock.advance(4s);
        auto early = connectClient(broker.port(), "rx-early");
        QVERIFY(early);
        auto retained = retainedOnSubscribe(*early, *publisher, "rx/t");
        QVERIFY(retained);
        QCOMPARE(retained->size(), std::size_t(1));
        QCOMPARE(retained->at(0).properties.messageExpiryInterval.value_or(0), std::uint32_t(6));

        clock.advance(7s);
        auto late = connectClient(broker.port(), "rx-late");
        QVERIFY(late);
        auto none = retainedOnSubscribe(*late, *publisher, "rx/t");
        QVERIFY(none);
        QCOMPARE(none->size(), std::size_t(0));
    }

    // 3.1.1: a live copy to an existing subscription has RETAIN=0 ([MQTT-3.3.1-9]); subscribing
    // again re-sends the retained message with RETAIN=1 ([MQTT-3.8.4-3]).
    void retainFlagOnSubscribeVersusLive311()
    {
        BrokerFixture broker;
        auto publisher = connectClient(broker.port(), "r311-pub", Version::V311);
        auto subscriber = connectClient(broker.port(), "r311-sub", Version::V311);
        QVERIFY(publisher && subscriber);
        QVERIFY(subscribeOk(*subscriber, "r311/t", 1));
        QVERIFY(publisher->publish("r311/t", "live", 1, true));
        auto live = subscriber->receivePublish();
        QVERIFY(live);
        QVERIFY(!live->retain);
        auto again = retainedOnSubscribe(*subscriber, *publisher, "r311/t");
        QVERIFY(again);
        QCOMPARE(again->size(), std::size_t(1));
        QVERIFY(again->at(0).retain);
    }
};

QTEST_GUILESS_MAIN(TestSystemRetained)
#include "TestSystemRetained.moc"
