#pragma once

// Implementation of SubscriptionTree; included at the end of SubscriptionTree.h only.

#include <algorithm>
#include <cassert>
#include <utility>

#include "broker/core/Topic.h"

namespace sb::core {

namespace detail {

// Hashes std::string and std::string_view alike, so a child lookup by a level cut out of the
// topic name needs no std::string.
struct TopicLevelHash
{
    using is_transparent = void;
    std::size_t operator()(std::string_view level) const noexcept
    {
        return std::hash<std::string_view>{}(level);
    }
};

} // namespace detail

// One trie node: the subscriptions whose filter ends here and the levels below it.
template <typename Subscriber>
struct SubscriptionTree<Subscriber>::Node
{
    // Plain subscriptions ending at one node, unordered. A broadcast filter may collect
    // 100,000 subscribers, so past a threshold a hash index finds a subscriber in O(1) instead
    // of scanning; below it the scan is cheaper than the index's memory.
    struct SubscriptionList
    {
        static constexpr std::size_t kIndexThreshold = 32;
        static constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

        std::vector<Subscription> items;
        std::unique_ptr<std::unordered_map<Subscriber, std::size_t>> index;

        std::size_t find(const Subscriber& subscriber) const
        {
            if (index) {
                const auto it = index->find(subscriber);
                return it == index->end() ? kNotFound : it->second;
            }
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (items[i].subscriber == subscriber) {
                    return i;
                }
            }
            return kNotFound;
        }

        void add(Subscription subscription)
        {
            items.push_back(std::move(subscription));
            if (index) {
                index->emplace(items.back().subscriber, items.size() - 1);
            } else if (items.size() >= kIndexThreshold) {
                index = std::make_unique<std::unordered_map<Subscriber, std::size_t>>();
                index->reserve(items.size());
                for (std::size_t i = 0; i < items.size(); ++i) {
                    index->emplace(items[i].subscriber, i);
                }
            }
        }

        // Swaps the last entry into the hole: order is not part of the contract for plain
        // subscriptions, and this keeps removal O(1) with the index.
        bool remove(const Subscriber& subscriber)
        {
            const auto position = find(subscriber);
            if (position == kNotFound) {
                return false;
            }
            if (index) {
                index->erase(subscriber);
            }
            const auto last = items.size() - 1;
            if (position != last) {
                items[position] = std::move(items[last]);
                if (index) {
                    (*index)[items[position].subscriber] = position;
                }
            }
            items.pop_back();
            // Hysteresis, so a list hovering around the threshold does not rebuild each time.
            if (index && items.size() < kIndexThreshold / 2) {
                index.reset();
            }
            return true;
        }
    };

    std::unordered_map<std::string, std::unique_ptr<Node>, detail::TopicLevelHash, std::equal_to<>>
        children;
    std::unique_ptr<Node> plus; // the '+' level
    std::unique_ptr<Node> hash; // the '#' level, always a leaf
    SubscriptionList subscriptions;
    // unique_ptr because SharedGroup holds an atomic (not movable), and because callers may keep
    // a reference to a group across matches to drive its round-robin cursor.
    std::vector<std::unique_ptr<SharedGroup>> groups;

    // The node where `filter` ends, taking '+' and '#' literally, or nullptr.
    const Node* findExact(std::string_view filter) const
    {
        const Node* node = this;
        topic::Levels levels(filter);
        while (node != nullptr && !levels.done()) {
            const auto level = levels.next();
            if (level == "+") {
                node = node->plus.get();
            } else if (level == "#") {
                node = node->hash.get();
            } else {
                const auto it = node->children.find(level);
                node = it == node->children.end() ? nullptr : it->second.get();
            }
        }
        return node;
    }

    bool isEmpty() const
    {
        return children.empty() && !plus && !hash && subscriptions.items.empty() && groups.empty();
    }

    SharedGroup* findGroup(std::string_view name) const
    {
        for (const auto& group : groups) {
            if (group->name == name) {
                return group.get();
            }
        }
        return nullptr;
    }

    // Returns true if the subscription is new.
    bool upsert(std::string_view filter, const Subscriber& subscriber,
                const protocol::SubscriptionOptions& options, std::uint32_t identifier,
                std::string_view shareGroup)
    {
        if (shareGroup.empty()) {
            const auto position = subscriptions.find(subscriber);
            if (position != SubscriptionList::kNotFound) {
                subscriptions.items[position].options = options;
                subscriptions.items[position].identifier = identifier;
                return false;
            }
            subscriptions.add(Subscription{subscriber, options, identifier});
            return true;
        }
        SharedGroup* group = findGroup(shareGroup);
        if (group == nullptr) {
            auto created = std::make_unique<SharedGroup>();
            created->name = std::string(shareGroup);
            created->filter = std::string(filter);
            group = created.get();
            groups.push_back(std::move(created));
        }
        for (auto& member : group->members) {
            if (member.subscriber == subscriber) {
                // Replaced in place: the member keeps its turn in the round-robin order.
                member.options = options;
                member.identifier = identifier;
                return false;
            }
        }
        group->members.push_back(Subscription{subscriber, options, identifier});
        return true;
    }

    bool removeHere(const Subscriber& subscriber, std::string_view shareGroup)
    {
        if (shareGroup.empty()) {
            return subscriptions.remove(subscriber);
        }
        const auto groupIt = std::find_if(groups.begin(), groups.end(), [&](const auto& group) {
            return group->name == shareGroup;
        });
        if (groupIt == groups.end()) {
            return false;
        }
        auto& members = (*groupIt)->members;
        const auto memberIt =
            std::find_if(members.begin(), members.end(), [&](const Subscription& member) {
                return member.subscriber == subscriber;
            });
        if (memberIt == members.end()) {
            return false;
        }
        members.erase(memberIt); // keeps subscription order for the round robin
        if (members.empty()) {
            groups.erase(groupIt);
        }
        return true;
    }

    // Removes the subscription at the end of `levels` below this node and prunes the nodes it
    // leaves empty, decrementing `nodeCount` for each.
    bool remove(topic::Levels levels, const Subscriber& subscriber, std::string_view shareGroup,
                std::size_t& nodeCount)
    {
        if (levels.done()) {
            return removeHere(subscriber, shareGroup);
        }
        const auto level = levels.next();
        std::unique_ptr<Node>* slot = nullptr;
        auto childIt = children.end();
        if (level == "+") {
            slot = &plus;
        } else if (level == "#") {
            slot = &hash;
        } else {
            childIt = children.find(level);
            if (childIt != children.end()) {
                slot = &childIt->second;
            }
        }
        if (slot == nullptr || !*slot) {
            return false;
        }
        if (!(*slot)->remove(levels, subscriber, shareGroup, nodeCount)) {
            return false;
        }
        if ((*slot)->isEmpty()) {
            --nodeCount;
            if (childIt != children.end()) {
                children.erase(childIt);
            } else {
                slot->reset();
            }
        }
        return true;
    }

    template <typename OnSubscription, typename OnSharedGroup>
    void report(OnSubscription& onSubscription, OnSharedGroup& onSharedGroup) const
    {
        for (const auto& subscription : subscriptions.items) {
            onSubscription(subscription);
        }
        for (const auto& group : groups) {
            onSharedGroup(std::as_const(*group));
        }
    }

    // `levels` holds what is left of the topic name below this node. The '$' rule is the
    // caller's business: it only concerns the root.
    template <typename OnSubscription, typename OnSharedGroup>
    void match(topic::Levels levels, OnSubscription& onSubscription,
               OnSharedGroup& onSharedGroup) const
    {
        if (hash) {
            // '#' also matches the parent level: "sport/#" matches "sport".
            hash->report(onSubscription, onSharedGroup);
        }
        if (levels.done()) {
            report(onSubscription, onSharedGroup);
            return;
        }
        const auto level = levels.next();
        if (const auto it = children.find(level); it != children.end()) {
            it->second->match(levels, onSubscription, onSharedGroup);
        }
        if (plus) {
            plus->match(levels, onSubscription, onSharedGroup);
        }
    }

    // Depth-first, children in byte order of their level ('#' and '+' sort before letters).
    // `filter` holds the filter of this node on entry and is restored on return.
    template <typename F>
    void forEach(std::string& filter, bool isRoot, F& f) const
    {
        for (const auto& subscription : subscriptions.items) {
            f(std::string_view(filter), std::string_view(), subscription);
        }
        for (const auto& group : groups) {
            for (const auto& member : group->members) {
                f(std::string_view(filter), std::string_view(group->name), member);
            }
        }
        std::vector<std::pair<std::string_view, const Node*>> next;
        next.reserve(children.size() + 2);
        for (const auto& [level, child] : children) {
            next.emplace_back(level, child.get());
        }
        if (plus) {
            next.emplace_back("+", plus.get());
        }
        if (hash) {
            next.emplace_back("#", hash.get());
        }
        std::sort(next.begin(), next.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [level, child] : next) {
            const auto parentSize = filter.size();
            if (!isRoot) {
                filter += '/';
            }
            filter += level;
            child->forEach(filter, false, f);
            filter.resize(parentSize);
        }
    }
};

template <typename Subscriber>
bool SubscriptionTree<Subscriber>::subscribe(std::string_view filter, const Subscriber& subscriber,
                                             const protocol::SubscriptionOptions& options,
                                             std::uint32_t identifier, std::string_view shareGroup)
{
    assert(topic::isValidTopicFilter(filter));
    if (!m_root) {
        m_root = std::make_unique<Node>();
    }
    Node* node = m_root.get();
    topic::Levels levels(filter);
    while (!levels.done()) {
        const auto level = levels.next();
        if (level == "+" || level == "#") {
            auto& slot = level == "+" ? node->plus : node->hash;
            if (!slot) {
                slot = std::make_unique<Node>();
                ++m_nodeCount;
            }
            node = slot.get();
        } else if (const auto it = node->children.find(level); it != node->children.end()) {
            node = it->second.get();
        } else {
            // Built before it is linked in, so a failed allocation never leaves a null child.
            auto child = std::make_unique<Node>();
            Node* const created = child.get();
            node->children.emplace(std::string(level), std::move(child));
            ++m_nodeCount;
            node = created;
        }
    }
    const bool added = node->upsert(filter, subscriber, options, identifier, shareGroup);
    if (added) {
        ++m_size;
    }
    return added;
}

template <typename Subscriber>
bool SubscriptionTree<Subscriber>::unsubscribe(std::string_view filter,
                                               const Subscriber& subscriber,
                                               std::string_view shareGroup)
{
    if (!m_root || !m_root->remove(topic::Levels(filter), subscriber, shareGroup, m_nodeCount)) {
        return false;
    }
    --m_size;
    if (m_root->isEmpty()) {
        m_root.reset();
    }
    return true;
}

template <typename Subscriber>
auto SubscriptionTree<Subscriber>::findSharedGroup(std::string_view filter,
                                                   std::string_view shareGroup) const
    -> const SharedGroup*
{
    if (!m_root) {
        return nullptr;
    }
    const Node* node = m_root->findExact(filter);
    return node == nullptr ? nullptr : node->findGroup(shareGroup);
}

template <typename Subscriber>
template <typename OnSubscription, typename OnSharedGroup>
void SubscriptionTree<Subscriber>::match(std::string_view topicName,
                                         OnSubscription&& onSubscription,
                                         OnSharedGroup&& onSharedGroup) const
{
    if (!m_root) {
        return;
    }
    const Node& root = *m_root;
    // 4.7.2: a filter starting with a wildcard never matches a topic name starting with '$'.
    const bool systemTopic = !topicName.empty() && topicName.front() == '$';
    if (root.hash && !systemTopic) {
        root.hash->report(onSubscription, onSharedGroup);
    }
    topic::Levels levels(topicName);
    const auto level = levels.next();
    if (const auto it = root.children.find(level); it != root.children.end()) {
        it->second->match(levels, onSubscription, onSharedGroup);
    }
    if (root.plus && !systemTopic) {
        root.plus->match(levels, onSubscription, onSharedGroup);
    }
}

template <typename Subscriber>
template <typename F>
void SubscriptionTree<Subscriber>::forEach(F&& f) const
{
    if (!m_root) {
        return;
    }
    std::string filter;
    m_root->forEach(filter, true, f);
}

} // namespace sb::core
