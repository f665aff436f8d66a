#include "broker/admin/ClientEndpoints.h"

#include <boost/json/array.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/ClientInfo.h"
#include "broker/admin/Cursor.h"
#include "broker/admin/QueryReader.h"
#include "broker/admin/ShardFanout.h"
#include "broker/admin/SortedPage.h"
#include "broker/core/Broker.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;
using Page = SortedPage<ClientInfo>;
constexpr std::string_view kCursorKind = "clients";

struct ListQuery
{
    std::string prefix;
    std::string username;
    bool byUsername = false;
    std::string address;
    std::string sort;
    SortOrder order;
    std::size_t limit = 0;
    std::optional<SortKey> after;
};

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

SortKey keyOf(const core::ClientConnection& c, std::string_view sort)
{
    const core::ClientConnection::Traffic& t = c.traffic();
    double number = 0;
    if (sort == "connected_at") {
        number = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         c.connectedAt().time_since_epoch())
                                         .count());
    } else if (sort == "queue_depth") {
        number = c.session() ? static_cast<double>(c.session()->queuedCount()) : 0.0;
    } else if (sort == "messages_in_rate") {
        number = t.messagesInRate;
    } else if (sort == "messages_out_rate") {
        number = t.messagesOutRate;
    } else if (sort == "bytes_in_rate") {
        number = t.bytesInRate;
    } else if (sort == "bytes_out_rate") {
        number = t.bytesOutRate;
    }
    return SortKey{number, c.clientId()};
}

Page::Part collect(core::Shard& shard, const ListQuery& q)
{
    Page::Collector collector(q.limit, q.order, q.after);
    shard.forEachConnection([&](const core::ClientConnection& c) {
        if (!c.isActive() || !startsWith(c.clientId(), q.prefix) ||
            !startsWith(c.remoteAddress(), q.address)) {
            return;
        }
        if (q.byUsername && c.username().value_or(std::string()) != q.username) {
            return;
        }
        collector.offer(keyOf(c, q.sort), [&] { return ClientInfo::read(c, false); });
    });
    return collector.take();
}

} // namespace

void ClientEndpoints::addRoutes(ApiRouter& router)
{
    router.add(Verb::get, "/api/v1/clients",
               [this](ApiRequest&& r, const Responder& out) { list(r, out); });
    router.add(Verb::get, "/api/v1/clients/{id}",
               [this](ApiRequest&& r, const Responder& out) { get(r, out); });
    router.add(Verb::delete_, "/api/v1/clients/{id}",
               [this](ApiRequest&& r, const Responder& out) { disconnect(r, out); });
}

void ClientEndpoints::list(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    auto q = std::make_shared<ListQuery>();
    q->prefix = query.text("prefix");
    q->byUsername = request.queryValue("username") != nullptr;
    q->username = query.text("username");
    q->address = query.text("address");
    q->sort = query.choice("sort",
                           {"connected_at", "client_id", "queue_depth", "messages_in_rate",
                            "messages_out_rate", "bytes_in_rate", "bytes_out_rate"},
                           "connected_at");
    const bool byRate = q->sort != "connected_at" && q->sort != "client_id";
    q->order.descending = query.choice("order", {"asc", "desc"}, byRate ? "desc" : "asc") == "desc";
    q->limit = query.limit();
    q->after = Cursor::readKey(query, kCursorKind, q->sort, q->order.descending);
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }
    ShardFanout::run<Page::Part>(
        m_context.broker, m_context.mailbox, [q](core::Shard& shard) { return collect(shard, *q); },
        [q, responder](std::vector<Page::Part> parts) {
            Page::Result page = Page::merge(std::move(parts), q->limit, q->order);
            boost::json::array items;
            for (const ClientInfo& info : page.items) {
                items.push_back(info.toJson());
            }
            boost::json::object body{{"items", std::move(items)}, {"total", page.matched}};
            body["next_cursor"] =
                Cursor::nextForKey(kCursorKind, q->sort, q->order.descending, page.next);
            responder.send(ApiResponse::json(body));
        });
}

void ClientEndpoints::get(const ApiRequest& request, const Responder& responder)
{
    const std::string clientId = request.param("id");
    const core::SessionPtr session = m_context.broker.findSession(clientId);
    const std::string notConnected = "no client with id '" + clientId + "' is connected";
    if (!session) {
        responder.send(ApiResponse::notFound(notConnected));
        return;
    }
    m_context.broker.runOnOwner(session, [session, responder, notConnected](core::Shard&) {
        const core::ClientConnection* connection = session->connection();
        if (connection == nullptr || !connection->isActive()) {
            responder.send(ApiResponse::notFound(notConnected));
            return;
        }
        auto info = std::make_shared<ClientInfo>(ClientInfo::read(*connection, true));
        responder.mailbox()->post([info, responder] {
            boost::json::object body = info->toJson();
            boost::json::array subscriptions;
            for (const auto& [filter, subscription] : info->subscriptions) {
                subscriptions.push_back(ClientInfo::subscriptionJson(filter, subscription));
            }
            body["subscriptions"] = std::move(subscriptions);
            responder.send(ApiResponse::json(body));
        });
    });
}

void ClientEndpoints::disconnect(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    const bool discard = query.choice("session", {"keep", "discard"}, "keep") == "discard";
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }
    const std::string clientId = request.param("id");
    const core::SessionPtr session = m_context.broker.findSession(clientId);
    const std::string notConnected = "no client with id '" + clientId + "' is connected";
    if (!session) {
        responder.send(ApiResponse::notFound(notConnected));
        return;
    }
    m_context.broker.runOnOwner(session, [session, responder, notConnected, discard,
                                          clientId](core::Shard& owner) {
        core::ClientConnection* connection = session->connection();
        if (connection == nullptr || !connection->isActive()) {
            responder.send(ApiResponse::notFound(notConnected));
            return;
        }
        connection->disconnect(protocol::ReasonCode::AdministrativeAction);
        bool discarded = session->hasEnded(); // a session that ends with its connection
        if (discard && !discarded) {
            owner.endSession(session, owner.clock().now());
            discarded = true;
        }
        responder.send(ApiResponse::json(boost::json::object{
            {"client_id", clientId}, {"disconnected", true}, {"session_discarded", discarded}}));
    });
}

} // namespace sb::admin
