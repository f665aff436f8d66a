#include "broker/admin/ApiResponse.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace sb::admin {

ApiResponse ApiResponse::json(const boost::json::value& value, unsigned status)
{
    ApiResponse response;
    response.status = status;
    response.body = boost::json::serialize(value);
    response.body.push_back('\n');
    return response;
}

ApiResponse ApiResponse::text(std::string body, std::string contentType, unsigned status)
{
    ApiResponse response;
    response.status = status;
    response.body = std::move(body);
    response.contentType = std::move(contentType);
    return response;
}

ApiResponse ApiResponse::error(unsigned status, std::string_view code, std::string_view message,
                               std::string_view field)
{
    boost::json::object detail;
    detail["code"] = code;
    detail["message"] = message;
    if (!field.empty()) {
        detail["field"] = field;
    }
    boost::json::object root;
    root["error"] = std::move(detail);
    return json(root, status);
}

ApiResponse ApiResponse::badParameter(std::string_view field, std::string_view problem)
{
    return error(400, "invalid_parameter", std::string(field) + ": " + std::string(problem), field);
}

ApiResponse ApiResponse::badField(std::string_view field, std::string_view problem)
{
    return error(400, "invalid_field", std::string(field) + ": " + std::string(problem), field);
}

ApiResponse ApiResponse::notFound(std::string_view message)
{
    return error(404, "not_found", message);
}

ApiResponse ApiResponse::unavailable(std::string_view message)
{
    return error(503, "unavailable", message);
}

} // namespace sb::admin
