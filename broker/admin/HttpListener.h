#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/admin/AdminContext.h"

namespace sb::admin {

// The admin API's TCP listener: accepts connections and gives each to an HTTP session (over
// TLS when a TLS context is given). Binds in the constructor so a busy port is reported to
// whoever starts the server; accepts on the admin thread.
class HttpListener : public std::enable_shared_from_this<HttpListener>
{
public:
    // Throws std::runtime_error naming the address when it cannot listen.
    HttpListener(AdminContext& context, const std::string& address, std::uint16_t port,
                 boost::asio::ssl::context* tls);

    void start();
    void stop();
    std::uint16_t port() const { return m_port; }

private:
    void accept();

    AdminContext& m_context;
    boost::asio::ip::tcp::acceptor m_acceptor;
    boost::asio::steady_timer m_retry; // after a failed accept (out of descriptors)
    boost::asio::ssl::context* m_tls;
    std::uint16_t m_port = 0;
};

} // namespace sb::admin
