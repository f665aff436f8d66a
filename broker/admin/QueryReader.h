#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "broker/admin/ApiRequest.h"
#include "broker/admin/ApiResponse.h"
#include "broker/core/Clock.h"

namespace sb::admin {

// Reads query parameters with their validation. The first problem is kept (naming the
// parameter); the endpoint checks ok() once after reading everything and answers error().
class QueryReader
{
public:
    static constexpr std::size_t kDefaultLimit = 100;
    static constexpr std::size_t kMaxLimit = 1000;

    explicit QueryReader(const ApiRequest& request)
        : m_request(request)
    {}

    // "limit": 1..max, default `fallback`.
    std::size_t limit(std::size_t fallback = kDefaultLimit, std::size_t max = kMaxLimit);
    // The raw text ("" when absent).
    std::string text(std::string_view name);
    std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max);
    std::optional<bool> boolean(std::string_view name);
    // One of `choices`, or `fallback` when absent.
    std::string choice(std::string_view name, std::initializer_list<std::string_view> choices,
                       std::string_view fallback);
    std::optional<core::Clock::WallTimePoint> time(std::string_view name);

    void fail(std::string_view name, std::string_view problem);
    bool ok() const { return !m_error; }
    const ApiResponse& error() const { return *m_error; }

private:
    const ApiRequest& m_request;
    std::optional<ApiResponse> m_error;
};

} // namespace sb::admin
