#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>

#include "broker/admin/AdminMailbox.h"
#include "broker/admin/AdminOptions.h"
#include "broker/core/Clock.h"

namespace sb::core {
class Broker;
}
namespace sb::net {
class Server;
}

namespace sb::admin {

class ApiRouter;
class ConnectionRegistry;
class StatsSampler;

// What the admin server's parts share: the broker they serve, the admin thread's context and
// mailbox, and the server's own components. Built by AdminServer, which outlives every user.
struct AdminContext
{
    AdminContext(net::Server& srv, core::Broker& brk, boost::asio::io_context& context,
                 MailboxPtr box, AdminOptions opts)
        : server(srv)
        , broker(brk)
        , io(context)
        , mailbox(std::move(box))
        , options(std::move(opts))
    {}

    net::Server& server;
    core::Broker& broker;
    boost::asio::io_context& io;
    MailboxPtr mailbox;
    AdminOptions options;

    std::string version;
    core::Clock::WallTimePoint startedAt{};
    std::chrono::steady_clock::time_point startedSteady{};
    std::uint16_t port = 0; // the admin listener's, once bound
    bool tls = false;

    StatsSampler* sampler = nullptr;
    ApiRouter* router = nullptr;
    ConnectionRegistry* connections = nullptr;
};

} // namespace sb::admin
