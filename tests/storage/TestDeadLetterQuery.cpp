#include <string>

#include <QtTest/QTest>

#include "broker/core/Topic.h"
#include "broker/storage/Database.h"
#include "broker/storage/DeadLetterQuery.h"
#include "broker/storage/Statement.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using storage::DeadLetterQuery;
using namespace std::chrono_literals;

// The translation of a dead-letter filter to SQL: the conditions and their parameters, and a
// GLOB pattern that never loses a topic the MQTT filter matches.
class TestDeadLetterQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void globPattern_data();
    void globPattern();
    void globAdmitsEveryMatchingTopic_data();
    void globAdmitsEveryMatchingTopic();
    void conditionsAndParameters();
    void timeBoundsAgreeWithTheCore();
    void invalidTopicFilterMatchesNothing();
};

void TestDeadLetterQuery::globPattern_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("pattern");
    QTest::newRow("#") << QStringLiteral("#") << QStringLiteral("*");
    QTest::newRow("trailing /# also takes the parent")
        << QStringLiteral("a/b/#") << QStringLiteral("a/b*");
    QTest::newRow("+ in the middle") << QStringLiteral("a/+/c") << QStringLiteral("a/*/c");
    QTest::newRow("+ then /#") << QStringLiteral("a/+/#") << QStringLiteral("a/*");
    QTest::newRow("+ alone") << QStringLiteral("+") << QStringLiteral("*");
    QTest::newRow("GLOB specials escaped")
        << QStringLiteral("a*b?c[d]/+") << QStringLiteral("a[*]b[?]c[[]d]/*");
}

void TestDeadLetterQuery::globPattern()
{
    QFETCH(QString, filter);
    QFETCH(QString, pattern);
    QCOMPARE(DeadLetterQuery::globPattern(filter.toStdString()), pattern.toStdString());
}

void TestDeadLetterQuery::globAdmitsEveryMatchingTopic_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("topic");
    const char* const filters[] = {"#",   "+",    "a/#",   "a/+",    "+/b", "a/+/c",
                                   "+/+", "a*/#", "[x]/+", "a?/+/#", "/#",  "+/"};
    const char* const topics[] = {"a",    "a/",   "a/b",   "a/b/c",    "/",    "/b",
                                  "a//c", "a*/x", "[x]/y", "a?/b/c/d", "ab/b", "$SYS/a"};
    for (const char* filter : filters) {
        for (const char* topic : topics) {
            if (core::topic::matches(filter, topic)) {
                QTest::addRow("%s matches %s", filter, topic)
                    << QString::fromUtf8(filter) << QString::fromUtf8(topic);
            }
        }
    }
}

// SQLite's own GLOB, run on every (filter, topic) pair the MQTT rules match: the pattern may
// admit more, never less.
void TestDeadLetterQuery::globAdmitsEveryMatchingTopic()
{
    QFETCH(QString, filter);
    QFETCH(QString, topic);
    storage::Database database(":memory:");
    storage::Statement glob(database, "SELECT ?1 GLOB ?2");
    glob.bind(1, topic.toStdString()).bind(2, DeadLetterQuery::globPattern(filter.toStdString()));
    QVERIFY(glob.step());
    QCOMPARE(glob.int64(0), std::int64_t{1});
}

void TestDeadLetterQuery::conditionsAndParameters()
{
    core::DeadLetterFilter filter;
    filter.reasons = {core::DeadLetterReason::TooLarge, core::DeadLetterReason::Rejected,
                      core::DeadLetterReason::TooLarge};
    filter.publisher = "pub";
    filter.since = core::Clock::WallTimePoint(std::chrono::milliseconds(1000));
    filter.replayed = false;
    filter.topicFilter = "a/+/c";
    DeadLetterQuery query(filter);
    query.startAfter(42, true);
    QVERIFY(query.canMatch());
    const std::string sql = query.sql("SELECT id, reason, publisher_client_id, time, topic FROM "
                                      "dead_letters",
                                      " ORDER BY id DESC LIMIT ?");
    QCOMPARE(sql, std::string("SELECT id, reason, publisher_client_id, time, topic FROM "
                              "dead_letters WHERE +reason IN (?, ?) AND publisher_client_id = ? "
                              "AND time >= ? AND replayed_at IS NULL AND topic GLOB ? AND id < ? "
                              "ORDER BY id DESC LIMIT ?"));

    // The parameters bind in the order of the '?': run the query on rows that each miss one
    // condition, and one that meets them all.
    storage::Database database(":memory:");
    database.execute("CREATE TABLE dead_letters (id INTEGER PRIMARY KEY, reason INTEGER, "
                     "publisher_client_id TEXT, time INTEGER, replayed_at INTEGER, topic TEXT);"
                     "INSERT INTO dead_letters VALUES (1, 0, 'pub', 2000, NULL, 'a/b/c');"
                     "INSERT INTO dead_letters VALUES (2, 1, 'pub', 2000, NULL, 'a/b/c');"
                     "INSERT INTO dead_letters VALUES (3, 4, 'other', 2000, NULL, 'a/b/c');"
                     "INSERT INTO dead_letters VALUES (4, 4, 'pub', 999, NULL, 'a/b/c');"
                     "INSERT INTO dead_letters VALUES (5, 4, 'pub', 2000, 7, 'a/b/c');"
                     "INSERT INTO dead_letters VALUES (6, 4, 'pub', 2000, NULL, 'x/b/c');"
                     "INSERT INTO dead_letters VALUES (7, 4, 'pub', 2000, NULL, 'a/b/x/c');"
                     "INSERT INTO dead_letters VALUES (8, 4, 'pub', 2000, NULL, 'a/b/c');"
                     "INSERT INTO dead_letters VALUES (42, 0, 'pub', 2000, NULL, 'a/b/c');");
    storage::Statement select(database, sql);
    select.bind(query.bind(select), 10);
    std::string ids;
    while (select.step()) {
        if (query.matchesTopic(select.text(4))) {
            ids += std::to_string(select.int64(0)) + " ";
        }
    }
    // 7 passes the GLOB ("a/*/c" spans levels) and is dropped by the exact test.
    QCOMPARE(ids, std::string("8 1 "));
}

// Stored times are whole milliseconds; a bound between two of them keeps exactly what
// DeadLetterFilter::matches() keeps.
void TestDeadLetterQuery::timeBoundsAgreeWithTheCore()
{
    storage::Database database(":memory:");
    database.execute("CREATE TABLE dead_letters (id INTEGER PRIMARY KEY, time INTEGER);"
                     "INSERT INTO dead_letters VALUES (1, 1000), (2, 1001);");
    const auto at = [](std::chrono::microseconds us) {
        return core::Clock::WallTimePoint(us);
    };
    core::DeadLetter letter;
    for (const auto bound : {999'500us, 1'000'000us, 1'000'500us, 1'001'000us, 1'001'500us}) {
        for (const bool isSince : {true, false}) {
            core::DeadLetterFilter filter;
            (isSince ? filter.since : filter.until) = at(bound);
            const DeadLetterQuery query(filter);
            storage::Statement select(
                database, query.sql("SELECT id, time FROM dead_letters", " ORDER BY id"));
            query.bind(select);
            std::string fromSql;
            while (select.step()) {
                fromSql += std::to_string(select.int64(0));
            }
            std::string fromCore;
            for (const std::int64_t id : {1, 2}) {
                letter.time = at(std::chrono::milliseconds(999 + id));
                fromCore += filter.matches(letter) ? std::to_string(id) : "";
            }
            QCOMPARE(fromSql, fromCore);
        }
    }
}

void TestDeadLetterQuery::invalidTopicFilterMatchesNothing()
{
    for (const char* invalid : {"a/#/b", "a+", "$share/g/a", "a/b#"}) {
        core::DeadLetterFilter filter;
        filter.topicFilter = invalid;
        QVERIFY2(!DeadLetterQuery(filter).canMatch(), invalid);
    }
    core::DeadLetterFilter exact;
    exact.topicFilter = "a/b";
    const DeadLetterQuery query(exact);
    QCOMPARE(query.sql("SELECT id FROM dead_letters", ""),
             std::string("SELECT id FROM dead_letters WHERE topic = ?"));
    QVERIFY(query.matchesTopic("anything")); // exact topics are settled by the SQL alone
}

QTEST_GUILESS_MAIN(TestDeadLetterQuery)
#include "TestDeadLetterQuery.moc"
