#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Limits.h"

namespace sb::core {
class Broker;
class Persistence;
class Shard;
} // namespace sb::core

namespace sb::net {

class TcpListener;
class Worker;

struct ServerOptions
{
    std::string bindAddress = "0.0.0.0";
    std::uint16_t port = 1883; // 0 = any free port (tests)
    unsigned workers = 0;      // 0 = one per core
    core::Limits limits;
    const core::Clock* clock = &core::Clock::system();
    // The durable store (sync or async durability), or null for `memory`. start() recovers
    // from it before accepting connections; stop() commits and closes it.
    std::shared_ptr<core::Persistence> persistence;
};

// The running broker: the core, its worker threads and its listeners. start() binds and starts;
// stop() shuts down gracefully (no new connections; every client told 0x8B in 5.0; sockets
// flushed and closed) within a deadline, then forcibly.
class Server
{
public:
    explicit Server(ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Throws std::runtime_error with a message naming the address when binding fails, or the
    // database file when recovery fails.
    void start();
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(3));

    std::uint16_t port() const;
    unsigned workerCount() const { return static_cast<unsigned>(m_workers.size()); }
    core::Broker& broker() { return *m_broker; }
    const ServerOptions& options() const { return m_options; }

    // Runs `task(shard)` on every worker's thread and waits for all of them (for tests and the
    // admin layer: a consistent read of per-shard state).
    void runOnEveryWorker(const std::function<void(core::Shard&)>& task);

private:
    ServerOptions m_options;
    std::unique_ptr<core::Broker> m_broker;
    std::vector<std::unique_ptr<Worker>> m_workers;
    std::unique_ptr<TcpListener> m_listener;
    bool m_started = false;
};

} // namespace sb::net
