#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Limits.h"

namespace sb::core {

// Every limit as a named, typed, documented setting: its default, valid range and description.
// The config file, the admin API and the console's limits page are all driven by this table, so
// a limit exists in exactly one place.
class LimitRegistry
{
public:
    enum class Type : std::uint8_t
    {
        Integer,
        Boolean,
        Enum,
    };

    struct Spec
    {
        std::string_view name; // "max_publish_rate"
        Type type = Type::Integer;
        std::int64_t minimum = 0; // Integer: valid range, inclusive
        std::int64_t maximum = 0;
        std::vector<std::string_view> choices; // Enum: names, index = value
        std::string_view unit;                 // "messages/s", "bytes", "seconds", ...
        std::string_view description;          // one sentence for people
        bool zeroMeansUnlimited = false;
        bool perClient = false; // may be overridden per user name or client id
        std::int64_t (*get)(const Limits&) = nullptr;
        void (*set)(Limits&, std::int64_t) = nullptr;
    };

    static std::span<const Spec> specs();
    static const Spec* find(std::string_view name);

    // A value as the config file / API gives it: an integer, a boolean, or an enum name.
    struct Value
    {
        std::optional<std::int64_t> integer;
        std::optional<bool> boolean;
        std::optional<std::string> text;
    };

    // Checks and converts a value for `spec`. Returns the stored integer, or an error message
    // that names the setting and the valid range ("max_packet_size: expected an integer between
    // 16 and 268435460").
    static std::optional<std::int64_t> parse(const Spec& spec, const Value& value,
                                             std::string* error);

    // Sets limits by name, all or nothing: returns false (limits unchanged) with `error` naming
    // the first bad setting (unknown name, wrong type, out of range, or min_keepalive above
    // max_keepalive).
    static bool apply(Limits& limits, const std::map<std::string, Value>& values,
                      std::string* error);

    // Checks relations between limits that no single range expresses.
    static bool consistent(const Limits& limits, std::string* error);

    // A value shown to people and in JSON: the integer, "true"/"false", or the enum name.
    static std::string display(const Spec& spec, std::int64_t value);
};

// Per user name and per client id settings layered over the global limits (client id wins).
// Holds only perClient limits.
struct LimitOverrides
{
    std::map<std::string, std::int64_t> values; // limit name -> stored value

    bool empty() const { return values.empty(); }
    void applyTo(Limits& limits) const;
    bool operator==(const LimitOverrides&) const = default;
};

} // namespace sb::core
