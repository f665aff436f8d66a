#include <algorithm>
#include <string>
#include <vector>

#include <QtTest/QTest>

#include "broker/storage/SqliteStore.h"
#include "tests/storage/StoreTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace std::chrono_literals;
using State = core::StoredDelivery::State;
using Retained = core::Persistence::PublishWrite::Retained;

Q_DECLARE_METATYPE(core::Durability)

// Everything the store keeps comes back after close + recover, exactly; rows that should go,
// go. Run in both durability modes where the mode could make a difference.
class TestSqliteStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sessionsRoundTrip();
    void subscriptionsRoundTrip();
    void messageWithEveryPropertyRoundTrips_data();
    void messageWithEveryPropertyRoundTrips();
    void queueRowsKeepTheirStateAcrossRestart();
    void inboundQos2RoundTrips();
    void retainedSetReplaceAndClear();
    void retainedExpiredWhileDownIsDropped();
    void sessionIdsAreNeverReused();
    void messageRowGoesWithItsLastQueueRow();
    void deleteSessionTakesItsRowsWithIt();
    void rowsForUnknownSessionsWaitForTheirSession();
    void expiredSessionsAreRemovedByRecover();
    void recoverLoadsOnePagePerSessionAndCountsTheRest();
    void recoveredFanOutSharesOneMessage();
    void loadQueuePageHonoursCursorAndLimit();
    void moveDeliveryGivesANewLaterId();
};

void TestSqliteStore::sessionsRoundTrip()
{
    test::StoreFixture fixture;
    QVERIFY(fixture.isValid());
    fixture.open();
    auto& clock = fixture.clock();

    auto withWill = test::makeSession(clock, 1, "with-will");
    withWill.expiryInterval = 0xFFFFFFFF;
    withWill.will =
        protocol::Will{"will/topic", std::string("gone\0!", 6), 2, true, test::everyWillProperty()};
    auto plain = test::makeSession(clock, 2, "plain");
    plain.version = protocol::Version::V311;
    plain.expiresAt = test::storedPrecision(clock.wallNow() + 1h);
    auto sameClient = test::makeSession(clock, 3, "plain"); // a newer generation, same client id
    sameClient.will = protocol::Will{"w", "", 0, false, {}};

    fixture.store().saveSession(withWill);
    fixture.store().saveSession(plain);
    fixture.store().saveSession(sameClient);
    plain.expiryInterval = 120; // saved again: replaced, not duplicated
    fixture.store().saveSession(plain);

    const auto state = fixture.reopen();
    QCOMPARE(state.sessions.size(), std::size_t{3});
    const std::vector<core::SessionRecord> expected{withWill, plain, sameClient};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& got = state.sessions[i];
        const auto& want = expected[i];
        QCOMPARE(got.sessionId, want.sessionId);
        QCOMPARE(got.clientId, want.clientId);
        QCOMPARE(got.expiryInterval, want.expiryInterval);
        QVERIFY(got.expiresAt == want.expiresAt);
        QVERIFY(got.version == want.version);
        QVERIFY(got.createdAt == want.createdAt);
        QCOMPARE(got.will.has_value(), want.will.has_value());
        if (want.will) {
            QVERIFY2(*got.will == *want.will, want.clientId.c_str());
        }
    }
    QCOMPARE(state.maxSessionId, std::uint64_t{3});
}

void TestSqliteStore::subscriptionsRoundTrip()
{
    test::StoreFixture fixture;
    fixture.open();
    fixture.store().saveSession(test::makeSession(fixture.clock(), 1, "c"));
    using protocol::RetainHandling;
    const std::vector<core::SubscriptionRecord> subscriptions{
        {1, "$share/group/sensors/#", {{1, false, false, RetainHandling::SendOnSubscribe}, 0}},
        {1, "a/+/c", {{2, true, true, RetainHandling::DoNotSend}, 268'435'455}},
        {1, "b", {{0, false, true, RetainHandling::SendOnNewSubscribe}, 5}},
    };
    for (const auto& subscription : subscriptions) {
        fixture.store().saveSubscription(subscription);
    }
    fixture.store().saveSubscription({1, "gone", {}});
    fixture.store().deleteSubscription(1, "gone");
    auto changed = subscriptions[2];
    changed.subscription.identifier = 6;
    fixture.store().saveSubscription(changed); // replaces, keeps one row per filter

    const auto state = fixture.reopen();
    QCOMPARE(state.subscriptions.size(), subscriptions.size());
    for (std::size_t i = 0; i < subscriptions.size(); ++i) {
        const auto& want = i == 2 ? changed : subscriptions[i];
        QCOMPARE(state.subscriptions[i].sessionId, want.sessionId);
        QCOMPARE(state.subscriptions[i].filter, want.filter);
        QVERIFY(state.subscriptions[i].subscription.options == want.subscription.options);
        QCOMPARE(state.subscriptions[i].subscription.identifier, want.subscription.identifier);
    }
}

void TestSqliteStore::messageWithEveryPropertyRoundTrips_data()
{
    QTest::addColumn<core::Durability>("mode");
    QTest::newRow("sync") << core::Durability::Sync;
    QTest::newRow("async") << core::Durability::Async;
}

void TestSqliteStore::messageWithEveryPropertyRoundTrips()
{
    QFETCH(core::Durability, mode);
    test::StoreFixture fixture;
    fixture.open(mode);
    auto& clock = fixture.clock();
    fixture.store().saveSession(test::makeSession(clock, 1, "c"));

    auto message = test::makeMessage(clock, "sensors/1/temp", std::string("\x00\x01payload", 9), 2);
    message->properties = test::everyPublishProperty();
    message->retain = true;
    message->expiresAt = message->receivedAt + 3600s;
    auto write = test::publishTo(message, {1});
    write.rows[0].subscriptionIds = {3, 9};
    write.rows[0].sharedFilter = "$share/g/sensors/#";
    write.rows[0].retain = true;
    test::AppliedLog applied;
    write.onApplied = applied.callback(1);
    fixture.store().submit(std::move(write));
    fixture.store().flush();
    QCOMPARE(applied.entries().size(), std::size_t{1});
    QVERIFY(applied.entries()[0].ok);
    const std::uint64_t messageId = applied.entries()[0].messageId;
    QVERIFY(messageId > 0);

    clock.advance(10s); // the restart happens a little later
    const auto state = fixture.reopen();
    QCOMPARE(state.queues.size(), std::size_t{1});
    const auto& queue = state.queues.at(1);
    QCOMPARE(queue.deliveries.size(), std::size_t{1});
    QCOMPARE(queue.moreOnDisk, std::uint64_t{0});
    const auto& row = queue.deliveries[0];
    QCOMPARE(row.sessionId, std::uint64_t{1});
    QCOMPARE(row.messageId, messageId);
    QCOMPARE(int(row.qos), 2);
    QVERIFY(row.retain);
    QVERIFY(row.subscriptionIds == std::vector<std::uint32_t>({3, 9}));
    QCOMPARE(row.sharedFilter, std::string("$share/g/sensors/#"));
    QVERIFY(row.message);
    const std::string difference = test::messageDifference(*message, *row.message);
    QVERIFY2(difference.empty(), difference.c_str());
    QCOMPARE(row.message->storeId, messageId);
    // Ten seconds have passed on both clocks: the message is ten seconds older (to the
    // millisecond the wall time is stored with).
    const auto age = clock.now() - row.message->receivedAt;
    QVERIFY(age > 10s - 1ms && age <= 10s + 1ms);
}

void TestSqliteStore::queueRowsKeepTheirStateAcrossRestart()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& clock = fixture.clock();
    auto& store = fixture.store();
    store.saveSession(test::makeSession(clock, 1, "c"));
    test::AppliedLog applied;
    for (int i = 0; i < 3; ++i) {
        auto write =
            test::publishTo(test::makeMessage(clock, "t", "m" + std::to_string(i), 2), {1});
        write.onApplied = applied.callback(i);
        store.submit(std::move(write));
    }
    store.flush();
    const auto entries = applied.entries();
    QCOMPARE(entries.size(), std::size_t{3});
    store.markSent(1, entries[1].messageId, 17, 2);
    store.markSent(1, entries[2].messageId, 18, 1);
    store.markReleased(1, entries[2].messageId, {});

    const auto state = fixture.reopen();
    const auto& rows = state.queues.at(1).deliveries;
    QCOMPARE(rows.size(), std::size_t{3});
    QVERIFY(rows[0].state == State::Queued);
    QCOMPARE(rows[0].packetId, std::uint16_t{0});
    QCOMPARE(rows[0].attempts, std::uint32_t{0});
    QVERIFY(rows[1].state == State::Sent);
    QCOMPARE(rows[1].packetId, std::uint16_t{17});
    QCOMPARE(rows[1].attempts, std::uint32_t{2});
    QVERIFY(rows[2].state == State::Released);
    QCOMPARE(rows[2].packetId, std::uint16_t{18});
    QCOMPARE(rows[2].message->payload, std::string("m2"));
}

void TestSqliteStore::inboundQos2RoundTrips()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 4, "publisher"));
    for (const std::uint16_t packetId :
         {std::uint16_t{1}, std::uint16_t{65535}, std::uint16_t{9}}) {
        core::Persistence::PublishWrite write;
        write.message = test::makeMessage(fixture.clock(), "t", "x", 2);
        write.inboundQos2 = std::make_pair(std::uint64_t{4}, packetId);
        store.submit(std::move(write));
    }
    store.removeInboundQos2(4, 9);
    const auto state = fixture.reopen();
    const std::vector<std::pair<std::uint64_t, std::uint16_t>> expected{{4, 1}, {4, 65535}};
    QVERIFY(state.inboundQos2 == expected);
    QVERIFY(state.queues.empty()); // no rows, so no message rows either
    QCOMPARE(fixture.countRows("messages"), std::int64_t{0});
}

void TestSqliteStore::retainedSetReplaceAndClear()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& clock = fixture.clock();
    auto& store = fixture.store();
    const auto retain = [&](const std::string& topic, const std::string& payload, Retained how) {
        auto message = test::makeMessage(clock, topic, payload, 1);
        message->retain = true;
        message->properties = test::everyPublishProperty();
        core::Persistence::PublishWrite write;
        write.message = message;
        write.retained = how;
        store.submit(std::move(write));
        return message;
    };
    retain("a", "first", Retained::Set);
    const auto replaced = retain("a", "second", Retained::Set);
    retain("b", "kept", Retained::Set);
    retain("c", "cleared", Retained::Set);
    retain("c", "", Retained::Clear);
    retain("d", "by admin", Retained::Set);
    store.deleteRetained("d");

    const auto state = fixture.reopen();
    QCOMPARE(state.retained.size(), std::size_t{2});
    const std::string difference = test::messageDifference(*replaced, *state.retained[0]);
    QVERIFY2(difference.empty(), difference.c_str());
    QCOMPARE(state.retained[1]->topic, std::string("b"));
    QVERIFY(state.retained[1]->retain);
}

void TestSqliteStore::retainedExpiredWhileDownIsDropped()
{
    test::StoreFixture fixture;
    fixture.open();
    auto message = test::makeMessage(fixture.clock(), "short/lived", "x", 0);
    message->retain = true;
    message->expiresAt = message->receivedAt + 30s;
    core::Persistence::PublishWrite write;
    write.message = message;
    write.retained = Retained::Set;
    fixture.store().submit(std::move(write));
    fixture.clock().advance(1min);
    QVERIFY(fixture.reopen().retained.empty());
}

void TestSqliteStore::sessionIdsAreNeverReused()
{
    test::StoreFixture fixture;
    fixture.open();
    fixture.store().saveSession(test::makeSession(fixture.clock(), 10, "a"));
    fixture.store().saveSession(test::makeSession(fixture.clock(), 11, "b"));
    fixture.store().deleteSession(11);
    const auto state = fixture.reopen();
    QCOMPARE(state.sessions.size(), std::size_t{1});
    QCOMPARE(state.maxSessionId, std::uint64_t{11});
}

void TestSqliteStore::messageRowGoesWithItsLastQueueRow()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    for (std::uint64_t id : {1, 2, 3}) {
        store.saveSession(test::makeSession(fixture.clock(), id, "c" + std::to_string(id)));
    }
    test::AppliedLog applied;
    auto write = test::publishTo(test::makeMessage(fixture.clock(), "t", "fan-out"), {1, 2, 3});
    write.onApplied = applied.callback(0);
    store.submit(std::move(write));
    store.flush();
    const std::uint64_t messageId = applied.entries().at(0).messageId;
    QCOMPARE(fixture.countRows("messages"), std::int64_t{1});
    QCOMPARE(fixture.countRows("queue"), std::int64_t{3});

    store.removeDelivery(1, messageId);
    store.removeDelivery(2, messageId);
    store.flush();
    QCOMPARE(fixture.countRows("messages"), std::int64_t{1}); // session 3 still has it
    store.removeDelivery(3, messageId);
    store.flush();
    QCOMPARE(fixture.countRows("queue"), std::int64_t{0});
    QCOMPARE(fixture.countRows("messages"), std::int64_t{0});
}

void TestSqliteStore::deleteSessionTakesItsRowsWithIt()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "going"));
    store.saveSession(test::makeSession(fixture.clock(), 2, "staying"));
    store.saveSubscription({1, "a", {}});
    store.saveSubscription({2, "a", {}});
    store.submit(test::publishTo(test::makeMessage(fixture.clock(), "a", "shared"), {1, 2}));
    store.submit(test::publishTo(test::makeMessage(fixture.clock(), "a", "only 1"), {1}));
    core::Persistence::PublishWrite inbound;
    inbound.message = test::makeMessage(fixture.clock(), "a", "x", 2);
    inbound.inboundQos2 = std::make_pair(std::uint64_t{1}, std::uint16_t{5});
    store.submit(std::move(inbound));
    store.deleteSession(1);
    store.flush();
    QCOMPARE(fixture.countRows("sessions"), std::int64_t{1});
    QCOMPARE(fixture.countRows("subscriptions"), std::int64_t{1});
    QCOMPARE(fixture.countRows("queue"), std::int64_t{1});
    QCOMPARE(fixture.countRows("messages"), std::int64_t{1}); // "only 1" went with its row
    QCOMPARE(fixture.countRows("inbound_qos2"), std::int64_t{0});
}

// The core may route a message to a session whose saveSession() is queued just behind the
// publish, or whose deleteSession() is queued just before it: the rows are kept, and those
// still without a session at the next start are cleaned up then.
void TestSqliteStore::rowsForUnknownSessionsWaitForTheirSession()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    test::AppliedLog applied;
    auto early = test::publishTo(test::makeMessage(fixture.clock(), "t", "early"), {1, 5});
    early.onApplied = applied.callback(0);
    store.submit(std::move(early));
    store.saveSubscription({5, "t", {}});
    store.saveSession(test::makeSession(fixture.clock(), 5, "saved just after"));
    auto ghost = test::publishTo(test::makeMessage(fixture.clock(), "t", "ghost"), {99});
    ghost.onApplied = applied.callback(1);
    store.submit(std::move(ghost));
    store.saveSubscription({99, "t", {}});
    core::Persistence::PublishWrite inbound;
    inbound.message = test::makeMessage(fixture.clock(), "t", "x", 2);
    inbound.inboundQos2 = std::make_pair(std::uint64_t{99}, std::uint16_t{1});
    store.submit(std::move(inbound));
    store.flush();
    QVERIFY(applied.entries().at(0).ok);
    QVERIFY(applied.entries().at(1).ok);
    QCOMPARE(fixture.countRows("queue"), std::int64_t{3});

    const auto state = fixture.reopen();
    QCOMPARE(state.queues.at(5).deliveries.at(0).message->payload, std::string("early"));
    QCOMPARE(state.subscriptions.size(), std::size_t{1});
    QVERIFY(state.inboundQos2.empty());
    QCOMPARE(fixture.countRows("queue"), std::int64_t{2});
    QCOMPARE(fixture.countRows("messages"), std::int64_t{1});
}

void TestSqliteStore::expiredSessionsAreRemovedByRecover()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& clock = fixture.clock();
    auto& store = fixture.store();
    auto expiring = test::makeSession(clock, 1, "expiring");
    expiring.expiresAt = clock.wallNow() + 30s;
    auto later = test::makeSession(clock, 2, "later");
    later.expiresAt = clock.wallNow() + 2h;
    auto online = test::makeSession(clock, 3, "online"); // no expiry while connected
    for (const auto& session : {expiring, later, online}) {
        store.saveSession(session);
        store.saveSubscription({session.sessionId, "t", {}});
    }
    store.submit(test::publishTo(test::makeMessage(clock, "t", "to all"), {1, 2, 3}));
    store.submit(test::publishTo(test::makeMessage(clock, "t", "to 1"), {1}));
    core::Persistence::PublishWrite inbound;
    inbound.message = test::makeMessage(clock, "t", "x", 2);
    inbound.inboundQos2 = std::make_pair(std::uint64_t{1}, std::uint16_t{3});
    store.submit(std::move(inbound));

    clock.advance(1min);
    const auto state = fixture.reopen();
    QCOMPARE(state.sessions.size(), std::size_t{2});
    QCOMPARE(state.sessions[0].clientId, std::string("later"));
    QCOMPARE(state.sessions[1].clientId, std::string("online"));
    QCOMPARE(state.subscriptions.size(), std::size_t{2});
    QVERIFY(state.inboundQos2.empty());
    QVERIFY(!state.queues.contains(1));
    QCOMPARE(state.queues.at(2).deliveries.size(), std::size_t{1});
    QCOMPARE(fixture.countRows("messages"), std::int64_t{1});
    QCOMPARE(state.maxSessionId, std::uint64_t{3});
}

void TestSqliteStore::recoverLoadsOnePagePerSessionAndCountsTheRest()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "deep"));
    store.saveSession(test::makeSession(fixture.clock(), 2, "shallow"));
    for (int i = 0; i < 25; ++i) {
        store.submit(test::publishTo(test::makeMessage(fixture.clock(), "t", std::to_string(i)),
                                     i < 3 ? std::vector<std::uint64_t>{1, 2}
                                           : std::vector<std::uint64_t>{1}));
    }
    const auto state = fixture.reopen(10);
    const auto& deep = state.queues.at(1);
    QCOMPARE(deep.deliveries.size(), std::size_t{10});
    QCOMPARE(deep.moreOnDisk, std::uint64_t{15});
    for (std::size_t i = 0; i < deep.deliveries.size(); ++i) {
        QCOMPARE(deep.deliveries[i].message->payload, std::to_string(i));
        if (i > 0) {
            QVERIFY(deep.deliveries[i].messageId > deep.deliveries[i - 1].messageId);
        }
    }
    QCOMPARE(state.queues.at(2).deliveries.size(), std::size_t{3});
    QCOMPARE(state.queues.at(2).moreOnDisk, std::uint64_t{0});
}

void TestSqliteStore::recoveredFanOutSharesOneMessage()
{
    test::StoreFixture fixture;
    fixture.open();
    for (std::uint64_t id = 1; id <= 3; ++id) {
        fixture.store().saveSession(test::makeSession(fixture.clock(), id, std::to_string(id)));
    }
    fixture.store().submit(test::publishTo(
        test::makeMessage(fixture.clock(), "t", std::string(10000, 'p')), {1, 2, 3}));
    const auto state = fixture.reopen();
    const auto* first = state.queues.at(1).deliveries.at(0).message.get();
    QCOMPARE(state.queues.at(2).deliveries.at(0).message.get(), first);
    QCOMPARE(state.queues.at(3).deliveries.at(0).message.get(), first);
}

void TestSqliteStore::loadQueuePageHonoursCursorAndLimit()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "c"));
    test::AppliedLog applied;
    for (int i = 0; i < 10; ++i) {
        auto write =
            test::publishTo(test::makeMessage(fixture.clock(), "t", std::to_string(i)), {1});
        write.onApplied = applied.callback(i);
        store.submit(std::move(write));
    }
    store.flush();
    const auto ids = applied.entries();

    const auto first = test::loadPage(store, 1, 0, 4);
    QVERIFY(first);
    QCOMPARE(first->size(), std::size_t{4});
    QCOMPARE(first->back().messageId, ids[3].messageId);
    const auto second = test::loadPage(store, 1, first->back().messageId, 4);
    QVERIFY(second);
    QCOMPARE(second->size(), std::size_t{4});
    QCOMPARE(second->front().messageId, ids[4].messageId);
    QCOMPARE(second->front().message->payload, std::string("4"));
    const auto last = test::loadPage(store, 1, second->back().messageId, 4);
    QVERIFY(last);
    QCOMPARE(last->size(), std::size_t{2});
    const auto none = test::loadPage(store, 1, last->back().messageId, 4);
    QVERIFY(none);
    QVERIFY(none->empty());
    const auto otherSession = test::loadPage(store, 2, 0, 4);
    QVERIFY(otherSession && otherSession->empty());
}

void TestSqliteStore::moveDeliveryGivesANewLaterId()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    store.saveSession(test::makeSession(fixture.clock(), 1, "departed"));
    store.saveSession(test::makeSession(fixture.clock(), 2, "member"));
    test::AppliedLog applied;
    auto shared = test::publishTo(test::makeMessage(fixture.clock(), "s", "shared one"), {1});
    shared.rows[0].sharedFilter = "$share/g/s";
    shared.onApplied = applied.callback(0);
    store.submit(std::move(shared));
    auto own = test::publishTo(test::makeMessage(fixture.clock(), "s", "member's own"), {2});
    own.onApplied = applied.callback(1);
    store.submit(std::move(own));
    store.flush();

    auto page = test::loadPage(store, 1, 0, 10);
    QVERIFY(page && page->size() == 1);
    auto moving = page->front();
    moving.message.reset(); // as if paged out: the store copies the stored row
    store.moveDelivery(moving, 2, applied.callback(2));
    auto ghost = page->front();
    ghost.message.reset(); // neither in memory nor on disk any more (moved just above)
    store.moveDelivery(ghost, 2, applied.callback(3));
    store.flush();
    const auto entries = applied.entries();
    QCOMPARE(entries.size(), std::size_t{4});
    QVERIFY(entries[2].ok);
    QVERIFY(entries[2].messageId > entries[1].messageId);
    QVERIFY(!entries[3].ok);

    const auto state = fixture.reopen();
    QVERIFY(!state.queues.contains(1));
    const auto& rows = state.queues.at(2).deliveries;
    QCOMPARE(rows.size(), std::size_t{2});
    QCOMPARE(rows[1].message->payload, std::string("shared one"));
    QCOMPARE(rows[1].sharedFilter, std::string("$share/g/s"));
    QCOMPARE(fixture.countRows("messages"), std::int64_t{2});
}

QTEST_GUILESS_MAIN(TestSqliteStore)
#include "TestSqliteStore.moc"
