#include "broker/tools/bench/JsonObject.h"

#include <cmath>
#include <cstdio>

namespace sb::bench {

void JsonObject::appendString(std::string& out, std::string_view text)
{
    out.push_back('"');
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (byte < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
            out += escaped;
        } else {
            out.push_back(c); // UTF-8 passes through unchanged
        }
    }
    out.push_back('"');
}

void JsonObject::key(std::string_view name)
{
    if (!m_body.empty()) {
        m_body.push_back(',');
    }
    appendString(m_body, name);
    m_body.push_back(':');
}

JsonObject& JsonObject::add(std::string_view name, std::string_view value)
{
    key(name);
    appendString(m_body, value);
    return *this;
}

JsonObject& JsonObject::add(std::string_view name, bool value)
{
    key(name);
    m_body += value ? "true" : "false";
    return *this;
}

JsonObject& JsonObject::add(std::string_view name, std::uint64_t value)
{
    key(name);
    m_body += std::to_string(value);
    return *this;
}

JsonObject& JsonObject::add(std::string_view name, std::int64_t value)
{
    key(name);
    m_body += std::to_string(value);
    return *this;
}

JsonObject& JsonObject::add(std::string_view name, double value)
{
    key(name);
    if (!std::isfinite(value)) {
        m_body += "null"; // JSON has no NaN or infinity
        return *this;
    }
    char text[40];
    if (std::fabs(value) >= 1e6) {
        std::snprintf(text, sizeof text, "%.0f", value);
    } else {
        std::snprintf(text, sizeof text, "%.6g", value);
    }
    m_body += text;
    return *this;
}

JsonObject& JsonObject::add(std::string_view name, const JsonObject& value)
{
    key(name);
    m_body += value.text();
    return *this;
}

JsonObject& JsonObject::add(std::string_view name, const std::vector<std::string>& values)
{
    key(name);
    m_body.push_back('[');
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) {
            m_body.push_back(',');
        }
        appendString(m_body, values[i]);
    }
    m_body.push_back(']');
    return *this;
}

} // namespace sb::bench
