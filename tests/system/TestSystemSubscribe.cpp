// SUBSCRIBE/UNSUBSCRIBE over real sockets: '+' and '#', the '$' rule, overlapping subscriptions
// (one delivery at the highest QoS with every identifier: our documented choice, MQTT 5.0
// 3.3.4), No Local, Retain As Published, Subscription Identifiers, UNSUBACK codes and invalid
// filters.
//
// "Not delivered" is shown with a sentinel: the publisher sends the message under test, then one
// on a topic the subscriber surely gets; one publisher's messages keep their order, so the
// sentinel arriving first proves the other was not delivered, without waiting.

#include <algorithm>

#include <QtTest/QTest>

#include "tests/system/SystemTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using protocol::RetainHandling;

namespace {

constexpr const char* kSentinelTopic = "zz/sentinel";

} // namespace

class TestSystemSubscribe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietBrokerLogs(); }

    // '+' matches one level, '#' any number including the parent, and a filter starting with a
    // wildcard does not match a topic starting with '$' (4.7.2).
    void wildcardMatching_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<QByteArray>("filter");
        QTest::addColumn<QByteArray>("topic");
        QTest::addColumn<bool>("delivered");
        struct Row
        {
            const char* filter;
            const char* topic;
            bool delivered;
        };
        const Row rows[] = {
            {"a/b", "a/b", true},
            {"a/b", "a/c", false},
            {"a/b", "a/b/c", false},
            {"a/+", "a/b", true},
            {"a/+", "a/b/c", false},
            {"a/+", "a/", true}, // an empty level is a level
            {"a/+/c", "a/x/c", true},
            {"a/+/c", "a/x/d", false},
            {"+", "a", true},
            {"+", "a/b", false},
            {"+/+", "/b", true},
            {"a/#", "a", true}, // '#' includes the parent level
            {"a/#", "a/b/c/d", true},
            {"a/#", "b/a", false},
            {"#", "any/thing/at/all", true},
            {"+/b/#", "a/b", true},
            {"#", "$SYS/load", false},
            {"+/load", "$SYS/load", false},
            {"$SYS/#", "$SYS/load", true},
            {"$SYS/+", "$SYS/load", true},
            {"A/b", "a/b", false}, // case-sensitive
        };
        for (const Version v : {Version::V311, Version::V5}) {
            for (const Row& row : rows) {
                const std::string name = std::string(v == Version::V5 ? "mqtt5 " : "mqtt311 ") +
                                         row.filter + " vs " + row.topic;
                QTest::newRow(name.c_str())
                    << v << QByteArray(row.filter) << QByteArray(row.topic) << row.delivered;
            }
        }
    }
    void wildcardMatching()
    {
        QFETCH(Version, version);
        QFETCH(QByteArray, filter);
        QFETCH(QByteArray, topic);
        QFETCH(bool, delivered);
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "wild-sub", version);
        auto publisher = connectClient(broker.port(), "wild-pub", version);
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, filter.toStdString(), 1));
        QVERIFY(subscribeOk(*subscriber, kSentinelTopic, 1));
        QVERIFY(publisher->publish(topic.toStdString(), "probe", 1));
        QVERIFY(publisher->publish(kSentinelTopic, "sentinel", 1));
        std::string why;
        if (delivered) {
            QVERIFY2(nextPayloadIs(*subscriber, "probe", why), text(why));
        }
        QVERIFY2(nextPayloadIs(*subscriber, "sentinel", why), text(why));
    }

    // Overlapping subscriptions of one session: one delivery, at the highest granted QoS, with
    // every matching Subscription Identifier (5.0).
    void overlappingSubscriptionsDeliverOnce_data() { addVersionRows(); }
    void overlappingSubscriptionsDeliverOnce()
    {
        QFETCH(Version, version);
        const bool v5 = version == Version::V5;
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "overlap-sub", version);
        auto publisher = connectClient(broker.port(), "overlap-pub", version);
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "ov/#", 0, v5 ? 1 : 0));
        QVERIFY(subscribeOk(*subscriber, "ov/+", 2, v5 ? 2 : 0));
        QVERIFY(subscribeOk(*subscriber, "ov/x", 1, v5 ? 3 : 0));
        QVERIFY(subscribeOk(*subscriber, "ov/y", 1, v5 ? 4 : 0)); // does not match
        QVERIFY(subscribeOk(*subscriber, kSentinelTopic, 0));

        QVERIFY(publisher->publish("ov/x", "once", 2));
        QVERIFY(publisher->publish(kSentinelTopic, "sentinel", 1));

        auto publish = subscriber->receivePublish();
        QVERIFY2(publish, text(subscriber->lastError()));
        QCOMPARE(publish->payload, std::string("once"));
        QCOMPARE(publish->qos, std::uint8_t(2));
        auto ids = publish->properties.subscriptionIdentifiers;
        std::sort(ids.begin(), ids.end());
        QCOMPARE(ids, v5 ? (std::vector<std::uint32_t>{1, 2, 3}) : std::vector<std::uint32_t>{});
        std::string why;
        QVERIFY2(nextPayloadIs(*subscriber, "sentinel", why), text(why));
    }

    // No Local: a 5.0 subscriber does not get its own messages, but still gets others'.
    void noLocal_data()
    {
        QTest::addColumn<bool>("noLocal");
        QTest::newRow("no local") << true;
        QTest::newRow("local allowed") << false;
    }
    void noLocal()
    {
        QFETCH(bool, noLocal);
        BrokerFixture broker;
        auto client = connectClient(broker.port(), "nl-self");
        auto other = connectClient(broker.port(), "nl-other");
        QVERIFY(client && other);
        auto suback = client->subscribe(makeSubscribe("nl/t", subscriptionOptions(1, noLocal)));
        QVERIFY(suback);
        QCOMPARE(suback->reasonCodes, (std::vector<std::uint8_t>{1}));
        QVERIFY(subscribeOk(*client, kSentinelTopic, 0));
        // Its own message, then its own sentinel on a subscription without No Local.
        QVERIFY(client->send(makePublish("nl/t", "mine", 0)));
        QVERIFY(client->send(makePublish(kSentinelTopic, "sentinel", 0)));
        std::string why;
        if (!noLocal) {
            QVERIFY2(nextPayloadIs(*client, "mine", why), text(why));
        }
        QVERIFY2(nextPayloadIs(*client, "sentinel", why), text(why));
        // Other clients' messages arrive either way.
        QVERIFY(other->publish("nl/t", "theirs", 1));
        QVERIFY2(nextPayloadIs(*client, "theirs", why), text(why));
    }

    // Retain As Published: the RETAIN flag of a live message is kept only when asked for; without
    // it (and always in 3.1.1, [MQTT-3.3.1-9]) it is 0.
    void retainAsPublished_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<bool>("retainAsPublished");
        QTest::addColumn<bool>("expectedFlag");
        QTest::newRow("mqtt311") << Version::V311 << false << false;
        QTest::newRow("mqtt5 retain as published") << Version::V5 << true << true;
        QTest::newRow("mqtt5 default") << Version::V5 << false << false;
    }
    void retainAsPublished()
    {
        QFETCH(Version, version);
        QFETCH(bool, retainAsPublished);
        QFETCH(bool, expectedFlag);
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "rap-sub", version);
        auto publisher = connectClient(broker.port(), "rap-pub");
        QVERIFY(subscriber && publisher);
        auto suback = subscriber->subscribe(
            makeSubscribe("rap/t", subscriptionOptions(1, false, retainAsPublished)));
        QVERIFY(suback);
        QVERIFY(publisher->publish("rap/t", "retained live", 1, true));
        QVERIFY(publisher->publish("rap/t", "plain live", 1, false));
        auto retained = subscriber->receivePublish();
        auto plain = subscriber->receivePublish();
        QVERIFY2(retained && plain, text(subscriber->lastError()));
        QCOMPARE(retained->payload, std::string("retained live"));
        QCOMPARE(retained->retain, expectedFlag);
        QCOMPARE(plain->payload, std::string("plain live"));
        QVERIFY(!plain->retain);
    }

    // Subscription Identifiers: sent with each message, replaced when the subscription is
    // replaced, absent when the subscription has none.
    void subscriptionIdentifiers()
    {
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "sid-sub");
        auto publisher = connectClient(broker.port(), "sid-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "sid/t", 1, 268435455)); // the largest allowed
        QVERIFY(publisher->publish("sid/t", "first", 1));
        auto first = subscriber->receivePublish();
        QVERIFY(first);
        QCOMPARE(first->properties.subscriptionIdentifiers,
                 (std::vector<std::uint32_t>{268435455}));

        QVERIFY(subscribeOk(*subscriber, "sid/t", 1, 9)); // replaces the subscription
        QVERIFY(publisher->publish("sid/t", "second", 1));
        auto second = subscriber->receivePublish();
        QVERIFY(second);
        QCOMPARE(second->properties.subscriptionIdentifiers, (std::vector<std::uint32_t>{9}));

        QVERIFY(subscribeOk(*subscriber, "sid/t", 1)); // replaced again, without identifier
        QVERIFY(publisher->publish("sid/t", "third", 1));
        auto third = subscriber->receivePublish();
        QVERIFY(third);
        QVERIFY(third->properties.subscriptionIdentifiers.empty());
    }

    // One SUBSCRIBE with several filters applies its identifier to each of them.
    void identifierAppliesToEveryFilterOfTheSubscribe()
    {
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "sid-multi");
        auto publisher = connectClient(broker.port(), "sid-multi-pub");
        QVERIFY(subscriber && publisher);
        protocol::Subscribe s = makeSubscribe("m/a", subscriptionOptions(1), 5);
        s.subscriptions.push_back({"m/b", subscriptionOptions(0)});
        auto suback = subscriber->subscribe(s);
        QVERIFY(suback);
        QCOMPARE(suback->reasonCodes, (std::vector<std::uint8_t>{1, 0}));
        QVERIFY(publisher->publish("m/b", "b", 1));
        auto publish = subscriber->receivePublish();
        QVERIFY(publish);
        QCOMPARE(publish->qos, std::uint8_t(0));
        QCOMPARE(publish->properties.subscriptionIdentifiers, (std::vector<std::uint32_t>{5}));
    }

    // UNSUBSCRIBE: 5.0 answers 0x00 per removed filter and 0x11 for one without subscription;
    // 3.1.1's UNSUBACK has no payload (b0 02 id). Nothing arrives for the removed filter.
    void unsubscribe_data() { addVersionRows(); }
    void unsubscribe()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto subscriber = connectClient(broker.port(), "unsub", version);
        auto publisher = connectClient(broker.port(), "unsub-pub");
        QVERIFY(subscriber && publisher);
        QVERIFY(subscribeOk(*subscriber, "u/+", 1));
        QVERIFY(subscribeOk(*subscriber, kSentinelTopic, 1));

        protocol::Unsubscribe u;
        u.packetId = 0x1234;
        u.filters = {"u/+", "never/subscribed"};
        QVERIFY(subscriber->send(u));
        const auto frame = subscriber->receiveFrame();
        QVERIFY2(frame, text(subscriber->lastError()));
        QCOMPARE(*frame, bytes(version == Version::V5 ? "b0 05 12 34 00 00 11" : "b0 02 12 34"));

        QVERIFY(publisher->publish("u/x", "removed", 1));
        QVERIFY(publisher->publish(kSentinelTopic, "sentinel", 1));
        std::string why;
        QVERIFY2(nextPayloadIs(*subscriber, "sentinel", why), text(why));

        // Unsubscribing again: there is nothing left to remove.
        auto again = subscriber->unsubscribe({"u/+"});
        QVERIFY(again);
        if (version == Version::V5) {
            QCOMPARE(again->reasonCodes, (std::vector<std::uint8_t>{0x11}));
        }
    }

    // Invalid filters get SUBACK 0x8F (5.0) / 0x80 (3.1.1), byte-exact, and the connection stays.
    void invalidFilters_data()
    {
        QTest::addColumn<Version>("version");
        QTest::addColumn<QByteArray>("filter");
        const char* filters[] = {"a/#/b",    "a+",        "a/b#",        "#/", "+a/b",
                                 "$share/g", "$share//t", "$share/g+/t", "",   "$share/g/a/#/b"};
        for (const Version v : {Version::V311, Version::V5}) {
            for (const char* f : filters) {
                const std::string name =
                    std::string(v == Version::V5 ? "mqtt5 '" : "mqtt311 '") + f + "'";
                QTest::newRow(name.c_str()) << v << QByteArray(f);
            }
        }
    }
    void invalidFilters()
    {
        QFETCH(Version, version);
        QFETCH(QByteArray, filter);
        BrokerFixture broker;
        auto client = connectClient(broker.port(), "badfilter", version);
        QVERIFY(client);
        QVERIFY(client->send(makeSubscribe(filter.toStdString(), subscriptionOptions(1), 0, 3)));
        const auto frame = client->receiveFrame();
        QVERIFY2(frame, text(client->lastError()));
        QCOMPARE(*frame, bytes(version == Version::V5 ? "90 04 00 03 00 8f" : "90 03 00 03 80"));
        QVERIFY(client->ping());
    }

    // A SUBSCRIBE mixing good and bad filters: each gets its own answer, the good ones work.
    void mixedFiltersAnsweredEach_data() { addVersionRows(); }
    void mixedFiltersAnsweredEach()
    {
        QFETCH(Version, version);
        BrokerFixture broker;
        auto client = connectClient(broker.port(), "mixed", version);
        auto publisher = connectClient(broker.port(), "mixed-pub");
        QVERIFY(client && publisher);
        protocol::Subscribe s = makeSubscribe("mx/a", subscriptionOptions(2));
        s.subscriptions.push_back({"mx/#/bad", subscriptionOptions(1)});
        s.subscriptions.push_back({"mx/+", subscriptionOptions(0)});
        auto suback = client->subscribe(s);
        QVERIFY(suback);
        const std::uint8_t bad = version == Version::V5 ? 0x8F : 0x80;
        QCOMPARE(suback->reasonCodes, (std::vector<std::uint8_t>{2, bad, 0}));
        QVERIFY(publisher->publish("mx/a", "a", 2));
        auto publish = client->receivePublish();
        QVERIFY(publish);
        QCOMPARE(publish->qos, std::uint8_t(2));
    }

    // A filter deeper than max_topic_levels is refused like an invalid one.
    void tooDeepFilterRefused()
    {
        core::Limits limits;
        limits.maxTopicLevels = 4;
        BrokerFixture broker(limits);
        auto client = connectClient(broker.port(), "deep");
        QVERIFY(client);
        auto suback = client->subscribe(makeSubscribe("a/b/c/d/e", subscriptionOptions(1)));
        QVERIFY(suback);
        QCOMPARE(suback->reasonCodes, (std::vector<std::uint8_t>{0x8F}));
        auto ok = client->subscribe(makeSubscribe("a/b/c/d", subscriptionOptions(1)));
        QVERIFY(ok);
        QCOMPARE(ok->reasonCodes, (std::vector<std::uint8_t>{1}));
    }
};

QTEST_GUILESS_MAIN(TestSystemSubscribe)
#include "TestSystemSubscribe.moc"
