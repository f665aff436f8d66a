#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "broker/core/Message.h"

namespace sb::core {

// Retained messages by topic name. A trie keyed by topic levels so that a wildcard subscription
// finds its retained messages by walking only the matching branches.
//
// Not thread-safe: the owner guards it (matching takes a shared lock, set/clear an exclusive one).
class RetainedStore
{
public:
    RetainedStore();
    ~RetainedStore();
    RetainedStore(const RetainedStore&) = delete;
    RetainedStore& operator=(const RetainedStore&) = delete;

    // Stores `message` as the retained message of its topic, replacing any earlier one.
    // Returns the replaced message, if any.
    MessagePtr set(MessagePtr message);

    // Removes the retained message of `topicName` (a PUBLISH with retain and empty payload).
    // Returns the removed message, if any.
    MessagePtr clear(std::string_view topicName);

    MessagePtr get(std::string_view topicName) const;

    // Calls f(const MessagePtr&) for every retained message whose topic matches `filter` (a valid
    // topic filter, wildcards allowed, honouring the '$' rule).
    void match(std::string_view filter, const std::function<void(const MessagePtr&)>& f) const;

    // Calls f for every retained message, in topic order within each level.
    void forEach(const std::function<void(const MessagePtr&)>& f) const;

    std::size_t size() const { return m_count; }
    std::size_t payloadBytes() const { return m_bytes; }

    // Trie nodes below the root: 0 once every message is cleared (clear prunes). For memory
    // metrics and for tests of pruning.
    std::size_t nodeCount() const { return m_nodeCount; }

private:
    struct Node;
    std::unique_ptr<Node> m_root;
    std::size_t m_count = 0;
    std::size_t m_bytes = 0;
    std::size_t m_nodeCount = 0;
};

} // namespace sb::core
