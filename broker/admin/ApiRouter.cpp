#include "broker/admin/ApiRouter.h"

#include <algorithm>

#include <boost/beast/http/verb.hpp>

#include "broker/admin/AdminToken.h"

namespace sb::admin {

namespace {

std::vector<std::string> splitPattern(std::string_view pattern)
{
    std::vector<std::string> segments;
    pattern.remove_prefix(1); // leading '/'
    while (!pattern.empty()) {
        const auto slash = pattern.find('/');
        segments.emplace_back(pattern.substr(0, slash));
        if (slash == std::string_view::npos) {
            break;
        }
        pattern.remove_prefix(slash + 1);
    }
    return segments;
}

bool isParameter(std::string_view segment)
{
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool isRest(std::string_view segment)
{
    return isParameter(segment) && segment[segment.size() - 2] == '*';
}

} // namespace

void ApiRouter::add(Verb method, std::string_view pattern, Handler handler)
{
    m_routes.push_back(Route{method, splitPattern(pattern), false, std::move(handler)});
}

void ApiRouter::addPublic(Verb method, std::string_view pattern, Handler handler)
{
    m_routes.push_back(Route{method, splitPattern(pattern), true, std::move(handler)});
}

bool ApiRouter::matches(const Route& route, const std::vector<std::string>& segments,
                        std::map<std::string, std::string, std::less<>>* params)
{
    for (std::size_t i = 0; i < route.segments.size(); ++i) {
        const std::string& expected = route.segments[i];
        if (isRest(expected)) {
            if (i >= segments.size()) {
                return false;
            }
            std::string rest;
            for (std::size_t j = i; j < segments.size(); ++j) {
                if (j > i) {
                    rest.push_back('/');
                }
                rest += segments[j];
            }
            if (params != nullptr) {
                (*params)[expected.substr(1, expected.size() - 3)] = std::move(rest);
            }
            return true;
        }
        if (i >= segments.size()) {
            return false;
        }
        if (isParameter(expected)) {
            if (segments[i].empty()) {
                return false;
            }
            if (params != nullptr) {
                (*params)[expected.substr(1, expected.size() - 2)] = segments[i];
            }
            continue;
        }
        if (expected != segments[i]) {
            return false;
        }
    }
    return route.segments.size() == segments.size();
}

bool ApiRouter::isAuthorized(std::string_view authorization) const
{
    constexpr std::string_view kScheme = "Bearer ";
    if (authorization.size() <= kScheme.size()) {
        return false;
    }
    // The scheme name is case-insensitive (RFC 9110 11.1).
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        const char c = authorization[i];
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        const char want = kScheme[i] >= 'A' && kScheme[i] <= 'Z'
                              ? static_cast<char>(kScheme[i] - 'A' + 'a')
                              : kScheme[i];
        if (lower != want) {
            return false;
        }
    }
    return AdminToken::matches(m_token, authorization.substr(kScheme.size()));
}

ApiResponse ApiRouter::unauthorized(std::string_view authorization)
{
    ApiResponse response = ApiResponse::error(
        401, "unauthorized",
        authorization.empty()
            ? "this endpoint needs 'Authorization: Bearer <token>' (switchboard-broker "
              "--print-admin-token shows the token)"
            : "the bearer token is not this broker's admin token");
    response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"switchboard\"");
    return response;
}

void ApiRouter::dispatch(ApiRequest&& request, std::string_view authorization,
                         const Responder& responder) const
{
    std::vector<const Route*> samePath;
    for (const Route& route : m_routes) {
        if (matches(route, request.segments, nullptr)) {
            samePath.push_back(&route);
        }
    }
    const bool authorized = isAuthorized(authorization);
    const bool anyPublic =
        std::any_of(samePath.begin(), samePath.end(), [](const Route* r) { return r->isPublic; });
    if (!authorized && !anyPublic) {
        responder.send(unauthorized(authorization));
        return;
    }
    if (samePath.empty()) {
        responder.send(ApiResponse::error(404, "not_found", "no endpoint at this path"));
        return;
    }
    for (const Route* route : samePath) {
        if (route->method != request.method) {
            continue;
        }
        if (!route->isPublic && !authorized) {
            responder.send(unauthorized(authorization));
            return;
        }
        matches(*route, request.segments, &request.params);
        route->handler(std::move(request), responder);
        return;
    }
    std::vector<std::string_view> methods;
    std::string allow;
    for (const Route* route : samePath) {
        const std::string_view name = boost::beast::http::to_string(route->method);
        if (std::find(methods.begin(), methods.end(), name) == methods.end()) {
            allow += methods.empty() ? std::string(name) : ", " + std::string(name);
            methods.push_back(name);
        }
    }
    ApiResponse response =
        ApiResponse::error(405, "method_not_allowed",
                           std::string(boost::beast::http::to_string(request.method)) +
                               " is not allowed here; allowed: " + allow);
    response.headers.emplace_back("Allow", allow);
    responder.send(std::move(response));
}

} // namespace sb::admin
