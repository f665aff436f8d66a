#include "broker/admin/MessageJson.h"

#include <boost/json/array.hpp>

#include "broker/admin/Base64.h"
#include "broker/admin/JsonFormat.h"

namespace sb::admin {

boost::json::object MessageJson::properties(const protocol::Properties& p)
{
    boost::json::object out;
    if (p.payloadFormatIndicator) {
        out["payload_format_indicator"] = *p.payloadFormatIndicator;
    }
    if (p.messageExpiryInterval) {
        out["message_expiry_interval"] = *p.messageExpiryInterval;
    }
    if (p.contentType) {
        out["content_type"] = *p.contentType;
    }
    if (p.responseTopic) {
        out["response_topic"] = *p.responseTopic;
    }
    if (p.correlationData) {
        out["correlation_data_base64"] = Base64::encode(*p.correlationData);
    }
    if (!p.userProperties.empty()) {
        boost::json::array user;
        for (const auto& property : p.userProperties) {
            user.push_back(boost::json::object{{"key", property.key}, {"value", property.value}});
        }
        out["user_properties"] = std::move(user);
    }
    return out;
}

boost::json::object MessageJson::describe(const core::Message& message, const Options& options)
{
    boost::json::object out;
    out["topic"] = message.topic;
    out["qos"] = message.qos;
    out["retain"] = message.retain;
    out["payload_bytes"] = message.payload.size();
    if (message.payload.size() <= options.maxPayloadBytes) {
        out["payload_base64"] = Base64::encode(message.payload);
    } else {
        out["payload_truncated"] = true; // only the preview is given
    }
    out["payload_preview"] = JsonFormat::utf8Preview(message.payload, options.previewBytes);
    out["payload_is_utf8"] = JsonFormat::isValidUtf8(message.payload);
    out["properties"] = properties(message.properties);
    out["publisher"] = message.publisherClientId;
    if (message.receivedWallTime != core::Clock::WallTimePoint{}) {
        out["received_at"] = JsonFormat::time(message.receivedWallTime);
    }
    return out;
}

} // namespace sb::admin
