#include "broker/admin/LimitEndpoints.h"

#include <boost/json/array.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/BodyReader.h"
#include "broker/admin/Cursor.h"
#include "broker/admin/QueryReader.h"
#include "broker/core/Broker.h"
#include "broker/core/LimitRegistry.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;
using Registry = core::LimitRegistry;
using Scope = core::Broker::OverrideScope;
using Values = std::map<std::string, Registry::Value>;

std::string_view typeName(Registry::Type type)
{
    switch (type) {
    case Registry::Type::Integer:
        return "integer";
    case Registry::Type::Boolean:
        return "boolean";
    case Registry::Type::Enum:
        return "enum";
    }
    return "integer";
}

// A stored value as JSON: a number, true/false, or the enum's name.
boost::json::value valueJson(const Registry::Spec& spec, std::int64_t value)
{
    switch (spec.type) {
    case Registry::Type::Boolean:
        return boost::json::value(value != 0);
    case Registry::Type::Enum:
        return boost::json::value(Registry::display(spec, value));
    case Registry::Type::Integer:
        break;
    }
    return boost::json::value(value);
}

boost::json::object specJson(const Registry::Spec& spec, const core::Limits& current)
{
    static const core::Limits kDefaults;
    const std::int64_t value = spec.get(current);
    const std::int64_t fallback = spec.get(kDefaults);
    boost::json::object out;
    out["name"] = spec.name;
    out["type"] = typeName(spec.type);
    out["value"] = valueJson(spec, value);
    out["default"] = valueJson(spec, fallback);
    out["differs_from_default"] = value != fallback;
    if (spec.type == Registry::Type::Integer) {
        out["minimum"] = spec.minimum;
        out["maximum"] = spec.maximum;
    }
    if (spec.type == Registry::Type::Enum) {
        boost::json::array choices;
        for (const std::string_view choice : spec.choices) {
            choices.push_back(boost::json::string(choice));
        }
        out["choices"] = std::move(choices);
    }
    out["unit"] = spec.unit;
    out["description"] = spec.description;
    out["zero_means_unlimited"] = spec.zeroMeansUnlimited;
    out["per_client"] = spec.perClient;
    return out;
}

boost::json::object overridesJson(const core::LimitOverrides& overrides)
{
    boost::json::object limits;
    for (const auto& [name, value] : overrides.values) {
        if (const auto* spec = Registry::find(name)) {
            limits[name] = valueJson(*spec, value);
        }
    }
    return limits;
}

// Reads {"name": value, ...} into registry values; the registry checks names and ranges.
Values valuesFrom(BodyReader& body)
{
    Values values;
    for (const auto& entry : body.root()) {
        Registry::Value value;
        const boost::json::value& v = entry.value();
        if (v.is_int64()) {
            value.integer = v.as_int64();
        } else if (v.is_uint64()) {
            value.integer = v.as_uint64() > static_cast<std::uint64_t>(INT64_MAX)
                                ? INT64_MAX
                                : static_cast<std::int64_t>(v.as_uint64());
        } else if (v.is_bool()) {
            value.boolean = v.as_bool();
        } else if (v.is_string()) {
            value.text = std::string(v.as_string());
        } else {
            body.fail(entry.key(), "expected an integer, true/false or a name");
            return {};
        }
        values.emplace(std::string(entry.key()), std::move(value));
    }
    return values;
}

// A stored override value back into a registry value (to merge a PATCH with what is there).
Registry::Value asValue(const Registry::Spec& spec, std::int64_t stored)
{
    Registry::Value value;
    switch (spec.type) {
    case Registry::Type::Boolean:
        value.boolean = stored != 0;
        break;
    case Registry::Type::Enum:
        value.text = Registry::display(spec, stored);
        break;
    case Registry::Type::Integer:
        value.integer = stored;
        break;
    }
    return value;
}

// The registry's messages start with the limit's name: "max_packet_size: expected ...".
ApiResponse limitError(const std::string& error)
{
    const auto colon = error.find(':');
    const std::string field = colon == std::string::npos ? std::string() : error.substr(0, colon);
    return ApiResponse::error(400, "invalid_field", error, field);
}

} // namespace

void LimitEndpoints::addRoutes(ApiRouter& router)
{
    router.add(Verb::get, "/api/v1/limits",
               [this](ApiRequest&& r, const Responder& out) { list(r, out); });
    router.add(Verb::patch, "/api/v1/limits",
               [this](ApiRequest&& r, const Responder& out) { update(r, out); });
    addOverrideRoutes(router, "users", true);
    addOverrideRoutes(router, "clients", false);
}

void LimitEndpoints::list(const ApiRequest& /*request*/, const Responder& responder)
{
    const auto limits = m_context.broker.limits();
    boost::json::array items;
    for (const auto& spec : Registry::specs()) {
        items.push_back(specJson(spec, *limits));
    }
    responder.send(ApiResponse::json(boost::json::object{{"items", std::move(items)}}));
}

void LimitEndpoints::update(const ApiRequest& request, const Responder& responder)
{
    BodyReader body(request.body);
    Values values;
    if (body.ok()) {
        values = valuesFrom(body);
    }
    if (body.ok() && values.empty()) {
        body.fail("limits", "the body names no limit to change");
    }
    if (!body.ok()) {
        responder.send(body.error());
        return;
    }
    std::string error;
    if (!m_context.broker.updateLimits(values, &error)) {
        responder.send(limitError(error));
        return;
    }
    list(request, responder);
}

void LimitEndpoints::addOverrideRoutes(ApiRouter& router, std::string_view scopeName, bool users)
{
    const Scope scope = users ? Scope::User : Scope::Client;
    const std::string base = "/api/v1/limits/" + std::string(scopeName);
    const std::string kind = users ? "user" : "client id";
    core::Broker& broker = m_context.broker;

    // Paged by name: a broker may hold an override for each of thousands of clients.
    const std::string cursorKind = "overrides-" + std::string(scopeName);
    router.add(Verb::get, base, [&broker, scope, cursorKind](ApiRequest&& r, const Responder& out) {
        QueryReader query(r);
        const std::size_t limit = query.limit();
        const std::string after = Cursor::readName(query, cursorKind);
        if (!query.ok()) {
            out.send(query.error());
            return;
        }
        const auto all = broker.overrides(scope);
        boost::json::array items;
        auto it = after.empty() ? all.begin() : all.upper_bound(after);
        for (; it != all.end() && items.size() < limit; ++it) {
            items.push_back(
                boost::json::object{{"name", it->first}, {"limits", overridesJson(it->second)}});
        }
        boost::json::object body{{"items", std::move(items)}, {"total", all.size()}};
        body["next_cursor"] =
            it != all.end() && !body.at("items").as_array().empty()
                ? boost::json::value(Cursor::forName(cursorKind, std::prev(it)->first))
                : boost::json::value(nullptr);
        out.send(ApiResponse::json(body));
    });

    router.add(
        Verb::get, base + "/{name}", [&broker, scope, kind](ApiRequest&& r, const Responder& out) {
            const std::string& name = r.param("name");
            const auto all = broker.overrides(scope);
            const auto found = all.find(name);
            if (found == all.end()) {
                out.send(ApiResponse::notFound("no overrides for " + kind + " '" + name + "'"));
                return;
            }
            out.send(ApiResponse::json(
                boost::json::object{{"name", name}, {"limits", overridesJson(found->second)}}));
        });

    // PUT replaces the whole set, PATCH changes the named limits (null removes one).
    const auto write = [&broker, scope](ApiRequest&& r, const Responder& out, bool merge) {
        const std::string& name = r.param("name");
        BodyReader body(r.body);
        Values values;
        std::vector<std::string> removed;
        if (body.ok() && merge) {
            for (const auto& entry : body.root()) {
                if (entry.value().is_null()) {
                    removed.emplace_back(entry.key());
                }
            }
        }
        if (body.ok()) {
            boost::json::object present;
            for (const auto& entry : body.root()) {
                if (!entry.value().is_null()) {
                    present[entry.key()] = entry.value();
                }
            }
            BodyReader nonNull(body, present, "");
            values = valuesFrom(nonNull);
        }
        if (!body.ok()) {
            out.send(body.error());
            return;
        }
        if (merge) {
            const auto all = broker.overrides(scope);
            if (const auto found = all.find(name); found != all.end()) {
                for (const auto& [limit, stored] : found->second.values) {
                    const auto* spec = Registry::find(limit);
                    if (spec != nullptr && values.count(limit) == 0 &&
                        std::find(removed.begin(), removed.end(), limit) == removed.end()) {
                        values.emplace(limit, asValue(*spec, stored));
                    }
                }
            }
        }
        std::string error;
        if (!broker.setOverrides(scope, name, values, &error)) {
            out.send(limitError(error));
            return;
        }
        const auto all = broker.overrides(scope);
        const auto found = all.find(name);
        out.send(ApiResponse::json(
            boost::json::object{{"name", name},
                                {"limits", found == all.end() ? boost::json::object{}
                                                              : overridesJson(found->second)}}));
    };
    router.add(Verb::put, base + "/{name}",
               [write](ApiRequest&& r, const Responder& out) { write(std::move(r), out, false); });
    router.add(Verb::patch, base + "/{name}",
               [write](ApiRequest&& r, const Responder& out) { write(std::move(r), out, true); });
    router.add(
        Verb::delete_, base + "/{name}",
        [&broker, scope, kind](ApiRequest&& r, const Responder& out) {
            const std::string& name = r.param("name");
            if (broker.overrides(scope).count(name) == 0) {
                out.send(ApiResponse::notFound("no overrides for " + kind + " '" + name + "'"));
                return;
            }
            std::string error;
            broker.setOverrides(scope, name, {}, &error);
            out.send(ApiResponse::json(boost::json::object{{"name", name}, {"deleted", true}}));
        });
}

} // namespace sb::admin
