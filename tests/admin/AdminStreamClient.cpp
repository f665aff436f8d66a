#include "tests/admin/AdminStreamClient.h"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/json/parse.hpp>

namespace sb::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

AdminStreamClient::AdminStreamClient(std::uint16_t port, std::string token)
    : m_port(port)
    , m_token(std::move(token))
{}

AdminStreamClient::~AdminStreamClient()
{
    close();
}

bool AdminStreamClient::connect(unsigned* status)
{
    m_ws.emplace(m_io);
    beast::error_code ec;
    beast::get_lowest_layer(*m_ws).socket().connect({asio::ip::address_v4::loopback(), m_port}, ec);
    if (ec) {
        m_lastError = "connect: " + ec.message();
        return false;
    }
    const std::string token = m_token;
    m_ws->set_option(websocket::stream_base::decorator([token](websocket::request_type& request) {
        if (!token.empty()) {
            request.set(beast::http::field::authorization, "Bearer " + token);
        }
    }));
    websocket::response_type response;
    beast::get_lowest_layer(*m_ws).expires_after(kTimeout);
    m_ws->async_handshake(response, "127.0.0.1:" + std::to_string(m_port), "/api/v1/stream",
                          [&](beast::error_code e) { ec = e; });
    m_io.restart();
    m_io.run();
    if (status != nullptr) {
        *status = response.result_int();
    }
    if (ec) {
        m_lastError = "handshake: " + ec.message() + " (status " +
                      std::to_string(response.result_int()) + ")";
        m_ws.reset();
        return false;
    }
    // Frames are awaited with run_for() deadlines from here on.
    beast::get_lowest_layer(*m_ws).expires_never();
    return true;
}

bool AdminStreamClient::send(const std::string& text)
{
    if (!m_ws) {
        m_lastError = "not connected";
        return false;
    }
    beast::error_code ec;
    m_ws->text(true);
    bool done = false;
    m_ws->async_write(asio::buffer(text), [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
    });
    m_io.restart();
    m_io.run_for(kTimeout);
    if (!done || ec) {
        m_lastError = done ? "write: " + ec.message() : "write: timed out";
        return false;
    }
    return true;
}

std::optional<boost::json::object> AdminStreamClient::next(std::chrono::milliseconds timeout)
{
    if (!m_ws) {
        m_lastError = "not connected";
        return std::nullopt;
    }
    beast::error_code ec;
    bool done = false;
    m_ws->async_read(m_buffer, [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
    });
    m_io.restart();
    m_io.run_for(timeout);
    if (!done) {
        // Abandon the read: the stream cannot be used after a cancelled read.
        beast::get_lowest_layer(*m_ws).close();
        m_io.restart();
        m_io.run();
        m_ws.reset();
        m_lastError = "no frame within the deadline";
        return std::nullopt;
    }
    if (ec) {
        m_lastError = "read: " + ec.message();
        return std::nullopt;
    }
    const std::string text = beast::buffers_to_string(m_buffer.data());
    m_buffer.consume(m_buffer.size());
    boost::system::error_code parseError;
    boost::json::value value = boost::json::parse(text, parseError);
    if (parseError || !value.is_object()) {
        m_lastError = "not a JSON object: " + text;
        return std::nullopt;
    }
    return std::move(value.as_object());
}

std::optional<boost::json::object>
AdminStreamClient::waitFor(const std::function<bool(const boost::json::object&)>& accept,
                           std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            m_lastError = "no matching frame within the deadline";
            return std::nullopt;
        }
        auto frame = next(left);
        if (!frame) {
            return std::nullopt;
        }
        if (accept(*frame)) {
            return frame;
        }
    }
}

void AdminStreamClient::close()
{
    if (!m_ws) {
        return;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(*m_ws).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*m_ws).close();
    m_ws.reset();
}

} // namespace sb::test
