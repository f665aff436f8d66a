// switchboard-broker: the headless broker for servers.

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "broker/admin/AdminServer.h"
#include "broker/admin/AdminToken.h"
#include "broker/core/Broker.h"
#include "broker/daemon/Config.h"
#include "broker/net/Server.h"
#include "broker/storage/DataDirectoryLock.h"
#include "broker/storage/SqliteStore.h"

#ifndef SWITCHBOARD_VERSION
#define SWITCHBOARD_VERSION "unknown"
#endif

namespace {

int run(int argc, char** argv)
{
    using sb::daemon::DaemonConfig;
    CLI::App cli{"Switchboard MQTT broker (MQTT 3.1.1 and 5.0)", "switchboard-broker"};
    cli.set_version_flag("--version", std::string("switchboard-broker ") + SWITCHBOARD_VERSION);

    std::string configPath;
    std::optional<std::string> bind;
    std::optional<std::uint16_t> port;
    std::optional<unsigned> workers;
    std::optional<std::string> logLevel;
    std::optional<std::string> dataDir;
    std::optional<std::string> durability;
    std::optional<std::string> adminBind;
    std::optional<std::uint16_t> adminPort;
    bool printAdminToken = false;
    cli.add_option("-c,--config", configPath, "TOML config file (see docs/configuration.md)")
        ->check(CLI::ExistingFile);
    cli.add_option("-b,--bind", bind, "Address to listen on for MQTT (default 0.0.0.0)");
    cli.add_option("-p,--port", port, "TCP port for MQTT (default 1883; 0 picks a free one)")
        ->check(CLI::Range(0, 65535));
    cli.add_option("-w,--workers", workers, "Worker threads (default: one per core)")
        ->check(CLI::Range(1, 1024));
    cli.add_option("-l,--log-level", logLevel,
                   "trace, debug, info, warn, error, critical or off (default info)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    cli.add_option("-d,--data-dir", dataDir,
                   "Directory of the SQLite store (default /var/lib/switchboard as root, else "
                   "~/.local/share/switchboard)");
    cli.add_option("--durability", durability,
                   "sync (default: acknowledge after commit), async (commit within "
                   "async_commit_delay_ms) or memory (nothing on disk but the admin token)")
        ->check(CLI::IsMember({"sync", "async", "memory"}));
    cli.add_option("--admin-bind", adminBind,
                   "Address the admin API (HTTP, WebSocket, /metrics) listens on (default "
                   "127.0.0.1)");
    cli.add_option("--admin-port", adminPort,
                   "TCP port of the admin API (default 8081; 0 picks a free one)")
        ->check(CLI::Range(0, 65535));
    cli.add_flag("--print-admin-token", printAdminToken,
                 "Print the admin API token (from the data directory, created if missing) and "
                 "exit");
    CLI11_PARSE(cli, argc, argv);

    DaemonConfig config;
    if (!configPath.empty()) {
        try {
            sb::daemon::applyConfigFile(configPath, config);
        } catch (const sb::daemon::ConfigError& error) {
            std::cerr << "switchboard-broker: " << error.what() << "\n";
            return 2;
        }
    }
    if (bind) {
        config.server.bindAddress = *bind;
    }
    if (port) {
        config.server.port = *port;
    }
    if (workers) {
        config.server.workers = *workers;
    }
    if (logLevel) {
        config.logLevel = *logLevel;
    }
    if (dataDir) {
        config.dataDir = *dataDir;
    }
    if (durability) {
        config.durability = *sb::daemon::parseDurability(*durability);
    }
    if (adminBind) {
        config.admin.bindAddress = *adminBind;
    }
    if (adminPort) {
        config.admin.port = *adminPort;
    }
    // The admin token is kept in the data directory in every durability mode: it is a
    // credential, not broker state, and --print-admin-token must find the running broker's.
    config.admin.tokenFile = sb::admin::AdminToken::pathIn(config.dataDir);
    if (printAdminToken) {
        try {
            std::cout << sb::admin::AdminToken::loadOrCreate(config.admin.tokenFile) << "\n";
        } catch (const std::exception& error) {
            std::cerr << "switchboard-broker: " << error.what() << "\n";
            return 1;
        }
        return 0;
    }

    spdlog::set_default_logger(spdlog::stderr_color_mt("switchboard"));
    spdlog::set_level(spdlog::level::from_str(config.logLevel));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");

    // The store: nothing on disk in `memory` durability; otherwise one broker per directory.
    std::unique_ptr<sb::storage::DataDirectoryLock> lock;
    if (config.durability != sb::core::Durability::Memory) {
        try {
            lock = std::make_unique<sb::storage::DataDirectoryLock>(config.dataDir);
        } catch (const std::exception& error) {
            spdlog::critical("{}", error.what());
            return 1;
        }
        sb::storage::SqliteStoreOptions storeOptions;
        storeOptions.clock = config.server.clock;
        config.server.persistence = std::make_shared<sb::storage::SqliteStore>(
            config.dataDir, config.durability, config.asyncCommitDelay, storeOptions);
    }
    spdlog::info("durability {}{}",
                 config.durability == sb::core::Durability::Sync    ? "sync"
                 : config.durability == sb::core::Durability::Async ? "async"
                                                                    : "memory",
                 config.durability == sb::core::Durability::Memory ? ""
                                                                   : ", data in " + config.dataDir);

    // Signals are caught from here on (Asio holds them until run()), so a SIGTERM arriving as
    // soon as the listener is up still shuts down gracefully instead of killing the process.
    boost::asio::io_context signals;
    boost::asio::signal_set set(signals, SIGINT, SIGTERM);

    sb::net::Server server(config.server);
    try {
        server.start();
    } catch (const std::exception& error) {
        spdlog::critical("{}", error.what());
        return 1;
    }
    sb::admin::AdminServer admin(server, config.admin);
    try {
        admin.start();
    } catch (const std::exception& error) {
        spdlog::critical("{}", error.what());
        server.stop();
        return 1;
    }

    // Wait for SIGINT/SIGTERM on the main thread; the workers carry the traffic.
    set.async_wait([](const boost::system::error_code& ec, int signal) {
        if (!ec) {
            spdlog::info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
        }
    });
    signals.run();
    admin.stop();
    server.stop();
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception& error) {
        std::cerr << "switchboard-broker: " << error.what() << "\n";
        return 1;
    }
}
