#include <limits>
#include <string>
#include <vector>

#include <QtTest/QTest>

#include "broker/storage/SqliteStore.h"
#include "tests/storage/StoreTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using Scope = core::StoredLimit::Scope;

namespace {

core::StoredLimit limit(Scope scope, std::string owner, std::string name, std::int64_t value)
{
    return core::StoredLimit{scope, std::move(owner), std::move(name), value};
}

// "scope/owner/name=value; ..." in the order recover() returns them, for readable comparisons.
std::string describe(const std::vector<core::StoredLimit>& limits)
{
    std::string text;
    for (const auto& l : limits) {
        text += text.empty() ? "" : "; ";
        text += std::to_string(static_cast<int>(l.scope)) + "/" + l.owner + "/" + l.name + "=" +
                std::to_string(l.value);
    }
    return text;
}

} // namespace

// Limits changed at runtime are kept across a restart, for each scope, and removed one at a time
// or all of one owner at once.
class TestStoredLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void limitsOfEachScopeRoundTrip();
    void savingAgainReplacesTheValue();
    void deleteOneLimitOrAllOfAnOwner();
    void limitWrittenAfterCloseIsCountedLost();
};

void TestStoredLimits::limitsOfEachScopeRoundTrip()
{
    test::StoreFixture fixture;
    QVERIFY(fixture.isValid());
    QVERIFY(fixture.open().limits.empty());
    const std::vector<core::StoredLimit> saved{
        limit(Scope::Global, "", "max_connections", 5000),
        limit(Scope::Global, "", "max_packet_size", std::numeric_limits<std::int64_t>::max()),
        limit(Scope::User, "alice", "publish_rate", 10),
        limit(Scope::User, "ünïcødé", "publish_rate", -1),
        limit(Scope::Client, "sensor-7", "max_queue_messages", 0),
    };
    for (auto it = saved.rbegin(); it != saved.rend(); ++it) {
        fixture.store().saveLimit(*it); // saved in reverse: recover() orders them itself
    }
    const auto state = fixture.reopen();
    QCOMPARE(describe(state.limits), describe(saved));
    QVERIFY(state.limits == saved);
}

void TestStoredLimits::savingAgainReplacesTheValue()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    store.saveLimit(limit(Scope::Client, "c", "receive_maximum", 10));
    store.saveLimit(limit(Scope::Client, "c", "receive_maximum", 20));
    // The same owner and name in another scope is another limit.
    store.saveLimit(limit(Scope::User, "c", "receive_maximum", 30));
    const auto state = fixture.reopen();
    QCOMPARE(describe(state.limits), std::string("1/c/receive_maximum=30; 2/c/receive_maximum=20"));
}

void TestStoredLimits::deleteOneLimitOrAllOfAnOwner()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    store.saveLimit(limit(Scope::Global, "", "max_connections", 100));
    store.saveLimit(limit(Scope::Global, "", "max_packet_size", 1024));
    store.saveLimit(limit(Scope::User, "alice", "publish_rate", 10));
    store.saveLimit(limit(Scope::User, "alice", "publish_bytes_rate", 1000));
    store.saveLimit(limit(Scope::User, "alice", "max_subscriptions", 5));
    store.saveLimit(limit(Scope::User, "bob", "publish_rate", 20));
    store.saveLimit(limit(Scope::Client, "alice", "publish_rate", 30));

    store.deleteLimit(Scope::User, "alice", "publish_rate");
    store.deleteLimit(Scope::User, "alice", "no_such_limit"); // nothing to delete: no error
    auto state = fixture.reopen();
    QCOMPARE(describe(state.limits),
             std::string("0//max_connections=100; 0//max_packet_size=1024; "
                         "1/alice/max_subscriptions=5; 1/alice/publish_bytes_rate=1000; "
                         "1/bob/publish_rate=20; 2/alice/publish_rate=30"));

    // An empty name removes every limit of that owner in that scope, and nothing else.
    fixture.store().deleteLimit(Scope::User, "alice", "");
    fixture.store().deleteLimit(Scope::Global, "", "");
    state = fixture.reopen();
    QCOMPARE(describe(state.limits), std::string("1/bob/publish_rate=20; 2/alice/publish_rate=30"));
}

void TestStoredLimits::limitWrittenAfterCloseIsCountedLost()
{
    test::StoreFixture fixture;
    fixture.open();
    auto& store = fixture.store();
    store.close();
    store.saveLimit(limit(Scope::Global, "", "max_connections", 1));
    store.deleteLimit(Scope::Global, "", "");
    QCOMPARE(store.lostOperations(), std::uint64_t{2});
}

QTEST_GUILESS_MAIN(TestStoredLimits)
#include "TestStoredLimits.moc"
