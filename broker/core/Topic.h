#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

// Topic names, topic filters and shared-subscription syntax (MQTT 5.0 section 4.7 and 4.8.2,
// 3.1.1 section 4.7).
namespace sb::core::topic {

// A topic name as used in PUBLISH: at least one character, no '+' or '#', no U+0000.
// (UTF-8 well-formedness is the codec's job.)
bool isValidTopicName(std::string_view name);

// A topic filter: at least one character; '#' only as the whole last level; '+' only as a whole
// level. A shared filter ("$share/...") is NOT valid here; split it with parseShared() first.
bool isValidTopicFilter(std::string_view filter);

// True when the filter contains '+' or '#'.
bool hasWildcard(std::string_view filter);

struct SharedFilter
{
    std::string_view group;  // ShareName: at least one character, no '/', '+' or '#'
    std::string_view filter; // the topic filter after the group
};

// True when `filter` starts with "$share/".
bool isShared(std::string_view filter);

// Splits "$share/{group}/{filter}". nullopt when `filter` is not a shared filter or is a
// malformed one (empty or wildcard group, missing or invalid filter after it).
std::optional<SharedFilter> parseShared(std::string_view filter);

// Does `filter` match `name`? Implements '+', '#' (including "a/#" matching "a"), and the rule
// that a filter starting with a wildcard does not match a topic starting with '$' (4.7.2).
bool matches(std::string_view filter, std::string_view name);

// Number of levels: "a/b" has 2, "/" has 2, "" has 1. For the max-topic-levels limit.
std::size_t levelCount(std::string_view text);

// Walks the levels of a topic name or filter without allocating: "a//b" gives "a", "", "b" and
// "" gives one empty level. Cheap to copy, so a recursive trie walk passes it by value.
class Levels
{
public:
    explicit Levels(std::string_view text)
        : m_text(text)
    {}

    // True once the last level has been returned by next().
    bool done() const { return m_done; }

    // The next level. Call only while !done().
    std::string_view next()
    {
        const auto slash = m_text.find('/', m_pos);
        if (slash == std::string_view::npos) {
            m_done = true;
            return m_text.substr(m_pos);
        }
        const auto level = m_text.substr(m_pos, slash - m_pos);
        m_pos = slash + 1;
        return level;
    }

private:
    std::string_view m_text;
    std::size_t m_pos = 0;
    bool m_done = false;
};

} // namespace sb::core::topic
