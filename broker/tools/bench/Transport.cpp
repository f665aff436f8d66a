#include "broker/tools/bench/Transport.h"

#include <netinet/in.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <openssl/ssl.h>

namespace sb::bench {

Transport::Transport(boost::asio::io_context& context, boost::asio::ssl::context* tls)
    : m_tcp(context)
{
    if (tls != nullptr) {
        m_tls = std::make_unique<TlsStream>(context, *tls);
    }
}

boost::system::error_code Transport::open(const Tcp::endpoint& broker,
                                          const std::optional<boost::asio::ip::address>& source)
{
    boost::system::error_code ec;
    Tcp::socket& s = socket();
    s.open(broker.protocol(), ec);
    if (ec) {
        return ec;
    }
    s.set_option(Tcp::no_delay(true), ec);
    if (ec) {
        return ec;
    }
    if (source) {
        // Without IP_BIND_ADDRESS_NO_PORT, bind() would reserve an ephemeral port for the
        // source address alone and run out after ~28k connections per address.
        const int on = 1;
        ::setsockopt(s.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
        s.bind(Tcp::endpoint(*source, 0), ec);
    }
    return ec;
}

void Transport::setServerName(const std::string& host, bool verify)
{
    if (!m_tls) {
        return;
    }
    if (verify) {
        m_tls->set_verify_callback(boost::asio::ssl::host_name_verification(host));
    }
    // SNI, spelled out instead of SSL_set_tlsext_host_name, a macro with a C-style cast.
    SSL_ctrl(m_tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
}

void Transport::shutdownSend()
{
    boost::system::error_code ignored;
    socket().shutdown(Tcp::socket::shutdown_send, ignored);
}

void Transport::close()
{
    boost::system::error_code ignored;
    socket().close(ignored);
}

} // namespace sb::bench
