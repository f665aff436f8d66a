#include "broker/core/LimitRegistry.h"

#include <algorithm>
#include <array>

namespace sb::core {
namespace {

using Spec = LimitRegistry::Spec;
using Type = LimitRegistry::Type;

constexpr std::int64_t kU16 = 65535;
constexpr std::int64_t kU32 = 0xFFFF'FFFF;
constexpr std::int64_t kMaxPacket = 268'435'460; // largest MQTT packet: 5-byte header + VBI max

// Builds a Spec for an integer field of Limits.
#define SB_INTEGER_LIMIT(name_, field, lo, hi, unit_, zeroUnlimited, perClient_, text)             \
    Spec                                                                                           \
    {                                                                                              \
        name_, Type::Integer, lo, hi, {}, unit_, text, zeroUnlimited, perClient_,                  \
            [](const Limits& l) -> std::int64_t { return static_cast<std::int64_t>(l.field); },    \
            [](Limits& l, std::int64_t v) {                                                        \
                l.field = static_cast<decltype(l.field)>(v);                                       \
            }                                                                                      \
    }

const std::vector<Spec>& table()
{
    static const std::vector<Spec> specs = {
        SB_INTEGER_LIMIT("max_connections", maxConnections, 0, kU32, "connections", true, false,
                         "Client connections the broker accepts in total; more are refused "
                         "with CONNACK 0x97 Quota exceeded."),
        SB_INTEGER_LIMIT("max_connections_per_ip", maxConnectionsPerIp, 0, kU32, "connections",
                         true, false,
                         "Client connections accepted from one IP address; more are refused "
                         "with CONNACK 0x97 Quota exceeded."),
        SB_INTEGER_LIMIT("max_connect_rate", maxConnectRate, 0, kU32, "connections/s", true, false,
                         "New connections per second per listener; more are refused with CONNACK "
                         "0x9F Connection rate exceeded."),
        Spec{"connect_timeout",
             Type::Integer,
             100,
             3'600'000,
             {},
             "milliseconds",
             "How long a new TCP connection may take to send CONNECT before it is closed.",
             false,
             false,
             [](const Limits& l) -> std::int64_t { return l.connectTimeout.count(); },
             [](Limits& l, std::int64_t v) {
                 l.connectTimeout = std::chrono::milliseconds(v);
             }},
        SB_INTEGER_LIMIT("min_keepalive", minKeepAlive, 0, kU16, "seconds", false, true,
                         "Smallest Keep Alive a client may ask for; a 5.0 client asking less is "
                         "told the Server Keep Alive."),
        SB_INTEGER_LIMIT("max_keepalive", maxKeepAlive, 0, kU16, "seconds", false, true,
                         "Largest Keep Alive a client may ask for (65535 = no ceiling); a 5.0 "
                         "client asking more, or 0, is told the Server Keep Alive."),
        SB_INTEGER_LIMIT("max_session_expiry", maxSessionExpiry, 0, kU32, "seconds", false, true,
                         "Ceiling on the Session Expiry Interval (4294967295 = sessions may "
                         "never expire); a larger request is lowered and announced in CONNACK."),
        SB_INTEGER_LIMIT("max_packet_size", maxPacketSize, 16, kMaxPacket, "bytes", false, true,
                         "Largest packet a client may send, announced in CONNACK; a larger one "
                         "ends the connection with 0x95 Packet too large."),
        SB_INTEGER_LIMIT("receive_maximum", receiveMaximum, 1, kU16, "messages", false, true,
                         "QoS 1/2 publishes a client may have unanswered, announced in CONNACK; "
                         "exceeding it ends the connection with 0x93."),
        SB_INTEGER_LIMIT("topic_alias_maximum", topicAliasMaximum, 0, kU16, "aliases", false, true,
                         "Topic aliases a 5.0 client may define, announced in CONNACK."),
        SB_INTEGER_LIMIT("max_publish_rate", maxPublishRate, 0, kU32, "messages/s", true, true,
                         "PUBLISH packets per second one client may send (token bucket with one "
                         "second of burst); faster ends the connection with 0x96 Message rate "
                         "too high."),
        SB_INTEGER_LIMIT("max_publish_bytes_rate", maxPublishBytesRate, 0, std::int64_t{1} << 40,
                         "bytes/s", true, true,
                         "Payload bytes per second one client may publish (token bucket with one "
                         "second of burst); faster ends the connection with 0x96."),
        SB_INTEGER_LIMIT("max_subscriptions_per_client", maxSubscriptionsPerClient, 0, kU32,
                         "subscriptions", true, true,
                         "Subscriptions one session may hold; more are refused in SUBACK with "
                         "0x97 Quota exceeded."),
        SB_INTEGER_LIMIT("max_topic_levels", maxTopicLevels, 1, 1024, "levels", false, false,
                         "Levels a topic name or filter may have; deeper ones are refused "
                         "(0x90 / 0x8F)."),
        SB_INTEGER_LIMIT("max_topic_length", maxTopicLength, 1, kU16, "bytes", false, false,
                         "Bytes a topic name or filter may have; longer ones are refused."),
        SB_INTEGER_LIMIT("max_inflight", maxInflight, 1, kU16, "messages", false, true,
                         "QoS 1/2 messages sent to one client and not yet acknowledged "
                         "(the smaller of this and the client's Receive Maximum)."),
        SB_INTEGER_LIMIT("max_queue_messages", maxQueueMessages, 1, 100'000'000, "messages", false,
                         true,
                         "Messages one session's queue may hold; beyond it the overflow "
                         "policy applies."),
        SB_INTEGER_LIMIT("max_queue_bytes", maxQueueBytes, 1024, std::int64_t{1} << 40, "bytes",
                         false, true,
                         "Payload bytes one session's queue may hold; beyond it the overflow "
                         "policy applies."),
        Spec{"queue_overflow_policy",
             Type::Enum,
             0,
             3,
             {"dead-letter-newest", "dead-letter-oldest", "drop-newest", "drop-oldest"},
             "",
             "What a full session queue does: refuse the new message or evict the oldest, keeping "
             "it as a dead letter or only counting it.",
             false,
             true,
             [](const Limits& l) -> std::int64_t {
                 return static_cast<std::int64_t>(l.queueOverflow);
             },
             [](Limits& l, std::int64_t v) {
                 l.queueOverflow = static_cast<OverflowPolicy>(v);
             }},
        SB_INTEGER_LIMIT("queue_memory_messages", queueMemoryMessages, 10, 10'000'000, "messages",
                         false, true,
                         "Messages of a persistent session's queue kept in memory; the rest stay "
                         "on disk and are paged in as the client reads."),
        SB_INTEGER_LIMIT("max_delivery_attempts", maxDeliveryAttempts, 0, 1'000'000, "attempts",
                         true, true,
                         "Times a QoS 1/2 message is sent to a client without being acknowledged "
                         "(across reconnects) before it becomes a delivery_limit dead letter."),
        SB_INTEGER_LIMIT("max_pending_output_bytes", maxPendingOutputBytes, 4096,
                         std::int64_t{1} << 34, "bytes", false, true,
                         "Bytes waiting to be written to one client before QoS 0 messages to it "
                         "are dropped (counted) and QoS 1/2 ones wait in its queue."),
        SB_INTEGER_LIMIT("max_retained_messages", maxRetainedMessages, 0, kU32, "messages", true,
                         false,
                         "Retained messages the broker keeps; a new retained topic beyond it is "
                         "refused (0x97 Quota exceeded)."),
        SB_INTEGER_LIMIT("dead_letter_max_entries", deadLetterMaxEntries, 1, 100'000'000, "entries",
                         false, false,
                         "Dead letters kept; when full the oldest are removed (and counted)."),
        SB_INTEGER_LIMIT("dead_letter_max_bytes", deadLetterMaxBytes, 1024, std::int64_t{1} << 40,
                         "bytes", false, false,
                         "Payload bytes of dead letters kept; when full the oldest are removed "
                         "(and counted)."),
        Spec{"dead_letter_qos0",
             Type::Boolean,
             0,
             1,
             {},
             "",
             "Also keep QoS 0 messages dropped for a client whose output is full as dead letters "
             "(they are always counted).",
             false,
             false,
             [](const Limits& l) -> std::int64_t { return l.deadLetterQos0 ? 1 : 0; },
             [](Limits& l, std::int64_t v) {
                 l.deadLetterQos0 = v != 0;
             }},
    };
    return specs;
}

#undef SB_INTEGER_LIMIT

} // namespace

std::span<const LimitRegistry::Spec> LimitRegistry::specs()
{
    return table();
}

const LimitRegistry::Spec* LimitRegistry::find(std::string_view name)
{
    const auto& all = table();
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const Spec& s) { return s.name == name; });
    return it == all.end() ? nullptr : &*it;
}

std::optional<std::int64_t> LimitRegistry::parse(const Spec& spec, const Value& value,
                                                 std::string* error)
{
    auto fail = [&](const std::string& message) -> std::optional<std::int64_t> {
        if (error != nullptr) {
            *error = std::string(spec.name) + ": " + message;
        }
        return std::nullopt;
    };
    switch (spec.type) {
    case Type::Integer:
        if (!value.integer || *value.integer < spec.minimum || *value.integer > spec.maximum) {
            std::string range = "expected an integer between " + std::to_string(spec.minimum) +
                                " and " + std::to_string(spec.maximum);
            if (spec.zeroMeansUnlimited) {
                range += " (0 = no limit)";
            }
            return fail(range);
        }
        return *value.integer;
    case Type::Boolean:
        if (!value.boolean) {
            return fail("expected true or false");
        }
        return *value.boolean ? 1 : 0;
    case Type::Enum: {
        std::string expected = "expected one of";
        for (std::size_t i = 0; i < spec.choices.size(); ++i) {
            expected += (i == 0 ? " " : ", ") + std::string(spec.choices[i]);
            if (value.text && *value.text == spec.choices[i]) {
                return static_cast<std::int64_t>(i);
            }
        }
        return fail(expected);
    }
    }
    return fail("unsupported type");
}

bool LimitRegistry::consistent(const Limits& limits, std::string* error)
{
    if (limits.minKeepAlive > limits.maxKeepAlive) {
        if (error != nullptr) {
            *error = "min_keepalive: must not be greater than max_keepalive";
        }
        return false;
    }
    return true;
}

bool LimitRegistry::apply(Limits& limits, const std::map<std::string, Value>& values,
                          std::string* error)
{
    Limits changed = limits;
    for (const auto& [name, value] : values) {
        const Spec* spec = find(name);
        if (spec == nullptr) {
            if (error != nullptr) {
                *error = name + ": unknown limit";
            }
            return false;
        }
        const auto parsed = parse(*spec, value, error);
        if (!parsed) {
            return false;
        }
        spec->set(changed, *parsed);
    }
    if (!consistent(changed, error)) {
        return false;
    }
    limits = changed;
    return true;
}

std::string LimitRegistry::display(const Spec& spec, std::int64_t value)
{
    switch (spec.type) {
    case Type::Boolean:
        return value != 0 ? "true" : "false";
    case Type::Enum:
        if (value >= 0 && static_cast<std::size_t>(value) < spec.choices.size()) {
            return std::string(spec.choices[static_cast<std::size_t>(value)]);
        }
        return std::to_string(value);
    case Type::Integer:
        break;
    }
    return std::to_string(value);
}

void LimitOverrides::applyTo(Limits& limits) const
{
    for (const auto& [name, value] : values) {
        if (const auto* spec = LimitRegistry::find(name); spec != nullptr && spec->perClient) {
            spec->set(limits, value);
        }
    }
}

} // namespace sb::core
