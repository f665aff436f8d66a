#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sb::bench {

// Builds one JSON object as text, keys in insertion order. Hand-written rather than
// Boost.JSON because its serializer prints every double in exponent form (0E0, 2.29983E5),
// which makes the one line a human also reads needlessly hard to read.
class JsonObject
{
public:
    JsonObject& add(std::string_view key, std::string_view value);
    JsonObject& add(std::string_view key, const char* value)
    {
        return add(key, std::string_view(value));
    }
    JsonObject& add(std::string_view key, bool value);
    JsonObject& add(std::string_view key, std::uint64_t value);
    JsonObject& add(std::string_view key, std::int64_t value);
    JsonObject& add(std::string_view key, std::uint32_t value)
    {
        return add(key, std::uint64_t{value});
    }
    JsonObject& add(std::string_view key, int value) { return add(key, std::int64_t{value}); }
    // Up to 6 significant digits below a million, whole numbers above.
    JsonObject& add(std::string_view key, double value);
    JsonObject& add(std::string_view key, const JsonObject& value);
    JsonObject& add(std::string_view key, const std::vector<std::string>& values);

    std::string text() const { return "{" + m_body + "}"; }

private:
    void key(std::string_view name);
    static void appendString(std::string& out, std::string_view text);

    std::string m_body;
};

} // namespace sb::bench
