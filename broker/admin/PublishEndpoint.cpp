#include "broker/admin/PublishEndpoint.h"

#include <boost/json/array.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/Base64.h"
#include "broker/admin/BodyReader.h"
#include "broker/admin/JsonFormat.h"
#include "broker/core/Broker.h"
#include "broker/core/Topic.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;
constexpr std::int64_t kU32 = 0xFFFF'FFFF;

bool isTopicName(const std::string& topic)
{
    return topic.size() <= 65535 && core::topic::isValidTopicName(topic) &&
           JsonFormat::isValidUtf8(topic);
}

void readProperties(BodyReader& body, protocol::Properties& properties)
{
    const boost::json::object* object = body.object("properties");
    if (object == nullptr) {
        return;
    }
    BodyReader p(body, *object, "properties");
    p.rejectUnknown({"payload_format_indicator", "message_expiry_interval", "content_type",
                     "response_topic", "correlation_data_base64", "user_properties"});
    if (const auto v = p.integer("payload_format_indicator", 0, 1)) {
        properties.payloadFormatIndicator = static_cast<std::uint8_t>(*v);
    }
    if (const auto v = p.integer("message_expiry_interval", 0, kU32)) {
        properties.messageExpiryInterval = static_cast<std::uint32_t>(*v);
    }
    properties.contentType = p.string("content_type");
    if (auto topic = p.string("response_topic")) {
        if (!isTopicName(*topic)) {
            p.fail("response_topic", "expected a topic name without wildcards (+ and #)");
        }
        properties.responseTopic = std::move(topic);
    }
    if (const auto data = p.string("correlation_data_base64")) {
        properties.correlationData = Base64::decode(*data);
        if (!properties.correlationData) {
            p.fail("correlation_data_base64", "expected base64");
        }
    }
    if (const boost::json::array* user = p.array("user_properties")) {
        for (std::size_t i = 0; i < user->size(); ++i) {
            const std::string name = "user_properties[" + std::to_string(i) + "]";
            const auto& entry = (*user)[i];
            if (!entry.is_object()) {
                p.fail(name, "expected an object with key and value");
                return;
            }
            BodyReader pair(p, entry.as_object(), p.path(name));
            pair.rejectUnknown({"key", "value"});
            auto key = pair.string("key", true);
            auto value = pair.string("value", true);
            if (key && value) {
                properties.userProperties.push_back({std::move(*key), std::move(*value)});
            }
        }
    }
}

} // namespace

void PublishEndpoint::addRoutes(ApiRouter& router)
{
    router.add(Verb::post, "/api/v1/publish",
               [this](ApiRequest&& r, const Responder& out) { publish(r, out); });
}

void PublishEndpoint::publish(const ApiRequest& request, const Responder& responder)
{
    BodyReader body(request.body);
    if (body.ok()) {
        body.rejectUnknown({"topic", "payload", "payload_base64", "qos", "retain", "properties"});
    }
    auto message = std::make_shared<core::Message>();
    if (auto topic = body.string("topic", true)) {
        if (!isTopicName(*topic)) {
            body.fail("topic", "expected a topic name without wildcards (+ and #)");
        }
        message->topic = std::move(*topic);
    }
    if (body.has("payload") && body.has("payload_base64")) {
        body.fail("payload_base64", "give either payload or payload_base64, not both");
    } else if (auto text = body.string("payload")) {
        message->payload = std::move(*text);
    } else if (auto encoded = body.string("payload_base64")) {
        auto decoded = Base64::decode(*encoded);
        if (!decoded) {
            body.fail("payload_base64", "expected base64");
        } else {
            message->payload = std::move(*decoded);
        }
    }
    message->qos = static_cast<std::uint8_t>(body.integer("qos", 0, 2).value_or(0));
    message->retain = body.boolean("retain").value_or(false);
    readProperties(body, message->properties);
    if (body.ok() && message->properties.payloadFormatIndicator.value_or(0) == 1 &&
        !JsonFormat::isValidUtf8(message->payload)) {
        body.fail("payload_base64", "is not UTF-8 but payload_format_indicator is 1");
    }
    if (!body.ok()) {
        responder.send(body.error());
        return;
    }

    message->publisherClientId = std::string(kPublisher);
    core::Broker& broker = m_context.broker;
    core::Shard& shard = broker.shard(m_nextShard++ % broker.shardCount());
    shard.post([&shard, &broker, message, responder]() mutable {
        const core::Clock::TimePoint now = shard.clock().now();
        message->receivedAt = now;
        message->receivedWallTime = shard.clock().wallNow();
        if (message->properties.messageExpiryInterval) {
            message->expiresAt =
                now + std::chrono::seconds(*message->properties.messageExpiryInterval);
        }
        const std::string topic = message->topic;
        const std::uint8_t qos = message->qos;
        const bool retain = message->retain;
        const std::size_t bytes = message->payload.size();
        broker.publish(
            shard, std::move(message), now,
            [responder, topic, qos, retain, bytes](core::Broker::PublishOutcome outcome) {
                if (!outcome.accepted) {
                    const bool quota = outcome.refusal == protocol::ReasonCode::QuotaExceeded;
                    responder.send(ApiResponse::error(
                        quota ? 429 : 503, quota ? "quota_exceeded" : "refused",
                        quota ? "a limit refused the message (max_retained_messages)"
                              : "the store cannot keep the message now"));
                    return;
                }
                responder.send(
                    ApiResponse::json(boost::json::object{{"topic", topic},
                                                          {"qos", qos},
                                                          {"retain", retain},
                                                          {"payload_bytes", bytes},
                                                          {"receivers", outcome.receivers}}));
            });
    });
}

} // namespace sb::admin
