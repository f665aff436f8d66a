#include "broker/facade/PortProbe.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace sb::facade {

bool PortProbe::isFree(const std::string& address, std::uint16_t port)
{
    namespace asio = boost::asio;
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) {
        return false;
    }
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io);
    const asio::ip::tcp::endpoint endpoint(ip, port);
    acceptor.open(endpoint.protocol(), ec);
    if (ec) {
        return false;
    }
    // As the broker's listener does: a port left in TIME_WAIT by a previous run counts as free.
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
    if (ec) {
        return false;
    }
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    return !ec;
}

std::optional<std::uint16_t> PortProbe::firstFree(const std::string& address, std::uint16_t from,
                                                  unsigned attempts)
{
    for (unsigned i = 0; i < attempts && from + i <= 65535U; ++i) {
        const auto port = static_cast<std::uint16_t>(from + i);
        if (isFree(address, port)) {
            return port;
        }
    }
    return std::nullopt;
}

} // namespace sb::facade
