#include "broker/admin/QueueEndpoint.h"

#include <boost/json/array.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/Cursor.h"
#include "broker/admin/MessageJson.h"
#include "broker/admin/QueryReader.h"
#include "broker/core/Broker.h"
#include "broker/core/Persistence.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;
constexpr std::string_view kCursorKind = "queue";

// One queued message, copied on the owner thread (the message itself is shared, immutable).
struct QueuedItem
{
    std::string state; // inflight, queued, stored
    std::uint64_t position = 0;
    core::Delivery delivery;
    std::uint16_t packetId = 0;
    std::uint32_t attempts = 0;
    std::string stage;
};

struct Browse
{
    std::string clientId;
    std::uint64_t sessionId = 0;
    std::size_t limit = 0;
    std::uint64_t afterPosition = 0; // items already returned
    std::uint64_t afterStoreId = 0;  // store id of the last one returned (0 if none)
    MessageJson::Options format;
    std::vector<QueuedItem> items;
    std::size_t payloadBytes = 0;
    bool more = false;
    std::uint64_t total = 0;
};

std::string_view stageName(core::InflightMessage::Stage stage)
{
    switch (stage) {
    case core::InflightMessage::Stage::AwaitingPuback:
        return "awaiting_puback";
    case core::InflightMessage::Stage::AwaitingPubrec:
        return "awaiting_pubrec";
    case core::InflightMessage::Stage::AwaitingPubcomp:
        return "awaiting_pubcomp";
    }
    return "unknown";
}

// Adds an item unless the page is full (by count, or by payload bytes once it has one).
bool add(Browse& b, QueuedItem item)
{
    const std::size_t bytes = item.delivery.message ? item.delivery.message->payload.size() : 0;
    if (b.items.size() >= b.limit ||
        (!b.items.empty() && b.payloadBytes + bytes > QueueEndpoint::kMaxPagePayloadBytes)) {
        b.more = true;
        return false;
    }
    b.payloadBytes += bytes;
    b.items.push_back(std::move(item));
    return true;
}

void reply(const Responder& responder, const std::shared_ptr<Browse>& b)
{
    boost::json::array items;
    for (const QueuedItem& item : b->items) {
        boost::json::object entry;
        entry["position"] = item.position;
        entry["state"] = item.state;
        entry["store_id"] = item.delivery.storeId;
        entry["qos"] = item.delivery.qos;
        entry["retain"] = item.delivery.retain;
        if (!item.delivery.sharedFilter.empty()) {
            entry["shared_filter"] = item.delivery.sharedFilter;
        }
        if (item.state == "inflight") {
            entry["packet_id"] = item.packetId;
            entry["attempts"] = item.attempts;
            entry["stage"] = item.stage;
        }
        if (item.delivery.message) {
            entry["message"] = MessageJson::describe(*item.delivery.message, b->format);
        } else {
            entry["message"] = nullptr; // QoS 2 after PUBREC: only the packet id is kept
        }
        items.push_back(std::move(entry));
    }
    boost::json::object body{
        {"client_id", b->clientId}, {"items", std::move(items)}, {"total", b->total}};
    if (b->more && !b->items.empty()) {
        const QueuedItem& last = b->items.back();
        body["next_cursor"] =
            Cursor::encode(kCursorKind, boost::json::object{{"p", last.position + 1},
                                                            {"s", last.delivery.storeId}});
    } else {
        body["next_cursor"] = nullptr;
    }
    responder.send(ApiResponse::json(body));
}

// Owner thread: the in-memory part after the cursor; then, if the page has room, the rows on
// disk after the last one in memory.
void readQueue(core::Shard& owner, const core::SessionPtr& session,
               const std::shared_ptr<Browse>& b, const Responder& responder)
{
    b->total = session->inflightCount() + session->queuedCount();
    std::vector<QueuedItem> memory;
    std::uint64_t position = 0;
    for (const core::InflightMessage& entry : session->inflight()) {
        memory.push_back(QueuedItem{"inflight", position++, entry.delivery, entry.packetId,
                                    entry.attempts, std::string(stageName(entry.stage))});
    }
    session->forEachQueued([&](const core::Delivery& delivery) {
        memory.push_back(QueuedItem{"queued", position++, delivery, 0, 0, {}});
    });

    // Resume after the last item returned: found again by its store id if it is still here;
    // else at the position it had (what was ahead of it was delivered meanwhile).
    std::size_t start = std::min<std::size_t>(b->afterPosition, memory.size());
    bool onDiskOnly = false;
    if (b->afterStoreId != 0) {
        const auto it = std::find_if(memory.begin(), memory.end(), [&](const QueuedItem& i) {
            return i.delivery.storeId == b->afterStoreId;
        });
        if (it != memory.end()) {
            start = static_cast<std::size_t>(it - memory.begin()) + 1;
        } else if (b->afterStoreId > session->coldCursor()) {
            onDiskOnly = true; // the cursor is already in the cold part
        }
    }
    if (!onDiskOnly) {
        for (std::size_t i = start; i < memory.size(); ++i) {
            if (!add(*b, std::move(memory[i]))) {
                break;
            }
        }
    }
    core::Persistence* store = owner.broker().persistence();
    if (b->more || session->coldCount() == 0 || store == nullptr) {
        reply(responder, b);
        return;
    }
    const std::uint64_t after = std::max(session->coldCursor(), onDiskOnly ? b->afterStoreId : 0);
    const std::uint64_t firstColdPosition =
        onDiskOnly ? std::max<std::uint64_t>(b->afterPosition, memory.size()) : memory.size();
    const std::size_t room = b->limit - b->items.size() + 1; // one more tells us if there is more
    store->loadQueuePage(
        session->id, after, room,
        [b, responder, firstColdPosition](std::vector<core::StoredDelivery> rows) {
            responder.mailbox()->post([b, responder, firstColdPosition, rows = std::move(rows)] {
                std::uint64_t next = firstColdPosition;
                for (const core::StoredDelivery& row : rows) {
                    if (!row.message) {
                        continue;
                    }
                    core::Delivery delivery;
                    delivery.message = row.message;
                    delivery.qos = row.qos;
                    delivery.retain = row.retain;
                    delivery.sharedFilter = row.sharedFilter;
                    delivery.storeId = row.messageId;
                    if (!add(*b, QueuedItem{"stored", next++, std::move(delivery), 0, 0, {}})) {
                        break;
                    }
                }
                reply(responder, b);
            });
        });
}

} // namespace

void QueueEndpoint::addRoutes(ApiRouter& router)
{
    router.add(Verb::get, "/api/v1/sessions/{id}/queue",
               [this](ApiRequest&& r, const Responder& out) { browse(r, out); });
}

void QueueEndpoint::browse(const ApiRequest& request, const Responder& responder)
{
    QueryReader query(request);
    auto b = std::make_shared<Browse>();
    b->clientId = request.param("id");
    b->limit = query.limit();
    const auto preview =
        query.integer("preview_bytes", 0, static_cast<std::int64_t>(MessageJson::kMaxPreviewBytes));
    b->format.previewBytes =
        preview ? static_cast<std::size_t>(*preview) : MessageJson::kDefaultPreviewBytes;
    b->format.maxPayloadBytes = kMaxPagePayloadBytes;
    const std::string cursor = query.text("cursor");
    if (!cursor.empty()) {
        const auto position = Cursor::decode(kCursorKind, cursor);
        const auto* p = position ? position->if_contains("p") : nullptr;
        const auto* s = position ? position->if_contains("s") : nullptr;
        boost::system::error_code ec;
        if (p != nullptr && s != nullptr) {
            b->afterPosition = p->to_number<std::uint64_t>(ec);
            if (!ec) {
                b->afterStoreId = s->to_number<std::uint64_t>(ec);
            }
        }
        if (p == nullptr || s == nullptr || ec) {
            query.fail("cursor", "not a cursor of this list (use next_cursor as returned)");
        }
    }
    if (!query.ok()) {
        responder.send(query.error());
        return;
    }
    const core::SessionPtr session = m_context.broker.findSession(b->clientId);
    if (!session) {
        responder.send(ApiResponse::notFound("no session for client id '" + b->clientId + "'"));
        return;
    }
    b->sessionId = session->id;
    m_context.broker.runOnOwner(session, [session, b, responder](core::Shard& owner) {
        if (session->hasEnded()) {
            responder.send(ApiResponse::notFound("no session for client id '" + b->clientId + "'"));
            return;
        }
        readQueue(owner, session, b, responder);
    });
}

} // namespace sb::admin
