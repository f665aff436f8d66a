// Limits changed at runtime are persisted in the store and restored when the broker starts again
// on it: global values, per-user and per-client overrides, removals; a refused change leaves
// nothing behind; a limit never changed at runtime follows the configuration.
//
// Built twice: over RecordingPersistence (the core's half: what it saves and what it restores),
// and with SB_LIMITS_SQLITE over storage::SqliteStore on a temporary directory (the real store).

#include <QTemporaryDir>
#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/support/BrokerControl.h"
#include "tests/support/TestPrinters.h"

#ifdef SB_LIMITS_SQLITE
#include "broker/storage/SqliteStore.h"
#else
#include "tests/limits/RecordingPersistence.h"
#endif

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using core::Broker;
using protocol::Version;

namespace {

// The durable place a broker starts over, again and again.
class DataDirectory
{
public:
    std::shared_ptr<core::Persistence> open()
    {
#ifdef SB_LIMITS_SQLITE
        return std::make_shared<storage::SqliteStore>(m_dir.path().toStdString(),
                                                      core::Durability::Sync);
#else
        return m_recording;
#endif
    }
    bool isValid() const
    {
        return m_dir.isValid();
    }

private:
    QTemporaryDir m_dir;
#ifndef SB_LIMITS_SQLITE
    std::shared_ptr<RecordingPersistence> m_recording = std::make_shared<RecordingPersistence>();
#endif
};

// The limits the configuration file gives, the same at every start unless a test changes them.
core::Limits configured()
{
    core::Limits limits;
    limits.maxSubscriptionsPerClient = 10;
    limits.maxInflight = 20;
    return limits;
}

std::unique_ptr<BrokerFixture> start(DataDirectory& directory, core::Limits limits = configured())
{
    BrokerFixture::Options options;
    options.limits = limits;
    options.persistence = directory.open();
    return std::make_unique<BrokerFixture>(std::move(options));
}

int grantedSubscriptions(std::uint16_t port, const protocol::Connect& connect, int count)
{
    auto client = acceptedClient(port, connect);
    if (!client) {
        return -1;
    }
    int granted = 0;
    for (int i = 0; i < count; ++i) {
        auto suback = client->subscribe("p/" + std::to_string(i), 1);
        if (suback && suback->reasonCodes == std::vector<std::uint8_t>{1}) {
            ++granted;
        }
    }
    return granted;
}

} // namespace

class TestLimitsPersistence : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // Global changes survive a restart and take precedence over the configuration; what was
    // not changed keeps the configured value.
    void globalChangesSurviveRestart()
    {
        DataDirectory directory;
        QVERIFY(directory.isValid());
        std::string why;
        {
            auto broker = start(directory);
            QVERIFY2(changeLimits(*broker,
                                  {{"max_subscriptions_per_client", integerValue(1)},
                                   {"max_publish_rate", integerValue(7)},
                                   {"queue_overflow_policy", textValue("drop-oldest")},
                                   {"dead_letter_qos0", booleanValue(true)}},
                                  &why),
                     msg(why));
        }
        auto broker = start(directory);
        const auto limits = broker->broker().limits();
        QCOMPARE(limits->maxSubscriptionsPerClient, std::uint32_t(1));
        QCOMPARE(limits->maxPublishRate, std::uint32_t(7));
        QCOMPARE(limits->queueOverflow, core::OverflowPolicy::DropOldest);
        QCOMPARE(limits->deadLetterQos0, true);
        QCOMPARE(limits->maxInflight, std::uint16_t(20)); // configured, never changed
        QCOMPARE(grantedSubscriptions(broker->port(), connectPacket("after"), 3), 1);
    }

    // A limit never changed at runtime follows a new configuration; one changed at runtime
    // keeps its stored value.
    void configurationStillAppliesToUntouchedLimits()
    {
        DataDirectory directory;
        std::string why;
        {
            auto broker = start(directory);
            QVERIFY2(changeLimits(*broker, {{"max_inflight", integerValue(5)}}, &why), msg(why));
        }
        core::Limits edited = configured();
        edited.maxInflight = 30;
        edited.maxSubscriptionsPerClient = 3;
        auto broker = start(directory, edited);
        QCOMPARE(broker->broker().limits()->maxInflight, std::uint16_t(5));
        QCOMPARE(broker->broker().limits()->maxSubscriptionsPerClient, std::uint32_t(3));
    }

    // Overrides per user and per client id survive a restart, and apply to the clients.
    void overridesSurviveRestart()
    {
        DataDirectory directory;
        std::string why;
        {
            auto broker = start(directory);
            QVERIFY2(changeOverrides(*broker, Broker::OverrideScope::User, "alice",
                                     {{"max_subscriptions_per_client", integerValue(2)}}, &why),
                     msg(why));
            QVERIFY2(changeOverrides(*broker, Broker::OverrideScope::Client, "special",
                                     {{"max_subscriptions_per_client", integerValue(1)},
                                      {"max_inflight", integerValue(3)}},
                                     &why),
                     msg(why));
        }
        auto broker = start(directory);
        const auto users = broker->broker().overrides(Broker::OverrideScope::User);
        const auto clients = broker->broker().overrides(Broker::OverrideScope::Client);
        QCOMPARE(users.size(), std::size_t(1));
        QCOMPARE(users.at("alice").values,
                 (std::map<std::string, std::int64_t>{{"max_subscriptions_per_client", 2}}));
        QCOMPARE(clients.size(), std::size_t(1));
        QCOMPARE(clients.at("special").values,
                 (std::map<std::string, std::int64_t>{{"max_inflight", 3},
                                                      {"max_subscriptions_per_client", 1}}));
        QCOMPARE(grantedSubscriptions(
                     broker->port(),
                     connectPacket("a-1", Version::V5, true, 0, 60, std::string("alice")), 4),
                 2);
        QCOMPARE(grantedSubscriptions(
                     broker->port(),
                     connectPacket("special", Version::V5, true, 0, 60, std::string("alice")), 4),
                 1);
        QCOMPARE(grantedSubscriptions(broker->port(), connectPacket("plain"), 4), 4);
    }

    // Replacing an override replaces all of it; removing it stays removed after a restart.
    void overrideReplacementAndRemovalSurviveRestart()
    {
        DataDirectory directory;
        std::string why;
        {
            auto broker = start(directory);
            QVERIFY2(changeOverrides(
                         *broker, Broker::OverrideScope::Client, "c1",
                         {{"max_inflight", integerValue(3)}, {"max_publish_rate", integerValue(4)}},
                         &why),
                     msg(why));
            QVERIFY2(changeOverrides(*broker, Broker::OverrideScope::Client, "c1",
                                     {{"max_inflight", integerValue(6)}}, &why),
                     msg(why));
            QVERIFY2(changeOverrides(*broker, Broker::OverrideScope::User, "u1",
                                     {{"max_inflight", integerValue(2)}}, &why),
                     msg(why));
            QVERIFY2(changeOverrides(*broker, Broker::OverrideScope::User, "u1", {}, &why),
                     msg(why));
        }
        auto broker = start(directory);
        QVERIFY(broker->broker().overrides(Broker::OverrideScope::User).empty());
        const auto clients = broker->broker().overrides(Broker::OverrideScope::Client);
        QCOMPARE(clients.size(), std::size_t(1));
        QCOMPARE(clients.at("c1").values,
                 (std::map<std::string, std::int64_t>{{"max_inflight", 6}}));
    }

    // A refused change leaves nothing in the store.
    void refusedChangesAreNotPersisted()
    {
        DataDirectory directory;
        std::string why;
        {
            auto broker = start(directory);
            QVERIFY(!changeLimits(
                *broker, {{"max_inflight", integerValue(7)}, {"max_packet_size", integerValue(1)}},
                &why));
            QVERIFY(!changeOverrides(
                *broker, Broker::OverrideScope::User, "u1",
                {{"max_inflight", integerValue(7)}, {"max_connections", integerValue(1)}}, &why));
        }
        auto broker = start(directory);
        QCOMPARE(broker->broker().limits()->maxInflight, std::uint16_t(20));
        QVERIFY(broker->broker().overrides(Broker::OverrideScope::User).empty());
    }

    // The dead-letter store's bounds are limits like the others: restored, and applied to it.
    void deadLetterBoundsSurviveRestart()
    {
        DataDirectory directory;
        std::string why;
        {
            auto broker = start(directory);
            QVERIFY2(changeLimits(*broker,
                                  {{"dead_letter_max_entries", integerValue(42)},
                                   {"dead_letter_max_bytes", integerValue(4096)}},
                                  &why),
                     msg(why));
        }
        auto broker = start(directory);
        const auto stats = deadLetterStats(broker->broker());
        QVERIFY(stats);
        QCOMPARE(stats->maxEntries, std::uint64_t(42));
        QCOMPARE(stats->maxBytes, std::uint64_t(4096));
    }

#ifdef SB_LIMITS_SQLITE
    // A persistent session restored at start, offline, follows its client id's override (here
    // a queue bound of 2) like any other session, not the global value.
    void overrideAppliesToRestoredSession()
    {
        DataDirectory directory;
        std::string why;
        {
            auto broker = start(directory);
            auto parked = acceptedClient(broker->port(),
                                         connectPacket("parked", Version::V5, false, 3600), &why);
            QVERIFY2(parked, msg(why));
            QVERIFY(parked->subscribe("q/#", 1));
            QVERIFY(parked->disconnect());
            QVERIFY2(changeOverrides(*broker, Broker::OverrideScope::Client, "parked",
                                     {{ "max_queue_messages",
                                        integerValue(2) }},
                                     &why),
                     msg(why));
        }
        auto broker = start(directory);
        QVERIFY(broker->broker().findSession("parked"));
        auto publisher = acceptedClient(broker->port(), connectPacket("pub"), &why);
        QVERIFY2(publisher, msg(why));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(publisher->publish("q/t", std::to_string(i), 1));
        }
        QVERIFY2(waitForDeadLetters(broker->broker(), 1, 2s),
                 "the restored session took a third message over its override of 2");
        const auto letters = deadLettersMatching(broker->broker());
        QCOMPARE(letters.size(), std::size_t(1));
        QCOMPARE(letters.front().message->payload, std::string("2"));
    }
#endif
};

QTEST_GUILESS_MAIN(TestLimitsPersistence)
#include "TestLimitsPersistence.moc"
