#include "broker/admin/ApiRequest.h"

namespace sb::admin {

namespace {

int hexValue(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace

std::optional<std::string> ApiRequest::percentDecode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        const int high = hexValue(text[i + 1]);
        const int low = hexValue(text[i + 2]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

std::optional<ApiRequest> ApiRequest::fromTarget(Verb method, std::string_view target)
{
    if (target.empty() || target.front() != '/') {
        return std::nullopt;
    }
    ApiRequest request;
    request.method = method;
    request.target = std::string(target);

    const auto question = target.find('?');
    const std::string_view path = target.substr(0, question);
    std::string_view query =
        question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

    // Segments keep empty ones in the middle and at the end ("a//b/" is a, "", b, ""), which a
    // topic name in the path needs; only the leading '/' is dropped.
    std::string_view rest = path.substr(1);
    for (;;) {
        const auto slash = rest.find('/');
        auto decoded = percentDecode(rest.substr(0, slash));
        if (!decoded) {
            return std::nullopt;
        }
        request.segments.push_back(std::move(*decoded));
        if (slash == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    if (request.segments.size() == 1 && request.segments.front().empty()) {
        request.segments.clear(); // "/" is the root, not one empty segment
    }

    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const auto equals = pair.find('=');
        auto key = percentDecode(pair.substr(0, equals));
        auto value = percentDecode(equals == std::string_view::npos ? std::string_view{}
                                                                    : pair.substr(equals + 1));
        if (!key || !value) {
            return std::nullopt;
        }
        request.query.emplace(std::move(*key), std::move(*value));
    }
    return request;
}

const std::string* ApiRequest::queryValue(std::string_view name) const
{
    const auto it = query.find(name);
    return it == query.end() ? nullptr : &it->second;
}

const std::string& ApiRequest::param(std::string_view name) const
{
    static const std::string kNone;
    const auto it = params.find(name);
    return it == params.end() ? kNone : it->second;
}

} // namespace sb::admin
