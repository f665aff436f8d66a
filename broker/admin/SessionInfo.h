#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "broker/core/Session.h"

namespace sb::admin {

// A session (online or not) as the API shows it, copied on its owner shard's thread.
struct SessionInfo
{
    std::string clientId;
    std::string username;
    bool online = false;
    bool persistent = false;
    std::uint32_t expiryInterval = 0;
    std::optional<std::string> expiresAt; // formatted on the shard (needs its clock's "now")
    core::Clock::WallTimePoint createdAt{};
    core::Clock::WallTimePoint disconnectedAt{};
    protocol::Version version = protocol::Version::V5;
    std::size_t subscriptionCount = 0;
    std::size_t queued = 0;
    std::uint64_t queuedBytes = 0;
    std::size_t inflight = 0;
    bool hasWill = false;
    std::vector<std::pair<std::string, core::SessionSubscription>> subscriptions; // detail only

    // Owner thread.
    static SessionInfo read(const core::Session& session, const core::Clock& clock,
                            bool withSubscriptions);
    boost::json::object toJson() const;
    boost::json::array subscriptionsJson() const;
};

} // namespace sb::admin
