#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/admin/ApiRequest.h"
#include "broker/admin/Responder.h"

namespace sb::admin {

// Maps (method, path) to an endpoint and enforces what every endpoint shares: the bearer
// token, 404 for unknown paths and 405 (with Allow) for a known path asked with another
// method. Patterns are literal segments, "{name}" for one segment, and a final "{name*}" for
// the rest of the path (topic names, which contain '/').
class ApiRouter
{
public:
    using Verb = ApiRequest::Verb;
    using Handler = std::function<void(ApiRequest&&, Responder)>;

    explicit ApiRouter(std::string token)
        : m_token(std::move(token))
    {}

    // Routes are tried in the order added: add literal routes ("dead-letters/stats") before
    // parameter routes ("dead-letters/{id}") that would also match them.
    void add(Verb method, std::string_view pattern, Handler handler);
    // A route open without the token (/healthz).
    void addPublic(Verb method, std::string_view pattern, Handler handler);

    // Answers `request` through `responder`, now or later. `authorization` is the request's
    // Authorization header ("" when absent).
    void dispatch(ApiRequest&& request, std::string_view authorization,
                  const Responder& responder) const;

    // True when `authorization` is "Bearer <the token>".
    bool isAuthorized(std::string_view authorization) const;
    // The 401 answer.
    static ApiResponse unauthorized(std::string_view authorization);

private:
    struct Route
    {
        Verb method;
        std::vector<std::string> segments;
        bool isPublic = false;
        Handler handler;
    };

    static bool matches(const Route& route, const std::vector<std::string>& segments,
                        std::map<std::string, std::string, std::less<>>* params);

    std::string m_token;
    std::vector<Route> m_routes;
};

} // namespace sb::admin
