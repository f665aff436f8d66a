#include "broker/daemon/Config.h"

#include <array>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#include <toml++/toml.h>

namespace sb::daemon {
namespace {

// Reports a problem at a node: "file:line: key: message".
[[noreturn]] void fail(const std::string& source, const toml::node& node, const std::string& key,
                       const std::string& message)
{
    std::ostringstream text;
    text << source;
    if (node.source().begin.line != 0) {
        text << ":" << node.source().begin.line;
    }
    text << ": " << key << ": " << message;
    throw ConfigError(text.str());
}

template <typename T>
T integerIn(const std::string& source, const toml::node& node, const std::string& key, T low,
            T high)
{
    const auto value = node.value<std::int64_t>();
    if (!node.is_integer() || !value || *value < static_cast<std::int64_t>(low) ||
        *value > static_cast<std::int64_t>(high)) {
        fail(source, node, key,
             "expected an integer between " + std::to_string(low) + " and " + std::to_string(high));
    }
    return static_cast<T>(*value);
}

std::string stringOf(const std::string& source, const toml::node& node, const std::string& key)
{
    if (!node.is_string()) {
        fail(source, node, key, "expected a string");
    }
    return *node.value<std::string>();
}

using Setter = std::function<void(const std::string& source, const toml::node&,
                                  const std::string& key, DaemonConfig&)>;

const std::map<std::string, Setter>& topLevelKeys()
{
    static const std::map<std::string, Setter> keys = {
        {"bind",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.bindAddress = stringOf(src, node, key);
         }},
        {"port",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.port = integerIn<std::uint16_t>(src, node, key, 0, 65535);
         }},
        {"workers",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.workers = integerIn<unsigned>(src, node, key, 0, 1024);
         }},
        {"log_level",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             std::string level = stringOf(src, node, key);
             if (!isValidLogLevel(level)) {
                 fail(src, node, key,
                      "expected one of trace, debug, info, warn, error, critical, off");
             }
             c.logLevel = std::move(level);
         }},
    };
    return keys;
}

const std::map<std::string, Setter>& limitKeys()
{
    static const std::map<std::string, Setter> keys = {
        {"max_packet_size",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.limits.maxPacketSize =
                 integerIn<std::uint32_t>(src, node, key, 16, 268'435'460);
         }},
        {"receive_maximum",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.limits.receiveMaximum = integerIn<std::uint16_t>(src, node, key, 1, 65535);
         }},
        {"topic_alias_maximum",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.limits.topicAliasMaximum = integerIn<std::uint16_t>(src, node, key, 0, 65535);
         }},
        {"max_inflight",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.limits.maxInflight = integerIn<std::uint16_t>(src, node, key, 1, 65535);
         }},
        {"max_queue_messages",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.limits.maxQueueMessages =
                 integerIn<std::size_t>(src, node, key, 1, 100'000'000);
         }},
        {"max_session_expiry",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.limits.maxSessionExpiry =
                 integerIn<std::uint32_t>(src, node, key, 0, 0xFFFF'FFFF);
         }},
        {"min_keepalive",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.limits.minKeepAlive = integerIn<std::uint16_t>(src, node, key, 0, 65535);
         }},
        {"max_keepalive",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.server.limits.maxKeepAlive = integerIn<std::uint16_t>(src, node, key, 0, 65535);
         }},
    };
    return keys;
}

void applyTable(const std::string& source, const toml::table& table, const std::string& prefix,
                const std::map<std::string, Setter>& known, DaemonConfig& config)
{
    for (const auto& [name, node] : table) {
        const std::string key = prefix + std::string(name.str());
        if (prefix.empty() && name.str() == "limits") {
            if (!node.is_table()) {
                fail(source, node, key, "expected a table ([limits])");
            }
            applyTable(source, *node.as_table(), "limits.", limitKeys(), config);
            continue;
        }
        const auto setter = known.find(std::string(name.str()));
        if (setter == known.end()) {
            fail(source, node, key, "unknown setting");
        }
        setter->second(source, node, key, config);
    }
}

ConfigError parseError(const std::string& source, const toml::parse_error& error)
{
    std::ostringstream message;
    message << source;
    if (error.source().begin.line != 0) {
        message << ":" << error.source().begin.line << ":" << error.source().begin.column;
    }
    message << ": " << error.description();
    return ConfigError(message.str());
}

void applyParsed(const toml::table& table, const std::string& source, DaemonConfig& config)
{
    applyTable(source, table, "", topLevelKeys(), config);
    const auto& limits = config.server.limits;
    if (limits.minKeepAlive > limits.maxKeepAlive) {
        throw ConfigError(source +
                          ": limits.min_keepalive: must not be greater than limits.max_keepalive");
    }
}

} // namespace

bool isValidLogLevel(const std::string& level)
{
    static constexpr std::array kLevels = {"trace", "debug",    "info", "warn",
                                           "error", "critical", "off"};
    for (const char* known : kLevels) {
        if (level == known) {
            return true;
        }
    }
    return false;
}

void applyConfigText(std::string_view text, const std::string& sourceName, DaemonConfig& config)
{
    toml::table table;
    try {
        table = toml::parse(text, sourceName);
    } catch (const toml::parse_error& error) {
        throw parseError(sourceName, error);
    }
    applyParsed(table, sourceName, config);
}

void applyConfigFile(const std::string& path, DaemonConfig& config)
{
    toml::table table;
    try {
        table = toml::parse_file(path);
    } catch (const toml::parse_error& error) {
        throw parseError(path, error);
    }
    applyParsed(table, path, config);
}

} // namespace sb::daemon
