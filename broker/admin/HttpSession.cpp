#include "broker/admin/HttpSession.h"

#include <type_traits>

#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "broker/admin/ApiRequest.h"
#include "broker/admin/ApiRouter.h"
#include "broker/admin/Responder.h"
#include "broker/admin/StreamSession.h"

namespace sb::admin {

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr auto kTlsTimeout = std::chrono::seconds(10);
constexpr auto kLingerTimeout = std::chrono::seconds(5);
constexpr std::size_t kMaxLingerBytes = 64 * 1024 * 1024;
constexpr std::uint32_t kHeaderLimit = 16 * 1024;

template <typename Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

bool isParseError(const beast::error_code& ec)
{
    return ec.category() == http::make_error_code(http::error::bad_target).category();
}

} // namespace

template <typename Stream>
void HttpSession<Stream>::run()
{
    if constexpr (kIsTls<Stream>) {
        socketLayer().expires_after(kTlsTimeout);
        m_stream.async_handshake(boost::asio::ssl::stream_base::server,
                                 [self = this->shared_from_this()](beast::error_code ec) {
                                     if (ec) {
                                         self->m_closed = true;
                                         self->socketLayer().close();
                                         return;
                                     }
                                     self->readRequest();
                                 });
    } else {
        readRequest();
    }
}

template <typename Stream>
void HttpSession<Stream>::shutdown()
{
    m_closed = true;
    socketLayer().close();
}

template <typename Stream>
void HttpSession<Stream>::readRequest()
{
    if (m_closed) {
        return;
    }
    m_parser.emplace();
    m_parser->body_limit(m_context.options.maxRequestBodyBytes);
    m_parser->header_limit(kHeaderLimit);
    socketLayer().expires_after(std::chrono::seconds(m_context.options.idleTimeoutSeconds));
    http::async_read(
        m_stream, m_buffer, *m_parser,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
}

template <typename Stream>
void HttpSession<Stream>::onRead(beast::error_code ec)
{
    if (m_closed) {
        return;
    }
    if (ec == http::error::body_limit) {
        write(ApiResponse::error(413, "payload_too_large",
                                 "the request body is larger than " +
                                     std::to_string(m_context.options.maxRequestBodyBytes) +
                                     " bytes"),
              true);
        return;
    }
    if (ec == http::error::header_limit) {
        write(ApiResponse::error(431, "headers_too_large",
                                 "the request headers are larger than " +
                                     std::to_string(kHeaderLimit) + " bytes"),
              true);
        return;
    }
    if (ec && isParseError(ec) && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
        write(ApiResponse::error(400, "malformed_request",
                                 "the request is not valid HTTP/1.1: " + ec.message()),
              true);
        return;
    }
    if (ec) {
        closeConnection(); // closed by the client, idle too long, or the server stopping
        return;
    }
    Request request = m_parser->release();
    m_keepAlive = request.keep_alive();
    m_httpVersion = request.version();
    if (beast::websocket::is_upgrade(request)) {
        upgrade(std::move(request));
        return;
    }
    dispatch(std::move(request));
}

template <typename Stream>
void HttpSession<Stream>::dispatch(Request&& request)
{
    auto api = ApiRequest::fromTarget(request.method(), request.target());
    if (!api) {
        write(ApiResponse::error(400, "invalid_target",
                                 "the request target is not a path with valid percent-encoding"));
        return;
    }
    api->body = std::move(request.body());
    // The answer may wait for the shards; the write restarts the timer.
    socketLayer().expires_never();
    const Responder responder(m_context.mailbox,
                              [self = this->shared_from_this()](ApiResponse response) {
                                  self->write(std::move(response));
                              });
    m_context.router->dispatch(std::move(*api), request[http::field::authorization], responder);
}

template <typename Stream>
void HttpSession<Stream>::upgrade(Request&& request)
{
    const auto api = ApiRequest::fromTarget(request.method(), request.target());
    const std::vector<std::string> streamPath{"api", "v1", "stream"};
    if (!api || api->segments != streamPath) {
        write(ApiResponse::error(404, "not_found", "WebSocket is only served at /api/v1/stream"),
              true);
        return;
    }
    const auto authorization = request[http::field::authorization];
    if (!m_context.router->isAuthorized(authorization)) {
        write(ApiRouter::unauthorized(authorization), true);
        return;
    }
    socketLayer().expires_never();
    auto session = std::make_shared<StreamSession<Stream>>(m_context, std::move(m_stream));
    m_context.connections->add(session);
    m_closed = true; // the stream belongs to the WebSocket session now
    session->run(std::move(request));
}

template <typename Stream>
void HttpSession<Stream>::write(ApiResponse response, bool close)
{
    if (m_closed) {
        return;
    }
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), m_httpVersion);
    message->set(http::field::server, "switchboard/" + m_context.version);
    message->set(http::field::content_type, response.contentType);
    message->set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : response.headers) {
        message->set(name, value);
    }
    message->keep_alive(m_keepAlive && !close);
    message->body() = std::move(response.body);
    message->prepare_payload();
    const bool closeAfter = !message->keep_alive();
    m_response = message;
    socketLayer().expires_after(kWriteTimeout);
    http::async_write(m_stream, *message,
                      [self = this->shared_from_this(), closeAfter](
                          beast::error_code ec, std::size_t) { self->onWrite(ec, closeAfter); });
}

template <typename Stream>
void HttpSession<Stream>::onWrite(beast::error_code ec, bool close)
{
    m_response.reset();
    if (ec || close) {
        closeConnection();
        return;
    }
    readRequest();
}

template <typename Stream>
void HttpSession<Stream>::closeConnection()
{
    if (m_closed) {
        return;
    }
    m_closed = true;
    if constexpr (kIsTls<Stream>) {
        socketLayer().expires_after(kTlsTimeout);
        m_stream.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->socketLayer().close(); });
    } else {
        // Lingering close: the client may still be sending (a body we refused with 413).
        // Closing with unread data would reset the connection and could destroy our answer
        // before the client reads it, so read and discard until it closes its end.
        beast::error_code ignored;
        socketLayer().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        socketLayer().expires_after(kLingerTimeout);
        drainUntilClosed(std::make_shared<std::array<char, 8192>>(), 0);
    }
}

template <typename Stream>
void HttpSession<Stream>::drainUntilClosed(std::shared_ptr<std::array<char, 8192>> scratch,
                                           std::size_t drained)
{
    if (drained > kMaxLingerBytes) {
        socketLayer().close();
        return;
    }
    socketLayer().async_read_some(
        boost::asio::buffer(*scratch),
        [self = this->shared_from_this(), scratch, drained](beast::error_code ec, std::size_t n) {
            if (ec) {
                self->socketLayer().close();
                return;
            }
            self->drainUntilClosed(scratch, drained + n);
        });
}

template class HttpSession<beast::tcp_stream>;
template class HttpSession<beast::ssl_stream<beast::tcp_stream>>;

} // namespace sb::admin
