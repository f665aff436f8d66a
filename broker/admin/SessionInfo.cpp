#include "broker/admin/SessionInfo.h"

#include <boost/json/array.hpp>

#include "broker/admin/ClientInfo.h"
#include "broker/admin/JsonFormat.h"

namespace sb::admin {

SessionInfo SessionInfo::read(const core::Session& session, const core::Clock& clock,
                              bool withSubscriptions)
{
    SessionInfo info;
    info.clientId = session.clientId;
    info.username = session.username;
    info.online = session.isOnline();
    info.persistent = session.isPersistent();
    info.expiryInterval = session.expiryInterval();
    if (session.expiresAt && !info.online) {
        info.expiresAt = JsonFormat::steadyAsWall(clock, *session.expiresAt);
    }
    info.createdAt = session.createdAt;
    info.disconnectedAt = session.disconnectedAt;
    info.version = session.version;
    info.subscriptionCount = session.subscriptions().size();
    info.queued = session.queuedCount();
    info.queuedBytes = session.queuedBytes();
    info.inflight = session.inflightCount();
    info.hasWill = static_cast<bool>(session.will);
    if (withSubscriptions) {
        for (const auto& [filter, subscription] : session.subscriptions()) {
            info.subscriptions.emplace_back(filter, subscription);
        }
    }
    return info;
}

boost::json::object SessionInfo::toJson() const
{
    boost::json::object out;
    out["client_id"] = clientId;
    out["username"] = username.empty() ? boost::json::value(nullptr) : boost::json::value(username);
    out["online"] = online;
    out["persistent"] = persistent;
    out["expiry_interval_seconds"] = expiryInterval;
    out["expires_at"] = expiresAt ? boost::json::value(*expiresAt) : boost::json::value(nullptr);
    out["created_at"] = JsonFormat::time(createdAt);
    out["disconnected_at"] = online || disconnectedAt == core::Clock::WallTimePoint{}
                                 ? boost::json::value(nullptr)
                                 : boost::json::value(JsonFormat::time(disconnectedAt));
    out["protocol_version"] = JsonFormat::version(version);
    out["subscription_count"] = subscriptionCount;
    out["queue_depth"] = queued;
    out["queued_bytes"] = queuedBytes;
    out["inflight"] = inflight;
    out["has_will"] = hasWill;
    return out;
}

boost::json::array SessionInfo::subscriptionsJson() const
{
    boost::json::array list;
    for (const auto& [filter, subscription] : subscriptions) {
        list.push_back(ClientInfo::subscriptionJson(filter, subscription));
    }
    return list;
}

} // namespace sb::admin
