#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <QtTest/QTest>

#include "broker/core/RetainedStore.h"
#include "broker/core/Topic.h"
#include "tests/core/TopicMatchCases.h"
#include "tests/support/TestPrinters.h"

using namespace sb::core;

namespace {

std::string_view view(const QByteArray& bytes)
{
    return {bytes.constData(), static_cast<std::size_t>(bytes.size())};
}

QByteArray bytes(std::string_view text)
{
    return {text.data(), static_cast<qsizetype>(text.size())};
}

MessagePtr message(std::string topicName, std::string payload)
{
    auto built = std::make_shared<Message>();
    built->topic = std::move(topicName);
    built->payload = std::move(payload);
    built->retain = true;
    return built;
}

// Topics of the messages `filter` finds, in the order the store reports them.
QByteArrayList matchedTopics(const RetainedStore& store, std::string_view filter)
{
    QByteArrayList topics;
    store.match(filter, [&](const MessagePtr& m) { topics.append(bytes(m->topic)); });
    return topics;
}

QByteArrayList allTopics(const RetainedStore& store)
{
    QByteArrayList topics;
    store.forEach([&](const MessagePtr& m) { topics.append(bytes(m->topic)); });
    return topics;
}

// The topics every match test starts from.
const std::vector<std::string>& fixtureTopics()
{
    static const std::vector<std::string> topics = {
        "sport",
        "sport/tennis",
        "sport/tennis/player1",
        "sport/tennis/player1/ranking",
        "sport/tennis/player2",
        "sport/golf",
        "sport/",
        "news",
        "/finance",
        "/",
        "a//b",
        "$SYS/broker/uptime",
        "$SYS/monitor/Clients",
        "$foo",
        "x/$bar",
    };
    return topics;
}

} // namespace

// Retained messages by topic: set, replace, clear, wildcard lookup, counters and pruning.
class TestRetainedStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void setGetReplaceClear();
    void countsAndBytes_data();
    void countsAndBytes();
    void match_data();
    void match();
    void matchTable_data();
    void matchTable();
    void randomFiltersAgreeWithTopicMatches();
    void forEachVisitsAllInOrder();
    void clearPrunesEmptyNodes();
    void messagesAreSharedNotCopied();
};

void TestRetainedStore::setGetReplaceClear()
{
    RetainedStore store;
    QVERIFY(store.get("a/b") == nullptr);

    const auto first = message("a/b", "one");
    QVERIFY(store.set(first) == nullptr);
    QCOMPARE(store.get("a/b"), first);
    QVERIFY(store.get("a") == nullptr); // an inner node has no message of its own
    QVERIFY(store.get("a/b/c") == nullptr);
    QVERIFY(store.get("a/b/") == nullptr);

    const auto second = message("a/b", "two");
    QCOMPARE(store.set(second), first);
    QCOMPARE(store.get("a/b"), second);
    QCOMPARE(store.size(), std::size_t(1));

    QVERIFY(store.clear("a") == nullptr); // not a retained topic, only a level on the way
    QVERIFY(store.clear("a/b/c") == nullptr);
    QVERIFY(store.clear("x") == nullptr);
    QCOMPARE(store.size(), std::size_t(1));

    QCOMPARE(store.clear("a/b"), second);
    QVERIFY(store.get("a/b") == nullptr);
    QVERIFY(store.clear("a/b") == nullptr);
    QCOMPARE(store.size(), std::size_t(0));
}

void TestRetainedStore::countsAndBytes_data()
{
    // Each operation is "set <topic> <payload>" or "clear <topic>"; after all of them the store
    // must hold `count` messages and `bytes` payload bytes.
    QTest::addColumn<QByteArrayList>("operations");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("bytes");

    QTest::newRow("empty") << QByteArrayList{} << 0 << 0;
    QTest::newRow("one") << QByteArrayList{"set a 12345"} << 1 << 5;
    QTest::newRow("two topics") << QByteArrayList{"set a 12345", "set b 123"} << 2 << 8;
    QTest::newRow("replace with larger") << QByteArrayList{"set a 1", "set a 1234567"} << 1 << 7;
    QTest::newRow("replace with smaller") << QByteArrayList{"set a 1234567", "set a 12"} << 1 << 2;
    QTest::newRow("parent and child")
        << QByteArrayList{"set a 1", "set a/b 22", "set a/b/c 333"} << 3 << 6;
    QTest::newRow("clear one of two")
        << QByteArrayList{"set a 1", "set a/b 22", "clear a"} << 1 << 2;
    QTest::newRow("clear missing") << QByteArrayList{"set a 1", "clear b", "clear a/b"} << 1 << 1;
    QTest::newRow("clear twice") << QByteArrayList{"set a 1", "clear a", "clear a"} << 0 << 0;
    QTest::newRow("set after clear")
        << QByteArrayList{"set a 1", "clear a", "set a 4444"} << 1 << 4;
    QTest::newRow("empty levels are distinct topics")
        << QByteArrayList{"set a 1", "set a/ 22", "set /a 333", "set a//b 4444"} << 4 << 10;
}

void TestRetainedStore::countsAndBytes()
{
    QFETCH(QByteArrayList, operations);
    QFETCH(int, count);
    QFETCH(int, bytes);

    RetainedStore store;
    for (const auto& operation : operations) {
        const auto parts = operation.split(' ');
        if (parts[0] == "set") {
            store.set(message(parts[1].toStdString(), parts[2].toStdString()));
        } else {
            store.clear(view(parts[1]));
        }
    }
    QCOMPARE(store.size(), std::size_t(count));
    QCOMPARE(store.payloadBytes(), std::size_t(bytes));
    QCOMPARE(allTopics(store).size(), qsizetype(count));
}

void TestRetainedStore::match_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArrayList>("expected"); // in store order: levels sorted byte-wise

    QTest::newRow("exact") << QByteArray("sport/tennis") << QByteArrayList{"sport/tennis"};
    QTest::newRow("exact, absent") << QByteArray("sport/hockey") << QByteArrayList{};
    QTest::newRow("exact, inner level only")
        << QByteArray("sport/tennis/player1/ranking/x") << QByteArrayList{};
    QTest::newRow("sport/# includes sport") << QByteArray("sport/#")
                                            << QByteArrayList{"sport",
                                                              "sport/",
                                                              "sport/golf",
                                                              "sport/tennis",
                                                              "sport/tennis/player1",
                                                              "sport/tennis/player1/ranking",
                                                              "sport/tennis/player2"};
    QTest::newRow("sport/tennis/+")
        << QByteArray("sport/tennis/+")
        << QByteArrayList{"sport/tennis/player1", "sport/tennis/player2"};
    QTest::newRow("sport/+ includes sport/")
        << QByteArray("sport/+") << QByteArrayList{"sport/", "sport/golf", "sport/tennis"};
    QTest::newRow("+ skips $ topics") << QByteArray("+") << QByteArrayList{"news", "sport"};
    QTest::newRow("+/+") << QByteArray("+/+")
                         << QByteArrayList{"/",          "/finance",     "sport/",
                                           "sport/golf", "sport/tennis", "x/$bar"};
    QTest::newRow("# skips $ topics") << QByteArray("#")
                                      << QByteArrayList{"/",
                                                        "/finance",
                                                        "a//b",
                                                        "news",
                                                        "sport",
                                                        "sport/",
                                                        "sport/golf",
                                                        "sport/tennis",
                                                        "sport/tennis/player1",
                                                        "sport/tennis/player1/ranking",
                                                        "sport/tennis/player2",
                                                        "x/$bar"};
    QTest::newRow("$SYS/#") << QByteArray("$SYS/#")
                            << QByteArrayList{"$SYS/broker/uptime", "$SYS/monitor/Clients"};
    QTest::newRow("$SYS/+/Clients")
        << QByteArray("$SYS/+/Clients") << QByteArrayList{"$SYS/monitor/Clients"};
    QTest::newRow("+/monitor/Clients skips $SYS")
        << QByteArray("+/monitor/Clients") << QByteArrayList{};
    QTest::newRow("$foo exact") << QByteArray("$foo") << QByteArrayList{"$foo"};
    QTest::newRow("$ deeper than the first level") << QByteArray("x/+") << QByteArrayList{"x/$bar"};
    QTest::newRow("/+") << QByteArray("/+") << QByteArrayList{"/", "/finance"};
    QTest::newRow("a/+/b") << QByteArray("a/+/b") << QByteArrayList{"a//b"};
    QTest::newRow("+/tennis/#") << QByteArray("+/tennis/#")
                                << QByteArrayList{"sport/tennis", "sport/tennis/player1",
                                                  "sport/tennis/player1/ranking",
                                                  "sport/tennis/player2"};
    QTest::newRow("+/+/+/+") << QByteArray("+/+/+/+")
                             << QByteArrayList{"sport/tennis/player1/ranking"};
}

void TestRetainedStore::match()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArrayList, expected);

    RetainedStore store;
    for (const auto& topicName : fixtureTopics()) {
        store.set(message(topicName, "p"));
    }
    QCOMPARE(matchedTopics(store, view(filter)), expected);
}

void TestRetainedStore::matchTable_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<bool>("matches");

    for (const auto& row : sb::test::topicMatchCases()) {
        QTest::newRow(row.name) << bytes(row.filter) << bytes(row.topic) << row.matches;
    }
}

// The same table the tree and topic::matches answer, seen from the retained side: a topic is
// stored next to a decoy and the filter must find exactly the topic when the table says so.
void TestRetainedStore::matchTable()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, topic);
    QFETCH(bool, matches);

    RetainedStore store;
    store.set(message(topic.toStdString(), "p"));
    store.set(message("zz/decoy", "d"));
    QCOMPARE(matchedTopics(store, view(filter)).contains(topic), matches);
    QCOMPARE(store.size(), std::size_t(2));
}

void TestRetainedStore::randomFiltersAgreeWithTopicMatches()
{
    std::mt19937 random(42);
    auto pick = [&](int low, int high) {
        return std::uniform_int_distribution<int>(low, high)(random);
    };
    static constexpr std::string_view kTopicLevels[] = {"a", "b", "$s", ""};
    static constexpr std::string_view kFilterLevels[] = {"a", "b", "$s", "", "+", "+", "#"};

    RetainedStore store;
    std::set<std::string> stored;
    for (int i = 0; i < 300; ++i) {
        std::string name;
        const int count = pick(1, 5);
        for (int level = 0; level < count; ++level) {
            name += (level == 0 ? "" : "/");
            name += kTopicLevels[static_cast<std::size_t>(pick(0, 3))];
        }
        if (name.empty()) {
            continue; // one empty level is no topic name
        }
        store.set(message(name, std::to_string(i)));
        stored.insert(name);
    }
    QCOMPARE(store.size(), stored.size());

    for (int i = 0; i < 500; ++i) {
        std::string filter;
        const int count = pick(1, 5);
        for (int level = 0; level < count; ++level) {
            auto text = kFilterLevels[static_cast<std::size_t>(pick(0, 6))];
            if (text == "#" && level != count - 1) {
                text = "+";
            }
            filter += (level == 0 ? "" : "/");
            filter += text;
        }
        if (filter.empty()) {
            continue; // one empty level is no filter
        }
        QVERIFY(topic::isValidTopicFilter(filter));
        std::set<std::string> expected;
        for (const auto& name : stored) {
            if (topic::matches(filter, name)) {
                expected.insert(name);
            }
        }
        std::set<std::string> actual;
        std::size_t reported = 0;
        store.match(filter, [&](const MessagePtr& m) {
            actual.insert(m->topic);
            ++reported;
        });
        QVERIFY2(actual == expected, filter.c_str());
        QVERIFY2(reported == actual.size(), filter.c_str()); // each message once
    }
}

void TestRetainedStore::forEachVisitsAllInOrder()
{
    RetainedStore store;
    for (const auto& topicName : fixtureTopics()) {
        store.set(message(topicName, "p"));
    }
    // Depth-first, each level in byte order, a topic before those below it.
    const QByteArrayList expected = {
        "/", // the empty first level sorts first
        "/finance",
        "$SYS/broker/uptime",
        "$SYS/monitor/Clients",
        "$foo",
        "a//b",
        "news",
        "sport",
        "sport/",
        "sport/golf",
        "sport/tennis",
        "sport/tennis/player1",
        "sport/tennis/player1/ranking",
        "sport/tennis/player2",
        "x/$bar",
    };
    QCOMPARE(allTopics(store), expected);
    QCOMPARE(store.size(), fixtureTopics().size());
}

void TestRetainedStore::clearPrunesEmptyNodes()
{
    RetainedStore store;
    store.set(message("a/b/c", "123"));
    store.set(message("a/b", "45"));
    store.set(message("a/x/y/z", "6"));
    QCOMPARE(store.nodeCount(), std::size_t(6)); // a, a/b, a/b/c, a/x, a/x/y, a/x/y/z

    QVERIFY(store.clear("a/b/c") != nullptr);
    QCOMPARE(store.nodeCount(), std::size_t(5)); // a/b still holds a message
    QVERIFY(store.get("a/b") != nullptr);
    QVERIFY(store.clear("a/x/y") == nullptr); // an inner level: nothing removed, nothing pruned
    QCOMPARE(store.nodeCount(), std::size_t(5));
    QVERIFY(store.clear("a/x/y/z") != nullptr);
    QCOMPARE(store.nodeCount(), std::size_t(2)); // z, y and x went together
    QVERIFY(store.clear("a/b") != nullptr);

    QCOMPARE(store.nodeCount(), std::size_t(0));
    QCOMPARE(store.size(), std::size_t(0));
    QCOMPARE(store.payloadBytes(), std::size_t(0));
    QVERIFY(allTopics(store).isEmpty());
    QVERIFY(matchedTopics(store, "#").isEmpty());

    store.set(message("a/b", "x"));
    QCOMPARE(store.nodeCount(), std::size_t(2));
    QCOMPARE(matchedTopics(store, "a/#"), QByteArrayList{"a/b"});
}

// Retained messages are the shared, immutable buffers every queue points to: the store keeps
// the pointer it was given and hands the same one back.
void TestRetainedStore::messagesAreSharedNotCopied()
{
    RetainedStore store;
    auto retained = message("t", std::string(1000, 'x'));
    store.set(retained);
    QCOMPARE(retained.use_count(), 2L);
    const Message* found = nullptr;
    store.match("+", [&](const MessagePtr& m) { found = m.get(); });
    QCOMPARE(found, retained.get());
    QCOMPARE(store.payloadBytes(), std::size_t(1000));
    store.clear("t");
    QCOMPARE(retained.use_count(), 1L);
}

QTEST_APPLESS_MAIN(TestRetainedStore)
#include "TestRetainedStore.moc"
