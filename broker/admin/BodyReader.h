#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "broker/admin/ApiResponse.h"

namespace sb::admin {

// Reads a JSON request body field by field, with types and ranges checked. The first problem
// is kept, naming the field by its path ("properties.user_properties"); the endpoint checks
// ok() once and answers error().
class BodyReader
{
public:
    // Parses `body` as a JSON object (400 invalid_body when it is not one).
    explicit BodyReader(std::string_view body);
    // Reads a nested object, reporting problems through `parent` with `prefix` in names.
    BodyReader(BodyReader& parent, const boost::json::object& object, std::string prefix);
    BodyReader(const BodyReader&) = delete;
    BodyReader& operator=(const BodyReader&) = delete;

    const boost::json::object& root() const { return m_object; }
    bool has(std::string_view name) const;
    // The field's full name for messages: "prefix.name".
    std::string path(std::string_view name) const;

    std::optional<std::string> string(std::string_view name, bool required = false);
    std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max,
                                        bool required = false);
    std::optional<bool> boolean(std::string_view name, bool required = false);
    const boost::json::object* object(std::string_view name, bool required = false);
    const boost::json::array* array(std::string_view name, bool required = false);
    // Fails on a field not in `known` (a typo should not be silently ignored).
    void rejectUnknown(std::initializer_list<std::string_view> known);

    void fail(std::string_view name, std::string_view problem);
    bool ok() const { return !m_root->m_error; }
    // The 400 answer for the first problem.
    ApiResponse error() const;
    // The same as the error object {"code", "message", "field"} (for the stream's replies).
    boost::json::object errorObject() const;

private:
    const boost::json::value* find(std::string_view name, bool required);

    boost::json::object m_object;
    std::string m_prefix;
    BodyReader* m_root = this;
    struct Problem
    {
        std::string code;
        std::string message;
        std::string field;
    };
    std::optional<Problem> m_error; // on the root reader only
};

} // namespace sb::admin
