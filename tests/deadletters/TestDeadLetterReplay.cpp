// Replaying dead letters with real clients: to the original topic, to another topic, only to the
// session it was bound for; properties kept; entries marked replayed (with a time) or removed; a
// replay that fails again becomes a new dead letter and never loops.

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/deadletters/DeadLetterTestSupport.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using core::DeadLetterReason;
using core::ReplayRequest;
using protocol::Version;

Q_DECLARE_METATYPE(sb::core::ReplayRequest::Target)

namespace {

core::Clock::WallTimePoint wallNow()
{
    return std::chrono::system_clock::now();
}

// A broker where "target" refused one message (PUBACK 0x80) that "watcher" accepted, both
// subscribed to orders/#; the dead letter is `letter`.
struct Refused
{
    BrokerFixture broker;
    std::unique_ptr<MqttTestClient> target;
    std::unique_ptr<MqttTestClient> watcher;
    std::unique_ptr<MqttTestClient> publisher;
    core::DeadLetter letter;

    explicit Refused(unsigned workers = 2)
        : broker({}, workers)
    {}

    bool build(std::string& why, const std::string& payload = "order 1")
    {
        target = acceptedClient(broker.port(), connectPacket("target"), &why);
        watcher = acceptedClient(broker.port(), connectPacket("watcher"), &why);
        publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        if (!target || !watcher || !publisher) {
            return false;
        }
        if (!target->subscribe("orders/#", 1) || !watcher->subscribe("orders/#", 1)) {
            why = "SUBSCRIBE failed";
            return false;
        }
        if (!publisher->publish("orders/1", payload, 1, false, richProperties())) {
            why = "PUBLISH failed";
            return false;
        }
        if (!receiveAndAnswer(*target, 0x80, why)) {
            return false;
        }
        auto seen = watcher->receivePublish();
        if (!seen) {
            why = "watcher: " + watcher->lastError();
            return false;
        }
        if (!waitForDeadLetters(broker.broker(), 1)) {
            why = "no dead letter";
            return false;
        }
        const auto letters = deadLettersMatching(broker.broker());
        if (letters.size() != 1) {
            why = std::to_string(letters.size()) + " dead letters, expected 1";
            return false;
        }
        letter = letters.front();
        return true;
    }
};

ReplayRequest replayOf(std::vector<std::uint64_t> ids, ReplayRequest::Target target,
                       bool removeAfter = false, std::string topic = {})
{
    ReplayRequest request;
    request.selection.ids = std::move(ids);
    request.target = target;
    request.removeAfter = removeAfter;
    request.topic = std::move(topic);
    return request;
}

// The PUBLISH a subscriber gets from a replay carries what was published.
bool carriesOriginal(const protocol::Publish& publish, const std::string& topic,
                     const std::string& payload, std::string& why)
{
    if (publish.topic != topic || publish.payload != payload) {
        why = "got '" + publish.payload + "' on '" + publish.topic + "'";
        return false;
    }
    if (publish.retain) {
        why = "a replay is not retained";
        return false;
    }
    if (!(publish.properties == richProperties())) {
        why = "properties not kept (user properties: " +
              std::to_string(publish.properties.userProperties.size()) + ", expiry " +
              std::to_string(publish.properties.messageExpiryInterval.value_or(0)) + ")";
        return false;
    }
    return true;
}

// The next PUBLISH on `client` (completing its handshake) has `payload`.
bool nextPayloadIs(MqttTestClient& client, const std::string& payload, std::string& why)
{
    auto publish = client.receivePublish();
    if (!publish) {
        why = "no PUBLISH: " + client.lastError();
        return false;
    }
    if (publish->payload != payload) {
        why = "expected '" + payload + "', got '" + publish->payload + "' on " + publish->topic;
        return false;
    }
    return true;
}

} // namespace

class TestDeadLetterReplay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // To the original topic: every subscriber gets it again, with its properties; the entry is
    // marked replayed at a time in the replay's window, or removed.
    void replayToOriginalTopic_data()
    {
        QTest::addColumn<bool>("removeAfter");
        QTest::newRow("marked replayed") << false;
        QTest::newRow("removed") << true;
    }
    void replayToOriginalTopic()
    {
        QFETCH(bool, removeAfter);
        Refused refused;
        std::string why;
        QVERIFY2(refused.build(why), msg(why));
        const auto from = wallNow();
        const auto result = replayDeadLetters(
            refused.broker.broker(),
            replayOf({refused.letter.id}, ReplayRequest::Target::OriginalTopic, removeAfter));
        const auto to = wallNow();
        QVERIFY2(result, "the replay never finished");
        QCOMPARE(result->replayed, std::uint64_t(1));
        QCOMPARE(result->failed, std::uint64_t(0));

        for (MqttTestClient* client : {refused.target.get(), refused.watcher.get()}) {
            auto publish = client->receivePublish();
            QVERIFY2(publish, msg(client->lastError()));
            QVERIFY2(carriesOriginal(*publish, "orders/1", "order 1", why), msg(why));
        }

        const auto after = getDeadLetter(refused.broker.broker(), refused.letter.id);
        QVERIFY(after);
        if (removeAfter) {
            QVERIFY2(!*after, "the replayed entry was not removed");
            QCOMPARE(deadLetterStats(refused.broker.broker())->total, std::uint64_t(0));
            return;
        }
        QVERIFY2(*after, "the replayed entry was removed");
        QVERIFY2((*after)->replayedAt, "not marked replayed");
        QVERIFY(*(*after)->replayedAt >= from && *(*after)->replayedAt <= to);
        core::DeadLetterFilter replayed;
        replayed.replayed = true;
        QCOMPARE(deadLettersMatching(refused.broker.broker(), replayed).size(), std::size_t(1));
        replayed.replayed = false;
        QVERIFY(deadLettersMatching(refused.broker.broker(), replayed).empty());
        // The target accepted it this time: nothing new in the store.
        QVERIFY(refused.target->receivesNothing());
        QCOMPARE(deadLetterStats(refused.broker.broker())->total, std::uint64_t(1));
    }

    // To another topic: subscribers of that topic get it with the same payload and properties;
    // subscribers of the original topic do not.
    void replayToOtherTopic()
    {
        Refused refused;
        std::string why;
        QVERIFY2(refused.build(why), msg(why));
        auto recoverer = acceptedClient(refused.broker.port(), connectPacket("recoverer"), &why);
        QVERIFY2(recoverer, msg(why));
        QVERIFY(recoverer->subscribe("recovered/#", 1));

        const auto result =
            replayDeadLetters(refused.broker.broker(),
                              replayOf({refused.letter.id}, ReplayRequest::Target::OtherTopic,
                                       false, "recovered/orders/1"));
        QVERIFY2(result, "the replay never finished");
        QCOMPARE(result->replayed, std::uint64_t(1));
        auto publish = recoverer->receivePublish();
        QVERIFY2(publish, msg(recoverer->lastError()));
        QVERIFY2(carriesOriginal(*publish, "recovered/orders/1", "order 1", why), msg(why));

        // Per-publisher order: a sentinel published now arrives first if the replay did not
        // reach orders/#.
        QVERIFY(refused.publisher->publish("orders/1", "sentinel", 1));
        QVERIFY2(nextPayloadIs(*refused.target, "sentinel", why), msg(why));
        QVERIFY2(nextPayloadIs(*refused.watcher, "sentinel", why), msg(why));

        const auto after = getDeadLetter(refused.broker.broker(), refused.letter.id);
        QVERIFY(after && *after);
        QVERIFY((*after)->replayedAt);
        // The entry still says where the message was first published.
        QCOMPARE((*after)->message->topic, std::string("orders/1"));
    }

    // Only to the session it was bound for, online or offline: other subscribers of the topic
    // do not get it.
    void replayOnlyToTargetSession_data()
    {
        QTest::addColumn<bool>("targetOffline");
        QTest::newRow("target online") << false;
        QTest::newRow("target offline, queued") << true;
    }
    void replayOnlyToTargetSession()
    {
        QFETCH(bool, targetOffline);
        BrokerFixture broker;
        std::string why;
        const auto resume = connectPacket("target", Version::V5, false, 300);
        auto target = acceptedClient(broker.port(), resume, &why);
        auto bystander = acceptedClient(broker.port(), connectPacket("bystander"), &why);
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(target && bystander && publisher, msg(why));
        QVERIFY(target->subscribe("orders/#", 1));
        QVERIFY(bystander->subscribe("orders/#", 1));
        QVERIFY(publisher->publish("orders/1", "order 1", 1, false, richProperties()));
        QVERIFY2(receiveAndAnswer(*target, 0x80, why), msg(why));
        QVERIFY2(nextPayloadIs(*bystander, "order 1", why), msg(why));
        QVERIFY(waitForDeadLetters(broker.broker(), 1));
        const auto letter = deadLettersMatching(broker.broker()).front();
        QCOMPARE(letter.targetClientId, std::string("target"));
        if (targetOffline) {
            QVERIFY(target->disconnect());
        }

        const auto result = replayDeadLetters(
            broker.broker(), replayOf({letter.id}, ReplayRequest::Target::Session));
        QVERIFY2(result, "the replay never finished");
        QCOMPARE(result->replayed, std::uint64_t(1));
        QCOMPARE(result->failed, std::uint64_t(0));
        if (targetOffline) {
            target = acceptedClient(broker.port(), resume, &why);
            QVERIFY2(target, msg(why));
        }
        auto publish = target->receivePublish();
        QVERIFY2(publish, msg(target->lastError()));
        QVERIFY2(carriesOriginal(*publish, "orders/1", "order 1", why), msg(why));

        QVERIFY(publisher->publish("orders/1", "sentinel", 1));
        QVERIFY2(nextPayloadIs(*bystander, "sentinel", why), msg(why));
        const auto after = getDeadLetter(broker.broker(), letter.id);
        QVERIFY(after && *after && (*after)->replayedAt);
    }

    // A replay only to a session that no longer exists fails, says why, and leaves the entry
    // as it was (not marked).
    void replayToVanishedSession()
    {
        Refused refused;
        std::string why;
        QVERIFY2(refused.build(why), msg(why));
        QVERIFY(refused.target->disconnect()); // session expiry 0: the session ends
        QVERIFY(BrokerFixture::waitFor(
            [&] { return refused.broker.broker().findSession("target") == nullptr; }));
        const auto result = replayDeadLetters(
            refused.broker.broker(), replayOf({refused.letter.id}, ReplayRequest::Target::Session));
        QVERIFY2(result, "the replay never finished");
        QCOMPARE(result->replayed, std::uint64_t(0));
        QCOMPARE(result->failed, std::uint64_t(1));
        QCOMPARE(result->errors.size(), std::size_t(1));
        QVERIFY2(result->errors.front().find("target") != std::string::npos,
                 msg(result->errors.front()));
        const auto after = getDeadLetter(refused.broker.broker(), refused.letter.id);
        QVERIFY(after && *after);
        QVERIFY(!(*after)->replayedAt);
    }

    // Unknown ids are reported as failures; the known ones are replayed, oldest first.
    void replaySelectedIds()
    {
        Refused refused;
        std::string why;
        QVERIFY2(refused.build(why), msg(why));
        std::uint64_t total = 1;
        QVERIFY2(produceRejections(refused.broker, *refused.target, *refused.publisher, "orders/2",
                                   {"order 2", "order 3"}, total, why),
                 msg(why));
        for (int i = 0; i < 2; ++i) {
            QVERIFY(refused.watcher->receivePublish());
        }
        const auto letters = deadLettersMatching(refused.broker.broker());
        QCOMPARE(letters.size(), std::size_t(3));
        const auto result = replayDeadLetters(
            refused.broker.broker(),
            replayOf({letters[2].id, 424242, letters[0].id}, ReplayRequest::Target::Session));
        QVERIFY2(result, "the replay never finished");
        QCOMPARE(result->replayed, std::uint64_t(2));
        QCOMPARE(result->failed, std::uint64_t(1));
        QCOMPARE(result->errors.size(), std::size_t(1));
        QVERIFY2(result->errors.front().find("424242") != std::string::npos,
                 msg(result->errors.front()));
        QVERIFY2(nextPayloadIs(*refused.target, "order 1", why), msg(why));
        QVERIFY2(nextPayloadIs(*refused.target, "order 3", why), msg(why));
        QVERIFY(refused.target->receivesNothing());
        const auto middle = getDeadLetter(refused.broker.broker(), letters[1].id);
        QVERIFY(middle && *middle && !(*middle)->replayedAt);
    }

    // Everything matching a filter, once each, in the order they were kept; entries outside the
    // filter are untouched.
    void replayByFilter()
    {
        Refused refused;
        std::string why;
        QVERIFY2(refused.build(why), msg(why));
        std::uint64_t total = 1;
        QVERIFY2(produceRejections(refused.broker, *refused.target, *refused.publisher, "orders/2",
                                   {"order 2"}, total, why),
                 msg(why));
        QVERIFY(refused.watcher->receivePublish());
        QVERIFY2(produceRejections(refused.broker, *refused.target, *refused.publisher, "orders/3",
                                   {"order 3"}, total, why),
                 msg(why));
        QVERIFY(refused.watcher->receivePublish());

        ReplayRequest request;
        request.selection.filter.topicFilter = "orders/+";
        request.selection.filter.reasons = {DeadLetterReason::Rejected};
        request.selection.filter.publisher = "dl-pub";
        request.target = ReplayRequest::Target::Session;
        auto narrow = request;
        narrow.selection.filter.topicFilter = "orders/3";
        auto result = replayDeadLetters(refused.broker.broker(), narrow);
        QVERIFY2(result, "the replay never finished");
        QCOMPARE(result->replayed, std::uint64_t(1));
        QVERIFY2(nextPayloadIs(*refused.target, "order 3", why), msg(why));

        core::DeadLetterFilter notReplayed;
        notReplayed.replayed = false;
        request.selection.filter.replayed = false;
        result = replayDeadLetters(refused.broker.broker(), request);
        QVERIFY2(result, "the replay never finished");
        QCOMPARE(result->replayed, std::uint64_t(2));
        QVERIFY2(nextPayloadIs(*refused.target, "order 1", why), msg(why));
        QVERIFY2(nextPayloadIs(*refused.target, "order 2", why), msg(why));
        QVERIFY(refused.target->receivesNothing());
        QVERIFY(deadLettersMatching(refused.broker.broker(), notReplayed).empty());
    }

    // A replay the receiver refuses again becomes a new dead letter (new id, same message and
    // properties, same target); the old one is marked (or removed). Nothing is retried by
    // itself: no loop.
    void replayFailingAgainMakesANewDeadLetter_data()
    {
        QTest::addColumn<ReplayRequest::Target>("target");
        QTest::addColumn<bool>("removeAfter");
        QTest::newRow("original topic, mark") << ReplayRequest::Target::OriginalTopic << false;
        QTest::newRow("session, mark") << ReplayRequest::Target::Session << false;
        QTest::newRow("session, remove") << ReplayRequest::Target::Session << true;
    }
    void replayFailingAgainMakesANewDeadLetter()
    {
        QFETCH(ReplayRequest::Target, target);
        QFETCH(bool, removeAfter);
        Refused refused;
        std::string why;
        QVERIFY2(refused.build(why), msg(why));
        const auto from = wallNow();
        const auto result = replayDeadLetters(refused.broker.broker(),
                                              replayOf({refused.letter.id}, target, removeAfter));
        QVERIFY2(result, "the replay never finished");
        QCOMPARE(result->replayed, std::uint64_t(1));
        QVERIFY2(receiveAndAnswer(*refused.target, 0x80, why), msg(why));
        QVERIFY(waitForDeadLetters(refused.broker.broker(), removeAfter ? 1 : 2));

        core::DeadLetterFilter fresh;
        fresh.replayed = false;
        const auto newer = deadLettersMatching(refused.broker.broker(), fresh);
        QCOMPARE(newer.size(), std::size_t(1));
        QVERIFY(newer.front().id > refused.letter.id);
        ExpectedLetter expected;
        expected.reason = DeadLetterReason::Rejected;
        expected.topic = "orders/1";
        expected.payload = "order 1";
        expected.qos = 1;
        expected.properties = richProperties();
        expected.publisher = "dl-pub";
        expected.target = "target";
        expected.attempts = 1;
        expected.from = from;
        expected.to = wallNow();
        QVERIFY2(letterIs(newer.front(), expected, why), msg(why));

        const auto old = getDeadLetter(refused.broker.broker(), refused.letter.id);
        QVERIFY(old);
        if (removeAfter) {
            QVERIFY(!*old);
        } else {
            QVERIFY(*old && (*old)->replayedAt);
        }
        // No loop: the new dead letter is not replayed by itself.
        QVERIFY2(refused.target->receivesNothing(500ms), "replayed again by itself");
        QCOMPARE(deadLetterStats(refused.broker.broker())->total,
                 std::uint64_t(removeAfter ? 1 : 2));
    }

    // A replay by filter selects the entries that exist when it starts. Replaying 501 `maxlen`
    // entries (more than one page) to a session whose queue is still full makes 501 new
    // `maxlen` entries that match the same filter; they must not be replayed by the same
    // request (that is the loop the issue forbids).
    void replayByFilterDoesNotChaseItsOwnFailures()
    {
        BrokerFixture broker({}, 1); // one worker: the re-refusals happen during the replay
        std::string why;
        QVERIFY2(changeLimits(broker, {{"max_queue_messages", integerValue(1)}}, &why), msg(why));
        QVERIFY2(parkSession(broker.port(), "parked", "flood/#", 1, why), msg(why));
        auto publisher = acceptedClient(broker.port(), connectPacket("dl-pub"), &why);
        QVERIFY2(publisher, msg(why));
        constexpr int kRefused = 501;
        for (int i = 0; i <= kRefused; ++i) {
            QVERIFY(publisher->publish("flood/f", "n" + std::to_string(i), 1));
        }
        QVERIFY(waitForDeadLetters(broker.broker(), kRefused));

        ReplayRequest request;
        request.selection.filter.reasons = {DeadLetterReason::MaxLen};
        request.target = ReplayRequest::Target::Session;
        request.maxEntries = 5 * kRefused; // bounds the test if the replay chases itself
        const auto result = replayDeadLetters(broker.broker(), request, 20s);
        QVERIFY2(result, "the replay never finished");
        QCOMPARE(result->replayed + result->failed, std::uint64_t(kRefused));
        const auto stats = deadLetterStats(broker.broker());
        QVERIFY(stats);
        QCOMPARE(stats->total, std::uint64_t(2 * kRefused));
    }

    // Replaying to an invalid topic name (a wildcard, or empty) is refused: nothing published.
    void replayToInvalidTopicRefused_data()
    {
        QTest::addColumn<QString>("topic");
        QTest::newRow("wildcard +") << QStringLiteral("orders/+/x");
        QTest::newRow("wildcard #") << QStringLiteral("orders/#");
        QTest::newRow("empty") << QString();
    }
    void replayToInvalidTopicRefused()
    {
        QFETCH(QString, topic);
        Refused refused;
        std::string why;
        QVERIFY2(refused.build(why), msg(why));
        auto everything = acceptedClient(refused.broker.port(), connectPacket("everything"), &why);
        QVERIFY2(everything, msg(why));
        QVERIFY(everything->subscribe("#", 1));
        const auto result =
            replayDeadLetters(refused.broker.broker(),
                              replayOf({refused.letter.id}, ReplayRequest::Target::OtherTopic,
                                       false, topic.toStdString()));
        QVERIFY2(result, "the replay never finished");
        QVERIFY2(everything->receivesNothing(),
                 "a PUBLISH with an invalid topic name was sent to a client");
        QCOMPARE(result->replayed, std::uint64_t(0));
        QCOMPARE(result->failed, std::uint64_t(1));
        const auto after = getDeadLetter(refused.broker.broker(), refused.letter.id);
        QVERIFY(after && *after && !(*after)->replayedAt);
    }
};

QTEST_GUILESS_MAIN(TestDeadLetterReplay)
#include "TestDeadLetterReplay.moc"
