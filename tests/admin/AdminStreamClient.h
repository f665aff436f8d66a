#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/object.hpp>

namespace sb::test {

// A WebSocket client for /api/v1/stream: connects with the bearer token, sends commands and
// reads JSON frames, every wait bounded by a deadline.
class AdminStreamClient
{
public:
    static constexpr std::chrono::milliseconds kTimeout{10'000};

    AdminStreamClient(std::uint16_t port, std::string token);
    ~AdminStreamClient();

    // False with lastError() on failure; `status` gets the HTTP status of a refused upgrade.
    bool connect(unsigned* status = nullptr);
    bool send(const std::string& text);
    // The next frame, or nullopt on timeout or close.
    std::optional<boost::json::object> next(std::chrono::milliseconds timeout = kTimeout);
    // Reads frames until one satisfies `accept`, or the deadline passes.
    std::optional<boost::json::object>
    waitFor(const std::function<bool(const boost::json::object&)>& accept,
            std::chrono::milliseconds timeout = kTimeout);
    void close();
    const std::string& lastError() const { return m_lastError; }

private:
    boost::asio::io_context m_io;
    std::optional<boost::beast::websocket::stream<boost::beast::tcp_stream>> m_ws;
    boost::beast::flat_buffer m_buffer;
    std::uint16_t m_port;
    std::string m_token;
    std::string m_lastError;
};

} // namespace sb::test
