#include "broker/core/TopicActivity.h"

namespace sb::core {

void TopicActivity::record(std::string_view topic, std::size_t payloadBytes,
                           std::int64_t wallMillis)
{
    auto it = m_topics.find(topic);
    if (it == m_topics.end()) {
        if (m_topics.size() >= m_maxTopics) {
            ++m_untracked;
            return;
        }
        it = m_topics.emplace(std::string(topic), Entry{}).first;
    }
    Entry& e = it->second;
    const std::int64_t second = wallMillis / 1000;
    if (second != e.second) {
        e.previousSecond = second == e.second + 1 ? e.thisSecond : 0;
        e.thisSecond = 0;
        e.second = second;
    }
    ++e.thisSecond;
    ++e.messages;
    e.bytes += payloadBytes;
    e.lastMessageAt = wallMillis;
}

} // namespace sb::core
