#include "broker/daemon/Config.h"

#include <array>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

#ifndef _WIN32
#include <unistd.h>
#endif

#include <toml++/toml.h>

#include "broker/core/LimitRegistry.h"

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
        {"data_dir",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.dataDir = stringOf(src, node, key);
             if (c.dataDir.empty()) {
                 fail(src, node, key, "must not be empty");
             }
         }},
        {"durability",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             const auto mode = parseDurability(stringOf(src, node, key));
             if (!mode) {
                 fail(src, node, key, "expected one of sync, async, memory");
             }
             c.durability = *mode;
         }},
        {"async_commit_delay_ms",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.asyncCommitDelay =
                 std::chrono::milliseconds(integerIn<std::int64_t>(src, node, key, 1, 60'000));
         }},
        {"admin_bind",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.admin.bindAddress = stringOf(src, node, key);
             if (c.admin.bindAddress.empty()) {
                 fail(src, node, key, "must not be empty");
             }
         }},
        {"admin_port",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.admin.port = integerIn<std::uint16_t>(src, node, key, 0, 65535);
         }},
        {"admin_tls_cert",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.admin.tlsCertificateFile = stringOf(src, node, key);
         }},
        {"admin_tls_key",
         [](const auto& src, const auto& node, const auto& key, DaemonConfig& c) {
             c.admin.tlsKeyFile = stringOf(src, node, key);
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

// [limits]: every key is a limit from the registry, so the config file accepts exactly the
// limits the admin API shows, with the same ranges and messages.
void applyLimits(const std::string& source, const toml::table& table, DaemonConfig& config)
{
    for (const auto& [name, node] : table) {
        const std::string key = "limits." + std::string(name.str());
        const auto* spec = core::LimitRegistry::find(name.str());
        if (spec == nullptr) {
            fail(source, node, key, "unknown limit (see docs/configuration.md)");
        }
        core::LimitRegistry::Value value;
        if (node.is_integer()) {
            value.integer = node.value<std::int64_t>();
        } else if (node.is_boolean()) {
            value.boolean = node.value<bool>();
        } else if (node.is_string()) {
            value.text = node.value<std::string>();
        }
        std::string error;
        const auto parsed = core::LimitRegistry::parse(*spec, value, &error);
        if (!parsed) {
            // The registry's message starts with the limit's name; the key adds the table.
            fail(source, node, key, error.substr(error.find(": ") + 2));
        }
        spec->set(config.server.limits, *parsed);
    }
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
            applyLimits(source, *node.as_table(), config);
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
    if (config.admin.tlsCertificateFile.empty() != config.admin.tlsKeyFile.empty()) {
        throw ConfigError(source +
                          ": admin_tls_cert and admin_tls_key: give both (TLS) or neither");
    }
    std::string error;
    if (!core::LimitRegistry::consistent(config.server.limits, &error)) {
        throw ConfigError(source + ": limits." + error);
    }
}

} // namespace

std::optional<core::Durability> parseDurability(std::string_view text)
{
    if (text == "sync") {
        return core::Durability::Sync;
    }
    if (text == "async") {
        return core::Durability::Async;
    }
    if (text == "memory") {
        return core::Durability::Memory;
    }
    return std::nullopt;
}

std::string DaemonConfig::defaultDataDirectory()
{
#ifndef _WIN32
    if (::geteuid() == 0) {
        return "/var/lib/switchboard";
    }
#endif
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
        return std::string(xdg) + "/switchboard";
    }
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
        return std::string(home) + "/.local/share/switchboard";
    }
    return "switchboard-data";
}

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
