#include "broker/admin/ClientInfo.h"

#include <boost/json/array.hpp>

#include "broker/admin/JsonFormat.h"
#include "broker/core/Topic.h"

namespace sb::admin {

ClientInfo ClientInfo::read(const core::ClientConnection& connection, bool withSubscriptions)
{
    ClientInfo info;
    info.clientId = connection.clientId();
    info.username = connection.username();
    info.address = connection.remoteAddress();
    info.version = connection.version();
    info.keepAlive = connection.keepAlive();
    info.connectedAt = connection.connectedAt();
    info.cleanStart = connection.cleanStart();
    info.inflightWindow = connection.inflightWindow();
    info.traffic = connection.traffic();
    if (const core::SessionPtr& session = connection.session()) {
        info.sessionExpiry = session->expiryInterval();
        info.subscriptionCount = session->subscriptions().size();
        info.inflight = session->inflightCount();
        info.queued = session->queuedCount();
        if (withSubscriptions) {
            for (const auto& [filter, subscription] : session->subscriptions()) {
                info.subscriptions.emplace_back(filter, subscription);
            }
        }
    }
    return info;
}

boost::json::object ClientInfo::subscriptionJson(const std::string& filter,
                                                 const core::SessionSubscription& subscription)
{
    boost::json::object out{
        {"filter", filter},
        {"qos", subscription.options.qos},
        {"no_local", subscription.options.noLocal},
        {"retain_as_published", subscription.options.retainAsPublished},
        {"retain_handling", static_cast<int>(subscription.options.retainHandling)}};
    if (subscription.identifier != 0) {
        out["subscription_identifier"] = subscription.identifier;
    }
    if (const auto shared = core::topic::parseShared(filter)) {
        out["share_group"] = shared->group;
    }
    return out;
}

boost::json::object ClientInfo::toJson() const
{
    boost::json::object out;
    out["client_id"] = clientId;
    out["username"] = username ? boost::json::value(*username) : boost::json::value(nullptr);
    out["address"] = address;
    out["protocol_version"] = JsonFormat::version(version);
    out["keepalive_seconds"] = keepAlive;
    out["connected_at"] = JsonFormat::time(connectedAt);
    out["clean_start"] = cleanStart;
    out["session_expiry_interval_seconds"] = sessionExpiry;
    out["inflight_window"] = inflightWindow;
    out["subscription_count"] = subscriptionCount;
    out["inflight"] = inflight;
    out["queue_depth"] = queued;
    out["messages_in"] = traffic.messagesIn;
    out["messages_out"] = traffic.messagesOut;
    out["bytes_in"] = traffic.bytesIn;
    out["bytes_out"] = traffic.bytesOut;
    out["messages_in_rate"] = traffic.messagesInRate;
    out["messages_out_rate"] = traffic.messagesOutRate;
    out["bytes_in_rate"] = traffic.bytesInRate;
    out["bytes_out_rate"] = traffic.bytesOutRate;
    return out;
}

} // namespace sb::admin
