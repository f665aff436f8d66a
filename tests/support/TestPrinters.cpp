#include "tests/support/TestPrinters.h"

#include <cctype>
#include <stdexcept>

namespace sb::test {

std::string hex(std::string_view bytes)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 3);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        if (i != 0) {
            out.push_back(' ');
        }
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0x0F]);
    }
    return out;
}

std::string bytes(std::string_view hexText)
{
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        throw std::invalid_argument("bytes(): not a hex digit");
    };
    std::string out;
    int high = -1;
    for (const char c : hexText) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            continue;
        }
        const int value = nibble(c);
        if (high < 0) {
            high = value;
        } else {
            out.push_back(static_cast<char>((high << 4) | value));
            high = -1;
        }
    }
    if (high >= 0) {
        throw std::invalid_argument("bytes(): odd number of hex digits");
    }
    return out;
}

} // namespace sb::test

namespace QTest {

namespace {
bool isPrintable(std::string_view value)
{
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte > 0x7E) {
            return false;
        }
    }
    return true;
}
} // namespace

template <>
char* toString<std::string_view>(const std::string_view& value)
{
    const std::string text =
        isPrintable(value) ? "\"" + std::string(value) + "\"" : "[" + sb::test::hex(value) + "]";
    return qstrdup(text.c_str());
}

template <>
char* toString<std::string>(const std::string& value)
{
    return toString<std::string_view>(std::string_view(value));
}

template <>
char* toString<std::vector<std::uint8_t>>(const std::vector<std::uint8_t>& value)
{
    std::string text = "[";
    for (std::size_t i = 0; i < value.size(); ++i) {
        text += (i == 0 ? "" : ", ") + std::to_string(value[i]);
    }
    text += "]";
    return qstrdup(text.c_str());
}

template <>
char* toString<std::vector<std::uint32_t>>(const std::vector<std::uint32_t>& value)
{
    std::string text = "[";
    for (std::size_t i = 0; i < value.size(); ++i) {
        text += (i == 0 ? "" : ", ") + std::to_string(value[i]);
    }
    text += "]";
    return qstrdup(text.c_str());
}

} // namespace QTest
