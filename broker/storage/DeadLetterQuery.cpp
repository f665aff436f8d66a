#include "broker/storage/DeadLetterQuery.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "broker/core/Topic.h"

namespace sb::storage {

namespace {

// Stored times are whole milliseconds, so "time >= t" and "time < t" hold exactly when they hold
// against t rounded up (rounding down would let in the millisecond before `since`).
std::int64_t boundMillis(core::Clock::WallTimePoint time)
{
    return std::chrono::ceil<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

} // namespace

DeadLetterQuery::DeadLetterQuery(const core::DeadLetterFilter& filter)
{
    if (!filter.reasons.empty()) {
        std::vector<std::int64_t> reasons;
        for (const core::DeadLetterReason reason : filter.reasons) {
            reasons.push_back(static_cast<std::int64_t>(reason));
        }
        // Sorted and unique, so that one set of reasons always gives one SQL string.
        std::sort(reasons.begin(), reasons.end());
        reasons.erase(std::unique(reasons.begin(), reasons.end()), reasons.end());
        if (reasons.size() == 1) {
            add("reason = ?", {reasons.front()}); // the index gives these rows in id order
        } else {
            // Several reasons are several index ranges, which SQLite would merge by sorting
            // every matching row for each page; '+' keeps it off the index, and the walk in id
            // order stops as soon as the page is full.
            std::string clause = "+reason IN (";
            std::vector<Value> values;
            for (const std::int64_t reason : reasons) {
                clause += values.empty() ? "?" : ", ?";
                values.emplace_back(reason);
            }
            clause += ')';
            add(std::move(clause), std::move(values));
        }
    }
    if (!filter.publisher.empty()) {
        add("publisher_client_id = ?", {filter.publisher});
    }
    if (!filter.targetClientId.empty()) {
        add("target_client_id = ?", {filter.targetClientId});
    }
    if (filter.since) {
        add("time >= ?", {boundMillis(*filter.since)});
    }
    if (filter.until) {
        add("time < ?", {boundMillis(*filter.until)});
    }
    if (filter.replayed) {
        add(*filter.replayed ? "replayed_at IS NOT NULL" : "replayed_at IS NULL", {});
    }
    if (!filter.topicFilter.empty()) {
        if (!core::topic::isValidTopicFilter(filter.topicFilter)) {
            m_canMatch = false;
        } else if (!core::topic::hasWildcard(filter.topicFilter)) {
            add("topic = ?", {filter.topicFilter}); // exact: no row needs a second look
        } else {
            m_topicFilter = filter.topicFilter;
            std::string pattern = globPattern(filter.topicFilter);
            if (pattern != "*") {
                add("topic GLOB ?", {std::move(pattern)});
            }
        }
    }
}

void DeadLetterQuery::startAfter(std::uint64_t id, bool newestFirst)
{
    add(newestFirst ? "id < ?" : "id > ?", {static_cast<std::int64_t>(id)});
}

void DeadLetterQuery::add(std::string clause, std::vector<Value> values)
{
    m_clauses.push_back(std::move(clause));
    for (Value& value : values) {
        m_values.push_back(std::move(value));
    }
}

std::string DeadLetterQuery::sql(std::string_view select, std::string_view tail) const
{
    std::string text(select);
    for (std::size_t i = 0; i < m_clauses.size(); ++i) {
        text += i == 0 ? " WHERE " : " AND ";
        text += m_clauses[i];
    }
    text += tail;
    return text;
}

int DeadLetterQuery::bind(Statement& statement) const
{
    int index = 1;
    for (const Value& value : m_values) {
        std::visit([&](const auto& v) { statement.bind(index, v); }, value);
        ++index;
    }
    return index;
}

bool DeadLetterQuery::matchesTopic(std::string_view topic) const
{
    return m_topicFilter.empty() || core::topic::matches(m_topicFilter, topic);
}

std::string DeadLetterQuery::globPattern(std::string_view topicFilter)
{
    const bool multiLevelTail = topicFilter.size() >= 2 && topicFilter.ends_with("/#");
    if (multiLevelTail) {
        topicFilter.remove_suffix(2);
    }
    std::string pattern;
    const auto star = [&pattern] {
        if (!pattern.ends_with('*')) { // "+/#" needs one '*'; an escaped '*' ends in ']'
            pattern += '*';
        }
    };
    for (const char c : topicFilter) {
        switch (c) {
        case '+':
        case '#':
            star();
            break;
        case '*':
            pattern += "[*]";
            break;
        case '?':
            pattern += "[?]";
            break;
        case '[':
            pattern += "[[]";
            break;
        default:
            pattern += c;
            break;
        }
    }
    if (multiLevelTail) {
        star();
    }
    return pattern;
}

} // namespace sb::storage
