#include <string>
#include <string_view>
#include <vector>

#include <QtTest/QTest>

#include "broker/core/Topic.h"
#include "tests/core/TopicMatchCases.h"
#include "tests/support/TestPrinters.h"

using namespace sb::core;

namespace {

std::string_view view(const QByteArray& bytes)
{
    return {bytes.constData(), static_cast<std::size_t>(bytes.size())};
}

} // namespace

// Topic name and filter rules, shared-subscription syntax and filter matching.
class TestTopic : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void topicName_data();
    void topicName();
    void topicFilter_data();
    void topicFilter();
    void hasWildcard_data();
    void hasWildcard();
    void parseShared_data();
    void parseShared();
    void matches_data();
    void matches();
    void matchTableUsesValidNamesAndFilters();
    void levels_data();
    void levels();
};

void TestTopic::topicName_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<bool>("valid");

    QTest::newRow("plain") << QByteArray("sport/tennis/player1") << true;
    QTest::newRow("one level") << QByteArray("sport") << true;
    QTest::newRow("single slash") << QByteArray("/") << true;
    QTest::newRow("empty levels") << QByteArray("a//b") << true;
    QTest::newRow("leading and trailing slash") << QByteArray("/a/") << true;
    QTest::newRow("space") << QByteArray(" ") << true;
    QTest::newRow("$SYS") << QByteArray("$SYS/broker/uptime") << true;
    QTest::newRow("UTF-8") << QByteArray("caf\xc3\xa9") << true;
    QTest::newRow("empty") << QByteArray("") << false;
    QTest::newRow("plus") << QByteArray("sport/+") << false;
    QTest::newRow("plus inside a level") << QByteArray("sport+") << false;
    QTest::newRow("hash") << QByteArray("sport/#") << false;
    QTest::newRow("hash inside a level") << QByteArray("sport/tennis#") << false;
    QTest::newRow("NUL") << QByteArray("a\0b", 3) << false;
}

void TestTopic::topicName()
{
    QFETCH(QByteArray, name);
    QFETCH(bool, valid);
    QCOMPARE(topic::isValidTopicName(view(name)), valid);
}

void TestTopic::topicFilter_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<bool>("valid");

    QTest::newRow("plain") << QByteArray("sport/tennis") << true;
    QTest::newRow("hash alone") << QByteArray("#") << true;
    QTest::newRow("plus alone") << QByteArray("+") << true;
    QTest::newRow("trailing hash") << QByteArray("sport/tennis/#") << true;
    QTest::newRow("spec: +/tennis/#") << QByteArray("+/tennis/#") << true;
    QTest::newRow("spec: sport/+/player1") << QByteArray("sport/+/player1") << true;
    QTest::newRow("plus then hash") << QByteArray("+/#") << true;
    QTest::newRow("all plus") << QByteArray("+/+/+") << true;
    QTest::newRow("single slash") << QByteArray("/") << true;
    QTest::newRow("empty levels") << QByteArray("a//b") << true;
    QTest::newRow("$SYS/#") << QByteArray("$SYS/#") << true;
    QTest::newRow("$share without slash is a plain level") << QByteArray("$share") << true;
    QTest::newRow("$shared is a plain level") << QByteArray("$shared/a") << true;
    QTest::newRow("empty") << QByteArray("") << false;
    QTest::newRow("spec: sport/tennis#") << QByteArray("sport/tennis#") << false;
    QTest::newRow("spec: sport/tennis/#/ranking") << QByteArray("sport/tennis/#/ranking") << false;
    QTest::newRow("spec: sport+") << QByteArray("sport+") << false;
    QTest::newRow("hash first") << QByteArray("#/a") << false;
    QTest::newRow("hash then slash") << QByteArray("a/#/") << false;
    QTest::newRow("plus prefix") << QByteArray("a/+b") << false;
    QTest::newRow("plus suffix") << QByteArray("a/b+") << false;
    QTest::newRow("double plus") << QByteArray("++") << false;
    QTest::newRow("double hash") << QByteArray("##") << false;
    QTest::newRow("plus hash in one level") << QByteArray("+#") << false;
    QTest::newRow("NUL") << QByteArray("a/\0", 3) << false;
    QTest::newRow("shared filter") << QByteArray("$share/group/a") << false;
    QTest::newRow("shared prefix with empty rest") << QByteArray("$share/") << false;
}

void TestTopic::topicFilter()
{
    QFETCH(QByteArray, filter);
    QFETCH(bool, valid);
    QCOMPARE(topic::isValidTopicFilter(view(filter)), valid);
}

void TestTopic::hasWildcard_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<bool>("wildcard");

    QTest::newRow("none") << QByteArray("a/b/c") << false;
    QTest::newRow("$SYS") << QByteArray("$SYS/x") << false;
    QTest::newRow("plus") << QByteArray("a/+/c") << true;
    QTest::newRow("hash") << QByteArray("a/#") << true;
    QTest::newRow("hash alone") << QByteArray("#") << true;
    QTest::newRow("plus last") << QByteArray("a/+") << true;
}

void TestTopic::hasWildcard()
{
    QFETCH(QByteArray, filter);
    QFETCH(bool, wildcard);
    QCOMPARE(topic::hasWildcard(view(filter)), wildcard);
}

void TestTopic::parseShared_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("shared"); // isShared()
    QTest::addColumn<bool>("valid");  // parseShared() has a value
    QTest::addColumn<QByteArray>("group");
    QTest::addColumn<QByteArray>("filter");

    QTest::newRow("plain filter") << QByteArray("a/b") << false << false << QByteArray()
                                  << QByteArray();
    QTest::newRow("$SYS") << QByteArray("$SYS/#") << false << false << QByteArray() << QByteArray();
    QTest::newRow("prefix is case sensitive")
        << QByteArray("$SHARE/g/a") << false << false << QByteArray() << QByteArray();
    QTest::newRow("$share alone") << QByteArray("$share") << false << false << QByteArray()
                                  << QByteArray();
    QTest::newRow("simple") << QByteArray("$share/g/a") << true << true << QByteArray("g")
                            << QByteArray("a");
    QTest::newRow("multi-level filter")
        << QByteArray("$share/consumers/sport/tennis/+") << true << true << QByteArray("consumers")
        << QByteArray("sport/tennis/+");
    QTest::newRow("hash filter") << QByteArray("$share/g/#") << true << true << QByteArray("g")
                                 << QByteArray("#");
    QTest::newRow("filter with leading slash")
        << QByteArray("$share/g//a") << true << true << QByteArray("g") << QByteArray("/a");
    QTest::newRow("filter on $SYS")
        << QByteArray("$share/g/$SYS/#") << true << true << QByteArray("g") << QByteArray("$SYS/#");
    QTest::newRow("empty group") << QByteArray("$share//a") << true << false << QByteArray()
                                 << QByteArray();
    QTest::newRow("group with plus")
        << QByteArray("$share/g+/a") << true << false << QByteArray() << QByteArray();
    QTest::newRow("group is plus")
        << QByteArray("$share/+/a") << true << false << QByteArray() << QByteArray();
    QTest::newRow("group with hash")
        << QByteArray("$share/g#/a") << true << false << QByteArray() << QByteArray();
    QTest::newRow("nothing after prefix")
        << QByteArray("$share/") << true << false << QByteArray() << QByteArray();
    QTest::newRow("no filter") << QByteArray("$share/g") << true << false << QByteArray()
                               << QByteArray();
    QTest::newRow("empty filter") << QByteArray("$share/g/") << true << false << QByteArray()
                                  << QByteArray();
    QTest::newRow("invalid filter")
        << QByteArray("$share/g/a#") << true << false << QByteArray() << QByteArray();
    QTest::newRow("hash not last")
        << QByteArray("$share/g/#/a") << true << false << QByteArray() << QByteArray();
    // The filter after the group must itself be a valid plain filter, so no nesting.
    QTest::newRow("nested share") << QByteArray("$share/g/$share/h/a") << true << false
                                  << QByteArray() << QByteArray();
}

void TestTopic::parseShared()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, shared);
    QFETCH(bool, valid);
    QFETCH(QByteArray, group);
    QFETCH(QByteArray, filter);

    QCOMPARE(topic::isShared(view(input)), shared);
    const auto parsed = topic::parseShared(view(input));
    QCOMPARE(parsed.has_value(), valid);
    if (parsed) {
        QCOMPARE(parsed->group, view(group));
        QCOMPARE(parsed->filter, view(filter));
    }
}

void TestTopic::matches_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<bool>("matches");

    for (const auto& row : sb::test::topicMatchCases()) {
        QTest::newRow(row.name) << QByteArray(row.filter.data(), qsizetype(row.filter.size()))
                                << QByteArray(row.topic.data(), qsizetype(row.topic.size()))
                                << row.matches;
    }
}

void TestTopic::matches()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, topic);
    QFETCH(bool, matches);
    QCOMPARE(topic::matches(view(filter), view(topic)), matches);
}

// The tree and retained-store suites feed this table to APIs that require valid input.
void TestTopic::matchTableUsesValidNamesAndFilters()
{
    for (const auto& row : sb::test::topicMatchCases()) {
        QVERIFY2(topic::isValidTopicFilter(row.filter), row.name);
        QVERIFY2(topic::isValidTopicName(row.topic), row.name);
    }
}

void TestTopic::levels_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArrayList>("expected");

    QTest::newRow("empty") << QByteArray("") << QByteArrayList{QByteArray()};
    QTest::newRow("one") << QByteArray("a") << QByteArrayList{"a"};
    QTest::newRow("two") << QByteArray("a/bc") << QByteArrayList{"a", "bc"};
    QTest::newRow("slash") << QByteArray("/") << QByteArrayList{QByteArray(), QByteArray()};
    QTest::newRow("empty middle") << QByteArray("a//b") << QByteArrayList{"a", QByteArray(), "b"};
    QTest::newRow("trailing") << QByteArray("a/") << QByteArrayList{"a", QByteArray()};
    QTest::newRow("wildcards") << QByteArray("+/#") << QByteArrayList{"+", "#"};
}

void TestTopic::levels()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArrayList, expected);

    QByteArrayList actual;
    topic::Levels levels(view(text));
    while (!levels.done()) {
        const auto level = levels.next();
        actual.append(QByteArray(level.data(), qsizetype(level.size())));
    }
    QCOMPARE(actual, expected);
    QCOMPARE(topic::levelCount(view(text)), std::size_t(expected.size()));
}

QTEST_APPLESS_MAIN(TestTopic)
#include "TestTopic.moc"
