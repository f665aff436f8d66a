#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "broker/core/ClientConnection.h"

namespace sb::admin {

// A connected client as the API shows it, copied out of its connection and session on the
// shard's thread so that it can be formatted on the admin thread.
struct ClientInfo
{
    std::string clientId;
    std::optional<std::string> username;
    std::string address;
    protocol::Version version = protocol::Version::V5;
    std::uint16_t keepAlive = 0;
    core::Clock::WallTimePoint connectedAt{};
    bool cleanStart = true;
    std::uint32_t sessionExpiry = 0;
    std::uint16_t inflightWindow = 0;
    std::size_t subscriptionCount = 0;
    std::size_t inflight = 0;
    std::size_t queued = 0;
    core::ClientConnection::Traffic traffic;
    // Only for the detail view.
    std::vector<std::pair<std::string, core::SessionSubscription>> subscriptions;

    // Shard thread. `connection` must be active (past CONNACK).
    static ClientInfo read(const core::ClientConnection& connection, bool withSubscriptions);
    boost::json::object toJson() const;

    static boost::json::object subscriptionJson(const std::string& filter,
                                                const core::SessionSubscription& subscription);
};

} // namespace sb::admin
