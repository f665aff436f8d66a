// Limits as named, typed, documented settings: every limit of the issue exists with a default in
// its valid range and a description; values round-trip at the ends of their ranges; bad values
// (unknown name, wrong type, out of range, min_keepalive above max_keepalive) are refused by the
// broker's runtime interface with an error naming the setting and the valid range, all or
// nothing, and without touching open connections.

#include <algorithm>
#include <set>

#include <QtTest/QTest>

#include "broker/core/Broker.h"
#include "tests/support/BrokerControl.h"
#include "tests/support/TestPrinters.h"

using namespace std::chrono_literals;
using namespace sb;
using namespace sb::test;
using core::LimitRegistry;

Q_DECLARE_METATYPE(sb::core::LimitRegistry::Value)

namespace {

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

} // namespace

class TestLimitsRegistry : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { quietLogs(); }

    // The issue's list, by name: each is a documented setting with a default in its range.
    void everyLimitOfTheIssueIsASetting_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* name : {"max_connections",        "max_connections_per_ip",
                                 "max_connect_rate",       "max_publish_rate",
                                 "max_publish_bytes_rate", "max_packet_size",
                                 "max_queue_messages",     "max_queue_bytes",
                                 "queue_overflow_policy",  "receive_maximum",
                                 "max_inflight",           "max_subscriptions_per_client",
                                 "max_topic_levels",       "max_topic_length",
                                 "max_session_expiry",     "min_keepalive",
                                 "max_keepalive",          "max_retained_messages",
                                 "max_delivery_attempts",  "dead_letter_max_entries",
                                 "dead_letter_max_bytes",  "dead_letter_qos0",
                                 "connect_timeout",        "topic_alias_maximum",
                                 "queue_memory_messages",  "max_pending_output_bytes"}) {
            QTest::newRow(name) << QString::fromLatin1(name);
        }
    }
    void everyLimitOfTheIssueIsASetting()
    {
        QFETCH(QString, name);
        const auto* spec = LimitRegistry::find(name.toStdString());
        QVERIFY2(spec != nullptr, "no such limit");
        QVERIFY2(!spec->description.empty(), "no description");
        QVERIFY(spec->get != nullptr && spec->set != nullptr);
        const std::int64_t byDefault = spec->get(core::Limits{});
        QVERIFY2(byDefault >= spec->minimum && byDefault <= spec->maximum,
                 msg(std::to_string(byDefault) + " outside its own range"));
        if (spec->type == LimitRegistry::Type::Enum) {
            QCOMPARE(std::int64_t(spec->choices.size()), spec->maximum + 1);
        }
        if (spec->type == LimitRegistry::Type::Integer) {
            QVERIFY2(!spec->unit.empty(), "an integer limit without a unit");
        }
        // The broker reports it, and its rejections, by the same name.
        BrokerFixture broker;
        QCOMPARE(broker.broker().rejections().count(name.toStdString()), std::size_t(1));
    }

    // Names are unique and every spec can be found by its name.
    void namesUnique()
    {
        std::set<std::string_view> seen;
        for (const auto& spec : LimitRegistry::specs()) {
            QVERIFY2(seen.insert(spec.name).second, msg(std::string(spec.name)));
            QCOMPARE(LimitRegistry::find(spec.name), &spec);
        }
        QVERIFY(LimitRegistry::find("no_such_limit") == nullptr);
    }

    // Both ends of every range are accepted by the broker and read back unchanged (no field
    // too narrow for its range).
    void rangeEndsRoundTrip()
    {
        BrokerFixture broker;
        for (const auto& spec : LimitRegistry::specs()) {
            for (const std::int64_t value : {spec.minimum, spec.maximum}) {
                LimitRegistry::Value v;
                if (spec.type == LimitRegistry::Type::Integer) {
                    v = integerValue(value);
                } else if (spec.type == LimitRegistry::Type::Boolean) {
                    v = booleanValue(value != 0);
                } else {
                    v = textValue(std::string(spec.choices.at(std::size_t(value))));
                }
                // min_keepalive at its top needs max_keepalive there too (and the reverse).
                std::map<std::string, LimitRegistry::Value> values{{std::string(spec.name), v}};
                if (spec.name == "min_keepalive") {
                    values["max_keepalive"] = integerValue(65535);
                } else if (spec.name == "max_keepalive") {
                    values["min_keepalive"] = integerValue(0);
                }
                std::string error;
                QVERIFY2(broker.broker().updateLimits(values, &error), msg(error));
                QCOMPARE(spec.get(*broker.broker().limits()), value);
            }
        }
    }

    // Refused with an error that names the setting and what it accepts; nothing changes.
    void badValuesRefused_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<LimitRegistry::Value>("value");
        QTest::addColumn<QStringList>("mentions");
        auto words = [](std::initializer_list<const char*> list) {
            QStringList out;
            for (const char* w : list) {
                out << QString::fromLatin1(w);
            }
            return out;
        };
        QTest::newRow("unknown name")
            << QStringLiteral("max_bananas") << integerValue(1) << words({"max_bananas"});
        QTest::newRow("below range") << QStringLiteral("max_packet_size") << integerValue(15)
                                     << words({"max_packet_size", "16", "268435460"});
        QTest::newRow("above range") << QStringLiteral("receive_maximum") << integerValue(65536)
                                     << words({"receive_maximum", "1", "65535"});
        QTest::newRow("negative") << QStringLiteral("max_publish_rate") << integerValue(-1)
                                  << words({"max_publish_rate", "0", "4294967295", "no limit"});
        QTest::newRow("boolean for integer") << QStringLiteral("max_inflight") << booleanValue(true)
                                             << words({"max_inflight", "1", "65535"});
        QTest::newRow("text for integer") << QStringLiteral("max_topic_levels") << textValue("10")
                                          << words({"max_topic_levels", "1", "1024"});
        QTest::newRow("integer for boolean")
            << QStringLiteral("dead_letter_qos0") << integerValue(1)
            << words({"dead_letter_qos0", "true", "false"});
        QTest::newRow("unknown enum name")
            << QStringLiteral("queue_overflow_policy") << textValue("drop-everything")
            << words({"queue_overflow_policy", "dead-letter-newest", "dead-letter-oldest",
                      "drop-newest", "drop-oldest"});
        QTest::newRow("integer for enum") << QStringLiteral("queue_overflow_policy")
                                          << integerValue(0) << words({"queue_overflow_policy"});
        QTest::newRow("empty value") << QStringLiteral("max_connections") << LimitRegistry::Value{}
                                     << words({"max_connections"});
        QTest::newRow("min_keepalive out of its range")
            << QStringLiteral("min_keepalive") << integerValue(70000)
            << words({"min_keepalive", "65535"});
    }
    void badValuesRefused()
    {
        QFETCH(QString, name);
        QFETCH(LimitRegistry::Value, value);
        QFETCH(QStringList, mentions);
        BrokerFixture broker;
        const auto before = broker.broker().limits();
        std::string error;
        QVERIFY(!broker.broker().updateLimits({{name.toStdString(), value}}, &error));
        for (const QString& word : mentions) {
            QVERIFY2(contains(error, word.toStdString()),
                     msg("error '" + error + "' does not mention '" + word.toStdString() + "'"));
        }
        QVERIFY(*broker.broker().limits() == *before);
    }

    // min_keepalive above max_keepalive, each in its own range: refused naming both.
    void keepaliveBoundsMustBeOrdered()
    {
        BrokerFixture broker;
        std::string error;
        QVERIFY(!broker.broker().updateLimits(
            {{"min_keepalive", integerValue(120)}, {"max_keepalive", integerValue(60)}}, &error));
        QVERIFY2(contains(error, "min_keepalive") && contains(error, "max_keepalive"), msg(error));
        // Against the current value of the other one too.
        QVERIFY2(broker.broker().updateLimits({{"max_keepalive", integerValue(60)}}, &error),
                 msg(error));
        QVERIFY(!broker.broker().updateLimits({{"min_keepalive", integerValue(61)}}, &error));
        QVERIFY2(contains(error, "min_keepalive") && contains(error, "max_keepalive"), msg(error));
        QCOMPARE(broker.broker().limits()->minKeepAlive, std::uint16_t(0));
        // Equal is fine.
        QVERIFY2(broker.broker().updateLimits({{"min_keepalive", integerValue(60)}}, &error),
                 msg(error));
    }

    // All or nothing: one bad value among good ones changes nothing.
    void allOrNothing()
    {
        BrokerFixture broker;
        const auto before = *broker.broker().limits();
        std::string error;
        QVERIFY(!broker.broker().updateLimits({{"max_publish_rate", integerValue(10)},
                                               {"max_inflight", integerValue(5)},
                                               {"max_packet_size", integerValue(1)}},
                                              &error));
        QVERIFY2(contains(error, "max_packet_size"), msg(error));
        QVERIFY(*broker.broker().limits() == before);
    }

    // Overrides take only per-client limits, with the same checks; a refused override changes
    // nothing.
    void badOverridesRefused_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<LimitRegistry::Value>("value");
        QTest::newRow("broker-wide limit") << QStringLiteral("max_connections") << integerValue(5);
        QTest::newRow("broker-wide retained")
            << QStringLiteral("max_retained_messages") << integerValue(5);
        QTest::newRow("unknown") << QStringLiteral("max_bananas") << integerValue(5);
        QTest::newRow("out of range") << QStringLiteral("max_inflight") << integerValue(0);
        QTest::newRow("wrong type") << QStringLiteral("max_publish_rate") << textValue("fast");
        QTest::newRow("min_keepalive above the global max")
            << QStringLiteral("min_keepalive") << integerValue(100);
    }
    void badOverridesRefused()
    {
        QFETCH(QString, name);
        QFETCH(LimitRegistry::Value, value);
        BrokerFixture broker;
        std::string error;
        QVERIFY(broker.broker().updateLimits({{"max_keepalive", integerValue(60)}}, &error));
        for (const auto scope :
             {core::Broker::OverrideScope::User, core::Broker::OverrideScope::Client}) {
            error.clear();
            QVERIFY(!broker.broker().setOverrides(
                scope, "someone",
                {{"max_subscriptions_per_client", integerValue(3)}, {name.toStdString(), value}},
                &error));
            QVERIFY2(contains(error, name.toStdString()), msg(error));
            QVERIFY(broker.broker().overrides(scope).empty());
        }
    }
};

QTEST_GUILESS_MAIN(TestLimitsRegistry)
#include "TestLimitsRegistry.moc"
