#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>

namespace sb::test {

// A plain HTTP/1.1 client for admin API tests, over a real socket to 127.0.0.1 with every
// wait bounded by a deadline. One keep-alive connection, reopened when the server closes it.
class AdminHttpClient
{
public:
    using Verb = boost::beast::http::verb;
    static constexpr std::chrono::milliseconds kTimeout{10'000};

    struct Response
    {
        unsigned status = 0;                        // 0: no answer (see error)
        std::map<std::string, std::string> headers; // names in lower case
        std::string body;
        boost::json::value json; // null when the body is not JSON
        std::string error;

        std::string header(const std::string& lowerCaseName) const;
        // "status 400: {...}" for failure messages.
        std::string describe() const;
        // For error answers: error.code / error.field ("" when absent).
        std::string errorCode() const;
        std::string errorField() const;
    };

    AdminHttpClient(std::uint16_t port, std::string token);
    ~AdminHttpClient();

    void setToken(std::string token) { m_token = std::move(token); }

    Response get(std::string_view target) { return request(Verb::get, target); }
    Response del(std::string_view target) { return request(Verb::delete_, target); }
    Response post(std::string_view target, std::string_view body)
    {
        return request(Verb::post, target, body);
    }
    Response patch(std::string_view target, std::string_view body)
    {
        return request(Verb::patch, target, body);
    }
    Response put(std::string_view target, std::string_view body)
    {
        return request(Verb::put, target, body);
    }
    // With `authorization` given, it replaces "Bearer <token>" ("" sends no header).
    Response request(Verb method, std::string_view target, std::string_view body = {},
                     std::optional<std::string> authorization = std::nullopt);
    // Sends `bytes` as they are on a new connection and reads one response.
    Response raw(std::string_view bytes);

    // Percent-encodes one path segment or query value.
    static std::string encode(std::string_view text);

private:
    bool ensureOpen(std::string& error);
    Response exchange(std::string_view bytes, bool expectClose);
    void close();

    boost::asio::io_context m_io;
    std::optional<boost::beast::tcp_stream> m_stream;
    boost::beast::flat_buffer m_buffer;
    std::uint16_t m_port;
    std::string m_token;
};

} // namespace sb::test
