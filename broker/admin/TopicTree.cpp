#include "broker/admin/TopicTree.h"

#include <algorithm>

#include "broker/admin/JsonFormat.h"

namespace sb::admin {

void TopicTree::Node::add(const Node& other)
{
    messages += other.messages;
    bytes += other.bytes;
    rate += other.rate;
    lastMessageAt = std::max(lastMessageAt, other.lastMessageAt);
    retained = retained || other.retained;
    subtreeMessages += other.subtreeMessages;
    subtreeRate += other.subtreeRate;
    subtreeRetained += other.subtreeRetained;
    hasChildren = hasChildren || other.hasChildren;
}

boost::json::object TopicTree::Node::toJson() const
{
    const auto slash = topic.rfind('/');
    boost::json::object out;
    out["topic"] = topic;
    out["name"] = slash == std::string::npos ? topic : topic.substr(slash + 1);
    out["depth"] = depth;
    out["messages"] = messages;
    out["bytes"] = bytes;
    out["message_rate"] = rate;
    out["last_message_at"] = lastMessageAt == 0
                                 ? boost::json::value(nullptr)
                                 : boost::json::value(JsonFormat::timeFromMillis(lastMessageAt));
    out["retained"] = retained;
    out["subtree_messages"] = subtreeMessages;
    out["subtree_message_rate"] = subtreeRate;
    out["subtree_retained"] = subtreeRetained;
    out["has_children"] = hasChildren;
    return out;
}

TopicTree::TopicTree(std::optional<std::string> prefix, unsigned depth, std::size_t capacity,
                     std::string after)
    : m_prefix(std::move(prefix))
    , m_depth(depth)
    , m_capacity(capacity)
    , m_after(std::move(after))
{
    m_self.topic = m_prefix.value_or("");
}

std::string TopicTree::keyOf(std::string_view topic)
{
    std::string key(topic);
    std::replace(key.begin(), key.end(), '/', '\0');
    return key;
}

template <typename F>
void TopicTree::visit(std::string_view topic, F&& f)
{
    std::string_view relative = topic;
    if (m_prefix) {
        if (topic == *m_prefix) {
            f(m_self, true, false);
            return;
        }
        if (topic.size() <= m_prefix->size() || topic.substr(0, m_prefix->size()) != *m_prefix ||
            topic[m_prefix->size()] != '/') {
            return;
        }
        relative = topic.substr(m_prefix->size() + 1);
    }
    f(m_self, false, true);
    // Walk the levels of `relative`: the node at depth d ends where the d-th level ends.
    const std::size_t base = topic.size() - relative.size();
    std::size_t end = 0;
    for (unsigned depth = 1; depth <= m_depth; ++depth) {
        const auto slash = relative.find('/', end);
        const bool exact = slash == std::string_view::npos;
        const std::size_t levelEnd = exact ? relative.size() : slash;
        const std::string_view path = topic.substr(0, base + levelEnd);
        if (Node* node = nodeFor(keyOf(path), path, depth)) {
            f(*node, exact, !exact);
        }
        if (exact) {
            return;
        }
        end = slash + 1;
    }
}

TopicTree::Node* TopicTree::nodeFor(const std::string& key, std::string_view path, unsigned depth)
{
    if (!m_after.empty() && key <= m_after) {
        return nullptr;
    }
    const auto found = m_nodes.find(key);
    if (found != m_nodes.end()) {
        return &found->second;
    }
    // Full: a node after the last kept one can never be on this page (the nodes before it
    // only grow in number); an earlier one takes the last one's place.
    if (m_nodes.size() >= m_capacity) {
        if (m_capacity == 0 || key > m_nodes.rbegin()->first) {
            return nullptr;
        }
        m_nodes.erase(std::prev(m_nodes.end()));
    }
    Node node;
    node.topic = std::string(path);
    node.depth = depth;
    return &m_nodes.emplace(key, std::move(node)).first->second;
}

void TopicTree::addActivity(std::string_view topic, const core::TopicActivity::Entry& entry,
                            std::int64_t nowSecond)
{
    const std::uint64_t rate = entry.rate(nowSecond);
    visit(topic, [&](Node& node, bool exact, bool deeper) {
        node.subtreeMessages += entry.messages;
        node.subtreeRate += rate;
        node.hasChildren = node.hasChildren || deeper;
        node.lastMessageAt = std::max(node.lastMessageAt, entry.lastMessageAt);
        if (exact) {
            node.messages += entry.messages;
            node.bytes += entry.bytes;
            node.rate += rate;
        }
    });
}

void TopicTree::addRetained(std::string_view topic)
{
    visit(topic, [&](Node& node, bool exact, bool deeper) {
        ++node.subtreeRetained;
        node.hasChildren = node.hasChildren || deeper;
        node.retained = node.retained || exact;
    });
}

void TopicTree::merge(TopicTree&& other)
{
    m_self.add(other.m_self);
    for (auto& [key, node] : other.m_nodes) {
        if (Node* mine = nodeFor(key, node.topic, node.depth)) {
            mine->add(node);
        }
    }
}

} // namespace sb::admin
