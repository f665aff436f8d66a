#include "broker/admin/DeadLetterEndpoints.h"

#include <charconv>

#include <boost/json/array.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/BodyReader.h"
#include "broker/admin/Cursor.h"
#include "broker/admin/JsonFormat.h"
#include "broker/admin/MessageJson.h"
#include "broker/admin/QueryReader.h"
#include "broker/core/Broker.h"
#include "broker/core/Topic.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;
constexpr std::string_view kCursorKind = "dead-letters";
constexpr std::size_t kMaxPayloadBytes = 64 * 1024;

std::string reasonList()
{
    std::string list;
    for (std::size_t r = 0; r < core::kDeadLetterReasons; ++r) {
        list += (list.empty() ? "" : ", ") +
                std::string(core::deadLetterReasonName(static_cast<core::DeadLetterReason>(r)));
    }
    return list;
}

bool isFilter(const std::string& filter)
{
    return core::topic::isValidTopicFilter(filter) && !core::topic::isShared(filter);
}

boost::json::object letterJson(const core::DeadLetter& letter, const MessageJson::Options& format)
{
    boost::json::object out;
    out["id"] = letter.id;
    out["time"] = JsonFormat::time(letter.time);
    out["reason"] = core::deadLetterReasonName(letter.reason);
    out["target_client_id"] = letter.targetClientId;
    out["attempts"] = letter.attempts;
    out["replayed_at"] = letter.replayedAt
                             ? boost::json::value(JsonFormat::time(*letter.replayedAt))
                             : boost::json::value(nullptr);
    out["message"] = letter.message
                         ? boost::json::value(MessageJson::describe(*letter.message, format))
                         : boost::json::value(nullptr);
    return out;
}

// The filter from query parameters (GET).
core::DeadLetterFilter filterFromQuery(QueryReader& query)
{
    core::DeadLetterFilter filter;
    const std::string reasons = query.text("reason");
    std::string_view rest = reasons;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view name = rest.substr(0, comma);
        if (const auto reason = core::parseDeadLetterReason(name)) {
            filter.reasons.push_back(*reason);
        } else {
            query.fail("reason", "expected a comma-separated list of " + reasonList());
        }
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    filter.topicFilter = query.text("topic");
    if (!filter.topicFilter.empty() && !isFilter(filter.topicFilter)) {
        query.fail("topic", "expected an MQTT topic filter such as sensors/#");
    }
    filter.publisher = query.text("publisher");
    filter.targetClientId = query.text("target_client_id");
    filter.since = query.time("since");
    filter.until = query.time("until");
    filter.replayed = query.boolean("replayed");
    return filter;
}

// The same filter from a JSON object (replay and purge).
core::DeadLetterFilter filterFromBody(BodyReader& body)
{
    core::DeadLetterFilter filter;
    body.rejectUnknown(
        {"reasons", "topic", "publisher", "target_client_id", "since", "until", "replayed"});
    if (const boost::json::array* reasons = body.array("reasons")) {
        for (const auto& value : *reasons) {
            const auto reason =
                value.is_string() ? core::parseDeadLetterReason(std::string_view(value.as_string()))
                                  : std::nullopt;
            if (!reason) {
                body.fail("reasons", "expected a list of " + reasonList());
                break;
            }
            filter.reasons.push_back(*reason);
        }
    }
    filter.topicFilter = body.string("topic").value_or("");
    if (!filter.topicFilter.empty() && !isFilter(filter.topicFilter)) {
        body.fail("topic", "expected an MQTT topic filter such as sensors/#");
    }
    filter.publisher = body.string("publisher").value_or("");
    filter.targetClientId = body.string("target_client_id").value_or("");
    for (const char* name : {"since", "until"}) {
        if (const auto text = body.string(name)) {
            const auto time = JsonFormat::parseTime(*text);
            if (!time) {
                body.fail(name, "expected an RFC 3339 time such as 2026-01-31T12:00:00Z");
            }
            (std::string_view(name) == "since" ? filter.since : filter.until) = time;
        }
    }
    filter.replayed = body.boolean("replayed");
    return filter;
}

// {"ids": [...]} or {"filter": {...}}: exactly one of them.
core::DeadLetterSelection selectionFromBody(BodyReader& body)
{
    core::DeadLetterSelection selection;
    const boost::json::array* ids = body.array("ids");
    const boost::json::object* filter = body.object("filter");
    if (ids != nullptr && filter != nullptr) {
        body.fail("filter", "give either ids or filter, not both");
    } else if (ids == nullptr && filter == nullptr && body.ok()) {
        body.fail("ids", "give ids (a list of dead-letter ids) or filter ({} selects all)");
    }
    if (ids != nullptr) {
        if (ids->empty() || ids->size() > DeadLetterEndpoints::kMaxIds) {
            body.fail("ids", "expected between 1 and " +
                                 std::to_string(DeadLetterEndpoints::kMaxIds) + " ids");
        }
        for (const auto& value : *ids) {
            boost::system::error_code ec;
            const auto id = value.is_number() ? value.to_number<std::uint64_t>(ec) : 0;
            if (!value.is_number() || ec || id == 0) {
                body.fail("ids", "expected positive integer ids");
                break;
            }
            selection.ids.push_back(id);
        }
    }
    if (filter != nullptr) {
        BodyReader nested(body, *filter, "filter");
        selection.filter = filterFromBody(nested);
    }
    return selection;
}

std::optional<std::uint64_t> idParameter(const ApiRequest& request)
{
    const std::string& text = request.param("id");
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() || id == 0) {
        return std::nullopt;
    }
    return id;
}

} // namespace

void DeadLetterEndpoints::addRoutes(ApiRouter& router)
{
    router.add(Verb::get, "/api/v1/dead-letters",
               [this](ApiRequest&& r, const Responder& out) { list(r, out); });
    router.add(Verb::get, "/api/v1/dead-letters/stats",
               [this](ApiRequest&& r, const Responder& out) { stats(r, out); });
    router.add(Verb::post, "/api/v1/dead-letters/replay",
               [this](ApiRequest&& r, const Responder& out) { replay(r, out); });
    router.add(Verb::post, "/api/v1/dead-letters/purge",
               [this](ApiRequest&& r, const Responder& out) { purge(r, out); });
    router.add(Verb::get, "/api/v1/dead-letters/{id}",
               [this](ApiRequest&& r, const Responder& out) { get(r, out); });
}

void DeadLetterEndpoints::list(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    const core::DeadLetterFilter filter = filterFromQuery(query);
    const bool newestFirst = query.choice("order", {"newest", "oldest"}, "newest") == "newest";
    const std::size_t limit = query.limit();
    MessageJson::Options format;
    format.maxPayloadBytes = kMaxPayloadBytes;
    if (const auto preview = query.integer(
            "preview_bytes", 0, static_cast<std::int64_t>(MessageJson::kMaxPreviewBytes))) {
        format.previewBytes = static_cast<std::size_t>(*preview);
    }
    std::string storeCursor;
    const std::string cursor = query.text("cursor");
    if (!cursor.empty()) {
        const auto position = Cursor::decode(kCursorKind, cursor);
        const auto* c = position ? position->if_contains("c") : nullptr;
        const auto* o = position ? position->if_contains("o") : nullptr;
        if (c == nullptr || !c->is_string() || o == nullptr || !o->is_bool()) {
            query.fail("cursor", "not a cursor of this list (use next_cursor as returned)");
        } else if (o->as_bool() != newestFirst) {
            query.fail("cursor", "belongs to another sort order; keep order while paging");
        } else {
            storeCursor = std::string(c->as_string());
        }
    }
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }
    m_context.broker.deadLetters().list(
        filter, newestFirst, storeCursor, limit,
        [responder, format, newestFirst](core::DeadLetterPage page) {
            responder.mailbox()->post([responder, format, newestFirst, page = std::move(page)] {
                boost::json::array items;
                for (const core::DeadLetter& letter : page.items) {
                    items.push_back(letterJson(letter, format));
                }
                boost::json::object body{{"items", std::move(items)}};
                body["next_cursor"] =
                    page.nextCursor.empty()
                        ? boost::json::value(nullptr)
                        : boost::json::value(Cursor::encode(
                              kCursorKind, {{"c", page.nextCursor}, {"o", newestFirst}}));
                responder.send(ApiResponse::json(body));
            });
        });
}

void DeadLetterEndpoints::get(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    const auto id = idParameter(request);
    MessageJson::Options format;
    format.maxPayloadBytes = SIZE_MAX;
    if (const auto preview = query.integer(
            "preview_bytes", 0, static_cast<std::int64_t>(MessageJson::kMaxPreviewBytes))) {
        format.previewBytes = static_cast<std::size_t>(*preview);
    }
    if (!id) {
        query.fail("id", "expected a dead-letter id (a positive integer)");
    }
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }
    m_context.broker.deadLetters().get(
        *id, [responder, format, id = *id](std::optional<core::DeadLetter> letter) {
            responder.mailbox()->post([responder, format, id, letter = std::move(letter)] {
                if (!letter) {
                    responder.send(
                        ApiResponse::notFound("no dead letter with id " + std::to_string(id)));
                    return;
                }
                responder.send(ApiResponse::json(letterJson(*letter, format)));
            });
        });
}

void DeadLetterEndpoints::stats(const ApiRequest& /*request*/, const Responder& responder)
{
    m_context.broker.deadLetters().stats([responder](core::DeadLetterStats stats) {
        boost::json::object byReason;
        for (std::size_t r = 0; r < stats.byReason.size(); ++r) {
            byReason[core::deadLetterReasonName(static_cast<core::DeadLetterReason>(r))] =
                stats.byReason[r];
        }
        responder.send(ApiResponse::json(boost::json::object{{"total", stats.total},
                                                             {"bytes", stats.bytes},
                                                             {"max_entries", stats.maxEntries},
                                                             {"max_bytes", stats.maxBytes},
                                                             {"evicted", stats.evicted},
                                                             {"by_reason", std::move(byReason)}}));
    });
}

void DeadLetterEndpoints::replay(const ApiRequest& request, const Responder& responder)
{
    BodyReader body(request.body);
    if (body.ok()) {
        body.rejectUnknown({"ids", "filter", "target", "topic", "remove", "max_entries"});
    }
    core::ReplayRequest replay;
    replay.selection = selectionFromBody(body);
    const std::string target = body.string("target").value_or("original_topic");
    if (target == "original_topic") {
        replay.target = core::ReplayRequest::Target::OriginalTopic;
    } else if (target == "topic") {
        replay.target = core::ReplayRequest::Target::OtherTopic;
        replay.topic = body.string("topic", true).value_or("");
        if (body.ok() && !core::topic::isValidTopicName(replay.topic)) {
            body.fail("topic", "expected a topic name without wildcards (+ and #)");
        }
    } else if (target == "session") {
        replay.target = core::ReplayRequest::Target::Session;
    } else {
        body.fail("target", "expected one of original_topic, topic, session");
    }
    if (target != "topic" && body.has("topic")) {
        body.fail("topic", "is only used with \"target\": \"topic\"");
    }
    replay.removeAfter = body.boolean("remove").value_or(false);
    if (const auto max = body.integer("max_entries", 1, 1'000'000)) {
        replay.maxEntries = static_cast<std::size_t>(*max);
    }
    if (!body.ok()) {
        responder.send(body.error());
        return;
    }
    m_context.broker.replayDeadLetters(std::move(replay), [responder](core::ReplayResult result) {
        boost::json::array errors;
        for (const std::string& error : result.errors) {
            errors.push_back(boost::json::string(error));
        }
        responder.send(ApiResponse::json(boost::json::object{{"replayed", result.replayed},
                                                             {"failed", result.failed},
                                                             {"errors", std::move(errors)}}));
    });
}

void DeadLetterEndpoints::purge(const ApiRequest& request, const Responder& responder)
{
    BodyReader body(request.body);
    if (body.ok()) {
        body.rejectUnknown({"ids", "filter"});
    }
    const core::DeadLetterSelection selection = selectionFromBody(body);
    if (!body.ok()) {
        responder.send(body.error());
        return;
    }
    m_context.broker.deadLetters().purge(selection, [responder](std::uint64_t purged) {
        responder.send(ApiResponse::json(boost::json::object{{"purged", purged}}));
    });
}

} // namespace sb::admin
