#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace sb::admin {

// What an endpoint answers: a status, a body and its type, and any extra headers. Errors carry
// the API's one error shape: {"error": {"code": "...", "message": "...", "field": "..."}}.
struct ApiResponse
{
    unsigned status = 200;
    std::string contentType = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    static ApiResponse json(const boost::json::value& value, unsigned status = 200);
    static ApiResponse text(std::string body, std::string contentType, unsigned status = 200);
    // `field` names the parameter or body field that was wrong (left out when empty).
    static ApiResponse error(unsigned status, std::string_view code, std::string_view message,
                             std::string_view field = {});

    // The usual errors, with their codes.
    static ApiResponse badParameter(std::string_view field, std::string_view problem);
    static ApiResponse badField(std::string_view field, std::string_view problem);
    static ApiResponse notFound(std::string_view message);
    static ApiResponse unavailable(std::string_view message);
};

} // namespace sb::admin
