#pragma once

#include <map>
#include <optional>
#include <ostream> // Boost's string_view (under beast/http/verb.hpp) needs it complete
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/verb.hpp>

namespace sb::admin {

// One admin API request as the endpoints see it: method, the path split into percent-decoded
// segments, the decoded query parameters, the body, and the route's named path parameters.
struct ApiRequest
{
    using Verb = boost::beast::http::verb;

    Verb method = Verb::get;
    std::string target; // as received, for logs
    std::vector<std::string> segments;
    std::map<std::string, std::string, std::less<>> query;  // the first of repeated keys wins
    std::map<std::string, std::string, std::less<>> params; // filled by the router
    std::string body;

    // Splits and decodes `target` ("/api/v1/clients/a%2Fb?limit=5"). nullopt when the target is
    // not an absolute path or its percent-encoding is broken.
    static std::optional<ApiRequest> fromTarget(Verb method, std::string_view target);

    // A query parameter, or null when absent.
    const std::string* queryValue(std::string_view name) const;
    // A path parameter the route captured ("" if the route has none by that name).
    const std::string& param(std::string_view name) const;

    // "%41b" -> "Ab"; '+' is taken literally (we never produce form encoding). nullopt on a
    // malformed escape.
    static std::optional<std::string> percentDecode(std::string_view text);
};

} // namespace sb::admin
