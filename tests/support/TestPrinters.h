#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <QtTest/QTest>

// QCOMPARE prints both sides on failure only for types QTest knows. These teach it the standard
// types the broker uses, so a failed byte-exact check shows the bytes.
namespace sb::test {

// "30 0a 00 03 61 2f 62 ..." for byte strings; used by the printers below.
std::string hex(std::string_view bytes);

// Builds a byte string from hex text, spaces ignored: bytes("30 02 00 00").
std::string bytes(std::string_view hexText);

} // namespace sb::test

// QCOMPARE calls QTest::toString<T>() from inside a template; plain overloads are not found
// there, so these are specialisations of that template.
namespace QTest {
template <>
char* toString<std::string>(const std::string& value);
template <>
char* toString<std::string_view>(const std::string_view& value);
template <>
char* toString<std::vector<std::uint8_t>>(const std::vector<std::uint8_t>& value);
template <>
char* toString<std::vector<std::uint32_t>>(const std::vector<std::uint32_t>& value);
} // namespace QTest
