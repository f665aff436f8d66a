#include <string>
#include <vector>

#include <QtTest/QTest>

#include "broker/storage/RecordCodec.h"
#include "tests/storage/StoreTestSupport.h"
#include "tests/support/TestPrinters.h"

using namespace sb;
using namespace sb::storage;

Q_DECLARE_METATYPE(protocol::SubscriptionOptions)
Q_DECLARE_METATYPE(std::vector<std::uint32_t>)

// How column values map to the core's types: each mapping must give back exactly what it took.
class TestRecordCodec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void publishBlobKeepsEveryProperty();
    void publishBlobKeepsBinaryPayloadAndEmptyPayload();
    void publishBlobLeavesOutWillDelay();
    void damagedBlobIsReportedNotThrown();
    void subscriptionOptionsRoundTrip_data();
    void subscriptionOptionsRoundTrip();
    void subscriptionIdsRoundTrip_data();
    void subscriptionIdsRoundTrip();
    void wallTimeKeepsMilliseconds();
    void timeBaseMapsWallTimeOntoTheMonotonicClock();
};

void TestRecordCodec::publishBlobKeepsEveryProperty()
{
    const auto properties = test::everyPublishProperty();
    const auto blob = records::encodePublishBlob("a/b", "payload", properties);
    const auto decoded = records::decodePublishBlob(blob);
    QVERIFY2(decoded.hasValue(), decoded ? "" : decoded.error().c_str());
    QCOMPARE(decoded->topic, std::string("a/b"));
    QCOMPARE(decoded->payload, std::string("payload"));
    QVERIFY(decoded->properties == properties);
}

void TestRecordCodec::publishBlobKeepsBinaryPayloadAndEmptyPayload()
{
    for (const std::string& payload : {std::string("\x00\xFF\x00", 3), std::string()}) {
        const auto decoded =
            records::decodePublishBlob(records::encodePublishBlob("t", payload, {}));
        QVERIFY(decoded.hasValue());
        QCOMPARE(decoded->payload, payload);
        QVERIFY(decoded->properties.empty());
    }
}

// A PUBLISH cannot carry Will Delay Interval; the sessions table keeps it in its own column.
void TestRecordCodec::publishBlobLeavesOutWillDelay()
{
    const auto properties = test::everyWillProperty();
    const auto decoded =
        records::decodePublishBlob(records::encodePublishBlob("will/t", "bye", properties));
    QVERIFY(decoded.hasValue());
    QVERIFY(!decoded->properties.willDelayInterval.has_value());
    auto withoutDelay = properties;
    withoutDelay.willDelayInterval.reset();
    QVERIFY(decoded->properties == withoutDelay);
}

void TestRecordCodec::damagedBlobIsReportedNotThrown()
{
    auto blob = records::encodePublishBlob("a/b", "payload", test::everyPublishProperty());
    blob.resize(blob.size() / 2);
    QVERIFY(!records::decodePublishBlob(blob).hasValue());
    QVERIFY(!records::decodePublishBlob(std::string("\x20\x02\x00\x00", 4)).hasValue());
}

void TestRecordCodec::subscriptionOptionsRoundTrip_data()
{
    QTest::addColumn<protocol::SubscriptionOptions>("options");
    QTest::addColumn<int>("byte");
    using protocol::RetainHandling;
    QTest::newRow("defaults") << protocol::SubscriptionOptions{} << 0x00;
    QTest::newRow("qos 1") << protocol::SubscriptionOptions{1, false, false,
                                                            RetainHandling::SendOnSubscribe}
                           << 0x01;
    QTest::newRow("qos 2, no local")
        << protocol::SubscriptionOptions{2, true, false, RetainHandling::SendOnSubscribe} << 0x06;
    QTest::newRow("retain as published")
        << protocol::SubscriptionOptions{0, false, true, RetainHandling::SendOnSubscribe} << 0x08;
    QTest::newRow("send on new subscribe")
        << protocol::SubscriptionOptions{0, false, false, RetainHandling::SendOnNewSubscribe}
        << 0x10;
    QTest::newRow("everything") << protocol::SubscriptionOptions{2, true, true,
                                                                 RetainHandling::DoNotSend}
                                << 0x2E;
}

void TestRecordCodec::subscriptionOptionsRoundTrip()
{
    QFETCH(protocol::SubscriptionOptions, options);
    QFETCH(int, byte);
    QCOMPARE(int(records::encodeOptions(options)), byte);
    QVERIFY(records::decodeOptions(static_cast<std::uint8_t>(byte)) == options);
}

void TestRecordCodec::subscriptionIdsRoundTrip_data()
{
    QTest::addColumn<std::vector<std::uint32_t>>("ids");
    QTest::addColumn<QString>("text");
    QTest::newRow("none") << std::vector<std::uint32_t>{} << QString();
    QTest::newRow("one") << std::vector<std::uint32_t>{7} << QStringLiteral("7");
    QTest::newRow("several, largest allowed")
        << std::vector<std::uint32_t>{1, 268'435'455, 3} << QStringLiteral("1,268435455,3");
}

void TestRecordCodec::subscriptionIdsRoundTrip()
{
    QFETCH(std::vector<std::uint32_t>, ids);
    QFETCH(QString, text);
    QCOMPARE(records::joinSubscriptionIds(ids), text.toStdString());
    QVERIFY(records::splitSubscriptionIds(text.toStdString()) == ids);
}

void TestRecordCodec::wallTimeKeepsMilliseconds()
{
    const auto time = records::fromMillis(1'700'000'000'123);
    QCOMPARE(records::toMillis(time), std::int64_t{1'700'000'000'123});
    QCOMPARE(records::toMillis(time + std::chrono::microseconds(999)),
             std::int64_t{1'700'000'000'123});
}

void TestRecordCodec::timeBaseMapsWallTimeOntoTheMonotonicClock()
{
    core::ManualClock clock;
    const records::TimeBase base(clock);
    const auto wallNow = clock.wallNow();
    QVERIFY(base.toSteady(wallNow) == clock.now());
    QVERIFY(base.toSteady(wallNow - std::chrono::seconds(5)) ==
            clock.now() - std::chrono::seconds(5));
    QVERIFY(base.toSteady(wallNow + std::chrono::hours(1)) == clock.now() + std::chrono::hours(1));
}

QTEST_APPLESS_MAIN(TestRecordCodec)
#include "TestRecordCodec.moc"
