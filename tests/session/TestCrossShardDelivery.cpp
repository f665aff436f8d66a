// Deliveries from a connection on one shard to a session owned by another go through that
// session's inbox. What one read of the publisher's socket routes there is handed over at the
// end of the read, in order, with one wake-up of the other shard (not one per message), and
// the same holds for bytes a paused publisher's protocol held and processes on resume.

#include <QtTest/QTest>

#include "tests/session/CoreHarness.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using protocol::Version;

namespace {

// A broker with two shards, each with its own manually run executor.
struct TwoShards
{
    TwoShards()
        : broker(core::Limits{}, clock, 2)
    {
        broker.shard(0).setExecutor(&executors[0]);
        broker.shard(1).setExecutor(&executors[1]);
    }

    void runAll()
    {
        while (executors[0].pending() + executors[1].pending() > 0) {
            executors[0].runAll();
            executors[1].runAll();
        }
    }

    std::unique_ptr<test::FakeConnection> connect(unsigned shard, const std::string& clientId)
    {
        auto connection = std::make_unique<test::FakeConnection>(broker.shard(shard), Version::V5);
        protocol::Connect connect;
        connect.version = Version::V5;
        connect.clientId = clientId;
        connect.keepAlive = 60;
        connection->send(connect);
        runAll();
        return connection;
    }

    // Subscribes `connection` to t/# at QoS 0 and lets the SUBACK go out.
    void subscribeToAll(test::FakeConnection& connection)
    {
        protocol::Subscribe subscribe;
        subscribe.packetId = 1;
        subscribe.subscriptions.push_back(
            {"t/#", {0, false, false, protocol::RetainHandling::SendOnSubscribe}});
        connection.send(subscribe);
        runAll();
    }

    core::ManualClock clock;
    test::InlineExecutor executors[2];
    core::Broker broker;
};

std::string publishBytes(const std::string& topic, const std::string& payload)
{
    protocol::Publish publish;
    publish.topic = topic;
    publish.payload = payload;
    return protocol::encodeToString(publish, Version::V5);
}

} // namespace

class TestCrossShardDelivery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneReadIsHandedOverOnceAndInOrder()
    {
        TwoShards t;
        auto subscriber = t.connect(1, "subscriber");
        t.subscribeToAll(*subscriber);
        QCOMPARE(subscriber->receivedOf<protocol::Suback>().size(), std::size_t(1));
        const core::SessionPtr session = subscriber->client().session();
        QVERIFY(session != nullptr);
        QCOMPARE(&session->owner(), &t.broker.shard(1));

        auto publisher = t.connect(0, "publisher");
        std::string read;
        for (int i = 0; i < 5; ++i) {
            read += publishBytes("t/" + std::to_string(i), "m" + std::to_string(i));
        }
        const std::size_t tasksBefore = t.executors[1].pending();
        publisher->sendRaw(read);

        // After the read: everything is in the inbox, and the other shard was woken once.
        QCOMPARE(session->queuedCount(), std::size_t(0));
        QVERIFY(!session->inboxEmpty());
        QCOMPARE(t.executors[1].pending(), tasksBefore + 1);

        t.runAll();
        const auto delivered = subscriber->receivedOf<protocol::Publish>();
        QCOMPARE(delivered.size(), std::size_t(5));
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(delivered[static_cast<std::size_t>(i)].payload, "m" + std::to_string(i));
        }
        QVERIFY(session->inboxEmpty());
    }

    void deliveriesOnTheSameShardStayDirect()
    {
        TwoShards t;
        auto subscriber = t.connect(0, "local-subscriber");
        t.subscribeToAll(*subscriber);
        subscriber->received();

        auto publisher = t.connect(0, "local-publisher");
        publisher->sendRaw(publishBytes("t/a", "one") + publishBytes("t/b", "two"));
        // Same shard: written during the read itself, no task needed.
        const auto delivered = subscriber->receivedOf<protocol::Publish>();
        QCOMPARE(delivered.size(), std::size_t(2));
        QCOMPARE(delivered[0].payload, std::string("one"));
        QCOMPARE(delivered[1].payload, std::string("two"));
    }
};

QTEST_GUILESS_MAIN(TestCrossShardDelivery)
#include "TestCrossShardDelivery.moc"
