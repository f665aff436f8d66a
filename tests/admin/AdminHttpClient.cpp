#include "tests/admin/AdminHttpClient.h"

#include <cctype>
#include <sstream>

#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace sb::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

std::string AdminHttpClient::Response::header(const std::string& name) const
{
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

std::string AdminHttpClient::Response::describe() const
{
    if (status == 0) {
        return "no response: " + error;
    }
    return "status " + std::to_string(status) + ": " + body.substr(0, 2000);
}

std::string AdminHttpClient::Response::errorCode() const
{
    if (!json.is_object() || !json.as_object().contains("error")) {
        return {};
    }
    const auto* code = json.at("error").as_object().if_contains("code");
    return code != nullptr && code->is_string() ? std::string(code->as_string()) : std::string();
}

std::string AdminHttpClient::Response::errorField() const
{
    if (!json.is_object() || !json.as_object().contains("error")) {
        return {};
    }
    const auto* field = json.at("error").as_object().if_contains("field");
    return field != nullptr && field->is_string() ? std::string(field->as_string()) : std::string();
}

AdminHttpClient::AdminHttpClient(std::uint16_t port, std::string token)
    : m_port(port)
    , m_token(std::move(token))
{}

AdminHttpClient::~AdminHttpClient()
{
    close();
}

void AdminHttpClient::close()
{
    if (m_stream) {
        beast::error_code ignored;
        m_stream->socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        m_stream->close();
        m_stream.reset();
    }
    m_buffer.clear();
}

bool AdminHttpClient::ensureOpen(std::string& error)
{
    if (m_stream && m_stream->socket().is_open()) {
        return true;
    }
    m_stream.emplace(m_io);
    beast::error_code ec;
    m_stream->socket().connect({asio::ip::address_v4::loopback(), m_port}, ec);
    if (ec) {
        error = "connect to 127.0.0.1:" + std::to_string(m_port) + ": " + ec.message();
        m_stream.reset();
        return false;
    }
    return true;
}

AdminHttpClient::Response AdminHttpClient::exchange(std::string_view bytes, bool expectClose)
{
    Response response;
    if (!ensureOpen(response.error)) {
        return response;
    }
    beast::error_code ec;
    m_stream->expires_after(kTimeout);
    asio::async_write(*m_stream, asio::buffer(bytes.data(), bytes.size()),
                      [&](beast::error_code e, std::size_t) { ec = e; });
    m_io.restart();
    m_io.run();
    // A server refusing the request early (413) may close while we still write; its answer
    // can still be read, so a write error is not the end.
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    beast::error_code readError;
    m_stream->expires_after(kTimeout);
    http::async_read(*m_stream, m_buffer, parser,
                     [&](beast::error_code e, std::size_t) { readError = e; });
    m_io.restart();
    m_io.run();
    if (readError) {
        response.error = "read: " + readError.message() + (ec ? "; write: " + ec.message() : "");
        close();
        return response;
    }
    auto message = parser.release();
    response.status = message.result_int();
    for (const auto& field : message) {
        std::string name(field.name_string());
        for (char& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        response.headers[name] = std::string(field.value());
    }
    response.body = std::move(message.body());
    boost::system::error_code parseError;
    response.json = boost::json::parse(response.body, parseError);
    if (parseError) {
        response.json = nullptr;
    }
    if (expectClose || !message.keep_alive()) {
        close();
    }
    return response;
}

AdminHttpClient::Response AdminHttpClient::request(Verb method, std::string_view target,
                                                   std::string_view body,
                                                   std::optional<std::string> authorization)
{
    http::request<http::string_body> request(method, std::string(target), 11);
    request.set(http::field::host, "127.0.0.1:" + std::to_string(m_port));
    const std::string auth = authorization ? *authorization : "Bearer " + m_token;
    if (!auth.empty()) {
        request.set(http::field::authorization, auth);
    }
    if (!body.empty() || method == Verb::post || method == Verb::patch || method == Verb::put) {
        request.set(http::field::content_type, "application/json");
        request.body() = std::string(body);
    }
    request.keep_alive(true);
    request.prepare_payload();
    std::ostringstream text;
    text << request;
    return exchange(text.str(), false);
}

AdminHttpClient::Response AdminHttpClient::raw(std::string_view bytes)
{
    close();
    return exchange(bytes, true);
}

std::string AdminHttpClient::encode(std::string_view text)
{
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(kHex[u >> 4]);
            out.push_back(kHex[u & 15]);
        }
    }
    return out;
}

} // namespace sb::test
