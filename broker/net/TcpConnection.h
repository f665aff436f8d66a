#pragma once

#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/core/ClientConnection.h"

namespace sb::net {

class Worker;

// One accepted TCP connection: moves bytes between the socket and a core::ClientConnection.
// Reading waits for readiness and then reads into the worker's shared buffer, so an idle
// connection holds no read buffer. Writing coalesces everything the core produced during one
// handler into one write, with one write in flight at a time.
class TcpConnection final : public core::Transport,
                            public std::enable_shared_from_this<TcpConnection>
{
public:
    TcpConnection(Worker& worker, boost::asio::ip::tcp::socket socket);
    ~TcpConnection();
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;

    // Creates the core connection and starts reading. Call on the worker's thread.
    void start();
    // The worker has stopped for good: drop the reference we hold on ourselves while paused.
    void abandon() { m_selfWhilePaused.reset(); }

    // core::Transport
    void flush() override;
    void close() override;
    void resumeReading() override;
    std::size_t bytesInFlight() const override { return m_writeBuffer.size(); }
    const std::string& remoteAddress() const override { return m_remoteAddress; }

private:
    void waitReadable();
    void readAvailable();
    void scheduleWrite();
    void writePending();
    void onWritten(const boost::system::error_code& ec);
    void shutdownAndClose();
    void finish();

    Worker& m_worker;
    boost::asio::ip::tcp::socket m_socket;
    std::shared_ptr<core::ClientConnection> m_client;
    std::string m_writeBuffer;
    std::string m_remoteAddress;
    std::unique_ptr<boost::asio::steady_timer> m_closeDeadline; // only while closing
    std::shared_ptr<TcpConnection> m_selfWhilePaused; // keeps us alive while reads are paused
    bool m_readActive = false;                        // a wait or a read continuation is pending
    bool m_writeActive = false;                       // an async_write is pending
    bool m_writeScheduled = false;
    bool m_closing = false;
    bool m_finished = false;
};

} // namespace sb::net
