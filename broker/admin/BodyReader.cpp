#include "broker/admin/BodyReader.h"

#include <boost/json/parse.hpp>

namespace sb::admin {

BodyReader::BodyReader(std::string_view body)
{
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(body, ec);
    if (ec) {
        m_error = Problem{"invalid_body", "the body is not valid JSON: " + ec.message(), {}};
        return;
    }
    if (!parsed.is_object()) {
        m_error = Problem{"invalid_body", "the body must be a JSON object", {}};
        return;
    }
    m_object = std::move(parsed.as_object());
}

BodyReader::BodyReader(BodyReader& parent, const boost::json::object& object, std::string prefix)
    : m_object(object)
    , m_prefix(std::move(prefix))
    , m_root(parent.m_root)
{}

std::string BodyReader::path(std::string_view name) const
{
    return m_prefix.empty() ? std::string(name) : m_prefix + "." + std::string(name);
}

void BodyReader::fail(std::string_view name, std::string_view problem)
{
    if (!m_root->m_error) {
        const std::string field = path(name);
        m_root->m_error = Problem{"invalid_field", field + ": " + std::string(problem), field};
    }
}

ApiResponse BodyReader::error() const
{
    const Problem& p = *m_root->m_error;
    return ApiResponse::error(400, p.code, p.message, p.field);
}

boost::json::object BodyReader::errorObject() const
{
    const Problem& p = *m_root->m_error;
    boost::json::object object{{"code", p.code}, {"message", p.message}};
    if (!p.field.empty()) {
        object["field"] = p.field;
    }
    return object;
}

bool BodyReader::has(std::string_view name) const
{
    const auto* v = m_object.if_contains(name);
    return v != nullptr && !v->is_null();
}

const boost::json::value* BodyReader::find(std::string_view name, bool required)
{
    const auto* v = m_object.if_contains(name);
    if (v == nullptr || v->is_null()) {
        if (required) {
            fail(name, "is required");
        }
        return nullptr;
    }
    return v;
}

std::optional<std::string> BodyReader::string(std::string_view name, bool required)
{
    const auto* v = find(name, required);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        fail(name, "expected a string");
        return std::nullopt;
    }
    return std::string(v->as_string());
}

std::optional<std::int64_t> BodyReader::integer(std::string_view name, std::int64_t min,
                                                std::int64_t max, bool required)
{
    const auto* v = find(name, required);
    if (v == nullptr) {
        return std::nullopt;
    }
    std::optional<std::int64_t> value;
    if (v->is_int64()) {
        value = v->as_int64();
    } else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        value = static_cast<std::int64_t>(v->as_uint64());
    }
    if (!value || *value < min || *value > max) {
        fail(name,
             "expected an integer between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return value;
}

std::optional<bool> BodyReader::boolean(std::string_view name, bool required)
{
    const auto* v = find(name, required);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_bool()) {
        fail(name, "expected true or false");
        return std::nullopt;
    }
    return v->as_bool();
}

const boost::json::object* BodyReader::object(std::string_view name, bool required)
{
    const auto* v = find(name, required);
    if (v == nullptr) {
        return nullptr;
    }
    if (!v->is_object()) {
        fail(name, "expected an object");
        return nullptr;
    }
    return &v->as_object();
}

const boost::json::array* BodyReader::array(std::string_view name, bool required)
{
    const auto* v = find(name, required);
    if (v == nullptr) {
        return nullptr;
    }
    if (!v->is_array()) {
        fail(name, "expected an array");
        return nullptr;
    }
    return &v->as_array();
}

void BodyReader::rejectUnknown(std::initializer_list<std::string_view> known)
{
    for (const auto& entry : m_object) {
        bool found = false;
        for (const std::string_view k : known) {
            found = found || entry.key() == k;
        }
        if (!found) {
            fail(entry.key(), "unknown field");
            return;
        }
    }
}

} // namespace sb::admin
