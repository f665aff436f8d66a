#include "broker/admin/SubscriptionEndpoints.h"

#include <boost/json/array.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/ClientInfo.h"
#include "broker/admin/Cursor.h"
#include "broker/admin/QueryReader.h"
#include "broker/admin/ShardFanout.h"
#include "broker/admin/SortedPage.h"
#include "broker/core/Broker.h"
#include "broker/core/Topic.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;
constexpr std::string_view kCursorKind = "subscriptions";

struct SubscriptionItem
{
    std::string clientId;
    std::string filter;
    core::SessionSubscription subscription;
    bool online = false;
};
using Page = SortedPage<SubscriptionItem>;

struct ListQuery
{
    std::string prefix;
    std::string clientId;
    std::optional<bool> shared;
    std::size_t limit = 0;
    std::optional<SortKey> after;
};

Page::Part collect(core::Shard& shard, const ListQuery& q)
{
    Page::Collector collector(q.limit, SortOrder{}, q.after);
    shard.forEachSession([&](const core::Session& session) {
        if (session.hasEnded() || (!q.clientId.empty() && session.clientId != q.clientId)) {
            return;
        }
        for (const auto& [filter, subscription] : session.subscriptions()) {
            if (filter.compare(0, q.prefix.size(), q.prefix) != 0) {
                continue;
            }
            if (q.shared && *q.shared != core::topic::isShared(filter)) {
                continue;
            }
            // Filters and client ids never contain U+0000, so it separates them in the key.
            std::string name = filter;
            name.push_back('\0');
            name += session.clientId;
            collector.offer(SortKey{0, std::move(name)}, [&] {
                return SubscriptionItem{session.clientId, filter, subscription, session.isOnline()};
            });
        }
    });
    return collector.take();
}

} // namespace

void SubscriptionEndpoints::addRoutes(ApiRouter& router)
{
    router.add(Verb::get, "/api/v1/subscriptions",
               [this](ApiRequest&& r, const Responder& out) { list(r, out); });
}

void SubscriptionEndpoints::list(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    auto q = std::make_shared<ListQuery>();
    q->prefix = query.text("prefix");
    q->clientId = query.text("client_id");
    q->shared = query.boolean("shared");
    q->limit = query.limit();
    q->after = Cursor::readKey(query, kCursorKind, "filter", false);
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }
    ShardFanout::run<Page::Part>(
        m_context.broker, m_context.mailbox, [q](core::Shard& shard) { return collect(shard, *q); },
        [q, responder](std::vector<Page::Part> parts) {
            Page::Result page = Page::merge(std::move(parts), q->limit, SortOrder{});
            boost::json::array items;
            for (const SubscriptionItem& item : page.items) {
                boost::json::object entry =
                    ClientInfo::subscriptionJson(item.filter, item.subscription);
                entry["client_id"] = item.clientId;
                entry["online"] = item.online;
                items.push_back(std::move(entry));
            }
            boost::json::object body{{"items", std::move(items)}, {"total", page.matched}};
            body["next_cursor"] = Cursor::nextForKey(kCursorKind, "filter", false, page.next);
            responder.send(ApiResponse::json(body));
        });
}

} // namespace sb::admin
