#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/core/ClientConnection.h"

namespace sb::net {

// One accepted TCP connection: moves bytes between the socket and a core::ClientConnection.
// Reading waits for readiness and then reads into a buffer shared by all connections of the
// worker thread, so an idle connection holds no read buffer. Writing coalesces everything the core
// produced during one handler into one write, with one write in flight at a time.
class TcpConnection final : public core::Transport,
                            public std::enable_shared_from_this<TcpConnection>
{
public:
    // Bound to the worker's io_context executor rather than Asio's type-erased any_io_executor:
    // the socket is 48 bytes smaller and so is every pending operation on it, which carries a
    // copy of the executor (about 150 bytes less per idle connection in all).
    using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                                    boost::asio::io_context::executor_type>;

    explicit TcpConnection(Socket socket);
    ~TcpConnection();
    TcpConnection(const TcpConnection&) = delete;
    TcpConnection& operator=(const TcpConnection&) = delete;

    // Creates the core connection on `shard` and starts reading. Call on the shard's thread.
    void start(core::Shard& shard);

    // core::Transport
    void flush() override;
    void close() override;
    void resumeReading() override;
    std::size_t bytesInFlight() const override { return m_writeBuffer.size(); }
    const std::string& remoteAddress() const override { return m_remoteAddress; }
    // Drops the reference we hold on ourselves while paused.
    void abandon() override { m_selfWhilePaused.reset(); }

private:
    void waitReadable();
    void readAvailable();
    void scheduleWrite();
    void writePending();
    void onWritten(const boost::system::error_code& ec);
    void shutdownAndClose();
    void finish();

    Socket m_socket;
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
