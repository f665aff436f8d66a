#include "broker/admin/JsonFormat.h"

#include <array>
#include <charconv>
#include <ctime>

namespace sb::admin {

namespace {

// Length of the valid UTF-8 sequence at the start of `s`, or 0 if it is not one.
std::size_t validSequence(std::string_view s)
{
    const auto b0 = static_cast<unsigned char>(s[0]);
    if (b0 < 0x80) {
        return 1;
    }
    std::size_t length = 0;
    std::uint32_t min = 0;
    std::uint32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) {
        length = 2;
        min = 0x80;
        cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
        length = 3;
        min = 0x800;
        cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
        length = 4;
        min = 0x10000;
        cp = b0 & 0x07;
    } else {
        return 0;
    }
    if (s.size() < length) {
        return 0;
    }
    for (std::size_t i = 1; i < length; ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        if ((b & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return length;
}

bool readDigits(std::string_view& text, std::size_t count, int& value)
{
    if (text.size() < count) {
        return false;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + count, value);
    if (ec != std::errc{} || end != text.data() + count) {
        return false;
    }
    text.remove_prefix(count);
    return true;
}

bool expect(std::string_view& text, char c)
{
    if (text.empty() || (text.front() != c && !(c == 'T' && text.front() == 't'))) {
        return false;
    }
    text.remove_prefix(1);
    return true;
}

} // namespace

std::string JsonFormat::time(core::Clock::WallTimePoint at)
{
    return timeFromMillis(
        std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
}

std::string JsonFormat::timeFromMillis(std::int64_t millis)
{
    std::int64_t seconds = millis / 1000;
    std::int64_t ms = millis % 1000;
    if (ms < 0) {
        ms += 1000;
        --seconds;
    }
    const auto t = static_cast<std::time_t>(seconds);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    std::array<char, 40> text{};
    const int n = std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                utc.tm_min, utc.tm_sec, static_cast<int>(ms));
    return std::string(text.data(), static_cast<std::size_t>(n));
}

std::optional<core::Clock::WallTimePoint> JsonFormat::parseTime(std::string_view text)
{
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!readDigits(text, 4, year) || !expect(text, '-') || !readDigits(text, 2, month) ||
        !expect(text, '-') || !readDigits(text, 2, day) || !expect(text, 'T') ||
        !readDigits(text, 2, hour) || !expect(text, ':') || !readDigits(text, 2, minute) ||
        !expect(text, ':') || !readDigits(text, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::int64_t nanos = 0;
    if (!text.empty() && text.front() == '.') {
        text.remove_prefix(1);
        std::int64_t scale = 100'000'000;
        std::size_t digits = 0;
        while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
            nanos += (text.front() - '0') * scale;
            scale /= 10;
            text.remove_prefix(1);
            ++digits;
        }
        if (digits == 0) {
            return std::nullopt;
        }
    }
    int offsetMinutes = 0;
    if (!text.empty() && (text.front() == 'Z' || text.front() == 'z')) {
        text.remove_prefix(1);
    } else if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        const int sign = text.front() == '+' ? 1 : -1;
        text.remove_prefix(1);
        int oh = 0;
        int om = 0;
        if (!readDigits(text, 2, oh) || !expect(text, ':') || !readDigits(text, 2, om)) {
            return std::nullopt;
        }
        offsetMinutes = sign * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    if (!text.empty()) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year(year),
                                           std::chrono::month(static_cast<unsigned>(month)),
                                           std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok()) {
        return std::nullopt;
    }
    // In seconds first: the clock's nanoseconds end in 2262, and a later date (a "since" far in
    // the future) is clamped to the end of its range rather than wrapped around.
    using Wall = core::Clock::WallTimePoint;
    const std::chrono::seconds at = std::chrono::sys_days(date).time_since_epoch() +
                                    std::chrono::hours(hour) + std::chrono::minutes(minute) +
                                    std::chrono::seconds(second) -
                                    std::chrono::minutes(offsetMinutes);
    const auto limit =
        std::chrono::duration_cast<std::chrono::seconds>(Wall::max().time_since_epoch()) -
        std::chrono::seconds(1);
    if (at >= limit) {
        return Wall::max();
    }
    if (at <= -limit) {
        return Wall::min();
    }
    return Wall(std::chrono::duration_cast<Wall::duration>(at) +
                std::chrono::duration_cast<Wall::duration>(std::chrono::nanoseconds(nanos)));
}

std::string JsonFormat::steadyAsWall(const core::Clock& clock, core::Clock::TimePoint at)
{
    const auto left = at - clock.now();
    return time(clock.wallNow() +
                std::chrono::duration_cast<core::Clock::WallTimePoint::duration>(left));
}

std::string_view JsonFormat::version(protocol::Version version)
{
    return version == protocol::Version::V5 ? "5.0" : "3.1.1";
}

std::string JsonFormat::utf8Preview(std::string_view bytes, std::size_t maxBytes)
{
    std::string out;
    out.reserve(std::min(bytes.size(), maxBytes));
    std::size_t i = 0;
    while (i < bytes.size()) {
        const std::size_t length = validSequence(bytes.substr(i));
        if (length == 0) {
            if (out.size() + 3 > maxBytes) {
                break;
            }
            out += "\xEF\xBF\xBD"; // U+FFFD
            ++i;
            continue;
        }
        if (out.size() + length > maxBytes) {
            break;
        }
        out.append(bytes.substr(i, length));
        i += length;
    }
    return out;
}

bool JsonFormat::isValidUtf8(std::string_view bytes)
{
    std::size_t i = 0;
    while (i < bytes.size()) {
        const std::size_t length = validSequence(bytes.substr(i));
        if (length == 0) {
            return false;
        }
        i += length;
    }
    return true;
}

} // namespace sb::admin
