#include "broker/core/Router.h"

#include <algorithm>
#include <mutex>

#include "broker/core/Topic.h"

namespace sb::core {
namespace {

struct SplitFilter
{
    std::string_view group;
    std::string_view filter;
};

SplitFilter split(std::string_view filter)
{
    if (const auto shared = topic::parseShared(filter)) {
        return {shared->group, shared->filter};
    }
    return {{}, filter};
}

std::string sharedFilterOf(std::string_view group, std::string_view filter)
{
    std::string full;
    full.reserve(8 + group.size() + filter.size());
    full.append("$share/").append(group).append("/").append(filter);
    return full;
}

// Appends the merged plain subscriptions of one session: highest QoS, every identifier,
// Retain As Published if any subscription asked for it.
void mergeInto(Shard::RouteTarget& into, Shard::RouteTarget& from)
{
    into.qos = std::max(into.qos, from.qos);
    into.retainAsPublished = into.retainAsPublished || from.retainAsPublished;
    into.identifiers.insert(into.identifiers.end(), from.identifiers.begin(),
                            from.identifiers.end());
}

} // namespace

bool Router::subscribe(const SessionPtr& session, std::string_view filter,
                       const protocol::SubscriptionOptions& options, std::uint32_t identifier)
{
    const SplitFilter parts = split(filter);
    const std::unique_lock lock(m_mutex);
    return m_tree.subscribe(parts.filter, session, options, identifier, parts.group);
}

bool Router::unsubscribe(const SessionPtr& session, std::string_view filter)
{
    const SplitFilter parts = split(filter);
    const std::unique_lock lock(m_mutex);
    return m_tree.unsubscribe(parts.filter, session, parts.group);
}

void Router::unsubscribeAll(const SessionPtr& session)
{
    const std::unique_lock lock(m_mutex);
    for (const auto& entry : session->subscriptions()) {
        const SplitFilter parts = split(entry.first);
        m_tree.unsubscribe(parts.filter, session, parts.group);
    }
}

void Router::match(const Message& message, std::vector<Shard::RouteTarget>& targets) const
{
    targets.clear();
    {
        const std::shared_lock lock(m_mutex);
        m_tree.match(
            message.topic,
            [&](const Tree::Subscription& s) {
                if (s.options.noLocal && s.subscriber->id == message.publisherSessionId) {
                    return;
                }
                Shard::RouteTarget& target = targets.emplace_back();
                target.session = s.subscriber;
                target.qos = s.options.qos;
                target.retainAsPublished = s.options.retainAsPublished;
                if (s.identifier != 0) {
                    target.identifiers.push_back(s.identifier);
                }
            },
            [&](const Tree::SharedGroup& group) {
                const std::size_t count = group.members.size();
                if (count == 0) {
                    return;
                }
                const std::uint32_t start = group.nextIndex.fetch_add(1, std::memory_order_relaxed);
                const Tree::Subscription* chosen = nullptr;
                for (std::size_t i = 0; i < count; ++i) {
                    const auto& member = group.members[(start + i) % count];
                    if (member.subscriber->isOnline()) {
                        chosen = &member;
                        break;
                    }
                }
                if (chosen == nullptr) {
                    // Nobody online: a persistent member keeps it queued until it returns.
                    chosen = &group.members[start % count];
                }
                Shard::RouteTarget& target = targets.emplace_back();
                target.session = chosen->subscriber;
                target.qos = chosen->options.qos;
                target.retainAsPublished = chosen->options.retainAsPublished;
                if (chosen->identifier != 0) {
                    target.identifiers.push_back(chosen->identifier);
                }
                target.sharedFilter = sharedFilterOf(group.name, group.filter);
            });
    }
    if (targets.size() < 2) {
        return;
    }
    // One delivery per session for its plain subscriptions; shared picks stay separate.
    std::sort(targets.begin(), targets.end(), [](const auto& a, const auto& b) {
        if (a.session.get() != b.session.get()) {
            return a.session.get() < b.session.get();
        }
        return a.sharedFilter < b.sharedFilter; // plain (empty) first
    });
    std::size_t out = 0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const bool mergeable = out > 0 && targets[i].sharedFilter.empty() &&
                               targets[out - 1].sharedFilter.empty() &&
                               targets[out - 1].session == targets[i].session;
        if (mergeable) {
            mergeInto(targets[out - 1], targets[i]);
        } else {
            if (out != i) {
                targets[out] = std::move(targets[i]);
            }
            ++out;
        }
    }
    targets.resize(out);
}

SessionPtr Router::pickOtherSharedMember(std::string_view sharedFilter,
                                         const Session* exclude) const
{
    const auto parts = topic::parseShared(sharedFilter);
    if (!parts) {
        return nullptr;
    }
    const std::shared_lock lock(m_mutex);
    const Tree::SharedGroup* group = m_tree.findSharedGroup(parts->filter, parts->group);
    if (group == nullptr || group->members.empty()) {
        return nullptr;
    }
    const std::size_t count = group->members.size();
    const std::uint32_t start = group->nextIndex.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < count; ++i) {
        const auto& member = group->members[(start + i) % count];
        if (member.subscriber.get() != exclude && member.subscriber->isOnline()) {
            return member.subscriber;
        }
    }
    return nullptr;
}

std::size_t Router::subscriptionCount() const
{
    const std::shared_lock lock(m_mutex);
    return m_tree.size();
}

} // namespace sb::core
