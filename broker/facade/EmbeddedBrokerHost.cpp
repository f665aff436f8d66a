#include "broker/facade/EmbeddedBrokerHost.h"

#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>

#include "broker/admin/AdminServer.h"
#include "broker/admin/AdminToken.h"
#include "broker/core/Persistence.h"
#include "broker/facade/CallbackLogSink.h"
#include "broker/facade/PortProbe.h"
#include "broker/net/Server.h"
#include "broker/storage/DataDirectoryLock.h"
#include "broker/storage/SqliteStore.h"

#ifndef SWITCHBOARD_VERSION
#define SWITCHBOARD_VERSION "unknown"
#endif

namespace sb::facade {

namespace {

// How far above a taken port to look for a free one: enough to step over a few other brokers
// on a developer's machine, few enough to fail quickly and say so.
constexpr unsigned kPortAttempts = 50;

core::Durability toCore(EmbeddedBrokerHost::Durability durability)
{
    switch (durability) {
    case EmbeddedBrokerHost::Durability::Sync:
        return core::Durability::Sync;
    case EmbeddedBrokerHost::Durability::Async:
        return core::Durability::Async;
    case EmbeddedBrokerHost::Durability::Memory:
        break;
    }
    return core::Durability::Memory;
}

} // namespace

struct EmbeddedBrokerHost::Impl
{
    LogSink sink;
    std::shared_ptr<spdlog::logger> previousLogger;
    bool loggerInstalled = false;

    // Torn down in reverse order of this declaration: admin, server, lock.
    std::unique_ptr<storage::DataDirectoryLock> lock;
    std::unique_ptr<net::Server> server;
    std::unique_ptr<admin::AdminServer> admin;
    std::string token;

    // The broker logs through spdlog's default logger; while this host runs, that logger
    // writes to the host's sink. Replaced only while no broker thread exists (before start,
    // after stop), because spdlog hands out the default logger without a lock.
    void installLogger(LogLevel level)
    {
        if (!sink || loggerInstalled) {
            return;
        }
        previousLogger = spdlog::default_logger();
        auto callbackSink = std::make_shared<CallbackLogSink>(sink);
        callbackSink->set_pattern("%H:%M:%S.%e %v");
        auto logger = std::make_shared<spdlog::logger>("switchboard-embedded", callbackSink);
        logger->set_level(static_cast<spdlog::level::level_enum>(level));
        spdlog::set_default_logger(std::move(logger));
        loggerInstalled = true;
    }

    void restoreLogger()
    {
        if (!loggerInstalled) {
            return;
        }
        spdlog::set_default_logger(previousLogger);
        // The registry would otherwise keep the sink, and with it the host's callback, alive.
        spdlog::drop("switchboard-embedded");
        previousLogger.reset();
        loggerInstalled = false;
    }

    std::vector<std::uint16_t> candidatePorts(const Options& options) const
    {
        if (options.port == 0 || !options.nextFreePortIfTaken) {
            return {options.port};
        }
        std::vector<std::uint16_t> ports;
        for (unsigned i = 0; i < kPortAttempts && options.port + i <= 65535U; ++i) {
            const auto port = static_cast<std::uint16_t>(options.port + i);
            if (PortProbe::isFree(options.bindAddress, port)) {
                ports.push_back(port);
            }
        }
        if (ports.empty()) {
            throw std::runtime_error("no free port for MQTT on " + options.bindAddress + " from " +
                                     std::to_string(options.port) + " to " +
                                     std::to_string(options.port + kPortAttempts - 1));
        }
        return ports;
    }

    std::shared_ptr<core::Persistence> openStore(const Options& options) const
    {
        if (options.durability == Durability::Memory) {
            return nullptr;
        }
        return std::make_shared<storage::SqliteStore>(options.dataDirectory,
                                                      toCore(options.durability));
    }

    void startServer(const Options& options)
    {
        if (options.durability != Durability::Memory) {
            if (options.dataDirectory.empty()) {
                throw std::runtime_error("no data directory given for the broker's store");
            }
            lock = std::make_unique<storage::DataDirectoryLock>(options.dataDirectory);
        }
        const std::vector<std::uint16_t> ports = candidatePorts(options);
        for (std::size_t i = 0; i < ports.size(); ++i) {
            net::ServerOptions serverOptions;
            serverOptions.bindAddress = options.bindAddress;
            serverOptions.port = ports[i];
            serverOptions.workers = options.workers;
            // A fresh store per attempt: a Server that failed to bind has already recovered
            // from its store, and the store is not meant to be recovered twice.
            serverOptions.persistence = openStore(options);
            auto candidate = std::make_unique<net::Server>(std::move(serverOptions));
            try {
                candidate->start();
                server = std::move(candidate);
                return;
            } catch (const std::exception&) {
                // Another program took the port between the probe and the bind: try the next
                // one. Any other failure (the store, the address) would only repeat.
                const bool lostRace = options.nextFreePortIfTaken && i + 1 < ports.size() &&
                                      !PortProbe::isFree(options.bindAddress, ports[i]);
                if (!lostRace) {
                    throw;
                }
            }
        }
    }

    void startAdmin(const Options& options)
    {
        admin::AdminOptions adminOptions;
        adminOptions.bindAddress = options.adminBindAddress;
        adminOptions.port = options.adminPort;
        adminOptions.token = admin::AdminToken::generate();
        admin = std::make_unique<admin::AdminServer>(*server, adminOptions);
        admin->start();
        token = adminOptions.token;
    }

    void teardown()
    {
        if (admin) {
            admin->stop();
            admin.reset();
        }
        if (server) {
            server->stop();
            server.reset();
        }
        lock.reset();
        token.clear();
    }
};

EmbeddedBrokerHost::EmbeddedBrokerHost(LogSink sink)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->sink = std::move(sink);
}

EmbeddedBrokerHost::~EmbeddedBrokerHost()
{
    stop();
}

bool EmbeddedBrokerHost::start(const Options& options, std::string* error)
{
    Impl& m = *m_impl;
    if (m.server) {
        if (error != nullptr) {
            *error = "the broker is already running";
        }
        return false;
    }
    m.installLogger(options.logLevel);
    try {
        m.startServer(options);
        m.startAdmin(options);
        return true;
    } catch (const std::exception& failure) {
        spdlog::error("{}", failure.what());
        m.teardown();
        m.restoreLogger();
        if (error != nullptr) {
            *error = failure.what();
        }
        return false;
    }
}

void EmbeddedBrokerHost::stop()
{
    Impl& m = *m_impl;
    if (!m.server) {
        return;
    }
    m.teardown();
    m.restoreLogger();
}

bool EmbeddedBrokerHost::isRunning() const
{
    return m_impl->server != nullptr;
}

std::uint16_t EmbeddedBrokerHost::mqttPort() const
{
    return m_impl->server ? m_impl->server->port() : 0;
}

std::uint16_t EmbeddedBrokerHost::adminPort() const
{
    return m_impl->admin ? m_impl->admin->port() : 0;
}

std::string EmbeddedBrokerHost::adminUrl() const
{
    return m_impl->admin ? m_impl->admin->url() : std::string();
}

std::string EmbeddedBrokerHost::adminToken() const
{
    return m_impl->token;
}

std::string EmbeddedBrokerHost::version()
{
    return SWITCHBOARD_VERSION;
}

} // namespace sb::facade
