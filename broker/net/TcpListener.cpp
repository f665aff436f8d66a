#include "broker/net/TcpListener.h"

#include <stdexcept>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "broker/net/TcpConnection.h"
#include "broker/net/Worker.h"

namespace sb::net {

namespace asio = boost::asio;
using boost::system::error_code;

TcpListener::TcpListener(std::vector<Worker*> workers, const std::string& address,
                         std::uint16_t port)
    : m_workers(std::move(workers))
    , m_acceptor(m_workers.front()->context())
    , m_retry(m_workers.front()->context())
    , m_address(address)
{
    error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) {
        throw std::runtime_error("invalid bind address '" + address + "': " + ec.message());
    }
    const asio::ip::tcp::endpoint endpoint(ip, port);
    const std::string where = address + ":" + std::to_string(port);
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
        throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
    }
    m_port = m_acceptor.local_endpoint().port();
}

void TcpListener::start()
{
    accept();
}

void TcpListener::stop()
{
    m_stopped = true;
    error_code ignored;
    m_retry.cancel();
    m_acceptor.close(ignored);
}

void TcpListener::accept()
{
    Worker* target = m_workers[m_next++ % m_workers.size()];
    m_acceptor.async_accept(
        target->context(), [this, target](const error_code& ec, TcpConnection::Socket socket) {
            if (m_stopped || ec == asio::error::operation_aborted) {
                return;
            }
            if (ec) {
                // Out of file descriptors or memory: say so, and try again shortly rather than
                // spinning on an error that will not clear by itself this instant.
                spdlog::warn("accept on {}:{} failed: {}", m_address, m_port, ec.message());
                m_retry.expires_after(std::chrono::milliseconds(100));
                m_retry.async_wait([this](const error_code& waitError) {
                    if (!waitError && !m_stopped) {
                        accept();
                    }
                });
                return;
            }
            asio::post(target->context(), [target, s = std::move(socket)]() mutable {
                auto connection = std::make_shared<TcpConnection>(std::move(s));
                connection->start(target->shard());
            });
            accept();
        });
}

} // namespace sb::net
