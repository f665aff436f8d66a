#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "broker/admin/QueryReader.h"
#include "broker/admin/SortedPage.h"

namespace sb::admin {

// Pagination cursors: opaque to callers (base64url of a small JSON object holding the last
// item's sort key), so the format can change without breaking the console. Each list names
// its kind, so a cursor from one list given to another is refused rather than misread.
class Cursor
{
public:
    static std::string encode(std::string_view kind, boost::json::object position);
    // The position, or nullopt when `text` is not a cursor of this kind.
    static std::optional<boost::json::object> decode(std::string_view kind, std::string_view text);

    // For sorted lists: the cursor after `key` in the list `kind` sorted by `sort`.
    static std::string forKey(std::string_view kind, std::string_view sort, bool descending,
                              const SortKey& key);
    // Reads ?cursor= of such a list: nullopt when absent; a cursor of another list or sort is
    // refused through `query` (400 naming "cursor").
    static std::optional<SortKey> readKey(QueryReader& query, std::string_view kind,
                                          std::string_view sort, bool descending);
    // A page's "next_cursor": forKey(next), or null on the last page.
    static boost::json::value nextForKey(std::string_view kind, std::string_view sort,
                                         bool descending, const std::optional<SortKey>& next);

    // For lists ordered by one name (topic, client id): the cursor after `name`.
    static std::string forName(std::string_view kind, std::string_view name);
    // Reads ?cursor= of such a list: the name to continue after, empty when absent; a cursor
    // of another list is refused through `query`.
    static std::string readName(QueryReader& query, std::string_view kind);
};

} // namespace sb::admin
