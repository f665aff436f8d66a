#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "broker/core/Broker.h"
#include "broker/net/Server.h"

namespace sb::test {

using namespace std::chrono_literals;

// A real broker for system tests: net::Server on 127.0.0.1 with a port the OS picks.
class BrokerFixture
{
public:
    // Everything a fixture can be given; the plain constructor below covers the common case.
    struct Options
    {
        core::Limits limits;
        unsigned workers = 2;
        const core::Clock* clock = &core::Clock::system();
        // A durable store (recovered by start(), closed by the destructor's stop()); null for
        // `memory` durability. A test restarts a broker by destroying the fixture and building
        // a new one over a new store on the same directory.
        std::shared_ptr<core::Persistence> persistence;
    };

    explicit BrokerFixture(core::Limits limits = {}, unsigned workers = 2,
                           const core::Clock* clock = &core::Clock::system());
    explicit BrokerFixture(Options options);
    ~BrokerFixture();

    std::uint16_t port() const { return m_server->port(); }
    net::Server& server() { return *m_server; }
    core::Broker& broker() { return m_server->broker(); }

    // Polls `condition` until it holds or the deadline passes (state the broker reaches
    // asynchronously, e.g. a session counted as offline). Returns whether it held.
    static bool waitFor(const std::function<bool()>& condition,
                        std::chrono::milliseconds timeout = 5s);

private:
    std::unique_ptr<net::Server> m_server;
};

} // namespace sb::test
