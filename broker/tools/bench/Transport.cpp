#include "broker/tools/bench/Transport.h"

#include <atomic>
#include <cstdint>
#include <fstream>
#include <netinet/in.h>
#include <random>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <openssl/ssl.h>

namespace sb::bench {

namespace {

// Local ports handed out by the bench itself, from the kernel's ephemeral range. Left to
// connect(), the kernel looks for a free port by probing its range and checking each candidate
// against every connection using it, which grows with the connections already open: at 19,000
// connections to one broker, 88 % of the generator's CPU went to __inet_hash_connect and
// __inet_check_established, and connects ran at ~3,400/s for every broker. A counter makes the
// choice O(1); bind() only has to say whether the port is free for this address.
class SourcePorts
{
public:
    SourcePorts()
    {
        std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
        unsigned low = 0;
        unsigned high = 0;
        if (range >> low >> high && low > 0 && low < high && high <= 65535) {
            m_low = low;
            m_high = high;
        }
        // A random start, so that back-to-back runs do not begin on the ports (and TIME_WAIT
        // connections) the previous one used.
        m_counter.store(std::random_device()() % (m_high - m_low + 1), std::memory_order_relaxed);
    }

    std::uint16_t next()
    {
        const std::uint32_t span = m_high - m_low + 1;
        return static_cast<std::uint16_t>(m_low +
                                          m_counter.fetch_add(1, std::memory_order_relaxed) % span);
    }

private:
    std::uint32_t m_low = 32768;
    std::uint32_t m_high = 60999;
    std::atomic<std::uint32_t> m_counter{0};
};

SourcePorts& sourcePorts()
{
    static SourcePorts ports;
    return ports;
}

// Tries this many ports (taken by something else, or by a connection of ours on the same
// source address) before leaving the choice to the kernel.
constexpr int kPortAttempts = 64;

} // namespace

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
    // SO_REUSEADDR: a port whose earlier connection is in TIME_WAIT can be bound again (the
    // kernel still refuses a 4-tuple that is in use).
    s.set_option(Tcp::socket::reuse_address(true), ec);
    if (ec) {
        return ec;
    }
    const boost::asio::ip::address local =
        source
            ? *source
            : (broker.address().is_v6() ? boost::asio::ip::address(boost::asio::ip::address_v6())
                                        : boost::asio::ip::address(boost::asio::ip::address_v4()));
    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
        s.bind(Tcp::endpoint(local, sourcePorts().next()), ec);
        if (ec != boost::asio::error::address_in_use) {
            return ec;
        }
    }
    if (source) {
        // Without IP_BIND_ADDRESS_NO_PORT, bind() would reserve an ephemeral port for the
        // source address alone and run out after ~28k connections per address.
        const int on = 1;
        ::setsockopt(s.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
    }
    s.bind(Tcp::endpoint(local, 0), ec);
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
