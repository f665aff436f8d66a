#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "broker/admin/AdminOptions.h"
#include "broker/core/Persistence.h"
#include "broker/net/Server.h"

namespace sb::daemon {

// Everything switchboard-broker is started with: from the defaults, then the config file, then
// the command line (each overriding the one before).
struct DaemonConfig
{
    net::ServerOptions server;
    std::string logLevel = "info";
    // Where the SQLite store lives (not used with `memory` durability).
    std::string dataDir = defaultDataDirectory();
    core::Durability durability = core::Durability::Sync;
    std::chrono::milliseconds asyncCommitDelay{100};
    // The admin API (bind, port, TLS); its token lives in the data directory.
    admin::AdminOptions admin;

    // /var/lib/switchboard for root, else $XDG_DATA_HOME/switchboard or
    // ~/.local/share/switchboard.
    static std::string defaultDataDirectory();
};

// "sync", "async", "memory" -> the mode; nullopt for anything else.
std::optional<core::Durability> parseDurability(std::string_view text);

// A config file that cannot be used. The message names the file, line and key:
// "broker.toml:12: limits.max_packet_size: expected an integer between 1 and 268435460".
class ConfigError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

// Applies a TOML config file on top of `config`. Unknown keys are errors (a typo should not be
// silently ignored). Throws ConfigError.
void applyConfigFile(const std::string& path, DaemonConfig& config);
// The same from text; `sourceName` is used in messages.
void applyConfigText(std::string_view text, const std::string& sourceName, DaemonConfig& config);

// "trace", "debug", "info", "warn", "error", "critical", "off": true if known.
bool isValidLogLevel(const std::string& level);

} // namespace sb::daemon
