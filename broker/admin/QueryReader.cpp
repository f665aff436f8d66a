#include "broker/admin/QueryReader.h"

#include <charconv>

#include "broker/admin/JsonFormat.h"

namespace sb::admin {

void QueryReader::fail(std::string_view name, std::string_view problem)
{
    if (!m_error) {
        m_error = ApiResponse::badParameter(name, problem);
    }
}

std::size_t QueryReader::limit(std::size_t fallback, std::size_t max)
{
    const auto value = integer("limit", 1, static_cast<std::int64_t>(max));
    return value ? static_cast<std::size_t>(*value) : fallback;
}

std::string QueryReader::text(std::string_view name)
{
    const std::string* value = m_request.queryValue(name);
    return value == nullptr ? std::string() : *value;
}

std::optional<std::int64_t> QueryReader::integer(std::string_view name, std::int64_t min,
                                                 std::int64_t max)
{
    const std::string* value = m_request.queryValue(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    std::int64_t parsed = 0;
    const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
    if (ec != std::errc{} || end != value->data() + value->size() || parsed < min || parsed > max) {
        fail(name,
             "expected an integer between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return parsed;
}

std::optional<bool> QueryReader::boolean(std::string_view name)
{
    const std::string* value = m_request.queryValue(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (*value == "true" || *value == "1") {
        return true;
    }
    if (*value == "false" || *value == "0") {
        return false;
    }
    fail(name, "expected true or false");
    return std::nullopt;
}

std::string QueryReader::choice(std::string_view name,
                                std::initializer_list<std::string_view> choices,
                                std::string_view fallback)
{
    const std::string* value = m_request.queryValue(name);
    if (value == nullptr) {
        return std::string(fallback);
    }
    std::string list;
    for (const std::string_view c : choices) {
        if (*value == c) {
            return *value;
        }
        list += list.empty() ? std::string(c) : ", " + std::string(c);
    }
    fail(name, "expected one of " + list);
    return std::string(fallback);
}

std::optional<core::Clock::WallTimePoint> QueryReader::time(std::string_view name)
{
    const std::string* value = m_request.queryValue(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    auto parsed = JsonFormat::parseTime(*value);
    if (!parsed) {
        fail(name, "expected an RFC 3339 time such as 2026-01-31T12:00:00Z");
    }
    return parsed;
}

} // namespace sb::admin
