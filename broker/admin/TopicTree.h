#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "broker/core/TopicActivity.h"

namespace sb::admin {

// The topic tree below one node, a few levels deep, aggregated from per-topic activity and
// retained messages and bounded to one page: it keeps the first `capacity` nodes in tree order
// after the cursor, so browsing a million topics costs one page of memory. Nodes are keyed by
// their path with '/' replaced by U+0000 (never in a topic), which sorts a parent before its
// children and siblings by name, level by level.
class TopicTree
{
public:
    struct Node
    {
        std::string topic;
        unsigned depth = 0; // levels below the prefix
        std::uint64_t messages = 0;
        std::uint64_t bytes = 0;
        std::uint64_t rate = 0;         // messages in the last whole second
        std::int64_t lastMessageAt = 0; // wall-clock milliseconds, 0 = never
        bool retained = false;
        std::uint64_t subtreeMessages = 0;
        std::uint64_t subtreeRate = 0;
        std::uint64_t subtreeRetained = 0;
        bool hasChildren = false;

        void add(const Node& other);
        boost::json::object toJson() const;
    };

    // `prefix` nullopt = the root. `after` = the key of the last node already returned.
    TopicTree(std::optional<std::string> prefix, unsigned depth, std::size_t capacity,
              std::string after);

    void addActivity(std::string_view topic, const core::TopicActivity::Entry& entry,
                     std::int64_t nowSecond);
    void addRetained(std::string_view topic);
    void merge(TopicTree&& other);

    const std::map<std::string, Node>& nodes() const { return m_nodes; }
    const Node& self() const { return m_self; }
    static std::string keyOf(std::string_view topic);

private:
    // Calls f(node, exact, deeper) for each node of `topic` within the depth, and for the
    // prefix node itself (depth 0).
    template <typename F>
    void visit(std::string_view topic, F&& f);
    Node* nodeFor(const std::string& key, std::string_view path, unsigned depth);

    std::optional<std::string> m_prefix;
    unsigned m_depth;
    std::size_t m_capacity;
    std::string m_after;
    Node m_self;
    std::map<std::string, Node> m_nodes;
};

} // namespace sb::admin
