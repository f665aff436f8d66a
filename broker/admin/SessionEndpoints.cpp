#include "broker/admin/SessionEndpoints.h"

#include <boost/json/array.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/Cursor.h"
#include "broker/admin/QueryReader.h"
#include "broker/admin/SessionInfo.h"
#include "broker/admin/ShardFanout.h"
#include "broker/admin/SortedPage.h"
#include "broker/core/Broker.h"
#include "broker/core/ClientConnection.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;
using Page = SortedPage<SessionInfo>;
constexpr std::string_view kCursorKind = "sessions";

struct ListQuery
{
    std::string prefix;
    std::string state; // all, online, offline
    std::string sort;
    SortOrder order;
    std::size_t limit = 0;
    std::optional<SortKey> after;
};

SortKey keyOf(const core::Session& s, std::string_view sort)
{
    double number = 0;
    if (sort == "queue_depth") {
        number = static_cast<double>(s.queuedCount());
    } else if (sort == "created_at") {
        number = static_cast<double>(
            std::chrono::duration_cast<std::chrono::milliseconds>(s.createdAt.time_since_epoch())
                .count());
    }
    return SortKey{number, s.clientId};
}

Page::Part collect(core::Shard& shard, const ListQuery& q)
{
    Page::Collector collector(q.limit, q.order, q.after);
    shard.forEachSession([&](const core::Session& s) {
        if (s.hasEnded() || s.clientId.compare(0, q.prefix.size(), q.prefix) != 0) {
            return;
        }
        if ((q.state == "online" && !s.isOnline()) || (q.state == "offline" && s.isOnline())) {
            return;
        }
        collector.offer(keyOf(s, q.sort),
                        [&] { return SessionInfo::read(s, shard.clock(), false); });
    });
    return collector.take();
}

std::string noSession(const std::string& clientId)
{
    return "no session for client id '" + clientId + "'";
}

} // namespace

void SessionEndpoints::addRoutes(ApiRouter& router)
{
    router.add(Verb::get, "/api/v1/sessions",
               [this](ApiRequest&& r, const Responder& out) { list(r, out); });
    router.add(Verb::get, "/api/v1/sessions/{id}",
               [this](ApiRequest&& r, const Responder& out) { get(r, out); });
    router.add(Verb::delete_, "/api/v1/sessions/{id}",
               [this](ApiRequest&& r, const Responder& out) { remove(r, out); });
}

void SessionEndpoints::list(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    auto q = std::make_shared<ListQuery>();
    q->prefix = query.text("prefix");
    q->state = query.choice("state", {"all", "online", "offline"}, "all");
    q->sort = query.choice("sort", {"client_id", "queue_depth", "created_at"}, "client_id");
    q->order.descending =
        query.choice("order", {"asc", "desc"}, q->sort == "queue_depth" ? "desc" : "asc") == "desc";
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
            for (const SessionInfo& info : page.items) {
                items.push_back(info.toJson());
            }
            boost::json::object body{{"items", std::move(items)}, {"total", page.matched}};
            body["next_cursor"] =
                Cursor::nextForKey(kCursorKind, q->sort, q->order.descending, page.next);
            responder.send(ApiResponse::json(body));
        });
}

void SessionEndpoints::get(const ApiRequest& request, const Responder& responder)
{
    const std::string clientId = request.param("id");
    const core::SessionPtr session = m_context.broker.findSession(clientId);
    if (!session) {
        responder.send(ApiResponse::notFound(noSession(clientId)));
        return;
    }
    m_context.broker.runOnOwner(session, [session, responder, clientId](core::Shard& owner) {
        if (session->hasEnded()) {
            responder.send(ApiResponse::notFound(noSession(clientId)));
            return;
        }
        auto info = std::make_shared<SessionInfo>(SessionInfo::read(*session, owner.clock(), true));
        responder.mailbox()->post([info, responder] {
            boost::json::object body = info->toJson();
            body["subscriptions"] = info->subscriptionsJson();
            responder.send(ApiResponse::json(body));
        });
    });
}

void SessionEndpoints::remove(const ApiRequest& request, const Responder& responder)
{
    const std::string clientId = request.param("id");
    const core::SessionPtr session = m_context.broker.findSession(clientId);
    if (!session) {
        responder.send(ApiResponse::notFound(noSession(clientId)));
        return;
    }
    m_context.broker.runOnOwner(session, [session, responder, clientId](core::Shard& owner) {
        if (session->hasEnded()) {
            responder.send(ApiResponse::notFound(noSession(clientId)));
            return;
        }
        bool wasConnected = false;
        if (core::ClientConnection* connection = session->connection()) {
            wasConnected = true;
            connection->disconnect(protocol::ReasonCode::AdministrativeAction);
        }
        if (!session->hasEnded()) {
            owner.endSession(session, owner.clock().now());
        }
        responder.send(ApiResponse::json(boost::json::object{
            {"client_id", clientId}, {"deleted", true}, {"client_disconnected", wasConnected}}));
    });
}

} // namespace sb::admin
