#include "broker/core/RetainedStore.h"

#include <cassert>
#include <map>
#include <utility>

#include "broker/core/Topic.h"

namespace sb::core {

namespace {

bool startsWithDollar(std::string_view level)
{
    return !level.empty() && level.front() == '$';
}

} // namespace

// One topic level: the message retained on the topic that ends here and the levels below.
// Children live in an ordered map (transparent, so lookups take a string_view) because
// forEach and match promise topic order within each level.
struct RetainedStore::Node
{
    using Children = std::map<std::string, std::unique_ptr<Node>, std::less<>>;

    Children children;
    MessagePtr message;

    bool isEmpty() const { return !message && children.empty(); }

    const Node* find(std::string_view topicName) const
    {
        const Node* node = this;
        topic::Levels levels(topicName);
        while (node != nullptr && !levels.done()) {
            const auto it = node->children.find(levels.next());
            node = it == node->children.end() ? nullptr : it->second.get();
        }
        return node;
    }

    // Takes the message of the topic at the end of `levels` below this node and prunes the
    // nodes that leaves empty, decrementing `nodeCount` for each.
    MessagePtr take(topic::Levels levels, std::size_t& nodeCount)
    {
        if (levels.done()) {
            return std::exchange(message, nullptr);
        }
        const auto it = children.find(levels.next());
        if (it == children.end()) {
            return nullptr;
        }
        auto taken = it->second->take(levels, nodeCount);
        if (taken && it->second->isEmpty()) {
            children.erase(it);
            --nodeCount;
        }
        return taken;
    }

    // This node's message and everything below it; `skipSystemTopics` drops children whose
    // level starts with '$' (only ever set at the root, for the '$' rule).
    void visitAll(bool skipSystemTopics, const std::function<void(const MessagePtr&)>& f) const
    {
        if (message) {
            f(message);
        }
        for (const auto& [level, child] : children) {
            if (skipSystemTopics && startsWithDollar(level)) {
                continue;
            }
            child->visitAll(false, f);
        }
    }

    // `levels` holds what is left of the filter below this node.
    void match(topic::Levels levels, bool isRoot,
               const std::function<void(const MessagePtr&)>& f) const
    {
        if (levels.done()) {
            if (message) {
                f(message);
            }
            return;
        }
        const auto level = levels.next();
        if (level == "#") {
            // Includes this node's own message: "sport/#" matches "sport".
            visitAll(isRoot, f);
            return;
        }
        if (level == "+") {
            for (const auto& [childLevel, child] : children) {
                if (isRoot && startsWithDollar(childLevel)) {
                    continue;
                }
                child->match(levels, false, f);
            }
            return;
        }
        if (const auto it = children.find(level); it != children.end()) {
            it->second->match(levels, false, f);
        }
    }
};

RetainedStore::RetainedStore()
    : m_root(std::make_unique<Node>())
{}

RetainedStore::~RetainedStore() = default;

MessagePtr RetainedStore::set(MessagePtr message)
{
    assert(message);
    Node* node = m_root.get();
    topic::Levels levels(message->topic);
    while (!levels.done()) {
        const auto level = levels.next();
        if (const auto it = node->children.find(level); it != node->children.end()) {
            node = it->second.get();
            continue;
        }
        // Built before it is linked in, so a failed allocation never leaves a null child.
        auto child = std::make_unique<Node>();
        Node* const created = child.get();
        node->children.emplace(std::string(level), std::move(child));
        ++m_nodeCount;
        node = created;
    }
    m_bytes += message->payload.size();
    auto replaced = std::exchange(node->message, std::move(message));
    if (replaced) {
        m_bytes -= replaced->payload.size();
    } else {
        ++m_count;
    }
    return replaced;
}

MessagePtr RetainedStore::clear(std::string_view topicName)
{
    auto removed = m_root->take(topic::Levels(topicName), m_nodeCount);
    if (removed) {
        --m_count;
        m_bytes -= removed->payload.size();
    }
    return removed;
}

MessagePtr RetainedStore::get(std::string_view topicName) const
{
    const Node* node = m_root->find(topicName);
    return node == nullptr ? nullptr : node->message;
}

void RetainedStore::match(std::string_view filter,
                          const std::function<void(const MessagePtr&)>& f) const
{
    m_root->match(topic::Levels(filter), true, f);
}

void RetainedStore::forEach(const std::function<void(const MessagePtr&)>& f) const
{
    m_root->visitAll(false, f);
}

} // namespace sb::core
