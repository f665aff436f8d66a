#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/protocol/Packets.h"

namespace sb::core {

// The subscription index: which subscribers' filters match a topic name. A trie keyed by topic
// levels, with '+' and '#' children at each node, so a match costs O(levels), not O(filters).
// Plain and shared subscriptions ($share/{group}/{filter}) live in the same trie; a shared
// group is reported once per match with all its members so the caller can pick one.
//
// Not thread-safe: the owner guards it (a shared_mutex: matching takes a shared lock). The one
// exception is SharedGroup::nextIndex, an atomic the caller may bump under a shared lock to
// balance members.
//
// `Subscriber` is a cheap, copyable handle with operator== and std::hash (the broker uses
// std::shared_ptr<Session>; tests use integers).
template <typename Subscriber>
class SubscriptionTree
{
public:
    struct Subscription
    {
        Subscriber subscriber;
        protocol::SubscriptionOptions options;
        std::uint32_t identifier = 0; // 5.0 Subscription Identifier, 0 = none
    };

    struct SharedGroup
    {
        std::string name;
        std::string filter;                              // the topic filter after "$share/{name}/"
        std::vector<Subscription> members;               // in subscription order
        mutable std::atomic<std::uint32_t> nextIndex{0}; // round-robin cursor
    };

    // Adds or replaces (same subscriber, same filter, same group) a subscription. Returns true if
    // it is new, false if it replaced an existing one (the Retain Handling 1 case needs this).
    // `filter` must be a valid topic filter (not "$share/..."; pass the group separately, empty
    // for a plain subscription).
    bool subscribe(std::string_view filter, const Subscriber& subscriber,
                   const protocol::SubscriptionOptions& options, std::uint32_t identifier,
                   std::string_view shareGroup = {});

    // Removes one subscription. Returns false if there was none. Prunes empty nodes.
    bool unsubscribe(std::string_view filter, const Subscriber& subscriber,
                     std::string_view shareGroup = {});

    // Calls onSubscription(const Subscription&) for each plain subscription whose filter matches
    // `topicName`, and onSharedGroup(const SharedGroup&) for each shared group with a matching
    // filter. A subscriber with several matching filters is reported once per filter (the
    // caller merges them). Honours the '$' rule for leading wildcards.
    template <typename OnSubscription, typename OnSharedGroup>
    void match(std::string_view topicName, OnSubscription&& onSubscription,
               OnSharedGroup&& onSharedGroup) const;

    // The shared group `shareGroup` on exactly `filter` (no wildcard matching), or nullptr. For
    // re-picking a member when the chosen one cannot take a message.
    const SharedGroup* findSharedGroup(std::string_view filter, std::string_view shareGroup) const;

    // Number of subscriptions (plain, plus one per shared-group member).
    std::size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }

    // Trie nodes below the root: 0 once every subscription is gone (unsubscribe prunes). For
    // memory metrics and for tests of pruning.
    std::size_t nodeCount() const { return m_nodeCount; }

    // Calls f(std::string_view filter, std::string_view shareGroup, const Subscription&) for
    // every subscription, for the admin API. Order: depth-first by level.
    template <typename F>
    void forEach(F&& f) const;

private:
    struct Node; // defined with the implementation below
    std::unique_ptr<Node> m_root;
    std::size_t m_size = 0;
    std::size_t m_nodeCount = 0;
};

} // namespace sb::core

#include "broker/core/SubscriptionTree.inl"
