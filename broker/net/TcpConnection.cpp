#include "broker/net/TcpConnection.h"

#include <span>
#include <vector>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace sb::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Reads per readiness notification before yielding to the worker's other connections.
constexpr int kReadsPerWakeup = 8;
// A write buffer larger than this is released once written, so a burst does not leave a big
// allocation behind on a connection that then goes idle.
constexpr std::size_t kKeepWriteCapacity = 64 * 1024;
// How long a closing connection may take to write its last bytes (a peer that stopped reading).
constexpr std::chrono::seconds kCloseDeadline{5};
constexpr std::size_t kReadBufferSize = std::size_t{64} * 1024;

// Every connection of a worker reads into its thread's buffer and hands the bytes on before the
// next read (the protocol copies what it must keep), so one buffer per worker is enough.
std::span<char> threadReadBuffer()
{
    thread_local std::vector<char> buffer(kReadBufferSize);
    return buffer;
}

// Asio keeps the memory of finished operations per thread and gives a new operation the first
// cached block big enough for it, so an idle connection's readiness wait, which may last for
// hours, would often sit in the 256-byte block of a finished accept rather than in 112 bytes.
// Handlers bound to this allocator get blocks of their own size from the heap.
template <typename T>
struct ExactSizeAllocator
{
    using value_type = T;
    ExactSizeAllocator() = default;
    template <typename U>
    ExactSizeAllocator(const ExactSizeAllocator<U>& /*other*/) noexcept
    {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t /*n*/) noexcept { ::operator delete(p); }
    friend bool operator==(const ExactSizeAllocator& /*a*/, const ExactSizeAllocator& /*b*/)
    {
        return true;
    }
};

std::string describe(const TcpConnection::Socket& socket)
{
    error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) {
        return "(unknown)";
    }
    const auto address = endpoint.address();
    std::string text = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return text + ":" + std::to_string(endpoint.port());
}

} // namespace

TcpConnection::TcpConnection(Socket socket)
    : m_socket(std::move(socket))
    , m_remoteAddress(describe(m_socket))
{}

TcpConnection::~TcpConnection() = default;

void TcpConnection::start(core::Shard& shard)
{
    error_code ec;
    m_socket.set_option(asio::ip::tcp::no_delay(true), ec); // we batch writes ourselves
    m_socket.non_blocking(true, ec);
    if (ec) {
        spdlog::warn("{}: cannot make socket non-blocking: {}", m_remoteAddress, ec.message());
        m_socket.close(ec);
        return;
    }
    m_client = std::make_shared<core::ClientConnection>(shard, *this);
    m_readActive = true;
    waitReadable();
}

void TcpConnection::waitReadable()
{
    m_socket.async_wait(asio::ip::tcp::socket::wait_read,
                        asio::bind_allocator(ExactSizeAllocator<void>(),
                                             [self = shared_from_this()](const error_code& ec) {
                                                 if (ec || self->m_finished) {
                                                     self->m_readActive = false;
                                                     if (ec &&
                                                         ec != asio::error::operation_aborted) {
                                                         self->finish();
                                                     }
                                                     return;
                                                 }
                                                 self->readAvailable();
                                             }));
}

void TcpConnection::readAvailable()
{
    const std::span<char> buffer = threadReadBuffer();
    for (int i = 0; i < kReadsPerWakeup; ++i) {
        if (m_finished) {
            m_readActive = false;
            return;
        }
        error_code ec;
        const std::size_t n = m_socket.read_some(asio::buffer(buffer.data(), buffer.size()), ec);
        if (ec == asio::error::would_block) {
            waitReadable();
            return;
        }
        if (ec) {
            m_readActive = false;
            finish(); // EOF or reset: the client is gone (or has seen our close)
            return;
        }
        if (m_closing) {
            continue; // discard what a closing peer still sends, until it closes too
        }
        m_client->onBytes(std::string_view(buffer.data(), n));
        if (m_finished) {
            m_readActive = false;
            return;
        }
        if (!m_closing && m_client->isReadPaused()) {
            // resumeReading() starts again. Nothing of Asio's holds us meanwhile, so we do.
            m_readActive = false;
            m_selfWhilePaused = shared_from_this();
            return;
        }
        if (n < buffer.size()) {
            // Drained for now. The reactor is edge-triggered but only polls after this handler
            // returns, by which time the wait below is registered, so no wake-up is lost.
            waitReadable();
            return;
        }
    }
    asio::post(m_socket.get_executor(), [self = shared_from_this()] { self->readAvailable(); });
}

void TcpConnection::resumeReading()
{
    auto self = std::move(m_selfWhilePaused);
    if (m_readActive || m_closing || m_finished) {
        return;
    }
    m_readActive = true;
    asio::post(m_socket.get_executor(), [self = shared_from_this()] { self->readAvailable(); });
}

void TcpConnection::flush()
{
    scheduleWrite();
}

void TcpConnection::scheduleWrite()
{
    if (m_writeActive || m_writeScheduled || m_finished) {
        return;
    }
    // Deferred to the end of the current handler so that everything the core writes meanwhile
    // (a whole read batch of acknowledgements, a fan-out) goes out in one system call.
    m_writeScheduled = true;
    asio::post(m_socket.get_executor(), [self = shared_from_this()] {
        self->m_writeScheduled = false;
        self->writePending();
    });
}

void TcpConnection::writePending()
{
    if (m_writeActive || m_finished) {
        return;
    }
    std::string& output = m_client->pendingOutput();
    if (output.empty()) {
        if (m_closing) {
            shutdownAndClose();
        }
        return;
    }
    m_writeBuffer.swap(output);
    m_writeActive = true;
    asio::async_write(m_socket, asio::buffer(m_writeBuffer),
                      [self = shared_from_this()](const error_code& ec, std::size_t /*n*/) {
                          self->onWritten(ec);
                      });
}

void TcpConnection::onWritten(const error_code& ec)
{
    m_writeActive = false;
    m_writeBuffer.clear();
    if (m_writeBuffer.capacity() > kKeepWriteCapacity) {
        std::string().swap(m_writeBuffer);
    }
    if (ec) {
        finish();
        return;
    }
    if (!m_client->pendingOutput().empty()) {
        writePending();
        return;
    }
    if (m_closing) {
        shutdownAndClose();
        return;
    }
    m_client->onOutputDrained();
}

void TcpConnection::close()
{
    if (m_closing || m_finished) {
        return;
    }
    m_closing = true;
    if (m_selfWhilePaused && !m_readActive) {
        // Paused reading: the half-close below needs reading again to see the peer's EOF.
        m_readActive = true;
        waitReadable();
    }
    m_closeDeadline = std::make_unique<asio::steady_timer>(m_socket.get_executor());
    m_closeDeadline->expires_after(kCloseDeadline);
    m_closeDeadline->async_wait([self = shared_from_this()](const error_code& ec) {
        if (!ec) {
            self->finish(); // the peer did not take our last bytes in time
        }
    });
    scheduleWrite();
    if (!m_writeActive && !m_writeScheduled) {
        // Nothing to write: close on the next turn, never from inside the caller's stack.
        asio::post(m_socket.get_executor(), [self = shared_from_this()] { self->writePending(); });
    }
}

void TcpConnection::shutdownAndClose()
{
    // Half-close and wait for the peer's EOF (bounded by the close deadline): closing outright
    // with unread input would send RST, and the peer could lose the DISCONNECT we just wrote.
    error_code ec;
    m_socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (ec) {
        finish();
        return;
    }
    if (!m_readActive) {
        m_readActive = true;
        waitReadable();
    }
}

void TcpConnection::finish()
{
    if (m_finished) {
        return;
    }
    m_finished = true;
    error_code ignored;
    m_socket.close(ignored);
    if (m_closeDeadline) {
        m_closeDeadline->cancel();
    }
    if (m_client) {
        m_client->onTransportClosed();
    }
    m_selfWhilePaused.reset();
}

} // namespace sb::net
