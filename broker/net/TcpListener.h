#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sb::net {

class Worker;

// Accepts MQTT connections on one TCP endpoint and hands them to the workers in turn. The
// acceptor runs on the first worker; each socket is created on its target worker's io_context
// and started there, so a connection lives on one worker for its whole life.
class TcpListener
{
public:
    // Binds and listens; throws std::runtime_error naming the address if that fails.
    TcpListener(std::vector<Worker*> workers, const std::string& address, std::uint16_t port);

    void start();
    // Closes the acceptor. Call on the first worker's thread (or before start).
    void stop();
    std::uint16_t port() const { return m_port; }
    const std::string& address() const { return m_address; }

private:
    void accept();

    std::vector<Worker*> m_workers;
    boost::asio::ip::tcp::acceptor m_acceptor;
    boost::asio::steady_timer m_retry; // after EMFILE and the like
    std::string m_address;
    std::uint16_t m_port = 0;
    std::size_t m_next = 0;
    bool m_stopped = false;
};

} // namespace sb::net
