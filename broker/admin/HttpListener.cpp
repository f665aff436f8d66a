#include "broker/admin/HttpListener.h"

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "broker/admin/ConnectionRegistry.h"
#include "broker/admin/HttpSession.h"

namespace sb::admin {

namespace asio = boost::asio;
using asio::ip::tcp;

HttpListener::HttpListener(AdminContext& context, const std::string& address, std::uint16_t port,
                           asio::ssl::context* tls)
    : m_context(context)
    , m_acceptor(context.io)
    , m_retry(context.io)
    , m_tls(tls)
{
    const std::string where = address + ":" + std::to_string(port);
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) {
        throw std::runtime_error("invalid admin bind address '" + address + "'");
    }
    const tcp::endpoint endpoint(ip, port);
    m_acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        m_acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        m_acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        m_acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        throw std::runtime_error("cannot listen on " + where +
                                 " for the admin API: " + ec.message());
    }
    m_port = m_acceptor.local_endpoint().port();
}

void HttpListener::start()
{
    accept();
}

void HttpListener::stop()
{
    boost::system::error_code ignored;
    m_acceptor.close(ignored);
    m_retry.cancel();
}

void HttpListener::accept()
{
    m_acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                        tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !self->m_acceptor.is_open()) {
            return;
        }
        if (ec) {
            // Out of descriptors and the like: keep listening rather than go deaf, but pause
            // so the failure does not spin.
            spdlog::warn("admin API: accept failed: {}", ec.message());
            self->m_retry.expires_after(std::chrono::milliseconds(100));
            self->m_retry.async_wait([self](boost::system::error_code waitError) {
                if (!waitError && self->m_acceptor.is_open()) {
                    self->accept();
                }
            });
            return;
        }
        if (!self->m_context.connections->hasRoom()) {
            boost::system::error_code ignored;
            socket.close(ignored);
        } else if (self->m_tls != nullptr) {
            auto session = std::make_shared<TlsHttpSession>(
                self->m_context, boost::beast::tcp_stream(std::move(socket)), *self->m_tls);
            self->m_context.connections->add(session);
            session->run();
        } else {
            auto session = std::make_shared<PlainHttpSession>(self->m_context, std::move(socket));
            self->m_context.connections->add(session);
            session->run();
        }
        self->accept();
    });
}

} // namespace sb::admin
