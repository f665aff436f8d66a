#include "broker/admin/RetainedEndpoints.h"

#include <boost/json/array.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/BoundedSelection.h"
#include "broker/admin/Cursor.h"
#include "broker/admin/MessageJson.h"
#include "broker/admin/QueryReader.h"
#include "broker/core/Broker.h"
#include "broker/core/Topic.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;
constexpr std::string_view kCursorKind = "retained";
constexpr std::size_t kMaxPagePayloadBytes = 4 * 1024 * 1024;

unsigned char rank(char c)
{
    return c == '/' ? 0 : static_cast<unsigned char>(c);
}

struct ByTopic
{
    bool operator()(const core::MessagePtr& a, const core::MessagePtr& b) const
    {
        return RetainedEndpoints::topicLess(a->topic, b->topic);
    }
};

std::optional<std::string> topicParameter(const ApiRequest& request, QueryReader& query)
{
    const std::string& topic = request.param("topic");
    if (!core::topic::isValidTopicName(topic)) {
        query.fail("topic", "expected a topic name without wildcards (+ and #)");
        return std::nullopt;
    }
    return topic;
}

std::size_t previewBytes(QueryReader& query)
{
    const auto value =
        query.integer("preview_bytes", 0, static_cast<std::int64_t>(MessageJson::kMaxPreviewBytes));
    return value ? static_cast<std::size_t>(*value) : MessageJson::kDefaultPreviewBytes;
}

} // namespace

bool RetainedEndpoints::topicLess(std::string_view a, std::string_view b)
{
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) {
            return rank(a[i]) < rank(b[i]);
        }
    }
    return a.size() < b.size();
}

void RetainedEndpoints::addRoutes(ApiRouter& router)
{
    router.add(Verb::get, "/api/v1/retained",
               [this](ApiRequest&& r, const Responder& out) { list(r, out); });
    router.add(Verb::get, "/api/v1/retained/{topic*}",
               [this](ApiRequest&& r, const Responder& out) { get(r, out); });
    router.add(Verb::delete_, "/api/v1/retained/{topic*}",
               [this](ApiRequest&& r, const Responder& out) { remove(r, out); });
}

void RetainedEndpoints::list(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    const std::string filter = query.text("filter");
    if (!filter.empty() &&
        (!core::topic::isValidTopicFilter(filter) || core::topic::isShared(filter))) {
        query.fail("filter", "expected an MQTT topic filter such as sensors/#");
    }
    const std::size_t limit = query.limit();
    MessageJson::Options format;
    format.previewBytes = previewBytes(query);
    format.maxPayloadBytes = kMaxPagePayloadBytes;
    const std::string after = Cursor::readName(query, kCursorKind);
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }

    // Walked under the store's shared lock, keeping one page: publishers are not held up by
    // more than the walk itself.
    BoundedSelection<core::MessagePtr, ByTopic> page(limit + 1, ByTopic{});
    const auto offer = [&](const core::MessagePtr& message) {
        if (after.empty() || topicLess(after, message->topic)) {
            page.offer(message);
        }
    };
    if (filter.empty()) {
        m_context.broker.forEachRetained(offer);
    } else {
        for (const core::MessagePtr& message : m_context.broker.retainedMatching(filter)) {
            offer(message);
        }
    }
    std::vector<core::MessagePtr> messages = page.takeSorted();

    boost::json::array items;
    std::size_t bytes = 0;
    std::size_t taken = 0;
    for (const core::MessagePtr& message : messages) {
        if (taken == limit ||
            (taken > 0 && bytes + message->payload.size() > kMaxPagePayloadBytes)) {
            break;
        }
        bytes += message->payload.size();
        items.push_back(MessageJson::describe(*message, format));
        ++taken;
    }
    boost::json::object body{{"items", std::move(items)},
                             {"total", m_context.broker.retainedCount()}};
    body["next_cursor"] =
        taken < messages.size()
            ? boost::json::value(Cursor::forName(kCursorKind, messages[taken - 1]->topic))
            : boost::json::value(nullptr);
    responder.send(ApiResponse::json(body));
}

void RetainedEndpoints::get(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    const auto topic = topicParameter(request, query);
    MessageJson::Options format;
    format.previewBytes = previewBytes(query);
    format.maxPayloadBytes = SIZE_MAX;
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }
    const core::MessagePtr message = m_context.broker.retainedMessage(*topic);
    if (!message) {
        responder.send(ApiResponse::notFound("no retained message on topic '" + *topic + "'"));
        return;
    }
    responder.send(ApiResponse::json(MessageJson::describe(*message, format)));
}

void RetainedEndpoints::remove(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    const auto topic = topicParameter(request, query);
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }
    if (!m_context.broker.clearRetained(*topic)) {
        responder.send(ApiResponse::notFound("no retained message on topic '" + *topic + "'"));
        return;
    }
    responder.send(ApiResponse::json(boost::json::object{{"topic", *topic}, {"deleted", true}}));
}

} // namespace sb::admin
