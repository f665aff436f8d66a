#pragma once

#include <array>
#include <memory>
#include <optional>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "broker/admin/AdminContext.h"
#include "broker/admin/ApiResponse.h"
#include "broker/admin/ConnectionRegistry.h"

namespace sb::admin {

// One HTTP/1.1 connection to the admin API: reads a request (headers and body bounded), hands
// it to the router, writes the answer when it comes (from any thread, via the mailbox), and
// reads the next one; upgrades GET /api/v1/stream to a StreamSession. One request at a time, so
// one write in flight. Runs on the admin thread. `Stream` is beast::tcp_stream or an
// ssl_stream over one.
template <typename Stream>
class HttpSession final : public AdminConnection,
                          public std::enable_shared_from_this<HttpSession<Stream>>
{
public:
    // `streamArgs` construct the stream: a socket (plain), or a tcp_stream and the TLS
    // context.
    template <typename... Args>
    explicit HttpSession(AdminContext& context, Args&&... streamArgs)
        : m_context(context)
        , m_stream(std::forward<Args>(streamArgs)...)
    {}

    void run();
    void shutdown() override;

private:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;

    void readRequest();
    void onRead(boost::beast::error_code ec);
    void dispatch(Request&& request);
    void upgrade(Request&& request);
    // Writes the answer; `close` ends the connection after it (a request we could not read).
    void write(ApiResponse response, bool close = false);
    void onWrite(boost::beast::error_code ec, bool close);
    void closeConnection();
    void drainUntilClosed(std::shared_ptr<std::array<char, 8192>> scratch, std::size_t drained);
    auto& socketLayer() { return boost::beast::get_lowest_layer(m_stream); }

    AdminContext& m_context;
    Stream m_stream;
    boost::beast::flat_buffer m_buffer;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> m_parser;
    std::shared_ptr<void> m_response; // the message being written, kept alive until written
    bool m_keepAlive = true;
    unsigned m_httpVersion = 11;
    bool m_closed = false;
};

using PlainHttpSession = HttpSession<boost::beast::tcp_stream>;
using TlsHttpSession = HttpSession<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

} // namespace sb::admin
