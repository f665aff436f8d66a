#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sb::core {

// Per-topic message counts seen by one shard, for the admin API's topic tree: messages and
// bytes in total and in the last whole second. Recording is O(1) (one hash lookup, no
// allocation for a known topic); the shard's thread is the only writer. Bounded: beyond
// `maxTopics` new topics are counted only in untrackedMessages().
class TopicActivity
{
public:
    struct Entry
    {
        std::uint64_t messages = 0;
        std::uint64_t bytes = 0;
        std::int64_t second = 0;          // wall-clock second of `thisSecond`
        std::uint32_t thisSecond = 0;     // messages in that second
        std::uint32_t previousSecond = 0; // messages in the second before it
        std::int64_t lastMessageAt = 0;   // wall-clock milliseconds

        // Messages per second over the last whole second, as of wall second `now`.
        std::uint32_t rate(std::int64_t now) const
        {
            if (now == second) {
                return previousSecond;
            }
            return now == second + 1 ? thisSecond : 0;
        }
    };

    explicit TopicActivity(std::size_t maxTopics = 100'000)
        : m_maxTopics(maxTopics)
    {}

    void record(std::string_view topic, std::size_t payloadBytes, std::int64_t wallMillis);

    template <typename F>
    void forEach(F&& f) const
    {
        for (const auto& [topic, entry] : m_topics) {
            f(std::string_view(topic), entry);
        }
    }
    std::size_t size() const { return m_topics.size(); }
    std::uint64_t untrackedMessages() const { return m_untracked; }

private:
    struct Hash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const
        {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> m_topics;
    std::size_t m_maxTopics;
    std::uint64_t m_untracked = 0;
};

} // namespace sb::core
