#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <QtCore/QByteArray>
#include <QtCore/QMetaType>
#include <QtTest/QTest>

#include "broker/protocol/Codec.h"

// Helpers shared by the codec suites: readable packets in failure messages, and the table of
// canonical frames every suite starts from.
namespace sb::test {

// One line naming every field of a packet, for failure messages.
std::string describe(const protocol::Packet& packet);
std::string describe(const protocol::Properties& properties);

// Byte strings compared as hex text, so a failed QCOMPARE prints both sides.
QByteArray hexOf(std::string_view bytes);

// A packet and its canonical wire form: encode(packet) gives `bytes`, decode(bytes) gives
// `packet`. Every packet type appears in both versions, and every property at least once.
struct SampleFrame
{
    std::string name;
    protocol::Version version;
    std::string bytes;
    protocol::Packet packet;
};

const std::vector<SampleFrame>& sampleFrames();

// "v3.1.1" / "v5"
const char* versionName(protocol::Version version);

} // namespace sb::test

Q_DECLARE_METATYPE(sb::protocol::Packet)
Q_DECLARE_METATYPE(sb::protocol::Version)
Q_DECLARE_METATYPE(sb::protocol::ReasonCode)
Q_DECLARE_METATYPE(std::string)

// QCOMPARE finds printers through specializations of QTest::toString (overloads declared after
// <QTest> are not visible to its templates).
namespace QTest {
template <>
char* toString<sb::protocol::Packet>(const sb::protocol::Packet& packet);
template <>
char* toString<sb::protocol::Properties>(const sb::protocol::Properties& properties);
template <>
char* toString<sb::protocol::ReasonCode>(const sb::protocol::ReasonCode& reason);
} // namespace QTest
