#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "broker/admin/AdminOptions.h"

namespace sb::net {
class Server;
}

namespace sb::admin {

// The admin API server: HTTP/1.1 + WebSocket on its own listener and its own thread, serving
// the endpoints in docs/admin-api.md for a running net::Server. The one entry point the daemon
// (and the console's embedded broker) use.
//
// Lifetime: start after the net::Server has started; stop (or destroy) before the net::Server
// is destroyed, since the admin side posts reads to its shards.
class AdminServer
{
public:
    AdminServer(net::Server& server, AdminOptions options);
    ~AdminServer();
    AdminServer(const AdminServer&) = delete;
    AdminServer& operator=(const AdminServer&) = delete;

    // Binds and starts serving. Throws std::runtime_error with a message naming the address,
    // the TLS file or the token file when one cannot be used.
    void start();
    // Closes the listener and every admin connection, then stops the thread. Idempotent.
    void stop();

    std::uint16_t port() const;
    const std::string& token() const;
    // "http://127.0.0.1:8081" (https with TLS).
    std::string url() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace sb::admin
