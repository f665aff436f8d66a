#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "broker/core/DeadLetters.h"
#include "broker/storage/Statement.h"

namespace sb::storage {

// The WHERE clause of a query on dead_letters, built from a core::DeadLetterFilter. Everything but
// the MQTT topic filter maps to SQL exactly; a topic filter with wildcards becomes a GLOB pattern
// that admits every topic it matches and some it does not, so each row must still pass
// matchesTopic().
class DeadLetterQuery
{
public:
    explicit DeadLetterQuery(const core::DeadLetterFilter& filter);

    // Restricts the query to ids after `id` in listing order: greater when oldest first, smaller
    // when newest first.
    void startAfter(std::uint64_t id, bool newestFirst);

    // False when no row can match (the topic filter is not a valid MQTT filter): callers answer
    // without running the query.
    bool canMatch() const { return m_canMatch; }

    // `select`, then " WHERE ..." when there are conditions, then `tail`. Each condition is there
    // or not (the reasons by their number), so the distinct strings are few and may stay in the
    // connection's statement cache.
    std::string sql(std::string_view select, std::string_view tail) const;
    // Binds the conditions' parameters from ?1 on; returns the first index left for the tail.
    int bind(Statement& statement) const;

    // The exact topic test that the SQL pattern only approximates; true when there is no filter.
    bool matchesTopic(std::string_view topic) const;

    // A GLOB pattern matching every topic `topicFilter` matches, and possibly more: '+' and '#'
    // become '*' (which also spans '/'), GLOB's own special characters are escaped, and a trailing
    // "/#" becomes "*" because "a/#" matches "a" itself too.
    static std::string globPattern(std::string_view topicFilter);

private:
    using Value = std::variant<std::int64_t, std::string>;

    void add(std::string clause, std::vector<Value> values);

    std::vector<std::string> m_clauses;
    std::vector<Value> m_values; // in the order of the '?' in m_clauses
    std::string m_topicFilter;   // set when rows need matchesTopic()
    bool m_canMatch = true;
};

} // namespace sb::storage
