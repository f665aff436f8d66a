#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <QtTest/QTest>

#include "broker/core/SubscriptionTree.h"
#include "broker/core/Topic.h"
#include "tests/core/TopicMatchCases.h"
#include "tests/support/TestPrinters.h"

using namespace sb::core;
using sb::protocol::RetainHandling;
using sb::protocol::SubscriptionOptions;

namespace {

using Tree = SubscriptionTree<int>;

std::string_view view(const QByteArray& bytes)
{
    return {bytes.constData(), static_cast<std::size_t>(bytes.size())};
}

QByteArray bytes(std::string_view text)
{
    return {text.data(), static_cast<qsizetype>(text.size())};
}

SubscriptionOptions qos(std::uint8_t value)
{
    SubscriptionOptions options;
    options.qos = value;
    return options;
}

// Plain subscribers matching `topicName`, sorted; one entry per matching filter.
QList<int> plainSubscribers(const Tree& tree, std::string_view topicName)
{
    QList<int> found;
    tree.match(
        topicName, [&](const Tree::Subscription& s) { found.append(s.subscriber); },
        [](const Tree::SharedGroup&) {});
    std::sort(found.begin(), found.end());
    return found;
}

// Shared groups matching `topicName` as "name:member,member", sorted; members in their order.
QByteArrayList groupReports(const Tree& tree, std::string_view topicName)
{
    QByteArrayList found;
    tree.match(
        topicName, [](const Tree::Subscription&) {},
        [&](const Tree::SharedGroup& group) {
            QByteArray text = bytes(group.name) + ':';
            for (std::size_t i = 0; i < group.members.size(); ++i) {
                text += (i == 0 ? "" : ",") + QByteArray::number(group.members[i].subscriber);
            }
            found.append(text);
        });
    std::sort(found.begin(), found.end());
    return found;
}

using Entry = std::tuple<std::string, std::string, int>; // filter, group, subscriber

std::vector<Entry> entries(const Tree& tree)
{
    std::vector<Entry> all;
    tree.forEach([&](std::string_view filter, std::string_view group, const Tree::Subscription& s) {
        all.emplace_back(std::string(filter), std::string(group), s.subscriber);
    });
    return all;
}

std::vector<std::string> splitLevels(std::string_view text)
{
    std::vector<std::string> levels;
    topic::Levels cursor(text);
    while (!cursor.done()) {
        levels.emplace_back(cursor.next());
    }
    return levels;
}

// Deterministic random filters and topics over a tiny alphabet, so that overlaps, empty levels
// and '$' topics are frequent.
class RandomTopics
{
public:
    explicit RandomTopics(unsigned seed)
        : m_random(seed)
    {}

    std::string topicName()
    {
        static constexpr std::string_view kLevels[] = {"a", "b", "$s", ""};
        std::string name;
        const int count = pick(1, 4);
        for (int i = 0; i < count; ++i) {
            name += (i == 0 ? "" : "/");
            name += kLevels[static_cast<std::size_t>(pick(0, 3))];
        }
        return name.empty() ? topicName() : name; // one empty level is no topic name
    }

    std::string filter()
    {
        static constexpr std::string_view kLevels[] = {"a", "b", "$s", "", "+", "+", "#"};
        std::string filter;
        const int count = pick(1, 4);
        for (int i = 0; i < count; ++i) {
            auto level = kLevels[static_cast<std::size_t>(pick(0, 6))];
            if (level == "#" && i != count - 1) {
                level = "+";
            }
            filter += (i == 0 ? "" : "/");
            filter += level;
        }
        return filter.empty() ? this->filter() : filter; // one empty level is no filter
    }

    int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(m_random); }

private:
    std::mt19937 m_random;
};

} // namespace

// The subscription index: matching through the trie, replace and unsubscribe semantics,
// pruning, shared groups and the admin walk.
class TestSubscriptionTree : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchTable_data();
    void matchTable();
    void everyTableFilterAgainstEveryTableTopic();
    void randomTreesAgreeWithTopicMatches();
    void subscribeReturnValue_data();
    void subscribeReturnValue();
    void replaceUpdatesOptionsAndIdentifier();
    void unsubscribe_data();
    void unsubscribe();
    void unsubscribePrunesEmptyNodes();
    void overlappingFiltersReportedOncePerFilter();
    void sharedGroupsReportedOncePerGroup();
    void sharedGroupReplaceKeepsMemberOrder();
    void sharedGroupIdentityIsStable();
    void sharedGroupKnowsItsFilter();
    void findSharedGroup_data();
    void findSharedGroup();
    void optionsAndIdentifiersCarriedThrough_data();
    void optionsAndIdentifiersCarriedThrough();
    void forEachReconstructsFilters_data();
    void forEachReconstructsFilters();
    void manySubscribersOnOneFilter();
    void largeTree();
    void sharedPointerSubscribersAreReleased();
};

void TestSubscriptionTree::matchTable_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<bool>("matches");

    for (const auto& row : sb::test::topicMatchCases()) {
        QTest::newRow(row.name) << bytes(row.filter) << bytes(row.topic) << row.matches;
    }
}

void TestSubscriptionTree::matchTable()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, topic);
    QFETCH(bool, matches);

    Tree tree;
    QVERIFY(tree.subscribe(view(filter), 1, qos(1), 0));
    QVERIFY(tree.subscribe(view(filter), 2, qos(1), 0, "g"));
    // A decoy that never matches the table's topics, so the walk has siblings to skip.
    QVERIFY(tree.subscribe("zz/decoy", 3, qos(0), 0));

    QCOMPARE(plainSubscribers(tree, view(topic)), matches ? QList<int>{1} : QList<int>{});
    QCOMPARE(groupReports(tree, view(topic)), matches ? QByteArrayList{"g:2"} : QByteArrayList{});
}

// One tree holding every filter of the table at once: each topic must find exactly the filters
// that topic::matches() accepts, whatever else shares its branches.
void TestSubscriptionTree::everyTableFilterAgainstEveryTableTopic()
{
    std::vector<std::string> filters;
    std::set<std::string> topics;
    for (const auto& row : sb::test::topicMatchCases()) {
        if (std::find(filters.begin(), filters.end(), row.filter) == filters.end()) {
            filters.emplace_back(row.filter);
        }
        topics.emplace(row.topic);
    }
    Tree tree;
    for (std::size_t i = 0; i < filters.size(); ++i) {
        QVERIFY(tree.subscribe(filters[i], static_cast<int>(i), qos(0), 0));
    }
    QCOMPARE(tree.size(), filters.size());

    for (const auto& topicName : topics) {
        QList<int> expected;
        for (std::size_t i = 0; i < filters.size(); ++i) {
            if (topic::matches(filters[i], topicName)) {
                expected.append(static_cast<int>(i));
            }
        }
        QVERIFY2(plainSubscribers(tree, topicName) == expected, topicName.c_str());
    }
}

void TestSubscriptionTree::randomTreesAgreeWithTopicMatches()
{
    RandomTopics random(20240611);
    std::vector<std::string> filters;
    Tree tree;
    for (int i = 0; i < 2000; ++i) {
        filters.push_back(random.filter());
        QVERIFY2(topic::isValidTopicFilter(filters.back()), filters.back().c_str());
        tree.subscribe(filters.back(), i, qos(0), 0);
    }
    std::vector<bool> live(filters.size(), true);

    auto check = [&]() {
        for (int t = 0; t < 300; ++t) {
            const auto topicName = random.topicName();
            QList<int> expected;
            for (std::size_t i = 0; i < filters.size(); ++i) {
                if (live[i] && topic::matches(filters[i], topicName)) {
                    expected.append(static_cast<int>(i));
                }
            }
            QVERIFY2(plainSubscribers(tree, topicName) == expected, topicName.c_str());
        }
    };
    check();
    if (QTest::currentTestFailed()) {
        return;
    }

    for (std::size_t i = 0; i < filters.size(); i += 2) {
        QVERIFY(tree.unsubscribe(filters[i], static_cast<int>(i)));
        live[i] = false;
    }
    QCOMPARE(tree.size(), filters.size() / 2);
    check();
}

void TestSubscriptionTree::subscribeReturnValue_data()
{
    QTest::addColumn<QByteArray>("secondFilter");
    QTest::addColumn<int>("secondSubscriber");
    QTest::addColumn<QByteArray>("secondGroup");
    QTest::addColumn<bool>("isNew");

    // The first subscription is always subscriber 1 on "a/+" in group "g".
    QTest::newRow("same subscriber, filter and group")
        << QByteArray("a/+") << 1 << QByteArray("g") << false;
    QTest::newRow("another subscriber") << QByteArray("a/+") << 2 << QByteArray("g") << true;
    QTest::newRow("another filter") << QByteArray("a/b") << 1 << QByteArray("g") << true;
    QTest::newRow("another group") << QByteArray("a/+") << 1 << QByteArray("h") << true;
    QTest::newRow("plain next to shared") << QByteArray("a/+") << 1 << QByteArray() << true;
    QTest::newRow("parent filter") << QByteArray("a") << 1 << QByteArray("g") << true;
    QTest::newRow("child filter") << QByteArray("a/+/c") << 1 << QByteArray("g") << true;
}

void TestSubscriptionTree::subscribeReturnValue()
{
    QFETCH(QByteArray, secondFilter);
    QFETCH(int, secondSubscriber);
    QFETCH(QByteArray, secondGroup);
    QFETCH(bool, isNew);

    // Checked for the shared form here and for the plain form below, so both paths are covered.
    Tree shared;
    QVERIFY(shared.subscribe("a/+", 1, qos(0), 0, "g"));
    QCOMPARE(shared.subscribe(view(secondFilter), secondSubscriber, qos(1), 0, view(secondGroup)),
             isNew);
    QCOMPARE(shared.size(), isNew ? std::size_t(2) : std::size_t(1));

    Tree plain;
    QVERIFY(plain.subscribe("a/+", 1, qos(0), 0));
    const bool plainIsNew = !(secondFilter == "a/+" && secondSubscriber == 1);
    QCOMPARE(plain.subscribe(view(secondFilter), secondSubscriber, qos(1), 0), plainIsNew);
    QCOMPARE(plain.size(), plainIsNew ? std::size_t(2) : std::size_t(1));
}

void TestSubscriptionTree::replaceUpdatesOptionsAndIdentifier()
{
    Tree tree;
    QVERIFY(tree.subscribe("a/b", 1, qos(0), 5));
    SubscriptionOptions updated;
    updated.qos = 2;
    updated.noLocal = true;
    QVERIFY(!tree.subscribe("a/b", 1, updated, 7));
    QCOMPARE(tree.size(), std::size_t(1));

    int calls = 0;
    tree.match(
        "a/b",
        [&](const Tree::Subscription& s) {
            ++calls;
            QCOMPARE(s.subscriber, 1);
            QCOMPARE(s.options, updated);
            QCOMPARE(s.identifier, std::uint32_t(7));
        },
        [](const Tree::SharedGroup&) { QFAIL("no shared group was subscribed"); });
    QCOMPARE(calls, 1);
}

void TestSubscriptionTree::unsubscribe_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<int>("subscriber");
    QTest::addColumn<QByteArray>("group");
    QTest::addColumn<bool>("removed");

    // Starting tree: 1 on "a/b", 2 on "a/b" in "g", 1 on "a/+", 3 on "#", 4 on "a/b/c".
    QTest::newRow("plain") << QByteArray("a/b") << 1 << QByteArray() << true;
    QTest::newRow("shared member") << QByteArray("a/b") << 2 << QByteArray("g") << true;
    QTest::newRow("plus filter") << QByteArray("a/+") << 1 << QByteArray() << true;
    QTest::newRow("hash filter") << QByteArray("#") << 3 << QByteArray() << true;
    QTest::newRow("deep filter") << QByteArray("a/b/c") << 4 << QByteArray() << true;
    QTest::newRow("unknown subscriber") << QByteArray("a/b") << 9 << QByteArray() << false;
    QTest::newRow("shared member as plain") << QByteArray("a/b") << 2 << QByteArray() << false;
    QTest::newRow("plain subscriber as shared")
        << QByteArray("a/b") << 1 << QByteArray("g") << false;
    QTest::newRow("wrong group") << QByteArray("a/b") << 2 << QByteArray("h") << false;
    QTest::newRow("parent of a filter") << QByteArray("a") << 1 << QByteArray() << false;
    QTest::newRow("child of a filter") << QByteArray("a/b/c/d") << 4 << QByteArray() << false;
    QTest::newRow("subscriber of a longer filter")
        << QByteArray("a/b") << 4 << QByteArray() << false;
    QTest::newRow("literal level is not plus") << QByteArray("a/x") << 1 << QByteArray() << false;
    QTest::newRow("hash is not plus") << QByteArray("a/#") << 1 << QByteArray() << false;
    QTest::newRow("no such branch") << QByteArray("x/y") << 1 << QByteArray() << false;
}

void TestSubscriptionTree::unsubscribe()
{
    QFETCH(QByteArray, filter);
    QFETCH(int, subscriber);
    QFETCH(QByteArray, group);
    QFETCH(bool, removed);

    Tree tree;
    tree.subscribe("a/b", 1, qos(0), 0);
    tree.subscribe("a/b", 2, qos(0), 0, "g");
    tree.subscribe("a/+", 1, qos(0), 0);
    tree.subscribe("#", 3, qos(0), 0);
    tree.subscribe("a/b/c", 4, qos(0), 0);
    auto expected = entries(tree);
    QCOMPARE(expected.size(), std::size_t(5));

    QCOMPARE(tree.unsubscribe(view(filter), subscriber, view(group)), removed);
    if (removed) {
        expected.erase(std::find(expected.begin(), expected.end(),
                                 Entry(filter.toStdString(), group.toStdString(), subscriber)));
    }
    QCOMPARE(tree.size(), expected.size());
    QVERIFY(entries(tree) == expected);
    // Whatever happened, nothing is left to remove.
    QVERIFY(!tree.unsubscribe(view(filter), subscriber, view(group)));
}

void TestSubscriptionTree::unsubscribePrunesEmptyNodes()
{
    Tree tree;
    tree.subscribe("a/b/c", 1, qos(0), 0);
    tree.subscribe("a/b", 2, qos(0), 0);
    tree.subscribe("a/+/c", 3, qos(0), 0);
    tree.subscribe("#", 4, qos(0), 0);
    tree.subscribe("+", 5, qos(0), 0);
    tree.subscribe("x/y", 6, qos(0), 0, "g");
    tree.subscribe("x/y", 7, qos(0), 0, "g");
    // a, a/b, a/b/c, a/+, a/+/c, #, +, x, x/y
    QCOMPARE(tree.nodeCount(), std::size_t(9));
    QCOMPARE(tree.size(), std::size_t(7));

    QVERIFY(tree.unsubscribe("a/b/c", 1));
    QCOMPARE(tree.nodeCount(), std::size_t(8)); // a/b still holds subscriber 2
    QCOMPARE(plainSubscribers(tree, "a/b"), (QList<int>{2, 4}));
    QVERIFY(tree.unsubscribe("a/b", 2));
    QCOMPARE(tree.nodeCount(), std::size_t(7));
    QVERIFY(tree.unsubscribe("a/+/c", 3));
    QCOMPARE(tree.nodeCount(), std::size_t(4)); // a, a/+ and a/+/c went together
    QVERIFY(tree.unsubscribe("x/y", 6, "g"));
    QCOMPARE(tree.nodeCount(), std::size_t(4)); // the group still has member 7
    QCOMPARE(groupReports(tree, "x/y"), QByteArrayList{"g:7"});
    QVERIFY(tree.unsubscribe("x/y", 7, "g"));
    QCOMPARE(tree.nodeCount(), std::size_t(2));
    QVERIFY(tree.unsubscribe("#", 4));
    QVERIFY(tree.unsubscribe("+", 5));

    QCOMPARE(tree.size(), std::size_t(0));
    QVERIFY(tree.empty());
    QCOMPARE(tree.nodeCount(), std::size_t(0));
    QVERIFY(entries(tree).empty());
    for (const char* topicName : {"a/b/c", "a/b", "a", "x/y", "z"}) {
        QVERIFY2(plainSubscribers(tree, topicName).isEmpty(), topicName);
        QVERIFY2(groupReports(tree, topicName).isEmpty(), topicName);
    }
    QVERIFY(!tree.unsubscribe("a/b/c", 1));

    // The emptied tree is fully usable again.
    QVERIFY(tree.subscribe("a/b/c", 1, qos(0), 0));
    QCOMPARE(plainSubscribers(tree, "a/b/c"), QList<int>{1});
    QCOMPARE(tree.nodeCount(), std::size_t(3));
}

void TestSubscriptionTree::overlappingFiltersReportedOncePerFilter()
{
    Tree tree;
    const std::vector<std::string> filters = {"a/b", "a/+", "a/#", "#", "+/b", "+/+", "+/#"};
    for (std::size_t i = 0; i < filters.size(); ++i) {
        QVERIFY(tree.subscribe(filters[i], 1, qos(0), static_cast<std::uint32_t>(i + 1)));
    }
    QVERIFY(tree.subscribe("a/b", 2, qos(0), 100));
    QVERIFY(tree.subscribe("a/c", 3, qos(0), 200));

    QList<std::uint32_t> identifiersOf1;
    QList<std::uint32_t> identifiersOf2;
    tree.match(
        "a/b",
        [&](const Tree::Subscription& s) {
            QVERIFY(s.subscriber == 1 || s.subscriber == 2);
            (s.subscriber == 1 ? identifiersOf1 : identifiersOf2).append(s.identifier);
        },
        [](const Tree::SharedGroup&) {});
    std::sort(identifiersOf1.begin(), identifiersOf1.end());
    QCOMPARE(identifiersOf1, (QList<std::uint32_t>{1, 2, 3, 4, 5, 6, 7}));
    QCOMPARE(identifiersOf2, QList<std::uint32_t>{100});
}

void TestSubscriptionTree::sharedGroupsReportedOncePerGroup()
{
    Tree tree;
    // Subscription order, not subscriber order, decides member order.
    QVERIFY(tree.subscribe("a/+", 3, qos(0), 0, "g1"));
    QVERIFY(tree.subscribe("a/+", 1, qos(0), 0, "g1"));
    QVERIFY(tree.subscribe("a/+", 2, qos(0), 0, "g1"));
    QVERIFY(tree.subscribe("a/#", 4, qos(0), 0, "g2"));
    QVERIFY(tree.subscribe("a/b", 5, qos(0), 0, "g1"));
    QVERIFY(tree.subscribe("a/+", 1, qos(0), 0)); // plain, next to its shared one
    QCOMPARE(tree.size(), std::size_t(6));

    QCOMPARE(groupReports(tree, "a/b"), (QByteArrayList{"g1:3,1,2", "g1:5", "g2:4"}));
    QCOMPARE(plainSubscribers(tree, "a/b"), QList<int>{1});
    QCOMPARE(groupReports(tree, "a/c"), (QByteArrayList{"g1:3,1,2", "g2:4"}));
    QCOMPARE(groupReports(tree, "a"), QByteArrayList{"g2:4"});
    QCOMPARE(groupReports(tree, "b/b"), QByteArrayList{});

    QVERIFY(tree.unsubscribe("a/+", 1, "g1"));
    QCOMPARE(groupReports(tree, "a/c"), (QByteArrayList{"g1:3,2", "g2:4"}));
    QCOMPARE(plainSubscribers(tree, "a/c"), QList<int>{1}); // the plain one stays
}

void TestSubscriptionTree::sharedGroupReplaceKeepsMemberOrder()
{
    Tree tree;
    QVERIFY(tree.subscribe("a", 1, qos(0), 0, "g"));
    QVERIFY(tree.subscribe("a", 2, qos(0), 0, "g"));
    QVERIFY(tree.subscribe("a", 3, qos(0), 0, "g"));
    QVERIFY(!tree.subscribe("a", 2, qos(2), 9, "g"));
    QCOMPARE(tree.size(), std::size_t(3));

    int groups = 0;
    tree.match(
        "a", [](const Tree::Subscription&) { QFAIL("no plain subscription was made"); },
        [&](const Tree::SharedGroup& group) {
            ++groups;
            QCOMPARE(group.name, std::string("g"));
            QCOMPARE(group.members.size(), std::size_t(3));
            QCOMPARE(group.members[1].subscriber, 2);
            QCOMPARE(group.members[1].options.qos, std::uint8_t(2));
            QCOMPARE(group.members[1].identifier, std::uint32_t(9));
            QCOMPARE(group.members[0].options.qos, std::uint8_t(0));
        });
    QCOMPARE(groups, 1);
}

// The caller drives round robin through SharedGroup::nextIndex, so the group a match reports
// must be the same object every time, across unrelated changes to the tree.
void TestSubscriptionTree::sharedGroupIdentityIsStable()
{
    Tree tree;
    tree.subscribe("a/+", 1, qos(0), 0, "g");
    tree.subscribe("a/+", 2, qos(0), 0, "g");

    auto groupOf = [&](std::string_view topicName) {
        const Tree::SharedGroup* found = nullptr;
        tree.match(
            topicName, [](const Tree::Subscription&) {},
            [&](const Tree::SharedGroup& group) {
                if (group.name == "g") {
                    found = &group;
                }
            });
        return found;
    };
    const auto* first = groupOf("a/x");
    QVERIFY(first != nullptr);
    first->nextIndex.fetch_add(5);

    for (int i = 0; i < 200; ++i) {
        tree.subscribe("a/+", 100 + i, qos(0), 0, "other" + std::to_string(i));
        tree.subscribe("a/" + std::to_string(i), 1, qos(0), 0, "g");
    }
    const auto* again = groupOf("a/y");
    QCOMPARE(again, first);
    QCOMPARE(again->nextIndex.load(), std::uint32_t(5));
}

// The router rebuilds "$share/{group}/{filter}" from a reported group, for the session's
// bookkeeping and for re-picking a member.
void TestSubscriptionTree::sharedGroupKnowsItsFilter()
{
    Tree tree;
    tree.subscribe("a/+", 1, qos(0), 0, "g");
    tree.subscribe("a/#", 2, qos(0), 0, "g");
    tree.subscribe("a/b", 3, qos(0), 0, "h");
    tree.subscribe("#", 4, qos(0), 0, "g");

    QByteArrayList reported;
    tree.match(
        "a/b", [](const Tree::Subscription&) {},
        [&](const Tree::SharedGroup& group) {
            reported.append(bytes(group.name) + ' ' + bytes(group.filter));
        });
    std::sort(reported.begin(), reported.end());
    QCOMPARE(reported, (QByteArrayList{"g #", "g a/#", "g a/+", "h a/b"}));
}

void TestSubscriptionTree::findSharedGroup_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("group");
    QTest::addColumn<QList<int>>("members"); // empty: no such group

    // Starting tree: "a/+" in g with 1 and 2, "a/#" in g with 3, "a/b" in h with 4, plain 5 on
    // "a/x".
    QTest::newRow("plus filter") << QByteArray("a/+") << QByteArray("g") << QList<int>{1, 2};
    QTest::newRow("hash filter") << QByteArray("a/#") << QByteArray("g") << QList<int>{3};
    QTest::newRow("exact filter") << QByteArray("a/b") << QByteArray("h") << QList<int>{4};
    QTest::newRow("no wildcard matching") << QByteArray("a/x") << QByteArray("g") << QList<int>{};
    QTest::newRow("other group on that filter")
        << QByteArray("a/+") << QByteArray("h") << QList<int>{};
    QTest::newRow("plain subscription is no group")
        << QByteArray("a/x") << QByteArray("") << QList<int>{};
    QTest::newRow("inner level") << QByteArray("a") << QByteArray("g") << QList<int>{};
    QTest::newRow("no such branch") << QByteArray("z/+") << QByteArray("g") << QList<int>{};
}

void TestSubscriptionTree::findSharedGroup()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, group);
    QFETCH(QList<int>, members);

    Tree tree;
    QVERIFY(tree.findSharedGroup("a/+", "g") == nullptr);
    tree.subscribe("a/+", 1, qos(0), 0, "g");
    tree.subscribe("a/+", 2, qos(0), 0, "g");
    tree.subscribe("a/#", 3, qos(0), 0, "g");
    tree.subscribe("a/b", 4, qos(0), 0, "h");
    tree.subscribe("a/x", 5, qos(0), 0);

    const auto* found = tree.findSharedGroup(view(filter), view(group));
    QCOMPARE(found != nullptr, !members.isEmpty());
    if (found != nullptr) {
        QCOMPARE(found->name, group.toStdString());
        QCOMPARE(found->filter, filter.toStdString());
        QList<int> actual;
        for (const auto& member : found->members) {
            actual.append(member.subscriber);
        }
        QCOMPARE(actual, members);
    }
}

void TestSubscriptionTree::optionsAndIdentifiersCarriedThrough_data()
{
    QTest::addColumn<int>("qos");
    QTest::addColumn<bool>("noLocal");
    QTest::addColumn<bool>("retainAsPublished");
    QTest::addColumn<int>("retainHandling");
    QTest::addColumn<uint>("identifier");
    QTest::addColumn<QByteArray>("group");

    QTest::newRow("defaults") << 0 << false << false << 0 << 0U << QByteArray();
    QTest::newRow("qos 1, identifier 1") << 1 << false << false << 0 << 1U << QByteArray();
    QTest::newRow("qos 2, no local") << 2 << true << false << 1 << 42U << QByteArray();
    QTest::newRow("retain as published, do not send")
        << 1 << false << true << 2 << 268435455U << QByteArray();
    QTest::newRow("shared, everything set") << 2 << true << true << 1 << 77U << QByteArray("g");
    QTest::newRow("shared, defaults") << 0 << false << false << 0 << 0U << QByteArray("g");
}

void TestSubscriptionTree::optionsAndIdentifiersCarriedThrough()
{
    QFETCH(int, qos);
    QFETCH(bool, noLocal);
    QFETCH(bool, retainAsPublished);
    QFETCH(int, retainHandling);
    QFETCH(uint, identifier);
    QFETCH(QByteArray, group);

    SubscriptionOptions options;
    options.qos = static_cast<std::uint8_t>(qos);
    options.noLocal = noLocal;
    options.retainAsPublished = retainAsPublished;
    options.retainHandling = static_cast<RetainHandling>(retainHandling);

    Tree tree;
    QVERIFY(tree.subscribe("t/+", 9, options, identifier, view(group)));

    std::vector<Tree::Subscription> seen;
    tree.match(
        "t/x", [&](const Tree::Subscription& s) { seen.push_back(s); },
        [&](const Tree::SharedGroup& g) {
            QCOMPARE(g.name, group.toStdString());
            seen.insert(seen.end(), g.members.begin(), g.members.end());
        });
    QCOMPARE(seen.size(), std::size_t(1));
    QCOMPARE(seen[0].subscriber, 9);
    QCOMPARE(seen[0].options, options);
    QCOMPARE(seen[0].identifier, std::uint32_t(identifier));

    bool visited = false;
    tree.forEach(
        [&](std::string_view filter, std::string_view shareGroup, const Tree::Subscription& s) {
            visited = true;
            QCOMPARE(filter, std::string_view("t/+"));
            QCOMPARE(shareGroup, view(group));
            QCOMPARE(s.options, options);
            QCOMPARE(s.identifier, std::uint32_t(identifier));
        });
    QVERIFY(visited);
}

void TestSubscriptionTree::forEachReconstructsFilters_data()
{
    QTest::addColumn<QByteArrayList>("filters");

    QTest::newRow("one level") << QByteArrayList{"a"};
    QTest::newRow("wildcards alone") << QByteArrayList{"#", "+"};
    QTest::newRow("nested") << QByteArrayList{"a", "a/b", "a/b/c", "a/+", "a/#", "a/+/c"};
    QTest::newRow("empty levels") << QByteArrayList{"/", "/a", "a/", "a//b", "//", "+/+"};
    QTest::newRow("system topics") << QByteArrayList{"$SYS/#", "$SYS/broker/+", "#"};
    QTest::newRow("siblings") << QByteArrayList{"sport/tennis", "sport/golf", "sport/+/player1",
                                                "news", "news/#"};
}

// forEach gives back every filter as subscribed, plain and shared, depth-first with the levels
// of each node in byte order.
void TestSubscriptionTree::forEachReconstructsFilters()
{
    QFETCH(QByteArrayList, filters);

    Tree tree;
    std::vector<Entry> expected;
    for (qsizetype i = 0; i < filters.size(); ++i) {
        const auto filter = filters[i].toStdString();
        const int plain = static_cast<int>(i);
        const int shared = 1000 + static_cast<int>(i);
        QVERIFY(tree.subscribe(filter, plain, qos(0), 0));
        QVERIFY(tree.subscribe(filter, shared, qos(0), 0, "grp"));
        expected.emplace_back(filter, "", plain);
        expected.emplace_back(filter, "grp", shared);
    }
    // Depth-first with sorted children is the order of the filters' level sequences; plain
    // subscriptions come before the shared ones of the same node.
    std::stable_sort(expected.begin(), expected.end(), [](const Entry& a, const Entry& b) {
        return splitLevels(std::get<0>(a)) < splitLevels(std::get<0>(b));
    });
    QVERIFY(entries(tree) == expected);
}

// Past the index threshold a node switches to hash lookups; replace and remove must behave
// exactly as with few subscribers.
void TestSubscriptionTree::manySubscribersOnOneFilter()
{
    constexpr int kCount = 10000;
    Tree tree;
    for (int i = 0; i < kCount; ++i) {
        QVERIFY(tree.subscribe("broadcast", i, qos(0), 1));
    }
    for (int i = 0; i < kCount; ++i) {
        QVERIFY(!tree.subscribe("broadcast", i, qos(1), 2));
    }
    QCOMPARE(tree.size(), std::size_t(kCount));

    for (int i = 0; i < kCount; i += 2) {
        QVERIFY(tree.unsubscribe("broadcast", i));
    }
    QVERIFY(!tree.unsubscribe("broadcast", 0));
    QList<int> expected;
    for (int i = 1; i < kCount; i += 2) {
        expected.append(i);
    }
    QCOMPARE(plainSubscribers(tree, "broadcast"), expected);

    std::size_t replaced = 0;
    tree.match(
        "broadcast", [&](const Tree::Subscription& s) { replaced += s.identifier == 2 ? 1 : 0; },
        [](const Tree::SharedGroup&) {});
    QCOMPARE(replaced, std::size_t(kCount / 2));

    // Down through the threshold (and the index being dropped) to empty.
    for (int i = 1; i < kCount - 10; i += 2) {
        QVERIFY(tree.unsubscribe("broadcast", i));
    }
    QCOMPARE(plainSubscribers(tree, "broadcast"), (QList<int>{9991, 9993, 9995, 9997, 9999}));
    QVERIFY(!tree.subscribe("broadcast", 9995, qos(0), 0));
    for (int i = kCount - 9; i < kCount; i += 2) {
        QVERIFY(tree.unsubscribe("broadcast", i));
    }
    QVERIFY(tree.empty());
    QCOMPARE(tree.nodeCount(), std::size_t(0));
}

void TestSubscriptionTree::largeTree()
{
    Tree tree;
    // 100 buildings x 10 floors x 100 rooms, each room its own subscriber.
    for (int b = 0; b < 100; ++b) {
        for (int f = 0; f < 10; ++f) {
            for (int r = 0; r < 100; ++r) {
                const auto filter = "building/" + std::to_string(b) + "/floor/" +
                                    std::to_string(f) + "/room/" + std::to_string(r);
                tree.subscribe(filter, b * 1000 + f * 100 + r, qos(0), 0);
            }
        }
    }
    QVERIFY(tree.subscribe("building/+/floor/3/room/+", -1, qos(0), 0));
    QVERIFY(tree.subscribe("building/42/#", -2, qos(0), 0));
    QVERIFY(tree.subscribe("#", -3, qos(0), 0));
    QVERIFY(tree.subscribe("building/7/floor/+/room/99", -4, qos(0), 0));
    QCOMPARE(tree.size(), std::size_t(100004));

    QCOMPARE(plainSubscribers(tree, "building/42/floor/3/room/17"),
             (QList<int>{-3, -2, -1, 42317}));
    QCOMPARE(plainSubscribers(tree, "building/7/floor/5/room/99"), (QList<int>{-4, -3, 7599}));
    QCOMPARE(plainSubscribers(tree, "building/7/floor/3/room/99"), (QList<int>{-4, -3, -1, 7399}));
    QCOMPARE(plainSubscribers(tree, "building/0/floor/0/room/0"), (QList<int>{-3, 0}));
    QCOMPARE(plainSubscribers(tree, "building/100/floor/0/room/0"), QList<int>{-3});
    QCOMPARE(plainSubscribers(tree, "building/42"), (QList<int>{-3, -2}));
    QCOMPARE(plainSubscribers(tree, "building/42/floor/3/room/17/desk"), (QList<int>{-3, -2}));
    QCOMPARE(plainSubscribers(tree, "$SYS/building/42/floor/3/room/17"), QList<int>{});

    for (int b = 0; b < 100; ++b) {
        for (int f = 0; f < 10; ++f) {
            for (int r = 0; r < 100; ++r) {
                const auto filter = "building/" + std::to_string(b) + "/floor/" +
                                    std::to_string(f) + "/room/" + std::to_string(r);
                if (!tree.unsubscribe(filter, b * 1000 + f * 100 + r)) {
                    QFAIL(filter.c_str());
                }
            }
        }
    }
    QCOMPARE(tree.size(), std::size_t(4));
    // Only the wildcard filters' branches are left:
    // building, +, floor, 3, room, + | 42, # | root # | 7, floor, +, room, 99
    QCOMPARE(tree.nodeCount(), std::size_t(14));
    QCOMPARE(plainSubscribers(tree, "building/42/floor/3/room/17"), (QList<int>{-3, -2, -1}));
}

// The broker's handles are shared_ptr<Session>: unsubscribing must let go of them, or a closed
// session would live as long as the tree.
void TestSubscriptionTree::sharedPointerSubscribersAreReleased()
{
    using SessionTree = SubscriptionTree<std::shared_ptr<int>>;
    auto session = std::make_shared<int>(7);
    auto other = std::make_shared<int>(7); // equal value, different handle
    SessionTree tree;
    QVERIFY(tree.subscribe("a/+", session, qos(1), 0));
    QVERIFY(tree.subscribe("a/#", session, qos(1), 0));
    QVERIFY(tree.subscribe("a/+", session, qos(1), 0, "g"));
    QVERIFY(!tree.subscribe("a/+", session, qos(2), 0));
    QVERIFY(tree.subscribe("a/+", other, qos(1), 0));
    QCOMPARE(session.use_count(), 4L);

    int hits = 0;
    tree.match(
        "a/b", [&](const SessionTree::Subscription& s) { hits += s.subscriber == session ? 1 : 0; },
        [&](const SessionTree::SharedGroup& g) { hits += g.members[0].subscriber == session; });
    QCOMPARE(hits, 3);

    QVERIFY(tree.unsubscribe("a/+", session));
    QVERIFY(tree.unsubscribe("a/#", session));
    QVERIFY(tree.unsubscribe("a/+", session, "g"));
    QCOMPARE(session.use_count(), 1L);
    QCOMPARE(tree.size(), std::size_t(1));
}

QTEST_APPLESS_MAIN(TestSubscriptionTree)
#include "TestSubscriptionTree.moc"
