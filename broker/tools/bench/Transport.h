#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

namespace sb::bench {

// A client byte stream, plain TCP or TLS over TCP, chosen per run. The branch is per I/O
// operation (tens of kilobytes each), not per message, so a virtual interface or a template
// over the stream type would buy nothing.
class Transport
{
public:
    using Tcp = boost::asio::ip::tcp;
    using TlsStream = boost::asio::ssl::stream<Tcp::socket>;

    // `tls` null: plain TCP. Otherwise the shared client context (verification set up).
    Transport(boost::asio::io_context& context, boost::asio::ssl::context* tls);

    Tcp::socket& socket() { return m_tls ? m_tls->next_layer() : m_tcp; }

    // Opens the socket, sets TCP_NODELAY (latency must not wait for Nagle; throughput batches
    // on its own) and binds it to `source` (or any address) and a local port the bench picks
    // from the ephemeral range, a counter shared by all connections: the kernel's own choice
    // costs time proportional to the connections already open. When 64 ports in a row are
    // taken, the port is left to connect() as before.
    boost::system::error_code open(const Tcp::endpoint& broker,
                                   const std::optional<boost::asio::ip::address>& source);

    // Sends `host` as SNI and, when `verify`, checks it against the broker certificate.
    void setServerName(const std::string& host, bool verify);

    template <typename Handler>
    void asyncConnect(const Tcp::endpoint& broker, Handler&& handler)
    {
        socket().async_connect(broker, std::forward<Handler>(handler));
    }

    // Completes at once for plain TCP.
    template <typename Handler>
    void asyncHandshake(Handler&& handler)
    {
        if (m_tls) {
            m_tls->async_handshake(boost::asio::ssl::stream_base::client,
                                   std::forward<Handler>(handler));
        } else {
            boost::asio::post(
                socket().get_executor(),
                [h = std::forward<Handler>(handler)]() mutable { h(boost::system::error_code{}); });
        }
    }

    template <typename Buffer, typename Handler>
    void asyncReadSome(const Buffer& buffer, Handler&& handler)
    {
        if (m_tls) {
            m_tls->async_read_some(buffer, std::forward<Handler>(handler));
        } else {
            m_tcp.async_read_some(buffer, std::forward<Handler>(handler));
        }
    }

    // Writes all of `buffer` (one write system call for plain TCP when the socket has room).
    template <typename Buffer, typename Handler>
    void asyncWrite(const Buffer& buffer, Handler&& handler)
    {
        if (m_tls) {
            boost::asio::async_write(*m_tls, buffer, std::forward<Handler>(handler));
        } else {
            boost::asio::async_write(m_tcp, buffer, std::forward<Handler>(handler));
        }
    }

    // Half-closes the sending side (TCP FIN; TLS close_notify is skipped: the bench is done
    // with the connection and a broker must cope with a peer that just closes).
    void shutdownSend();
    void close();

private:
    Tcp::socket m_tcp;
    std::unique_ptr<TlsStream> m_tls;
};

} // namespace sb::bench
