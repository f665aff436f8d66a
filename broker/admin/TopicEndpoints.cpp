#include "broker/admin/TopicEndpoints.h"

#include <boost/json/array.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/Cursor.h"
#include "broker/admin/QueryReader.h"
#include "broker/admin/ShardFanout.h"
#include "broker/admin/TopicTree.h"
#include "broker/core/Broker.h"
#include "broker/core/Topic.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;
constexpr std::string_view kCursorKind = "topics";

struct TreeQuery
{
    std::optional<std::string> prefix;
    unsigned depth = 1;
    std::size_t limit = 0;
    std::string after;
};

// Shard thread: the page of the tree from the topics published through this shard.
struct ShardPart
{
    std::optional<TopicTree> tree;
    std::uint64_t untracked = 0;
};

ShardPart readShard(core::Shard& shard, const TreeQuery& q)
{
    ShardPart part;
    part.tree.emplace(q.prefix, q.depth, q.limit + 1, q.after);
    const std::int64_t nowSecond =
        std::chrono::duration_cast<std::chrono::seconds>(shard.clock().wallNow().time_since_epoch())
            .count();
    shard.topicActivity().forEach(
        [&](std::string_view topic, const core::TopicActivity::Entry& entry) {
            part.tree->addActivity(topic, entry, nowSecond);
        });
    part.untracked = shard.topicActivity().untrackedMessages();
    return part;
}

} // namespace

void TopicEndpoints::addRoutes(ApiRouter& router)
{
    router.add(Verb::get, "/api/v1/topics",
               [this](ApiRequest&& r, const Responder& out) { list(r, out); });
}

void TopicEndpoints::list(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    auto q = std::make_shared<TreeQuery>();
    if (const std::string* prefix = request.queryValue("prefix")) {
        if (!prefix->empty() && !core::topic::isValidTopicName(*prefix)) {
            query.fail("prefix", "expected a topic name without wildcards (+ and #)");
        }
        q->prefix = *prefix;
    }
    q->depth = static_cast<unsigned>(query.integer("depth", 1, kMaxDepth).value_or(1));
    q->limit = query.limit();
    q->after = Cursor::readName(query, kCursorKind);
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }
    core::Broker& broker = m_context.broker;
    ShardFanout::run<ShardPart>(
        broker, m_context.mailbox, [q](core::Shard& shard) { return readShard(shard, *q); },
        [q, responder, &broker](std::vector<ShardPart> parts) {
            TopicTree tree(q->prefix, q->depth, q->limit + 1, q->after);
            std::uint64_t untracked = 0;
            for (ShardPart& part : parts) {
                tree.merge(std::move(*part.tree));
                untracked += part.untracked;
            }
            // Retained messages: only the prefix's branch of the retained store is walked.
            TopicTree retained(q->prefix, q->depth, q->limit + 1, q->after);
            if (q->prefix) {
                for (const core::MessagePtr& message : broker.retainedMatching(*q->prefix + "/#")) {
                    retained.addRetained(message->topic);
                }
            } else {
                broker.forEachRetained(
                    [&](const core::MessagePtr& message) { retained.addRetained(message->topic); });
            }
            tree.merge(std::move(retained));

            boost::json::array items;
            const auto& nodes = tree.nodes();
            std::size_t count = 0;
            std::string lastKey;
            for (const auto& [key, node] : nodes) {
                if (count == q->limit) {
                    break;
                }
                items.push_back(node.toJson());
                lastKey = key;
                ++count;
            }
            boost::json::object body;
            body["prefix"] =
                q->prefix ? boost::json::value(*q->prefix) : boost::json::value(nullptr);
            body["depth"] = q->depth;
            body["node"] = tree.self().toJson();
            body["items"] = std::move(items);
            body["untracked_messages"] = untracked;
            body["next_cursor"] = nodes.size() > q->limit
                                      ? boost::json::value(Cursor::forName(kCursorKind, lastKey))
                                      : boost::json::value(nullptr);
            responder.send(ApiResponse::json(body));
        });
}

} // namespace sb::admin
