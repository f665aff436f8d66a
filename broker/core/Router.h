#pragma once

#include <shared_mutex>
#include <string_view>

#include "broker/core/Message.h"
#include "broker/core/Session.h"
#include "broker/core/Shard.h"
#include "broker/core/SubscriptionTree.h"

namespace sb::core {

// The one place where a published message is matched to its receivers (design: "keep the place
// where a publish is matched to its receivers behind one interface"). It owns the subscription
// index; matching takes a shared lock, subscribing an exclusive one.
//
// Overlapping subscriptions of one session are merged into one delivery at the highest granted
// QoS carrying every matching Subscription Identifier (MQTT 5.0 3.3.4 allows either; we always
// send one copy). A shared subscription is separate: its group picks one member, which gets its
// own copy even if it also has a matching plain subscription.
class Router
{
public:
    using Tree = SubscriptionTree<SessionPtr>;

    // `filter` is the full filter as the client sent it ("$share/g/f" or a plain filter), already
    // validated. Returns true if the subscription is new (not a replacement).
    bool subscribe(const SessionPtr& session, std::string_view filter,
                   const protocol::SubscriptionOptions& options, std::uint32_t identifier);
    bool unsubscribe(const SessionPtr& session, std::string_view filter);
    // Removes every subscription the session holds (from its own list).
    void unsubscribeAll(const SessionPtr& session);

    // Fills `targets` (cleared first) with the receivers of `message`, merged per session, shared
    // groups resolved to one member each (an online one if there is any, round-robin).
    void match(const Message& message, std::vector<Shard::RouteTarget>& targets) const;

    // Picks another member of the shared subscription `sharedFilter` than `exclude`, online,
    // for a message a departing member did not take. Null if there is none online.
    SessionPtr pickOtherSharedMember(std::string_view sharedFilter, const Session* exclude) const;

    std::size_t subscriptionCount() const;

    // Calls f(filter, group, subscription) for every subscription under a shared lock.
    template <typename F>
    void forEach(F&& f) const
    {
        const std::shared_lock lock(m_mutex);
        m_tree.forEach(std::forward<F>(f));
    }

private:
    mutable std::shared_mutex m_mutex;
    Tree m_tree;
};

} // namespace sb::core
